/* The shell's phone helpers (issue #20 item 1), plain JS, no framework.
 * 1. The menu toggle: the button is shown only once this script runs (without it the menu stays visible);
 *    it flips aria-expanded, and Escape closes the menu and gives the focus back to the button.
 * 2. Stacked tables: every table in <main> with a header row gets each cell's column name as data-label
 *    (a cell's own data-label is kept), so that the stylesheet can show a row as a card of "label: value"
 *    lines on a narrow screen. Without the script a wide table scrolls inside its own box. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("site-nav");
  if (button && nav) {
    button.hidden = false;
    var setOpen = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    };
    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }
  var tables = document.querySelectorAll("main table");
  for (var t = 0; t < tables.length; t++) {
    var table = tables[t];
    var headRow = table.tHead ? table.tHead.rows[0] : null;
    if (!headRow && table.rows.length && table.rows[0].querySelectorAll("td").length === 0) {
      headRow = table.rows[0];  // a table without <thead> whose first row is all <th>
      headRow.classList.add("stack-head");
    }
    if (!headRow || table.classList.contains("no-stack")) { continue; }
    var labels = [];
    for (var h = 0; h < headRow.cells.length; h++) {
      var cell = headRow.cells[h];
      var text = (cell.getAttribute("data-label") || cell.textContent || "").replace(/\s+/g, " ").trim();
      for (var span = 0; span < (cell.colSpan || 1); span++) { labels.push(text); }
    }
    for (var r = 0; r < table.rows.length; r++) {
      var row = table.rows[r];
      if (row === headRow || row.parentNode === table.tHead) { continue; }
      var col = 0;
      for (var c = 0; c < row.cells.length; c++) {
        var td = row.cells[c];
        if (!td.hasAttribute("data-label") && labels[col]) { td.setAttribute("data-label", labels[col]); }
        col += td.colSpan || 1;
      }
    }
    table.classList.add("stack");
  }
})();

/* The construction-land quota overlay of the public map (全景看地, issue #16): reclamation plots by state, land the
   reserve centre holds or has supplied, and quota flows from where quota was reclaimed to where it was allocated,
   loaded by viewport from /api/v1/quota/map. Toggle it with the layer control; public facts only. */
(function () {
  "use strict";
  var map = window.landbridgeMap;
  var node = document.getElementById("quota-config");
  if (!map || !node) { return; }
  var text = JSON.parse(node.textContent);
  var COLOURS = text.colours;  // the sidebar's legend draws the same colours
  var status = document.getElementById("quota-status");

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function colour(p) {
    if (p.layer === "reclaimed") { return COLOURS["reclaimed_" + p.status] || COLOURS.reclaimed_planned; }
    return COLOURS[p.layer] || "#999";
  }
  function popup(feature, lyr) {
    var p = feature.properties, html = "<div class=\"popup\">";
    if (p.layer === "reclaimed") {
      html += "<strong>" + esc(text.project) + "</strong> " + esc(p.project_no) +
        "<br>" + esc(text.kinds[p.kind] || p.kind) + " · " + esc(text.states[p.status] || p.status) +
        "<br><strong>" + esc(text.planned) + "</strong> " + esc(p.planned_area_m2) + " m²";
      if (p.accepted_area_m2) { html += "<br><strong>" + esc(text.accepted) + "</strong> " + esc(p.accepted_area_m2) + " m²"; }
    } else if (p.layer === "reserve") {
      html += "<strong>" + esc(text.reserve) + "</strong> " + esc(p.reserve_no) + " · " +
        esc(text.reserveStates[p.status] || p.status) + "<br>" + esc(p.area_m2) + " m²";
    } else {
      html += "<strong>" + esc(text.flow) + "</strong> " + esc(p.year) + "<br><strong>" + esc(text.allocated) +
        "</strong> " + esc(p.allocated_m2) + " m²<br><strong>" + esc(text.consumed) + "</strong> " + esc(p.consumed_m2) + " m²";
    }
    lyr.bindPopup(html + "</div>");
  }
  map.createPane("quotaLayer").style.zIndex = 440;
  var layer = L.geoJSON(null, {
    pane: "quotaLayer",
    style: function (f) {
      var c = colour(f.properties);
      return f.properties.layer === "flow" ? { color: c, weight: 2, dashArray: "6 4" }
        : { color: c, weight: 2, fillColor: c, fillOpacity: 0.4 };
    },
    onEachFeature: popup
  });
  var requested = new URLSearchParams(window.location.search).get("layers");
  if (requested !== null && requested.split(",").indexOf("quota") >= 0) { layer.addTo(map); }
  var control = {};
  control[esc(text.layer)] = layer;
  L.control.layers(null, control, { collapsed: false, position: "topright" }).addTo(map);
  var generation = 0;
  function load() {
    if (!map.hasLayer(layer)) { return; }
    var mine = generation = generation + 1;
    var b = map.getBounds();
    var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
               Math.min(b.getNorth(), 90)].map(function (v) { return v.toFixed(6); }).join(",");
    fetch(text.api + "?bbox=" + box, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (fc) {
      if (mine !== generation) { return; }
      layer.clearLayers();
      layer.addData(fc);
      var n = (fc.features || []).length;
      if (status) { status.textContent = text.shown.replace("{n}", n) + (fc.truncated ? " " + text.truncated : ""); }
      document.body.setAttribute("data-quota-features", String(n));
    }).catch(function () { if (mine === generation && status) { status.textContent = text.failed; } });
  }
  map.on("overlayadd", function (e) { if (e.layer === layer) { load(); } });
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
  load();
})();

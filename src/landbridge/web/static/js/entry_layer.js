/* The market-entry overlay of the public map (全景看地, issue #15): collective construction land that a
   collective holds (candidates), parcels whose entry case is published, and parcels already entered, loaded by
   viewport from /api/v1/market-entry/map. Toggle it with the layer control; public facts only. */
(function () {
  "use strict";
  var map = window.landbridgeMap;
  var node = document.getElementById("entry-config");
  if (!map || !node) { return; }
  var config = JSON.parse(node.textContent);
  var text = config;  // the labels sit at the top of the config
  var status = document.getElementById("entry-status");
  var STAGE_COLOURS = config.colours;  // the sidebar's legend draws the same colours

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function popup(feature, lyr) {
    var p = feature.properties;
    var html = "<div class=\"popup\"><strong>" + esc(text.stages[p.stage] || p.stage) + "</strong>" +
      "<br><strong>" + esc(text.landUse) + "</strong> " + esc(p.land_use_class) +
      "<br><strong>" + esc(text.area) + "</strong> " + esc(p.area_m2) + " m²";
    if (p.case_number) {
      html += "<br><strong>" + esc(text.caseNumber) + "</strong> " + esc(p.case_number) +
        " · " + esc(text.states[p.case_state] || p.case_state);
    }
    if (p.entry_method) {
      html += "<br><strong>" + esc(text.method) + "</strong> " + esc(text.methods[p.entry_method] || p.entry_method) +
        "<br><strong>" + esc(text.termEnd) + "</strong> " + esc(p.term_end || "—");
    }
    if (p.stage === "candidate") { html += "<br><em class=\"muted\">" + esc(text.candidateNote) + "</em>"; }
    lyr.bindPopup(html + "</div>");
  }

  map.createPane("entryParcels").style.zIndex = 430;  // above the parcels, below the plan's lines and points
  var layer = L.geoJSON(null, {
    pane: "entryParcels",
    style: function (f) {
      var c = STAGE_COLOURS[f.properties.stage] || "#999";
      return { color: c, weight: 2, fillColor: c, fillOpacity: 0.35 };
    },
    onEachFeature: popup
  });
  var requested = new URLSearchParams(window.location.search).get("layers");
  if (requested !== null && requested.split(",").indexOf("entry") >= 0) { layer.addTo(map); }
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
    fetch(config.api + "?bbox=" + box, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (fc) {
      if (mine !== generation) { return; }
      layer.clearLayers();
      layer.addData(fc);
      var n = (fc.features || []).length;
      status.textContent = text.shown.replace("{n}", n) + (fc.truncated ? " " + text.truncated : "");
      document.body.setAttribute("data-entry-parcels", String(n));
    }).catch(function () { if (mine === generation) { status.textContent = text.failed; } });
  }
  map.on("overlayadd", function (e) { if (e.layer === layer) { load(); } });
  map.on("overlayremove", function (e) { if (e.layer === layer) { status.textContent = ""; } });
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
  load();
})();

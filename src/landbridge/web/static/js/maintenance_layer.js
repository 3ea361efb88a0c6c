/* The maintenance layer of the public map (管护清单, issue #20 item 5): rural roads, water supply, sewage, waste,
   lighting and public buildings by kind, assets not yet handed over and assets with an overdue defect, loaded by
   viewport from /api/v1/maintenance/map. Toggle it with the layer control; public facts only (no person). */
(function () {
  "use strict";
  var map = window.landbridgeMap;
  var node = document.getElementById("maintenance-config");
  if (!map || !node) { return; }
  var text = JSON.parse(node.textContent);
  var COLOURS = text.colours;  // the sidebar's legend draws the same colours, keyed by the feature's "legend"
  var status = document.getElementById("maintenance-status");

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function colour(p) { return COLOURS[p.legend] || "#999"; }
  function popup(feature, lyr) {
    var p = feature.properties;
    var html = "<div class=\"popup\"><strong>" + esc(p.name) + "</strong> " + esc(p.asset_no) +
      "<br>" + esc(text.kinds[p.kind] || p.kind) + " · " + esc(text.states[p.status] || p.status) +
      "<br><strong>" + esc(text.maintainer) + "</strong> " + esc(p.maintainer || "—");
    if (p.overdue) { html += "<br><strong>" + esc(text.overdue) + "</strong>"; }
    lyr.bindPopup(html + "</div>");
  }
  map.createPane("maintenanceLayer").style.zIndex = 450;
  var layer = L.geoJSON(null, {
    pane: "maintenanceLayer",
    pointToLayer: function (f, latlng) {
      var c = colour(f.properties);
      return L.circleMarker(latlng, { pane: "maintenanceLayer", radius: 6, color: c, fillColor: c, fillOpacity: 0.8 });
    },
    style: function (f) {
      var c = colour(f.properties);
      return { color: c, weight: 4, fillColor: c, fillOpacity: 0.4 };
    },
    onEachFeature: popup
  });
  var requested = new URLSearchParams(window.location.search).get("layers");
  if (requested !== null && requested.split(",").indexOf("maintenance") >= 0) { layer.addTo(map); }
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
      document.body.setAttribute("data-maintenance-features", String(n));
    }).catch(function () { if (mine === generation && status) { status.textContent = text.failed; } });
  }
  map.on("overlayadd", function (e) { if (e.layer === layer) { load(); } });
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
  load();
})();

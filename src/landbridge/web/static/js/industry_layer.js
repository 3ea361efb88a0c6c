/* The industry layer of the public map (产业信息, issue #19 item 5): published industry synergy zones,
   characteristic towns, agricultural parks and villages by kind, with their industries and computed available land
   and quota, and their published projects as points; loaded by viewport from /api/v1/industry/map. Toggle it with
   the layer control; public facts only (no person). */
(function () {
  "use strict";
  var map = window.landbridgeMap;
  var node = document.getElementById("industry-config");
  if (!map || !node) { return; }
  var text = JSON.parse(node.textContent);
  var COLOURS = text.colours;  // the sidebar's legend draws the same colours, keyed by the feature's "legend"
  var status = document.getElementById("industry-status");

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function colour(p) { return COLOURS[p.legend] || "#999"; }
  function popup(feature, lyr) {
    var p = feature.properties;
    var html = "<div class=\"popup\"><strong>" + esc(p.name) + "</strong>";
    if (p.legend === "project") {
      html += "<br>" + esc(text.states[p.status] || p.status) + " · " + esc(text.natures[p.nature] || p.nature);
    } else {
      html += " <a href=\"/industry/places/" + encodeURIComponent(p.place_id) + "\">" + esc(text.details) + "</a>" +
        "<br>" + esc(text.kinds[p.kind] || p.kind) + " · " +
        esc((p.industries || []).map(function (i) { return text.industries[i] || i; }).join(" / ")) +
        "<br>" + esc(text.land) + " " + esc(p.land_available_m2) + " m²" +
        "<br>" + esc(text.quota) + " " + esc(p.quota_available_m2) + " m²";
    }
    lyr.bindPopup(html + "</div>");
  }
  map.createPane("industryLayer").style.zIndex = 440;
  var layer = L.geoJSON(null, {
    pane: "industryLayer",
    pointToLayer: function (f, latlng) {
      var c = colour(f.properties);
      return L.circleMarker(latlng, { pane: "industryLayer", radius: 7, color: c, fillColor: c, fillOpacity: 0.9 });
    },
    style: function (f) {
      var c = colour(f.properties);
      return { color: c, weight: 2, dashArray: "6 4", fillColor: c, fillOpacity: 0.15 };
    },
    onEachFeature: popup
  });
  var requested = new URLSearchParams(window.location.search).get("layers");
  if (requested !== null && requested.split(",").indexOf("industry") >= 0) { layer.addTo(map); }
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
      document.body.setAttribute("data-industry-features", String(n));
    }).catch(function () { if (mine === generation && status) { status.textContent = text.failed; } });
  }
  map.on("overlayadd", function (e) { if (e.layer === layer) { load(); } });
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
  load();
})();

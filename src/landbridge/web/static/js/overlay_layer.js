/* The public map's overlays loaded by viewport (market entry, quota, maintenance, industry): one loader for all.
   Each overlay script calls window.landbridgeOverlay(spec) with
     name      its config node "<name>-config" (labels, colours, "api") and status node "<name>-status",
               and the ?layers=<name> switch that shows it on opening;
     pane, zIndex  the Leaflet pane it draws in;
     attr      the body attribute that counts the features shown (the browser tests read it);
     options   function (text, esc, pane) → the L.geoJSON options (style, pointToLayer, onEachFeature);
     clearOnRemove  empty the status line when the layer is switched off.
   The loader adds the layer control, fetches "<api>?bbox=…" on moveend (300 ms debounce) while the layer is shown,
   drops answers that a later request overtook, and reports the count or the failure in the status line. */
(function () {
  "use strict";
  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function overlay(spec) {
    var map = window.landbridgeMap;
    var node = document.getElementById(spec.name + "-config");
    if (!map || !node) { return null; }
    var text = JSON.parse(node.textContent);
    var status = document.getElementById(spec.name + "-status");
    map.createPane(spec.pane).style.zIndex = spec.zIndex;
    var options = spec.options(text, esc, spec.pane);
    options.pane = spec.pane;
    var layer = L.geoJSON(null, options);
    var requested = new URLSearchParams(window.location.search).get("layers");
    if (requested !== null && requested.split(",").indexOf(spec.name) >= 0) { layer.addTo(map); }
    var control = {};
    control[esc(text.layer)] = layer;
    L.control.layers(null, control, { collapsed: false, position: "topright" }).addTo(map);
    var generation = 0;
    function say(message) { if (status) { status.textContent = message; } }
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
        say(text.shown.replace("{n}", n) + (fc.truncated ? " " + text.truncated : ""));
        document.body.setAttribute(spec.attr, String(n));
      }).catch(function () { if (mine === generation) { say(text.failed); } });
    }
    map.on("overlayadd", function (e) { if (e.layer === layer) { load(); } });
    if (spec.clearOnRemove) { map.on("overlayremove", function (e) { if (e.layer === layer) { say(""); } }); }
    var timer = null;
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
    load();
    return layer;
  }
  window.landbridgeOverlay = overlay;
})();

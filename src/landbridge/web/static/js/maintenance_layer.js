/* The maintenance layer of the public map (管护清单, issue #20 item 5): rural roads, water supply, sewage, waste,
   lighting and public buildings by kind, assets not yet handed over and assets with an overdue defect, loaded by
   viewport from /api/v1/maintenance/map through the shared overlay loader (overlay_layer.js). Toggle it with the
   layer control; public facts only (no person). */
(function () {
  "use strict";
  if (!window.landbridgeOverlay) { return; }
  window.landbridgeOverlay({ name: "maintenance", pane: "maintenanceLayer", zIndex: 450,
    attr: "data-maintenance-features",
    options: function (text, esc, pane) {
      // the sidebar's legend draws the same colours, keyed by the feature's "legend"
      function colour(p) { return text.colours[p.legend] || "#999"; }
      return {
        pointToLayer: function (f, latlng) {
          var c = colour(f.properties);
          return L.circleMarker(latlng, { pane: pane, radius: 6, color: c, fillColor: c, fillOpacity: 0.8 });
        },
        style: function (f) {
          var c = colour(f.properties);
          return { color: c, weight: 4, fillColor: c, fillOpacity: 0.4 };
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          var html = "<div class=\"popup\"><strong>" + esc(p.name) + "</strong> " + esc(p.asset_no) +
            "<br>" + esc(text.kinds[p.kind] || p.kind) + " · " + esc(text.states[p.status] || p.status) +
            "<br><strong>" + esc(text.maintainer) + "</strong> " + esc(p.maintainer || "—");
          if (p.overdue) { html += "<br><strong>" + esc(text.overdue) + "</strong>"; }
          lyr.bindPopup(html + "</div>");
        }
      };
    } });
})();

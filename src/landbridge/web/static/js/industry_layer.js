/* The industry layer of the public map (产业信息, issue #19 item 5): published industry synergy zones,
   characteristic towns, agricultural parks and villages by kind, with their industries and computed available land
   and quota, and their published projects as points; loaded by viewport from /api/v1/industry/map through the shared
   overlay loader (overlay_layer.js). Toggle it with the layer control; public facts only (no person). */
(function () {
  "use strict";
  if (!window.landbridgeOverlay) { return; }
  window.landbridgeOverlay({ name: "industry", pane: "industryLayer", zIndex: 440, attr: "data-industry-features",
    options: function (text, esc, pane) {
      // the sidebar's legend draws the same colours, keyed by the feature's "legend"
      function colour(p) { return text.colours[p.legend] || "#999"; }
      return {
        pointToLayer: function (f, latlng) {
          var c = colour(f.properties);
          return L.circleMarker(latlng, { pane: pane, radius: 7, color: c, fillColor: c, fillOpacity: 0.9 });
        },
        style: function (f) {
          var c = colour(f.properties);
          return { color: c, weight: 2, dashArray: "6 4", fillColor: c, fillOpacity: 0.15 };
        },
        onEachFeature: function (feature, lyr) {
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
      };
    } });
})();

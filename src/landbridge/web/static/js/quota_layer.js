/* The construction-land quota overlay of the public map (全景看地, issue #16): reclamation plots by state, land the
   reserve centre holds or has supplied, and quota flows from where quota was reclaimed to where it was allocated,
   loaded by viewport from /api/v1/quota/map through the shared overlay loader (overlay_layer.js). Toggle it with the
   layer control; public facts only. */
(function () {
  "use strict";
  if (!window.landbridgeOverlay) { return; }
  window.landbridgeOverlay({ name: "quota", pane: "quotaLayer", zIndex: 440, attr: "data-quota-features",
    options: function (text, esc) {
      var COLOURS = text.colours;  // the sidebar's legend draws the same colours
      function colour(p) {
        if (p.layer === "reclaimed") { return COLOURS["reclaimed_" + p.status] || COLOURS.reclaimed_planned; }
        return COLOURS[p.layer] || "#999";
      }
      return {
        style: function (f) {
          var c = colour(f.properties);
          return f.properties.layer === "flow" ? { color: c, weight: 2, dashArray: "6 4" }
            : { color: c, weight: 2, fillColor: c, fillOpacity: 0.4 };
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties, html = "<div class=\"popup\">";
          if (p.layer === "reclaimed") {
            html += "<strong>" + esc(text.project) + "</strong> " + esc(p.project_no) +
              "<br>" + esc(text.kinds[p.kind] || p.kind) + " · " + esc(text.states[p.status] || p.status) +
              "<br><strong>" + esc(text.planned) + "</strong> " + esc(p.planned_area_m2) + " m²";
            if (p.accepted_area_m2) {
              html += "<br><strong>" + esc(text.accepted) + "</strong> " + esc(p.accepted_area_m2) + " m²";
            }
          } else if (p.layer === "reserve") {
            html += "<strong>" + esc(text.reserve) + "</strong> " + esc(p.reserve_no) + " · " +
              esc(text.reserveStates[p.status] || p.status) + "<br>" + esc(p.area_m2) + " m²";
          } else {
            html += "<strong>" + esc(text.flow) + "</strong> " + esc(p.year) + "<br><strong>" + esc(text.allocated) +
              "</strong> " + esc(p.allocated_m2) + " m²<br><strong>" + esc(text.consumed) + "</strong> " +
              esc(p.consumed_m2) + " m²";
          }
          lyr.bindPopup(html + "</div>");
        }
      };
    } });
})();

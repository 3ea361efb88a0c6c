/* The market-entry overlay of the public map (全景看地, issue #15): collective construction land that a
   collective holds (candidates), parcels whose entry case is published, and parcels already entered, loaded by
   viewport from /api/v1/market-entry/map through the shared overlay loader (overlay_layer.js). Toggle it with the
   layer control; public facts only. */
(function () {
  "use strict";
  if (!window.landbridgeOverlay) { return; }
  // above the parcels, below the plan's lines and points
  window.landbridgeOverlay({ name: "entry", pane: "entryParcels", zIndex: 430, attr: "data-entry-parcels",
    clearOnRemove: true,
    options: function (text, esc) {
      var STAGE_COLOURS = text.colours;  // the sidebar's legend draws the same colours
      return {
        style: function (f) {
          var c = STAGE_COLOURS[f.properties.stage] || "#999";
          return { color: c, weight: 2, fillColor: c, fillOpacity: 0.35 };
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          var html = "<div class=\"popup\"><strong>" + esc(text.stages[p.stage] || p.stage) + "</strong>" +
            "<br><strong>" + esc(text.landUse) + "</strong> " + esc(p.land_use_class) +
            "<br><strong>" + esc(text.area) + "</strong> " + esc(p.area_m2) + " m²";
          if (p.case_number) {
            html += "<br><strong>" + esc(text.caseNumber) + "</strong> " + esc(p.case_number) +
              " · " + esc(text.states[p.case_state] || p.case_state);
          }
          if (p.entry_method) {
            html += "<br><strong>" + esc(text.method) + "</strong> " +
              esc(text.methods[p.entry_method] || p.entry_method) +
              "<br><strong>" + esc(text.termEnd) + "</strong> " + esc(p.term_end || "—");
          }
          if (p.stage === "candidate") { html += "<br><em class=\"muted\">" + esc(text.candidateNote) + "</em>"; }
          lyr.bindPopup(html + "</div>");
        }
      };
    } });
})();

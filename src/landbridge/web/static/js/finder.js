/* The land finder's map (找地, issue #23): the listed results as markers (a lot's in green), fitted to them;
   each links its parcel page. The list beside it works without JavaScript. */
(function () {
  "use strict";
  var node = document.getElementById("finder-config");
  var box = document.getElementById("finder-map");
  if (!node || !box || !window.L) { return; }
  var config = JSON.parse(node.textContent);
  var map = L.map(box, { attributionControl: false }).setView(config.view.center, config.view.zoom);
  var layer = L.featureGroup().addTo(map);
  config.points.forEach(function (p) {
    var marker = L.circleMarker([p.point[1], p.point[0]], { radius: 7, weight: 2, color: "#333333",
      fillColor: p.lot ? "#1a9850" : "#2c7fb8", fillOpacity: 0.9 });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = config.text.parcel + " " + p.code;
    marker.bindPopup(link);
    marker.addTo(layer);
  });
  if (config.points.length) { map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [30, 30] }); }
  document.body.setAttribute("data-finder-points", String(config.points.length));
  window.landbridgeFinderMap = map;
})();

/* Small outline map on the parcel page (plain background: no tile server). */
(function () {
  "use strict";
  var el = document.getElementById("parcel-map");
  var shape = JSON.parse(document.getElementById("parcel-shape").textContent);
  var map = L.map(el, { attributionControl: false, zoomControl: true });
  var layer = L.geoJSON(shape, { style: { color: "#0b6e4f", weight: 2, fillColor: "#0b6e4f", fillOpacity: 0.3 } }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 19 });
  L.control.scale({ imperial: false }).addTo(map);
})();

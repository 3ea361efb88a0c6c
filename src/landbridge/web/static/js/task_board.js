/* The task board's map (挂图作战, issue #19 scope 4): the caller's tasks as points coloured by flag, on a plain
   background (no tile server), from /api/v1/tasks/map. */
(function () {
  "use strict";
  var el = document.getElementById("task-map");
  var config = JSON.parse(document.getElementById("task-map-config").textContent);
  var status = document.getElementById("task-map-status");
  var map = L.map(el, { attributionControl: false, zoomControl: true })
    .setView(config.view.center, config.view.zoom);  // the city profile's map view
  L.control.scale({ imperial: false }).addTo(map);
  fetch(config.api, { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) { throw new Error(r.status); }
    return r.json();
  }).then(function (data) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var colour = config.colours[feature.properties.flag] || "#555";
        return L.circleMarker(latlng, { radius: 8, color: colour, fillColor: colour, fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, marker) {
        var p = feature.properties;
        var link = document.createElement("a");
        link.href = p.href;
        link.textContent = p.title + " · " + p.owner + " · " + p.progress + "% · " + (config.labels[p.flag] || p.flag);
        marker.bindPopup(link);
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 13 }); }
  }).catch(function () { status.textContent = config.failed; });
})();

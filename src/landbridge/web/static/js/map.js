/* Public map (全景看地): parcels loaded by viewport from /api/v1/parcels, coloured by right type. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var text = config.text;
  var colours = {};
  config.legend.forEach(function (item) { colours[item.value] = item.colour; });
  var status = document.getElementById("map-status");

  var map = L.map("map", { zoomControl: true, attributionControl: false });
  if (config.basemap) { // off by default (offline); 天地图 or a local MBTiles file under the parcel layers
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(config.basemap.url, { attribution: config.basemap.attribution, maxZoom: config.basemap.maxZoom,
      subdomains: "01234567" }).addTo(map);
  }
  var data = config.dataBounds; // minx, miny, maxx, maxy of the registered parcels, or null
  var query = new URLSearchParams(window.location.search); // ?lat=&lon=&z= opens a given place (shared links)
  var at = [parseFloat(query.get("lat")), parseFloat(query.get("lon")), parseInt(query.get("z"), 10)];
  if (at.every(isFinite)) {
    map.setView([at[0], at[1]], Math.max(3, Math.min(19, at[2])));
  } else if (data) {
    map.fitBounds([[data[1], data[0]], [data[3], data[2]]], { padding: [12, 12] });
  } else {
    map.setView(config.center, config.zoom);
  }
  var ext = config.extent; // minx, miny, maxx, maxy (lon/lat)
  L.rectangle([[ext[1], ext[0]], [ext[3], ext[2]]],
    { color: "#0b6e4f", weight: 2, dashArray: "6 4", fill: false, interactive: false }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var layer = L.geoJSON(null, { style: styleOf, onEachFeature: bindPopup }).addTo(map);

  function mainRight(props) {
    var types = props.right_types || [];
    return types.length ? types[0] : "";
  }
  function styleOf(feature) {
    var right = mainRight(feature.properties);
    var colour = colours[right] || colours[""];
    if (right === "collective_land_ownership") { // a village territory (layer A)
      if (map.getZoom() < config.detailZoom) { // overview: the territories themselves
        return { color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.35 };
      }
      return { color: colour, weight: 2.5, dashArray: "8 5", fill: false }; // its outline over the use parcels
    }
    return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.45 };
  }
  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function landUse(code) {
    if (!code) { return ""; }
    var label = config.landUse[code] || config.landUse[String(code).slice(0, 2)];
    return label ? code + " " + label : code;
  }
  function bindPopup(feature, lyr) {
    var p = feature.properties;
    var rights = (p.right_types || []).map(function (t) { return config.labels[t] || t; });
    var html = "<div class=\"popup\"><strong>" + esc(text.code) + "</strong> " + esc(p.parcel_code) +
      "<br><strong>" + esc(text.use) + "</strong> " + esc(landUse(p.land_use_class)) +
      "<br><strong>" + esc(text.area) + "</strong> " + esc(p.area_m2) + " " + esc(text.m2) +
      "<br><strong>" + esc(text.rights) + "</strong> " + esc(rights.length ? rights.join("、") : text.none) +
      "<br><a href=\"/parcels/" + encodeURIComponent(p.id) + "\">" + esc(text.open) + "</a></div>";
    lyr.bindPopup(html);
  }

  var generation = 0;
  var timer = null;
  function load() {
    var mine = ++generation;
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); });
    // Zoomed out, only the village territories (ownership layer) are drawn; the parcels come at detail zoom.
    var overview = map.getZoom() < config.detailZoom;
    document.body.setAttribute("data-overview", overview ? "1" : "0");
    var features = [];
    status.textContent = text.loading;
    function page(offset) {
      var url = config.api + "?bbox=" + bbox.join(",") + "&limit=" + config.pageSize + "&offset=" + offset +
        (overview ? "&layer=ownership" : "");
      return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      }).then(function (fc) {
        if (mine !== generation) { return; }
        var got = fc.features || [];
        features = features.concat(got);
        // the server may cap the page size: follow its total and limit when it gives them
        var total = typeof fc.total === "number" ? fc.total : null;
        var pageSize = typeof fc.limit === "number" ? fc.limit : config.pageSize;
        var more = total !== null ? features.length < total : got.length === pageSize;
        if (more && got.length > 0 && features.length < config.maxFeatures) {
          return page(offset + got.length);
        }
        layer.clearLayers();
        layer.addData({ type: "FeatureCollection", features: features });
        var full = !more;
        status.textContent = overview ? text.overview :
          text.shown.replace("{n}", features.length) + (full ? "" : " · " + text.more);
        document.body.setAttribute("data-parcels", String(features.length));
      });
    }
    page(0).catch(function () {
      if (mine === generation) { status.textContent = text.failed; }
    });
  }
  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  });
  load();
  window.landbridgeMap = map;
})();

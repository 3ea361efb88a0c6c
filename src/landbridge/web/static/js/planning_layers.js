/* Plan layers on the public map (一张图): plan zones, roads, rivers, town centres and boundaries, each
   toggleable and loaded by viewport from /api/v1/planning (geometries simplified for the zoom level).
   The parcel layer of map.js stays as it is: zones are drawn beneath it, lines and points above. */
(function () {
  "use strict";
  var map = window.landbridgeMap;
  var node = document.getElementById("planning-config");
  if (!map || !node) { return; }
  var config = JSON.parse(node.textContent);
  var text = config.text;
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var status = document.getElementById("planning-status");
  var mapConfig = JSON.parse(document.getElementById("map-config").textContent);

  // Colours after the usual territorial-plan palette (construction reds, farmland yellows, forest greens).
  var ZONE_COLOURS = {
    urban_construction: "#e35a5a", town_construction: "#f08a5d", village_construction: "#f4b26b",
    industrial: "#a569bd", mineral: "#8c7b75", permanent_basic_farmland: "#f2df4b",
    general_agriculture: "#d4ec8f", forestry: "#5aae61", ecological_redline: "#1b6e3a", water: "#6baed6"
  };
  var ROAD_STYLE = {
    expressway: { color: "#d9730d", weight: 4 }, national: { color: "#c0392b", weight: 3 },
    provincial: { color: "#e67e22", weight: 2.5 }, county: { color: "#7f8c8d", weight: 1.8 },
    village: { color: "#a5a5a5", weight: 1 }
  };
  var BOUNDARY_STYLE = {
    city: { color: "#333", weight: 2.5, dashArray: null }, county: { color: "#444", weight: 2, dashArray: "8 4" },
    township: { color: "#666", weight: 1.2, dashArray: "5 4" }, village: { color: "#999", weight: 0.8, dashArray: "2 4" }
  };

  map.createPane("planZones").style.zIndex = 350;  // below the parcels (overlay pane 400)
  map.createPane("planLines").style.zIndex = 420;
  map.createPane("planPoints").style.zIndex = 450;

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function landUse(code) {
    var label = mapConfig.landUse[code];
    return label ? code + " " + label : code;
  }
  function num(value) { return String(Number(value)); }  // "1.800" -> "1.8"
  function given(value) { return value !== null && value !== undefined; }
  function range(min, max) {
    if (given(min) && given(max)) { return num(min) + "–" + num(max); }
    return given(max) ? "≤ " + num(max) : (given(min) ? "≥ " + num(min) : "—");
  }
  function percent(value) {
    return value === null || value === undefined ? "—" : (Number(value) * 100).toFixed(0) + "%";
  }
  function zonePopup(feature, lyr) {
    var p = feature.properties;
    var name = zh ? p.zone_kind_name : p.zone_kind_name_en;
    var html = "<div class=\"popup\"><strong>" + esc(name) + "</strong>" +
      "<br><strong>" + esc(text.code) + "</strong> " + esc(p.code) +
      "<br><strong>" + esc(text.version) + "</strong> " + esc(p.plan_version) +
      "<br><strong>" + esc(text.uses) + "</strong> " + esc((p.permitted_uses || []).map(landUse).join("、"));
    if (given(p.max_plot_ratio) && Number(p.max_plot_ratio) === 0) {
      html += "<br><strong>" + esc(text.plotRatio) + "</strong> " + esc(text.noBuilding);
    } else {
      html += "<br><strong>" + esc(text.plotRatio) + "</strong> " + esc(range(p.min_plot_ratio, p.max_plot_ratio)) +
        "<br><strong>" + esc(text.density) + "</strong> " + esc(given(p.max_building_density) ? "≤ " + percent(p.max_building_density) : "—") +
        "<br><strong>" + esc(text.height) + "</strong> " + esc(given(p.max_height_m) ? "≤ " + num(p.max_height_m) + " " + text.metres : "—") +
        "<br><strong>" + esc(text.green) + "</strong> " + esc(given(p.min_green_ratio) ? "≥ " + percent(p.min_green_ratio) : "—");
    }
    html += "<br>" + esc(p.operating_use_permitted ? text.operating : text.notOperating) +
      (p.defaults_verified ? "" : "<br><em class=\"muted\">" + esc(text.unverified) + "</em>") + "</div>";
    lyr.bindPopup(html);
  }

  var layers = {
    zones: L.geoJSON(null, {
      pane: "planZones",
      style: function (f) {
        var c = ZONE_COLOURS[f.properties.zone_kind] || "#999";
        return { color: c, weight: 0.6, fillColor: c, fillOpacity: 0.45 };
      },
      onEachFeature: zonePopup
    }),
    roads: L.geoJSON(null, {
      pane: "planLines", interactive: false,
      style: function (f) { var s = ROAD_STYLE[f.properties.subkind] || ROAD_STYLE.village; return { color: s.color, weight: s.weight, opacity: 0.9 }; }
    }),
    rivers: L.geoJSON(null, {
      pane: "planLines", interactive: false,
      style: function () { return { color: "#2b7bba", weight: 2, opacity: 0.85 }; }
    }),
    towns: L.geoJSON(null, {
      pane: "planPoints",
      pointToLayer: function (f, latlng) {
        var big = f.properties.subkind !== "town";
        var marker = L.circleMarker(latlng, { pane: "planPoints", radius: big ? 7 : 4.5, color: "#fff", weight: 1.5,
          fillColor: big ? "#b22222" : "#444", fillOpacity: 1 });
        marker.bindTooltip(esc(f.properties.name), { permanent: big || map.getZoom() >= 11, direction: "right",
          offset: [6, 0] });
        return marker;
      }
    }),
    boundaries: L.geoJSON(null, {
      pane: "planLines", interactive: false,
      style: function (f) { var s = BOUNDARY_STYLE[f.properties.subkind] || BOUNDARY_STYLE.village; return { color: s.color, weight: s.weight, dashArray: s.dashArray, opacity: 0.9, fill: false }; }
    })
  };
  var featureKinds = { roads: "road", rivers: "river", towns: "town_centre", boundaries: "boundary" };

  var requested = new URLSearchParams(window.location.search).get("layers");
  var initial = requested !== null ? requested.split(",") : config.initial;
  var overlays = {};
  Object.keys(layers).forEach(function (key) {
    overlays[esc(config.layers[key])] = layers[key];
    if (initial.indexOf(key) >= 0) { layers[key].addTo(map); }
  });
  L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);

  function bboxParam() {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }
  var generation = {};
  function loaded(key, count) {
    document.body.setAttribute("data-plan-" + key, String(count));
  }
  function failed() { status.textContent = text.failed; }

  function loadZones() {
    var mine = generation.zones = (generation.zones || 0) + 1;
    var base = config.zonesApi + "?bbox=" + bboxParam() + "&zoom=" + map.getZoom() + "&page_size=" + config.zonePageSize;
    var features = [];
    function page(n) {
      return getJSON(base + "&page=" + n).then(function (fc) {
        if (mine !== generation.zones) { return; }
        features = features.concat(fc.features || []);
        if (features.length < fc.total && n < config.maxZonePages && (fc.features || []).length > 0) { return page(n + 1); }
        layers.zones.clearLayers();
        layers.zones.addData({ type: "FeatureCollection", features: features });
        status.textContent = text.zones.replace("{n}", features.length);
        loaded("zones", features.length);
      });
    }
    page(1).catch(function () { if (mine === generation.zones) { failed(); } });
  }
  function loadFeatures(key) {
    var mine = generation[key] = (generation[key] || 0) + 1;
    var url = config.featuresApi + "?kind=" + featureKinds[key] + "&bbox=" + bboxParam() + "&zoom=" + map.getZoom();
    getJSON(url).then(function (fc) {
      if (mine !== generation[key]) { return; }
      layers[key].clearLayers();
      layers[key].addData(fc);
      loaded(key, (fc.features || []).length);
    }).catch(function () { if (mine === generation[key]) { failed(); } });
  }
  function load(key) {
    if (!map.hasLayer(layers[key])) { return; }
    if (key === "zones") { loadZones(); } else { loadFeatures(key); }
  }
  function loadAll() { Object.keys(layers).forEach(load); }

  // The zone legend, with names in the page language from the zone kinds' API.
  var legend = document.getElementById("planning-legend");
  var legendItems = document.getElementById("planning-legend-items");
  getJSON(config.kindsApi).then(function (kinds) {
    kinds.forEach(function (k) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = ZONE_COLOURS[k.kind] || "#999";
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(zh ? k.name : k.name_en));
      legendItems.appendChild(li);
    });
    legend.hidden = !map.hasLayer(layers.zones);
  }).catch(failed);

  map.on("overlayadd", function (e) {
    Object.keys(layers).forEach(function (key) { if (layers[key] === e.layer) { load(key); } });
    legend.hidden = !map.hasLayer(layers.zones);
  });
  map.on("overlayremove", function () { legend.hidden = !map.hasLayer(layers.zones); });
  var timer = null;
  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(loadAll, 300);
  });
  loadAll();
})();

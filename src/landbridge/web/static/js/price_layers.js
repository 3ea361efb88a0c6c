/* Price and market layers of the public map (全景看地, issue #23): benchmark price zones, mass-appraised values
   (per parcel when zoomed in, per village when zoomed out), validated sales (points, or cells when zoomed out),
   exchange lots by phase group and the year-on-year change of values by village. Each is switched with the
   layer control and loaded by viewport; every answer carries its legend rows (class, colour, bounds) and every
   feature its class, so the sidebar legend and the drawing use the same colours. Public data only. */
(function () {
  "use strict";
  var map = window.landbridgeMap;
  var node = document.getElementById("price-config");
  if (!map || !node) { return; }
  var config = JSON.parse(node.textContent);
  var text = config.text;
  var status = document.getElementById("price-status");
  var legends = document.getElementById("price-legends");
  var useSelect = document.getElementById("zone-use");
  var mapConfig = document.getElementById("map-config");
  var landUse = (mapConfig && JSON.parse(mapConfig.textContent).landUse) || {};
  function useLabel(code) { return text.uses[code] || (landUse[code] ? code + " " + landUse[code] : code); }

  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function money(v) {
    if (v === null || v === undefined) { return "—"; }
    return Number(v).toLocaleString(config.locale, { maximumFractionDigits: 2 });
  }
  function pct(v) { return (Number(v) * 100).toFixed(1) + "%"; }
  function line(label, value) { return "<br><strong>" + esc(label) + "</strong> " + esc(value); }
  function rowLabel(layer, row) {
    if (layer === "lots") { return text.groups[row["class"]] || row["class"]; }
    var f = layer === "trend" ? pct : money;
    var unit = layer === "trend" ? "" : " " + text.unit;
    if (row.min === null && row.max === null) { return text.all; }
    if (row.min === null) { return "< " + f(row.max) + unit; }
    if (row.max === null) { return "≥ " + f(row.min) + unit; }
    return f(row.min) + " – " + f(row.max) + unit;
  }

  var popups = {
    zones: function (p) {
      return "<strong>" + esc(p.name) + "</strong>" + line(text.code, p.code) + line(text.grade, p.grade) +
        line(text.basePrice, money(p.base_price) + " " + text.unit) + line(text.term, p.term_years + " " + text.years) +
        line(text.system, p.system + " (" + p.base_date + ")");
    },
    values: function (p) {
      if (p.parcel_id) {
        return "<strong>" + esc(p.parcel_code) + "</strong>" + line(text.useClass, useLabel(p.land_use_class)) +
          line(text.area, money(p.area_m2) + " m²") + line(text.unitValue, money(p.value_per_m2) + " " + text.unit) +
          line(text.value, money(p.value) + " " + text.yuan) +
          "<br><a href=\"/parcels/" + encodeURIComponent(p.parcel_id) + "\">" + esc(text.openParcel) + "</a>";
      }
      return "<strong>" + esc(p.name) + "</strong>" + line(text.meanValue, money(p.value_per_m2) + " " + text.unit) +
        line(text.parcels, p.parcels);
    },
    sales: function (p) {
      if (p.count !== undefined) {
        return "<strong>" + esc(text.salesHere.replace("{n}", p.count)) + "</strong>" +
          line(text.meanPrice, money(p.price_per_m2) + " " + text.unit);
      }
      return "<strong>" + esc(p.sale_no) + "</strong>" + line(text.date, p.sale_date) +
        line(text.useClass, useLabel(p.land_use_class)) + line(text.method, text.methods[p.method] || p.method) +
        line(text.area, money(p.area_m2) + " m²") + line(text.price, money(p.price) + " " + text.yuan) +
        line(text.unitPrice, money(p.price_per_m2) + " " + text.unit);
    },
    lots: function (p) {
      return "<strong>" + esc(p.number) + "</strong>" + line(text.kind, text.kinds[p.kind] || p.kind) +
        line(text.phase, (text.groups[p["class"]] || p["class"]) + " · " + (text.phases[p.phase] || p.phase)) +
        line(text.startPrice, money(p.start_price) + " " + text.yuan) +
        line(text.currentPrice, p.current_price === null ? "—" : money(p.current_price) + " " + text.yuan) +
        line(text.starts, (p.starts_at || "").slice(0, 16).replace("T", " ")) +
        "<br><a href=\"" + esc(p.url) + "\">" + esc(text.openLot) + "</a>";
    },
    trend: function (p) {
      return "<strong>" + esc(p.name) + "</strong>" + line(text.change, pct(p.change)) +
        line(text.meanValue, money(p.value_per_m2) + " " + text.unit) +
        line(text.previousValue, money(p.previous_value_per_m2) + " " + text.unit);
    }
  };

  map.createPane("priceAreas").style.zIndex = 405;  // above the parcels' fill, below the plan's lines
  map.createPane("pricePoints").style.zIndex = 455;
  var state = {};  // layer name -> {legend rows, count, truncated}
  function colourOf(name, feature) {
    var rows = (state[name] && state[name].legend) || [];
    for (var i = 0; i < rows.length; i += 1) {
      if (rows[i]["class"] === feature.properties["class"]) { return rows[i].colour; }
    }
    return "#999999";
  }
  function makeLayer(name) {
    var points = name === "sales" || name === "lots";
    return L.geoJSON(null, {
      pane: points ? "pricePoints" : "priceAreas",
      style: function (f) {
        var c = colourOf(name, f);
        return { color: name === "zones" ? "#555555" : c, weight: name === "values" ? 0.5 : 1, fillColor: c,
                 fillOpacity: name === "zones" ? 0.55 : 0.75 };
      },
      pointToLayer: function (f, latlng) {
        var c = colourOf(name, f);
        var r = f.properties.count !== undefined ? Math.min(22, 5 + Math.sqrt(f.properties.count)) : 6;
        return L.circleMarker(latlng, { pane: "pricePoints", radius: r, color: "#333333", weight: 1, fillColor: c,
                                        fillOpacity: 0.9 });
      },
      onEachFeature: function (f, lyr) { lyr.bindPopup("<div class=\"popup\">" + popups[name](f.properties) + "</div>"); }
    });
  }
  var layers = {};
  var control = {};
  config.order.forEach(function (name) {
    layers[name] = makeLayer(name);
    control[esc(text.layers[name])] = layers[name];
  });
  L.control.layers(null, control, { collapsed: false, position: "topright" }).addTo(map);

  function drawLegend(name) {
    var old = legends.querySelector("[data-layer=\"" + name + "\"]");
    if (old) { old.remove(); }
    if (!map.hasLayer(layers[name]) || !state[name]) { return; }
    var box = document.createElement("div");
    box.className = "price-legend";
    box.setAttribute("data-layer", name);
    var title = document.createElement("h3");
    title.textContent = text.layers[name] + (state[name].subtitle ? " · " + state[name].subtitle : "");
    box.appendChild(title);
    var list = document.createElement("ul");
    list.className = "legend";
    state[name].legend.forEach(function (row) {
      var li = document.createElement("li");
      li.setAttribute("data-class", String(row["class"]));
      var sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = row.colour;
      sw.setAttribute("data-colour", row.colour);
      li.appendChild(sw);
      li.appendChild(document.createTextNode(rowLabel(name, row)));
      list.appendChild(li);
    });
    box.appendChild(list);
    var note = document.createElement("p");
    note.className = "muted";
    note.textContent = text.shown.replace("{n}", state[name].count) + (state[name].truncated ? " " + text.truncated : "");
    box.appendChild(note);
    legends.appendChild(box);
  }

  var generations = {};
  function url(name) {
    var b = map.getBounds();
    var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
               Math.min(b.getNorth(), 90)].map(function (v) { return v.toFixed(6); }).join(",");
    var u = config.apis[name] + "?bbox=" + box + "&zoom=" + Math.round(map.getZoom());
    if (name === "zones" && useSelect && useSelect.value) { u += "&use=" + encodeURIComponent(useSelect.value); }
    return u;
  }
  function load(name) {
    if (!map.hasLayer(layers[name])) { return; }
    var b = map.getBounds();
    if (b.getEast() - b.getWest() > config.maxSpan || b.getNorth() - b.getSouth() > config.maxSpan) {
      layers[name].clearLayers();
      status.textContent = text.zoomIn;
      return;
    }
    var mine = generations[name] = (generations[name] || 0) + 1;
    fetch(url(name), { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (fc) {
      if (mine !== generations[name]) { return; }
      var subtitle = fc.level ? text.levels[fc.level] || "" : "";
      if (name === "trend" && fc.current) { subtitle = fc.previous + " → " + fc.current; }
      if (name === "zones" && fc.use) { subtitle = useLabel(fc.use); }
      state[name] = { legend: fc.legend || [], count: (fc.features || []).length, truncated: fc.truncated,
                      subtitle: subtitle };
      if (name === "zones" && useSelect && useSelect.options.length === 0) {
        (fc.uses || []).forEach(function (u) {
          var o = document.createElement("option");
          o.value = u;
          o.textContent = useLabel(u);
          useSelect.appendChild(o);
        });
        useSelect.value = fc.use || "";
        useSelect.parentNode.hidden = false;
      }
      layers[name].clearLayers();
      layers[name].addData(fc);
      drawLegend(name);
      status.textContent = "";
      document.body.setAttribute("data-price-" + name, String(state[name].count));
    }).catch(function () { if (mine === generations[name]) { status.textContent = text.failed; } });
  }
  function loadAll() { config.order.forEach(load); }

  map.on("overlayadd", function (e) {
    config.order.forEach(function (name) { if (e.layer === layers[name]) { load(name); } });
  });
  map.on("overlayremove", function (e) {
    config.order.forEach(function (name) { if (e.layer === layers[name]) { drawLegend(name); } });
  });
  if (useSelect) { useSelect.addEventListener("change", function () { load("zones"); }); }
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(loadAll, 300); });
  var requested = (new URLSearchParams(window.location.search).get("layers") || "").split(",");
  config.order.forEach(function (name) { if (requested.indexOf(name) >= 0) { layers[name].addTo(map); } });
  loadAll();
})();

"""The demo benchmark system (demo.benchmark_prices): a valid document whose coefficient values, against the demo
world's true values, give a ratio study near level (L1; only tests compare against the truth)."""

from __future__ import annotations

from datetime import date

import numpy as np
from shapely.geometry import Point

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.benchmark_prices import demo_benchmark_document
from landbridge.demo.geography import build_geography
from landbridge.demo.prices import ParcelFeatures, PriceModel
from landbridge.kernel.clock import Clock
from landbridge.valuation.benchmark.rules import coefficient_prices, parse_document
from landbridge.valuation.benchmark.service import import_benchmark_system
from landbridge.valuation.ratio.study import ratio_study

ON = date(2025, 1, 1)


def test_demo_benchmark_against_the_true_values(db: Database, clock: Clock) -> None:
    profile = get_profile()
    geo = build_geography(profile, seed=20260101)
    model = PriceModel.from_profile(profile)
    doc = demo_benchmark_document(geo, model, base_date=ON)
    with db.transaction() as s:  # a document the platform accepts as it is
        assert import_benchmark_system(s, doc, actor="t").status == "draft"
    tables = parse_document(doc)
    assert len({z.use for z in tables.zones}) == len(model.uses) and all(z.base_price > 0 for z in tables.zones)
    rng = np.random.default_rng(4)
    minx, miny, maxx, maxy = geo.city.geometry.bounds
    lon, lat = rng.uniform(minx, maxx, 6000), rng.uniform(miny, maxy, 6000)
    inside = np.array([geo.city.geometry.contains(Point(x, y)) for x, y in zip(lon, lat, strict=True)])
    lon, lat = lon[inside][:2000], lat[inside][:2000]
    n = lon.size
    uses = np.array(["0702", "0101", "0501", "0301"])[rng.integers(0, 4, n)]
    county = np.array([next((c[:6] for c, t in geo.counties.items() if t.geometry.covers(Point(x, y))), "360602")
                       for x, y in zip(lon, lat, strict=True)])
    dist = geo.distances(lon, lat)
    features = ParcelFeatures(
        parcel_id=np.arange(n), county_code=county, land_use_class=uses,
        area_m2=np.array([model.use(u).ref_area_m2 for u in uses]), plot_ratio=np.ones(n),
        dist_town_centre_m=dist["town_centre"], dist_city_centre_m=dist["city_centre"], dist_road_m=dist["road"],
        dist_major_road_m=dist["major_road"], lon=lon, lat=lat)
    truth = model.true_value_per_m2(features, ON)
    zone_index = np.full(n, -1)
    for i in range(n):
        use = tables.use_of(str(uses[i]))
        for k, z in enumerate(tables.zones):
            if z.use == use and z.geometry.covers(Point(lon[i], lat[i])):
                zone_index[i] = k
                break
    assert (zone_index >= 0).mean() > 0.99  # the grades tile every county
    values = coefficient_prices(tables, zone_index, valuation_date=ON, remaining_years=np.full(n, np.nan),
                                plot_ratio=np.full(n, np.nan),
                                attributes={"dist_road_m": dist["road"], "dist_major_road_m": dist["major_road"]})
    ok = zone_index >= 0
    study = ratio_study(values[ok], truth[ok], trim=None)
    print(f"\ndemo benchmark vs truth: n {study.n}, median {study.median:.3f}, COD {study.cod:.1f}, "
          f"PRD {study.prd:.3f}, PRB {study.prb:.3f}")
    assert 0.85 <= study.median <= 1.15
    assert study.cod < 40

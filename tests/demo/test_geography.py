"""The demo geography: divisions that tile the city, centres, layers, relief and village tilings (issue #3)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.cityprofile import CityProfile, get_profile
from landbridge.cityprofile.loader import DATA_DIR
from landbridge.demo.geo_names import invent_villages, read_rows, render_rows
from landbridge.demo.geo_render import geography_svg, tiling_svg
from landbridge.demo.geography import (
    Geography,
    VillageTiling,
    build_geography,
    county_scale_villages,
    natural_parcel_count,
    small_scale_villages,
    suggest_parcel_counts,
    tile_village,
)
from landbridge.kernel.geo import areas_m2
from landbridge.kernel.ids import is_region_code, region_level
from landbridge.kernel.spatial import overlapping_pairs
from landbridge.registry.bulk import is_land_use_class

SEED = 20260101
YUJIANG, YUEHU, GUIXI = "360603000000", "360602000000", "360681000000"


@pytest.fixture(scope="module")
def profile() -> CityProfile:
    return get_profile("yingtan")


@pytest.fixture(scope="module")
def geo(profile: CityProfile) -> Geography:
    return build_geography(profile, seed=SEED)


def small_profile(profile: CityProfile) -> CityProfile:
    """月湖区 alone in an outline of 400 km²: a geography that builds in about a second."""
    keep = {profile.city_code, YUEHU}
    keep |= {c for c, r in profile.regions.items() if r.parent == YUEHU}
    keep |= {c for c, r in profile.regions.items() if r.parent in keep and r.level == "village"}
    return replace(profile, regions={c: r for c, r in profile.regions.items() if c in keep},
                   raw={**profile.raw, "area_km2": "400"})


def typical_village(geo: Geography) -> str:
    """A rural village of about 8 km² with both forest and farmland."""
    from landbridge.demo.geo_tiling import _plan

    rural = [c for c, v in geo.villages.items() if not v.urban and 0.25 < _plan(geo, c).forest_share < 0.7]
    return min(rural, key=lambda c: abs(geo.villages[c].area_m2 - 8e6))


def check_cover(geoms: np.ndarray, whole: shapely.Geometry, srid: int, *, rel: float, gap_m2: float = 0.0) -> None:
    """The pieces are valid polygons, do not overlap and cover ``whole`` up to ``gap_m2`` (plus ``rel``)."""
    assert shapely.is_valid(geoms).all()
    assert (shapely.get_type_id(geoms) == 3).all()  # every piece one Polygon
    total = float(areas_m2([whole], srid)[0])
    pieces = float(areas_m2(geoms, srid).sum())
    union = float(areas_m2([shapely.union_all(geoms)], srid)[0])
    assert abs(pieces - union) <= rel * total  # sum of pieces = their union: no overlap ...
    assert abs(union - total) <= rel * total + gap_m2  # ... and no gap


# --- regions.csv -----------------------------------------------------------------------------------
def test_every_township_has_invented_villages_with_valid_codes_and_names(profile: CityProfile) -> None:
    rules = profile.rules("demo_geography")
    villages = profile.villages()
    assert 350 <= len(villages) <= 450
    by_town: dict[str, list[str]] = {}
    for v in villages:
        assert is_region_code(v.code) and region_level(v.code) == "village"
        assert v.parent is not None and v.code[:9] == v.parent[:9]
        assert v.kind in ("village", "community")
        suffix, suffix_en = ("村", " Village") if v.kind == "village" else ("社区", " Community")
        assert v.name.endswith(suffix) and v.name_en.endswith(suffix_en)
        assert (int(v.code[9:]) < 200) == (v.kind == "village")
        by_town.setdefault(v.parent, []).append(v.name)
    for town in (r for r in profile.regions.values() if r.level == "township"):
        names = by_town[town.code]
        assert len(names) == len(set(names)), town.name  # no duplicate names within a township
        lo, hi = rules.value("communities_per_subdistrict" if town.kind == "subdistrict" else
                             "villages_per_town" if town.kind == "town" else "villages_per_xiang")
        rural = sum(profile.regions[c].kind == "village" for c in profile.regions if profile.regions[c].parent
                    == town.code)
        assert lo <= (len(names) if town.kind == "subdistrict" else rural) <= hi, town.name
    # the rows the platform shipped with are kept, with their codes
    assert profile.regions["360603101001"].name == "锦江村"
    assert profile.regions["360681111002"].name == "沙湾村"
    assert all(v.invented for v in villages)


def test_regions_csv_is_what_the_generator_makes(profile: CityProfile) -> None:
    path = DATA_DIR / "yingtan" / "regions.csv"
    rows = read_rows(path)
    assert render_rows(invent_villages(rows, profile.rules("demo_geography"))) == path.read_text(encoding="utf-8")


# --- divisions -------------------------------------------------------------------------------------
def test_divisions_tile_the_city(geo: Geography, profile: CityProfile) -> None:
    srid = profile.projected_srid
    city_m2 = float(areas_m2([geo.city.geometry], srid)[0])
    assert abs(city_m2 / 1e6 - float(profile.raw["area_km2"])) < 0.02 * float(profile.raw["area_km2"])
    for level in (geo.counties, geo.townships, geo.villages):
        check_cover(np.array([t.geometry for t in level.values()], dtype=object), geo.city.geometry, srid, rel=1e-6)
    villages = np.array([v.geometry for v in geo.villages.values()], dtype=object)
    assert overlapping_pairs(villages, srid, 0.01) == []  # pairwise: neighbours share edges only
    minx, miny, maxx, maxy = geo.city.geometry.bounds
    assert minx > 116.6 and maxx < 117.6 and miny > 27.5 and maxy < 28.8


def test_divisions_nest_and_match_the_profile(geo: Geography, profile: CityProfile) -> None:
    srid = profile.projected_srid
    assert set(geo.villages) == {v.code for v in profile.villages()}  # every village has a territory
    assert set(geo.townships) == {r.code for r in profile.regions.values() if r.level == "township"}
    for code, v in geo.villages.items():
        region = profile.regions[code]
        assert (v.name, v.parent, v.level, v.invented) == (region.name, region.parent, "village", region.invented)
        assert v.urban == (region.kind == "community")
    for parent in (*geo.townships.values(), *geo.counties.values()):
        children = [t.geometry for t in (*geo.villages.values(), *geo.townships.values()) if t.parent == parent.code]
        union = shapely.union_all(children)
        assert abs(float(areas_m2([union], srid)[0]) - parent.area_m2) < 1e-6 * parent.area_m2
        assert parent.geometry.geom_type == "Polygon"  # every division is one piece
    assert all(v.geometry.geom_type == "Polygon" for v in geo.villages.values())
    km2 = {c: t.area_m2 / 1e6 for c, t in geo.counties.items()}
    assert 130 < km2[YUEHU] < 195 and 800 < km2[YUJIANG] < 1050 and 2250 < km2[GUIXI] < 2700
    assert all(abs(t.area_m2 - float(areas_m2([t.geometry], srid)[0])) < 1e-6 * t.area_m2
               for t in geo.villages.values())


def test_urban_core_is_the_communities(geo: Geography) -> None:
    urban = [v.geometry for v in geo.villages.values() if v.urban]
    assert urban and shapely.union_all(urban).symmetric_difference(geo.urban_core).area < 1e-9
    assert all(t.urban == (t.name.endswith("街道")) for t in geo.townships.values())
    for tc in geo.town_centres:
        if tc.rank in ("city", "county"):
            assert geo.urban_core.buffer(0.01).contains(tc.point)  # the seats lie in the urban core


# --- centres, layers, relief -----------------------------------------------------------------------
def test_town_centres(geo: Geography, profile: CityProfile) -> None:
    assert sorted(tc.code for tc in geo.town_centres) == sorted(geo.townships)
    ranks = Counter(tc.rank for tc in geo.town_centres)
    assert ranks["city"] == 1 and ranks["county"] == 2
    for tc in geo.town_centres:
        assert geo.townships[tc.code].geometry.contains(tc.point)
    city = next(tc for tc in geo.town_centres if tc.rank == "city")
    expected = profile.rules("demo_geography").value("city_centre")
    assert abs(city.point.x - expected[0]) < 1e-9 and abs(city.point.y - expected[1]) < 1e-9
    lon = np.array([tc.point.x for tc in geo.town_centres])
    lat = np.array([tc.point.y for tc in geo.town_centres])
    d = geo.distances(lon, lat)
    assert set(d) == {"town_centre", "county_seat", "city_centre", "road", "major_road", "river"}
    assert d["town_centre"].max() < 0.01  # a point at a town centre is at distance ~0
    seats = np.array([tc.rank != "town" for tc in geo.town_centres])
    assert d["county_seat"][seats].max() < 0.01 and d["city_centre"][lon == city.point.x].max() < 0.01
    assert d["road"].max() < 1.0  # every town centre is on a provincial or county road


def test_distances_are_exact_and_vectorised(geo: Geography, profile: CityProfile) -> None:
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = geo.city.geometry.bounds
    lon, lat = rng.uniform(minx - 0.1, maxx + 0.1, 3000), rng.uniform(miny - 0.1, maxy + 0.1, 3000)
    d = geo.distances(lon, lat)
    from landbridge.kernel.geo import project

    points = [project(shapely.Point(a, b), profile.projected_srid) for a, b in zip(lon[:300], lat[:300], strict=True)]
    for key, kinds in (("road", None), ("major_road", {"expressway", "national", "provincial"})):
        lines = shapely.union_all([project(r.geometry, profile.projected_srid) for r in geo.roads
                                   if kinds is None or r.kind in kinds])
        np.testing.assert_allclose(d[key][:300], shapely.distance(points, lines), atol=1e-6)
    rivers = shapely.union_all([project(r.geometry, profile.projected_srid) for r in geo.rivers])
    np.testing.assert_allclose(d["river"][:300], shapely.distance(points, rivers), atol=1e-6)
    assert all((v >= 0).all() and np.isfinite(v).all() for v in d.values())
    assert (d["county_seat"] >= d["town_centre"]).all() and (d["city_centre"] >= d["county_seat"]).all()
    assert (d["road"] <= d["major_road"]).all()


def test_layers(geo: Geography) -> None:
    kinds = Counter(r.kind for r in geo.roads)
    assert kinds["expressway"] >= 2 and kinds["national"] >= 2 and kinds["provincial"] >= 3 and kinds["county"] >= 20
    assert {"沪昆高速", "鹰瑞高速", "320国道", "206国道"} <= {r.name for r in geo.roads}
    xin = next(r for r in geo.rivers if r.name == "信江")
    minx, _, maxx, _ = geo.city.geometry.bounds
    assert xin.geometry.bounds[2] - xin.geometry.bounds[0] > 0.6 * (maxx - minx)  # crosses the city east-west
    assert {"白塔河"} <= {r.name for r in geo.rivers}
    lo, hi = geo.model.rules["hamlets_per_village"]
    for code, v in geo.villages.items():
        pts = geo.hamlets.get(code, [])
        if v.urban:
            assert not pts
            continue
        assert lo <= len(pts) <= hi
        assert all(v.geometry.contains(p) for p in pts)
    hx = np.array([p.x for pts in geo.hamlets.values() for p in pts])
    hy = np.array([p.y for pts in geo.hamlets.values() for p in pts])
    assert geo.distances(hx, hy)["road"].max() < 1.0  # a village road reaches every hamlet


def test_relief(geo: Geography) -> None:
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = geo.city.geometry.bounds
    lon, lat = rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)
    inside = shapely.contains_xy(geo.city.geometry, lon, lat)
    lon, lat = lon[inside], lat[inside]
    elev = geo.elevation(lon, lat)
    assert elev.min() > 20 and elev.max() < 1500
    river_pts = np.vstack([np.asarray(p.coords) for r in geo.rivers for p in shapely.get_parts(r.geometry)])
    assert geo.elevation(river_pts[:, 0], river_pts[:, 1]).mean() < elev.mean() - 40  # low along the rivers
    assert elev[lat < 27.95].mean() > elev[lat > 28.1].mean() + 150  # the foothills in the south


# --- village tiling --------------------------------------------------------------------------------
def check_tiling(geo: Geography, tiling: VillageTiling, n: int) -> None:
    village = geo.villages[tiling.village_code]
    assert len(tiling) == n == len(tiling.land_use) == len(tiling.area_m2) == len(tiling.hamlet_index)
    # boundary cells are re-clipped in lon/lat, which may leave gaps a millimetre or two wide (never overlaps)
    perimeter_m = float(geo.model.villages[tiling.village_code].length)
    check_cover(tiling.geometries, village.geometry, geo.model.projected_srid, rel=1e-7, gap_m2=perimeter_m * 2e-3)
    assert abs(tiling.area_m2.sum() - village.area_m2) < 1e-6 * village.area_m2
    assert all(is_land_use_class(str(u)) for u in np.unique(tiling.land_use))


def test_rural_village_tiling(geo: Geography) -> None:
    code = typical_village(geo)
    n = round(natural_parcel_count(geo, code))  # the density the size ranges are configured for
    tiling = tile_village(geo, code, parcels=n, seed=1)
    check_tiling(geo, tiling, n)
    srid = geo.model.projected_srid
    assert overlapping_pairs(tiling.geometries, srid, 0.01) == []  # the registry's overlap tolerance
    uses = Counter(tiling.land_use.tolist())
    assert {"0702", "0101", "0103", "0201", "1104", "0301"} <= set(uses)
    assert {"0601", "0501", "0809"} & set(uses)
    farmland = uses["0101"] + uses["0103"] + uses["0201"]
    assert uses["0101"] > uses["0103"] and 0.4 < farmland / n < 0.85 and 150 < uses["0702"] < 900
    bounds = geo.model.rules["parcel_size_m2"]
    for use, count in uses.items():
        if count >= 20:  # the bulk of each land use's parcels lies in the configured size range
            area = tiling.area_m2[tiling.land_use == use]
            lo, hi = bounds[use]
            assert np.mean((area >= lo) & (area <= hi)) > 0.75, use
    centre = shapely.centroid(tiling.geometries)
    cx, cy = shapely.get_x(centre), shapely.get_y(centre)
    hamlets = geo.hamlets[code]
    assert (tiling.hamlet_index >= 0).all() and (tiling.hamlet_index < len(hamlets)).all()
    hx = np.array([hamlets[i].x for i in tiling.hamlet_index])
    hy = np.array([hamlets[i].y for i in tiling.hamlet_index])
    hxm, hym = geo.model.project(hx, hy)
    px, py = geo.model.project(cx, cy)
    to_hamlet = np.hypot(px - hxm, py - hym)
    home = tiling.land_use == "0702"
    assert np.quantile(to_hamlet[home], 0.95) < 250  # homesteads cluster around the hamlets
    assert np.median(to_hamlet[home]) < 0.3 * np.median(to_hamlet[~home])
    elev = geo.elevation(cx, cy)
    assert elev[tiling.land_use == "0301"].mean() > elev[tiling.land_use == "0101"].mean() + 4  # forest: higher
    assert elev[tiling.land_use == "0101"].mean() < elev[np.isin(tiling.land_use, ["0103", "0201"])].mean()


def test_urban_community_tiling(geo: Geography) -> None:
    code = next(c for c in sorted(geo.villages) if geo.villages[c].urban)
    n = suggest_parcel_counts(geo, 1_000_000)[code]
    tiling = tile_village(geo, code, parcels=n, seed=2)
    check_tiling(geo, tiling, n)
    assert (tiling.hamlet_index == -1).all()
    mix = geo.model.rules["urban_mix"]
    assert set(tiling.land_use.tolist()) == set(mix)
    assert np.mean((tiling.area_m2 >= 1000) & (tiling.area_m2 <= 50000)) > 0.9  # 0.1-5 ha


def test_tiling_is_deterministic_for_a_seed(geo: Geography) -> None:
    code = typical_village(geo)
    a = tile_village(geo, code, parcels=600, seed=9)
    b = tile_village(geo, code, parcels=600, seed=9)
    c = tile_village(geo, code, parcels=600, seed=10)
    assert (shapely.to_wkb(a.geometries) == shapely.to_wkb(b.geometries)).all()
    assert (a.land_use == b.land_use).all()
    assert not (shapely.to_wkb(a.geometries) == shapely.to_wkb(c.geometries)).all()


@given(seed=st.integers(0, 2**32 - 1), parcels=st.integers(1, 3000), pick=st.integers(0, 10_000))
@settings(max_examples=12, deadline=None)
def test_any_seed_and_count_keep_the_tiling_invariants(geo: Geography, seed: int, parcels: int, pick: int) -> None:
    codes = sorted(geo.villages)
    code = codes[pick % len(codes)]
    check_tiling(geo, tile_village(geo, code, parcels=parcels, seed=seed), parcels)


def test_bad_requests(geo: Geography) -> None:
    with pytest.raises(ValueError):
        tile_village(geo, typical_village(geo), parcels=0, seed=1)
    with pytest.raises(KeyError):
        tile_village(geo, "360603999999", parcels=10, seed=1)


# --- scales ----------------------------------------------------------------------------------------
def test_parcel_counts_and_scales(geo: Geography, profile: CityProfile) -> None:
    counts = suggest_parcel_counts(geo, 1_000_000)
    assert sum(counts.values()) == 1_000_000 and set(counts) == set(geo.villages)
    assert min(counts.values()) > 0
    density = {c: n / geo.villages[c].area_m2 * 1e6 for c, n in counts.items()}
    rural = [d for c, d in density.items() if not geo.villages[c].urban]
    assert 150 < np.median(rural) < 600  # parcels per km²
    assert sum(suggest_parcel_counts(geo, 777).values()) == 777
    small = small_scale_villages(geo)
    assert len(small) == 8 and all(geo.township_of(c).parent == YUJIANG for c in small)
    assert sum(geo.villages[c].urban for c in small) >= 1
    seat = next(tc for tc in geo.town_centres if tc.rank == "county" and geo.townships[tc.code].parent == YUJIANG)
    assert all(geo.villages[c].geometry.distance(seat.point) < 0.1 for c in small)  # within ~10 km
    county = county_scale_villages(geo, YUJIANG)
    assert county == sorted(v.code for v in profile.villages() if v.code.startswith(YUJIANG[:6]))


def test_geography_is_deterministic_for_a_seed(profile: CityProfile) -> None:
    small = small_profile(profile)
    a, b, c = (build_geography(small, seed=s, fresh=True) for s in (4, 4, 5))
    assert a is not b and build_geography(small, seed=5) is c  # drawn anew, then kept for the next call
    assert abs(a.city.area_m2 / 1e6 - 400) < 1e-6
    check_cover(np.array([v.geometry for v in a.villages.values()], dtype=object), a.city.geometry,
                small.projected_srid, rel=1e-6)
    wkb = [shapely.to_wkb([v.geometry for v in g.villages.values()]).tolist() for g in (a, b, c)]
    assert wkb[0] == wkb[1] and wkb[0] != wkb[2]
    assert [r.geometry.wkb for r in a.roads] == [r.geometry.wkb for r in b.roads]
    assert {k: [p.wkb for p in v] for k, v in a.hamlets.items()} == {k: [p.wkb for p in v] for k, v in
                                                                    b.hamlets.items()}


def test_pictures(geo: Geography, tmp_path: Path) -> None:
    svg = geography_svg(geo, width=600)
    assert svg.startswith("<svg") and svg.count("<path") > 400 and "月湖区" in svg
    tiling = tile_village(geo, typical_village(geo), parcels=300, seed=1)
    assert tiling_svg(geo, tiling, width=600).count("<path") >= 300

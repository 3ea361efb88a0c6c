"""Demo plan zones and layers: tiling invariants (no overlaps, full cover, every kind), determinism, loading."""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.planning_zones import (
    ORDER,
    GeographyLike,
    features_from_geography,
    plan_version_for,
    zones_from_geography,
)
from landbridge.kernel.clock import Clock
from landbridge.kernel.geo import areas_m2
from landbridge.kernel.spatial import overlapping_pairs
from landbridge.planning import ZoneIn, ZoneKind, create_features, create_zones, list_features, planning_conditions_for

SRID = 4548
ACTOR = "system:demo"


@dataclass(frozen=True)
class Territory:
    code: str
    name: str
    name_en: str
    level: str
    parent: str | None
    geometry: BaseGeometry
    area_m2: float = 0.0
    urban: bool = False
    invented: bool = True


@dataclass(frozen=True)
class TownCentre:
    code: str
    name: str
    rank: str
    point: Point


@dataclass(frozen=True)
class LineFeature:
    name: str
    kind: str
    geometry: BaseGeometry


@dataclass
class FakeGeography:
    """A small two-county city (about 39 km × 28 km) shaped like ``demo.geography.Geography``."""

    city: Territory
    counties: dict[str, Territory]
    townships: dict[str, Territory]
    villages: dict[str, Territory]
    town_centres: list[TownCentre]
    roads: list[LineFeature]
    rivers: list[LineFeature]
    hamlets: dict[str, list[Point]]
    urban_core: BaseGeometry
    seed: int = 7
    calls: list[int] = field(default_factory=list)

    def elevation(self, lon: Any, lat: Any) -> Any:
        """A plain in the north-west rising to hills in the south-east (vectorised)."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        self.calls.append(int(lon.size))
        hills = 600 * np.exp(-((lon - 117.25) ** 2 + (lat - 28.03) ** 2) / 0.004)
        ridge = 250 * np.exp(-((lon - 117.05) ** 2) / 0.0008 - ((lat - 28.02) ** 2) / 0.002)
        ripple = 15 * np.sin(lon * 90) * np.cos(lat * 70)
        return 30 + 40 * (28.25 - lat) + hills + ridge + ripple

    def distances(self, lon: Any, lat: Any) -> dict[str, Any]:
        return {}


def fake_geography() -> FakeGeography:
    west, east, south, north = 116.90, 117.30, 28.00, 28.25
    # a wavy county line so that nothing is axis-aligned
    seam = [(117.10 + 0.01 * np.sin(k), south + (north - south) * k / 10) for k in range(11)]
    west_c = Polygon([(west, south), *seam, (west, north)])
    east_c = Polygon([(east, south), (east, north), *reversed(seam)])
    counties = {"360603000000": Territory("360603000000", "余江区", "Yujiang", "county", "360600000000", west_c),
                "360681000000": Territory("360681000000", "贵溪市", "Guixi", "county", "360600000000", east_c)}
    mid = 28.12
    townships: dict[str, Territory] = {}
    villages: dict[str, Territory] = {}
    codes = {("360603000000", 0): "360603101000", ("360603000000", 1): "360603102000",
             ("360681000000", 0): "360681100000", ("360681000000", 1): "360681101000"}
    for (county, half), code in codes.items():
        band = box(west, south, east, mid) if half == 0 else box(west, mid, east, north)
        geom = counties[county].geometry.intersection(band)
        townships[code] = Territory(code, f"镇{code[6:9]}", "Town", "township", county, geom)
        minx, _, maxx, _ = geom.bounds
        for v in range(2):
            vbox = box(minx + (maxx - minx) * v / 2, south, minx + (maxx - minx) * (v + 1) / 2, north)
            vcode = code[:9] + f"{v + 1:03d}"
            villages[vcode] = Territory(vcode, f"村{vcode[-4:]}", "Village", "village", code, geom.intersection(vbox))
    city = Territory("360600000000", "鹰潭市", "Yingtan", "city", None, shapely.union_all([west_c, east_c]))
    centres = [TownCentre("360602000000", "月湖", "city", Point(116.98, 28.15)),
               TownCentre("360681000000", "贵溪城区", "county", Point(117.22, 28.20))]
    for code, t in townships.items():
        c = t.geometry.representative_point()
        centres.append(TownCentre(code, t.name, "town", Point(c.x + 0.004, c.y)))
    rng = np.random.default_rng(3)
    hamlets = {}
    for code, village in villages.items():
        minx, miny, maxx, maxy = village.geometry.bounds
        pts = [Point(x, y) for x, y in zip(rng.uniform(minx, maxx, 8), rng.uniform(miny, maxy, 8), strict=True)]
        hamlets[code] = [p for p in pts if village.geometry.contains(p)][:4]
    rivers = [LineFeature("信江", "river", LineString([(116.90, 28.14), (117.0, 28.155), (117.15, 28.17),
                                                        (117.30, 28.19)])),
              LineFeature("小溪", "river", LineString([(117.05, 28.02), (117.06, 28.08)]))]
    roads = [LineFeature("G320", "national", LineString([(116.90, 28.10), (117.30, 28.16)])),
             LineFeature("X001", "county", LineString([(117.0, 28.0), (117.02, 28.25)]))]
    core = Point(116.98, 28.15).buffer(0.02)
    return FakeGeography(city, counties, townships, villages, centres, roads, rivers, hamlets, core)


@pytest.fixture(scope="module")
def geography() -> FakeGeography:
    return fake_geography()


@pytest.fixture(scope="module")
def zones(geography: FakeGeography) -> list[ZoneIn]:
    return zones_from_geography(geography, seed=11)


def test_zones_tile_the_city_without_overlaps(geography: FakeGeography, zones: list[ZoneIn]) -> None:
    geoms = np.asarray([z.geometry for z in zones], dtype=object)
    assert all(isinstance(g, MultiPolygon) and g.is_valid and not g.is_empty for g in geoms)
    assert overlapping_pairs(geoms, SRID, 1.0) == []
    # Shares are compared as planar areas in lon/lat: projecting outlines noded differently (the city's long
    # edges against the zones' dense ones) would add a projection error of its own.
    city = geography.city.geometry.area
    total = float(np.sum(shapely.area(geoms)))
    union = shapely.union_all(geoms)
    assert abs(total - city) / city < 0.005  # full cover within 0.5 %
    assert abs(union.area - total) / total < 1e-9  # the sum equals the union: no double cover
    assert geography.city.geometry.difference(union).area / city < 0.005
    assert union.difference(geography.city.geometry).area / city < 1e-9
    assert float(np.sum(areas_m2(geoms, SRID))) > 0.99e9  # about 39 km × 28 km


def test_every_kind_is_present_and_each_zone_lies_in_its_township(geography: FakeGeography,
                                                                    zones: list[ZoneIn]) -> None:
    assert {ZoneKind(z.zone_kind) for z in zones} == set(ZoneKind)
    assert len({z.code for z in zones}) == len(zones)
    for z in zones:
        region = geography.townships.get(z.region_code) or geography.counties[z.region_code]
        outside = z.geometry.difference(region.geometry.buffer(1e-7))
        assert outside.area < 1e-10, (z.code, outside.area)
    kinds = Counter(z.zone_kind for z in zones)
    assert kinds["general_agriculture"] >= 2 and kinds["urban_construction"] >= 2  # every county has a seat


def test_precedence_rivers_over_the_city_and_towns_over_farmland(geography: FakeGeography,
                                                                   zones: list[ZoneIn]) -> None:
    def kind_at(x: float, y: float) -> str:
        point = Point(x, y)
        hits = [z.zone_kind for z in zones if z.geometry.covers(point)]
        assert len(hits) == 1, (x, y, hits)
        return hits[0]

    assert kind_at(116.98, 28.1518) == "water"  # the main river through the urban core
    assert kind_at(116.975, 28.16) == "urban_construction"
    for code, points in geography.hamlets.items():
        for pt in points:
            assert kind_at(pt.x, pt.y) in {"village_construction", "water", "urban_construction", "industrial",
                                           "town_construction"}, code
    assert kind_at(117.25, 28.03) == "ecological_redline"  # the top of the hills
    assert ORDER[0] is ZoneKind.water and ORDER[-1] is ZoneKind.general_agriculture


def test_zone_conditions_are_valid_for_their_kind(zones: list[ZoneIn]) -> None:
    for z in zones:
        if z.zone_kind == "industrial":
            assert z.max_plot_ratio is not None and z.min_plot_ratio is not None
            assert z.min_plot_ratio <= z.max_plot_ratio
        if z.zone_kind in {"permanent_basic_farmland", "forestry", "water"}:
            assert z.max_plot_ratio is None  # the kind's defaults apply


def test_deterministic_for_a_seed(geography: FakeGeography, zones: list[ZoneIn]) -> None:
    again = zones_from_geography(geography, seed=11)
    assert [(z.code, z.geometry.wkb, z.max_plot_ratio) for z in again] == \
        [(z.code, z.geometry.wkb, z.max_plot_ratio) for z in zones]
    other = zones_from_geography(geography, seed=12)
    assert [z.geometry.wkb for z in other] != [z.geometry.wkb for z in zones]


def test_layers_from_geography(geography: FakeGeography) -> None:
    features = features_from_geography(geography)
    kinds = Counter((f.kind, f.subkind) for f in features)
    assert kinds[("town_centre", "town")] == 4 and kinds[("town_centre", "county")] == 1
    assert kinds[("road", "national")] == 1 and kinds[("river", "river")] == 2
    assert kinds[("boundary", "county")] == 2 and kinds[("boundary", "township")] == 4
    assert kinds[("boundary", "village")] == 8 and kinds[("boundary", "city")] == 1
    assert kinds[("hamlet", "hamlet")] == sum(len(v) for v in geography.hamlets.values())
    assert all(f.geometry.geom_type in ("LineString", "MultiLineString")
               for f in features if f.kind == "boundary")
    assert plan_version_for(geography) == "鹰潭市国土空间总体规划(2021-2035年)"


def test_generated_plan_loads_and_answers_conditions(db: Database, clock: Clock, geography: FakeGeography,
                                                     zones: list[ZoneIn]) -> None:
    version = plan_version_for(geography)
    with db.transaction() as s:
        assert create_zones(s, zones, actor=ACTOR, plan_version=version) == len(zones)
        assert create_features(s, features_from_geography(geography), actor=ACTOR) > 0
    hamlet = next(iter(geography.hamlets.values()))[0]
    with db.transaction(readonly=True) as s:
        urban = planning_conditions_for(s, Point(116.975, 28.16).buffer(0.0005))
        assert urban.zone_kind == "urban_construction" and urban.plan_version == version
        assert urban.operating_use_permitted
        here = planning_conditions_for(s, hamlet.buffer(0.0002))
        assert here.zone_kind in {"village_construction", "town_construction", "urban_construction", "water"}
        hills = planning_conditions_for(s, Point(117.25, 28.03).buffer(0.001))
        assert hills.zone_kind == "ecological_redline" and not hills.operating_use_permitted
        rows, _ = list_features(s, kinds=["hamlet"])
        assert len(rows) == sum(len(v) for v in geography.hamlets.values())


def _real_geography() -> GeographyLike | None:
    """The real demo geography (demo/geography.py) when it exists and has a builder."""
    try:
        module = importlib.import_module("landbridge.demo.geography")
    except ModuleNotFoundError:
        return None
    build = getattr(module, "build_geography", None)
    if build is None:
        return None
    geo: GeographyLike = build(get_profile(), seed=20260101)
    return geo


def test_zones_of_the_whole_demo_city_tile_it() -> None:
    """Invariants on the real demo geography (its speed belongs in bench/, not in a timed test)."""
    geography = _real_geography()
    if geography is None:
        pytest.skip("landbridge.demo.geography.build_geography is not there yet")
    zones = zones_from_geography(geography, seed=20260101)
    geoms = np.asarray([z.geometry for z in zones], dtype=object)
    assert {z.zone_kind for z in zones} == {k.value for k in ZoneKind}
    assert overlapping_pairs(geoms, SRID, 1.0) == []
    # seed 3 once gave 10 ha overlaps: a hole that crossed its shell by a hair after the metres → degrees scaling
    # was "repaired" by filling it (make_valid's default linework method); zones are now repaired by structure
    other = [z.geometry for z in zones_from_geography(geography, seed=3)]
    assert overlapping_pairs(np.asarray(other, dtype=object), SRID, 1.0) == []
    city = geography.city.geometry.area
    assert abs(float(np.sum(shapely.area(geoms))) - city) / city < 0.005

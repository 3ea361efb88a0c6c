"""Demo territorial plan: zones (用途分区) and one-map layers generated from the demo geography (issue #3 item 5).

The zones tile each county without gaps or overlaps. They are built with Shapely set operations in a
fixed order of precedence, each kind taking what its raw shape covers *minus everything the kinds
before it took*, and the last kind (general agriculture) taking the rest of the county:

  water (rivers buffered) → urban construction (the urban core and the county seats) → industrial
  (a park near each county seat, on its lowest side) → town construction (buffers round town centres)
  → village construction (buffers round hamlets) → mineral (a site in the hills of each county) →
  ecological redline (highest or steepest land) → forestry (high or steep land) → permanent basic
  farmland (low flat land) → general agriculture (the rest).

Terrain classes come from the geography's elevation sampled on a grid; thresholds are quantiles over
the whole city, so hilly counties get more forest. Work is done in a local metric plane (an
equirectangular projection at the city's mean latitude, exact to invert), and every zone is split by
township. Deterministic for a seed. These are synthetic-data parameters, not policy: the rules that
govern the zones (permitted uses, conditions) are in the city profile's ``planning`` rule set.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from landbridge.planning import FeatureIn, ZoneIn, ZoneKind

PLAN_PERIOD = "2021-2035年"
PLAN_EFFECTIVE_FROM = date(2021, 1, 1)
M_PER_DEG_LAT = 111_320.0

# Precedence: each kind takes its raw shape minus the union of the kinds before it.
ORDER: tuple[ZoneKind, ...] = (
    ZoneKind.water, ZoneKind.urban_construction, ZoneKind.industrial, ZoneKind.town_construction,
    ZoneKind.village_construction, ZoneKind.mineral, ZoneKind.ecological_redline, ZoneKind.forestry,
    ZoneKind.permanent_basic_farmland, ZoneKind.general_agriculture,
)
CODE_SUFFIX: dict[ZoneKind, str] = {
    ZoneKind.water: "WAT", ZoneKind.urban_construction: "UC", ZoneKind.industrial: "IND",
    ZoneKind.town_construction: "TC", ZoneKind.village_construction: "VC", ZoneKind.mineral: "MIN",
    ZoneKind.ecological_redline: "ECO", ZoneKind.forestry: "FOR", ZoneKind.permanent_basic_farmland: "PBF",
    ZoneKind.general_agriculture: "GA",
}


# --- the geography this generator reads (duck-typed: demo/geography.py provides it) ------------------

class TerritoryLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def geometry(self) -> BaseGeometry: ...


class TownCentreLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def rank(self) -> str: ...
    @property
    def point(self) -> Point: ...


class LineFeatureLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def geometry(self) -> BaseGeometry: ...


class GeographyLike(Protocol):
    """What the generator needs of ``landbridge.demo.geography.Geography``."""

    @property
    def city(self) -> TerritoryLike: ...
    @property
    def counties(self) -> Mapping[str, TerritoryLike]: ...
    @property
    def townships(self) -> Mapping[str, TerritoryLike]: ...
    @property
    def villages(self) -> Mapping[str, TerritoryLike]: ...
    @property
    def town_centres(self) -> Sequence[TownCentreLike]: ...
    @property
    def roads(self) -> Sequence[LineFeatureLike]: ...
    @property
    def rivers(self) -> Sequence[LineFeatureLike]: ...
    @property
    def hamlets(self) -> Mapping[str, Sequence[Point]]: ...
    @property
    def urban_core(self) -> BaseGeometry: ...
    def elevation(self, lon: Any, lat: Any) -> Any: ...


@dataclass(frozen=True)
class ZoneParams:
    """Shape parameters of the synthetic plan (metres and quantiles of the city's terrain)."""

    cell_m: float = 250.0
    river_half_width_m: float = 40.0
    main_river_half_width_m: float = 120.0
    main_river_length_m: float = 30_000.0
    county_seat_radius_m: tuple[float, float] = (1_800.0, 2_600.0)
    park_distance_m: tuple[float, float] = (2_500.0, 4_000.0)
    park_size_m: tuple[float, float] = (2_200.0, 3_600.0)
    town_radius_m: tuple[float, float] = (450.0, 850.0)
    hamlet_radius_m: tuple[float, float] = (110.0, 190.0)
    mineral_radius_m: tuple[float, float] = (600.0, 1_000.0)
    mineral_band: tuple[float, float] = (0.60, 0.85)  # elevation quantiles where mines are sited
    redline_elevation_q: float = 0.92
    redline_slope_q: float = 0.97
    forestry_elevation_q: float = 0.60
    forestry_slope_q: float = 0.80
    farmland_elevation_q: float = 0.40
    farmland_slope_q: float = 0.55
    min_piece_m2: float = 50.0


# --- the metric plane ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Plane:
    """Equirectangular metres around a latitude: x = lon·kx, y = lat·ky (exactly invertible, affine)."""

    kx: float
    ky: float

    def to_m(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda xy: xy * np.array([self.kx, self.ky]))

    def to_deg(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda xy: xy / np.array([self.kx, self.ky]))


def _plane(geography: GeographyLike) -> _Plane:
    lat = geography.city.geometry.centroid.y
    return _Plane(M_PER_DEG_LAT * math.cos(math.radians(lat)), M_PER_DEG_LAT)


def _polygons(geom: BaseGeometry | None, min_area: float = 0.0) -> MultiPolygon:
    """The polygonal part of a set-operation result as a valid MultiPolygon (slivers below ``min_area`` dropped)."""
    if geom is None or geom.is_empty:
        return MultiPolygon()
    if not geom.is_valid:  # "structure": shells minus holes; the default linework repair can fill a hole
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
    polys: list[Polygon] = []
    for p in parts:
        polys += list(p.geoms) if isinstance(p, MultiPolygon) else [p]
    out = MultiPolygon([p for p in polys if p.area > min_area])
    if not out.is_valid:  # parts of a collection may share an edge: merge them, or later set operations go wrong
        merged = shapely.union_all([p for p in polys if p.area > min_area])
        out = MultiPolygon([p for p in shapely.get_parts(merged) if isinstance(p, Polygon)])
    return out


# --- terrain --------------------------------------------------------------------------------------

@dataclass
class _Terrain:
    xs: np.ndarray  # cell centres (metres), shape (nx,)
    ys: np.ndarray  # shape (ny,)
    elevation: np.ndarray  # (ny, nx), NaN outside the city
    slope: np.ndarray  # (ny, nx)
    cell: float

    def quantile(self, values: np.ndarray, q: float) -> float:
        return float(np.nanquantile(values, q))

    def region(self, mask: np.ndarray, smooth: bool = True) -> BaseGeometry:
        """The union of the cells where ``mask`` holds, as rectangles merged row by row, then smoothed."""
        half = self.cell / 2
        rects: list[Polygon] = []
        for j in range(mask.shape[0]):
            row = mask[j]
            if not row.any():
                continue
            padded = np.concatenate(([False], row, [False]))
            edges = np.flatnonzero(padded[1:] != padded[:-1])
            for start, stop in zip(edges[::2], edges[1::2], strict=True):
                rects.append(box(self.xs[start] - half, self.ys[j] - half, self.xs[stop - 1] + half, self.ys[j] + half))
        if not rects:
            return Polygon()
        region = shapely.union_all(np.asarray(rects, dtype=object))
        if smooth:  # round the staircase: close small gaps, then simplify to under a cell
            region = region.buffer(half, quad_segs=2).buffer(-half, quad_segs=2).simplify(self.cell * 0.35)
        return region


def _terrain(geography: GeographyLike, plane: _Plane, city_m: BaseGeometry, cell: float) -> _Terrain:
    minx, miny, maxx, maxy = city_m.bounds
    xs = np.arange(minx + cell / 2, maxx, cell)
    ys = np.arange(miny + cell / 2, maxy, cell)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = gx / plane.kx, gy / plane.ky
    elev = _elevations(geography, lon.ravel(), lat.ravel()).reshape(gx.shape)
    dy, dx = np.gradient(elev, cell)
    slope = np.hypot(dx, dy)
    inside = shapely.contains_xy(city_m, gx, gy)
    elev = np.where(inside, elev, np.nan)
    slope = np.where(inside, slope, np.nan)
    return _Terrain(xs, ys, elev, slope, cell)


def _elevations(geography: GeographyLike, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Elevations at many points: one vectorised call when the geography supports it, else point by point."""
    try:
        out = np.asarray(geography.elevation(lon, lat), dtype=float)
        if out.shape == lon.shape:
            return out
    except (TypeError, ValueError):
        pass
    return np.array([float(geography.elevation(float(x), float(y))) for x, y in zip(lon, lat, strict=True)])


# --- raw shapes of each kind ------------------------------------------------------------------------

def _county_of(point: Point, counties_m: Mapping[str, BaseGeometry]) -> str | None:
    for code, geom in counties_m.items():
        if geom.covers(point):
            return code
    return None


def _uniform(rng: random.Random, bounds: tuple[float, float]) -> float:
    return rng.uniform(bounds[0], bounds[1])


def _raw_shapes(geography: GeographyLike, plane: _Plane, counties_m: Mapping[str, BaseGeometry],
                terrain: _Terrain, p: ZoneParams, rng: random.Random) -> dict[ZoneKind, BaseGeometry]:
    """The raw (possibly overlapping) shape of every kind but the last, over the whole city, in metres."""
    raw: dict[ZoneKind, BaseGeometry] = {}
    rivers = []
    for river in geography.rivers:
        line = plane.to_m(river.geometry)
        width = p.main_river_half_width_m if line.length >= p.main_river_length_m else p.river_half_width_m
        rivers.append(line.buffer(width, quad_segs=4))
    raw[ZoneKind.water] = shapely.union_all(rivers) if rivers else Polygon()

    centres = sorted(geography.town_centres, key=lambda t: (t.rank, t.code, t.name))
    seats = [t for t in centres if t.rank in ("city", "county")]
    towns = [t for t in centres if t.rank not in ("city", "county")]
    urban = [plane.to_m(geography.urban_core)]
    urban += [plane.to_m(t.point).buffer(_uniform(rng, p.county_seat_radius_m), quad_segs=8)
              for t in seats if t.rank == "county"]
    raw[ZoneKind.urban_construction] = shapely.union_all(urban)

    parks = []
    for seat in seats:  # one industrial park per county seat, on its lowest side
        centre = plane.to_m(seat.point)
        county = _county_of(centre, counties_m)
        distance = _uniform(rng, p.park_distance_m)
        options = []
        for k in range(8):
            angle = k * math.pi / 4
            spot = Point(centre.x + distance * math.cos(angle), centre.y + distance * math.sin(angle))
            if county is not None and not counties_m[county].covers(spot):
                continue
            height = float(_elevations(geography, np.array([spot.x / plane.kx]), np.array([spot.y / plane.ky]))[0])
            options.append((height, k, spot))
        if not options:
            continue
        _, _, spot = min(options, key=lambda o: (o[0], o[1]))
        w, h = _uniform(rng, p.park_size_m), _uniform(rng, p.park_size_m) * 0.7
        parks.append(box(spot.x - w / 2, spot.y - h / 2, spot.x + w / 2, spot.y + h / 2))
    raw[ZoneKind.industrial] = shapely.union_all(parks) if parks else Polygon()

    raw[ZoneKind.town_construction] = shapely.union_all(
        [plane.to_m(t.point).buffer(_uniform(rng, p.town_radius_m), quad_segs=8) for t in towns]) \
        if towns else Polygon()
    hamlets = [plane.to_m(pt).buffer(_uniform(rng, p.hamlet_radius_m), quad_segs=6)
               for code in sorted(geography.hamlets) for pt in geography.hamlets[code]]
    raw[ZoneKind.village_construction] = shapely.union_all(hamlets) if hamlets else Polygon()

    elev, slope = terrain.elevation, terrain.slope
    lo, hi = (terrain.quantile(elev, q) for q in p.mineral_band)
    band = (elev >= lo) & (elev <= hi)
    mines = []
    for code in sorted(counties_m):  # one mine per county in its hills (if it has any)
        inside = band & shapely.contains_xy(counties_m[code], *np.meshgrid(terrain.xs, terrain.ys))
        js, is_ = np.nonzero(inside)
        if js.size == 0:
            continue
        pick = rng.randrange(js.size)
        mines.append(Point(terrain.xs[is_[pick]], terrain.ys[js[pick]]).buffer(_uniform(rng, p.mineral_radius_m),
                                                                              quad_segs=8))
    raw[ZoneKind.mineral] = shapely.union_all(mines) if mines else Polygon()

    def q(values: np.ndarray, quantile: float) -> float:
        return terrain.quantile(values, quantile)

    raw[ZoneKind.ecological_redline] = terrain.region(
        (elev >= q(elev, p.redline_elevation_q)) | (slope >= q(slope, p.redline_slope_q)))
    raw[ZoneKind.forestry] = terrain.region(
        (elev >= q(elev, p.forestry_elevation_q)) | (slope >= q(slope, p.forestry_slope_q)))
    raw[ZoneKind.permanent_basic_farmland] = terrain.region(
        (elev <= q(elev, p.farmland_elevation_q)) & (slope <= q(slope, p.farmland_slope_q)))
    return raw


def _tile(county: BaseGeometry, raw: Mapping[ZoneKind, BaseGeometry], min_area: float) -> dict[ZoneKind, BaseGeometry]:
    """Each kind = (its raw shape ∩ county) − what the earlier kinds took; the last kind takes the rest."""
    pieces: dict[ZoneKind, BaseGeometry] = {}
    taken: BaseGeometry = Polygon()
    for kind in ORDER:
        if kind is ORDER[-1]:
            piece = county.difference(taken)
        else:
            shape = raw.get(kind)
            if shape is None or shape.is_empty or not county.intersects(shape):
                continue
            piece = shape.intersection(county).difference(taken)
        piece = _polygons(piece, min_area)
        if piece.is_empty:
            continue
        pieces[kind] = piece
        taken = shapely.union(taken, piece)
    return pieces


# --- zones and conditions ---------------------------------------------------------------------------

def _with_conditions(zone: ZoneIn, rng: random.Random) -> ZoneIn:
    """Zone-specific indicators for construction zones (the rest use their kind's defaults)."""
    kind = ZoneKind(zone.zone_kind)
    if kind is ZoneKind.urban_construction:
        return replace(zone, max_plot_ratio=Decimal(rng.choice(("2.5", "3.0", "3.5"))))
    if kind is ZoneKind.industrial:
        return replace(zone, max_plot_ratio=Decimal(rng.choice(("1.5", "2.0"))),
                       min_plot_ratio=Decimal(rng.choice(("0.8", "1.0"))))
    if kind is ZoneKind.town_construction:
        return replace(zone, max_plot_ratio=Decimal(rng.choice(("1.5", "2.0"))))
    return zone


_LAST: list[tuple[GeographyLike, int, ZoneParams, list[ZoneIn]]] = []  # the last plan drawn (zones are frozen)


def zones_from_geography(geography: GeographyLike, *, seed: int, params: ZoneParams | None = None) -> list[ZoneIn]:
    """A synthetic territorial plan for the demo city: zones tiling every county, split by township (L2).

    The last plan is kept for the same geography object, seed and parameters (a process building several
    worlds on one geography — the test suite — draws it once); a new list is returned each time.
    """
    p = params or ZoneParams()
    if _LAST and _LAST[0][0] is geography and _LAST[0][1] == seed and _LAST[0][2] == p:
        return list(_LAST[0][3])
    zones = _draw_zones(geography, seed, p)
    _LAST[:] = [(geography, seed, p, zones)]
    return list(zones)


def _draw_zones(geography: GeographyLike, seed: int, p: ZoneParams) -> list[ZoneIn]:
    rng = random.Random(seed)
    plane = _plane(geography)
    counties_m = {code: plane.to_m(t.geometry) for code, t in sorted(geography.counties.items())}
    city_m = shapely.union_all(list(counties_m.values()))
    terrain = _terrain(geography, plane, city_m, p.cell_m)
    raw = _raw_shapes(geography, plane, counties_m, terrain, p, rng)
    zones: list[ZoneIn] = []
    for county_code, county in counties_m.items():
        pieces = _tile(county, raw, p.min_piece_m2)
        townships = [(code, plane.to_m(t.geometry)) for code, t in sorted(geography.townships.items())
                     if t.parent == county_code]
        for kind in ORDER:
            piece = pieces.get(kind)
            if piece is None:
                continue
            rest: BaseGeometry = piece
            for code, township in townships:
                # from what is left, so that even overlapping township outlines give disjoint zones
                part = _polygons(rest.intersection(township), p.min_piece_m2)
                if part.is_empty:
                    continue
                rest = rest.difference(township)
                zones.append(_zone(code, kind, part, plane, rng))
            leftover = _polygons(rest, p.min_piece_m2)  # land outside every township stays with the county
            if not leftover.is_empty:
                zones.append(_zone(county_code, kind, leftover, plane, rng))
    return zones


def _zone(region_code: str, kind: ZoneKind, piece_m: MultiPolygon, plane: _Plane, rng: random.Random) -> ZoneIn:
    geom = _polygons(plane.to_deg(piece_m))
    return _with_conditions(ZoneIn(code=f"{region_code}-{CODE_SUFFIX[kind]}", zone_kind=kind.value,
                                   region_code=region_code, geometry=geom, effective_from=PLAN_EFFECTIVE_FROM), rng)


def plan_version_for(geography: GeographyLike) -> str:
    """The demo plan's version name, e.g. 鹰潭市国土空间总体规划(2021-2035年)."""
    return f"{geography.city.name}国土空间总体规划({PLAN_PERIOD})"


# --- one-map layers -------------------------------------------------------------------------------

def _region_code(code: str) -> str | None:
    return code if len(code) == 12 and code.isdigit() else None


def _boundaries(territories: Iterable[TerritoryLike], level: str) -> list[FeatureIn]:
    return [FeatureIn("boundary", level, t.name, t.geometry.boundary, code=_region_code(t.code))
            for t in territories]


def features_from_geography(geography: GeographyLike) -> list[FeatureIn]:
    """The one-map layers of the demo city: town centres, roads, rivers, boundaries and hamlets (L2)."""
    out = [FeatureIn("town_centre", t.rank, t.name, t.point, code=_region_code(t.code))
           for t in geography.town_centres]
    out += [FeatureIn("road", r.kind, r.name, r.geometry) for r in geography.roads]
    out += [FeatureIn("river", "river", r.name, r.geometry) for r in geography.rivers]
    out += _boundaries([geography.city], "city")
    out += _boundaries([geography.counties[c] for c in sorted(geography.counties)], "county")
    out += _boundaries([geography.townships[c] for c in sorted(geography.townships)], "township")
    out += _boundaries([geography.villages[c] for c in sorted(geography.villages)], "village")
    for code in sorted(geography.hamlets):
        village = geography.villages.get(code)
        for i, point in enumerate(geography.hamlets[code], start=1):
            name = f"{village.name}·自然村{i}" if village is not None else f"自然村{i}"
            out.append(FeatureIn("hamlet", "hamlet", name, point, code=_region_code(code)))
    return out

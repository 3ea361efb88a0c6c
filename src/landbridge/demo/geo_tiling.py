"""Parcels of one village (宗地), sized by land use, tiling the village exactly (issue #3, item 2).

``tile_village`` cuts a village territory into Voronoi cells of seed points whose density follows
the land use of the place: homesteads (宅基地, GB/T 21010 "0702") in tight clusters around the
hamlets; collective construction land near the roads; forest ("0301") on the high ground; farmland
everywhere else, paddy on the lowest ground, then dry land and orchards, with ponds near the
hamlets. An urban community (state land) is cut into residential, commercial, industrial, public
and park lots. Seeds come from jittered grids (one point per cell) so that the parcels of one use
have similar sizes; every cell is clipped to the territory, so the parcels cover the village with
no gap and no overlap. Sizes, shares and counts come from the ``demo_geography`` rule set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from landbridge.demo.geo_mesh import FloatArray, IntArray, SmoothField, jittered_grid, voronoi_cells
from landbridge.demo.geo_types import Geography, VillageTiling

# GB/T 21010 land-use classes that the tiling places by rule (the shares come from the rule set).
HOMESTEAD = "0702"
FOREST = "0301"
POND = "1104"
COMMERCIAL = "0501"
INDUSTRIAL = "0601"
PARK = "0810"
HOME, CONSTRUCTION, WOODS, FARM = 0, 1, 2, 3  # zones of a rural village
SAMPLE_POINTS = 1600


@dataclass
class _Plan:
    """What is fixed for a village whatever the tiling seed: its sample points, relief and forest line."""

    poly: Polygon
    sx: FloatArray
    sy: FloatArray
    elevation: FloatArray
    noise: SmoothField
    forest_share: float
    forest_line: float


def _plan(geo: Geography, code: str) -> _Plan:
    m = geo.model
    poly = m.villages[code]
    shapely.prepare(poly)
    rng = np.random.default_rng([geo.seed, int(code), 11])
    minx, miny, maxx, maxy = poly.bounds
    x, y = jittered_grid(poly.bounds, math.sqrt((maxx - minx) * (maxy - miny) / SAMPLE_POINTS), rng)
    inside = shapely.contains_xy(poly, x, y)
    x, y = x[inside], y[inside]
    elev = m.elevation_xy(x, y)
    noise = SmoothField(rng, 600.0)
    lo, hi = (float(v) for v in m.rules["forest_share_bounds"])
    # Even a plain village keeps some wooded hillocks and a hill village some valley fields.
    above = float(np.mean(elev > float(m.rules["forest_min_elevation_m"]))) if len(x) else 0.0
    share = lo + (hi - lo) * above
    line = float(np.quantile(elev + 12.0 * noise(x, y), 1 - share)) if len(x) else math.inf
    return _Plan(poly, x, y, elev, noise, share, line)


def _typical(geo: Geography) -> dict[str, float]:
    return {k: float(v) for k, v in geo.model.rules["typical_parcel_m2"].items()}


def natural_parcel_count(geo: Geography, code: str) -> float:
    """How many parcels a village has at the typical parcel sizes of its land (the city-scale density)."""
    t = _typical(geo)
    area = geo.villages[code].area_m2
    if geo.villages[code].urban:
        return area / t["urban"]
    rules = geo.model.rules
    home, con = float(rules["homestead_area_share"]), float(rules["construction_area_share"])
    forest = min(_plan(geo, code).forest_share, 1 - home - con - 0.02)
    farm = 1 - home - con - forest
    return area * (home / t["homestead"] + con / t["construction"] + forest / t["forest"] + farm / t["farmland"])


def suggest_parcel_counts(geography: Geography, total: int) -> dict[str, int]:
    """Share ``total`` parcels among the villages by area and land (dense farmland, sparse forest, urban lots)."""
    codes = sorted(geography.villages)
    weight = np.array([natural_parcel_count(geography, c) for c in codes])
    exact = weight / weight.sum() * total
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return {c: int(n) for c, n in zip(codes, counts, strict=True)}


def small_scale_villages(geography: Geography, n: int = 8) -> list[str]:
    """The villages of the small demo world: the urban community and the villages nearest a county seat."""
    county = str(geography.model.rules["small_scale_county"])
    return _nearest_to_seat(geography, county, n)


def county_scale_villages(geography: Geography, county_code: str) -> list[str]:
    """All villages and communities of one county (the county-scale demo world)."""
    return sorted(c for c in geography.villages if geography.township_of(c).parent == county_code)


def _nearest_to_seat(geo: Geography, county: str, n: int) -> list[str]:
    seat = next((tc for tc in geo.town_centres if tc.rank in ("county", "city")
                 and geo.townships[tc.code].parent == county), None)
    own = county_scale_villages(geo, county)
    if seat is None or not own:
        return own[:n]
    sx, sy = geo.model.project(np.array([seat.point.x]), np.array([seat.point.y]))
    here = Point(float(sx[0]), float(sy[0]))
    dist = {c: float(shapely.distance(here, geo.model.villages[c])) for c in own}
    urban = sorted((c for c in own if geo.villages[c].urban), key=lambda c: dist[c])[:1]
    rural = sorted((c for c in own if not geo.villages[c].urban), key=lambda c: dist[c])
    return sorted(urban + rural[: max(0, n - len(urban))])


def tile_village(geography: Geography, village_code: str, *, parcels: int, seed: int) -> VillageTiling:
    """Cut a village into ``parcels`` parcels sized by land use, tiling it exactly (demo world, issue #3)."""
    if parcels < 1:
        raise ValueError("parcels must be at least 1")
    if village_code not in geography.villages:
        raise KeyError(f"no village {village_code} in the geography")
    plan = _plan(geography, village_code)
    rng = np.random.default_rng([seed, int(village_code)])
    if geography.villages[village_code].urban:
        x, y, land_use = _urban_seeds(geography, plan, parcels, rng)
        hamlet = np.full(len(x), -1, dtype=np.int64)
        cells = _cut(x, y, plan.poly)
    else:
        x, y, land_use, homes = _rural_seeds(geography, village_code, plan, parcels, rng)
        h = geography.model.hamlets[village_code]
        hamlet = np.argmin((x[:, None] - h[:, 0]) ** 2 + (y[:, None] - h[:, 1]) ** 2, axis=1).astype(np.int64)
        # The homestead clusters are tiled on their own, so that their edge plots keep homestead sizes.
        # (With very few parcels one side may have no seed: then the village is cut as one.)
        home = land_use == HOMESTEAD
        if home.any() and (~home).any():
            cells = np.empty(len(x), dtype=object)
            for mask, region in ((home, homes), (~home, shapely.difference(plan.poly, homes))):
                cells[mask] = _cut(x[mask], y[mask], region)
        else:
            cells = _cut(x, y, plan.poly)
    _fix(cells, x, y)
    area = shapely.area(cells)
    inverse = geography.model.inverse

    def to_lonlat(xy: FloatArray) -> FloatArray:
        lon, lat = inverse.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    lonlat = shapely.transform(cells, to_lonlat)
    # Cells along the village boundary are clipped again in lon/lat, so that they meet the neighbouring
    # village's cells on the very same (shared) boundary line: a vertex the projected clip put on an edge
    # lies a hair off the edge once unprojected, and neighbours would overlap by slivers.
    territory = geography.villages[village_code].geometry
    shapely.prepare(territory)
    edge = np.flatnonzero(~shapely.contains_properly(territory, lonlat))
    lonlat[edge] = shapely.intersection(lonlat[edge], territory)
    bad = (shapely.get_type_id(lonlat) != 3) | ~shapely.is_valid(lonlat)
    for i in np.flatnonzero(bad):  # a sliver cut off, or a near-touching ring that crosses itself once unprojected
        parts = [p for p in shapely.get_parts(shapely.make_valid(lonlat[i])) if isinstance(p, Polygon)]
        lonlat[i] = max(parts, key=lambda p: p.area)
    return VillageTiling(village_code, lonlat, land_use, area, hamlet)


# --- rural villages --------------------------------------------------------------------------------
class _Blobs:
    """Irregular round patches (homestead clusters, construction sites) around centres."""

    def __init__(self, cx: FloatArray, cy: FloatArray, area: FloatArray, rng: np.random.Generator) -> None:
        self.cx, self.cy = cx, cy
        self.r = np.sqrt(area / math.pi)
        self.p1, self.p2 = rng.uniform(0, 2 * math.pi, len(cx)), rng.uniform(0, 2 * math.pi, len(cx))

    def owner(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Index of the first patch that contains each point, -1 outside all."""
        out = np.full(len(x), -1, dtype=np.int64)
        for k in range(len(self.cx) - 1, -1, -1):
            dx, dy = x - self.cx[k], y - self.cy[k]
            theta = np.arctan2(dy, dx)
            reach = self.r[k] * (1 + 0.22 * np.sin(3 * theta + self.p1[k]) + 0.12 * np.sin(5 * theta + self.p2[k]))
            out[dx * dx + dy * dy < reach * reach] = k
        return out

    def area(self) -> float:
        """Total area of the patches (mean of the squared wobbly radius: 1 + (0.22² + 0.12²) / 2)."""
        return float(np.sum(math.pi * self.r**2) * (1 + (0.22**2 + 0.12**2) / 2))

    def polygon(self, k: int, samples: int = 48) -> Polygon:
        theta = np.linspace(0, 2 * math.pi, samples, endpoint=False)
        reach = self.r[k] * (1 + 0.22 * np.sin(3 * theta + self.p1[k]) + 0.12 * np.sin(5 * theta + self.p2[k]))
        return Polygon(np.column_stack([self.cx[k] + reach * np.cos(theta), self.cy[k] + reach * np.sin(theta)]))

    def grid(self, k: int, spacing: float, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        reach = 1.35 * self.r[k]
        return jittered_grid((self.cx[k] - reach, self.cy[k] - reach, self.cx[k] + reach, self.cy[k] + reach),
                             spacing, rng)


def _rural_seeds(geo: Geography, code: str, plan: _Plan, n: int, rng: np.random.Generator
                 ) -> tuple[FloatArray, FloatArray, np.ndarray, BaseGeometry]:
    """Seeds and land uses of a rural village, and the area of its homestead clusters."""
    m, rules, t = geo.model, geo.model.rules, _typical(geo)
    poly, area = plan.poly, plan.poly.area
    hamlets = m.hamlets[code]
    w = rng.lognormal(0, 0.35, len(hamlets))
    w[0] *= 1.6  # the main hamlet, where the village committee sits, is the largest
    homes = _Blobs(hamlets[:, 0], hamlets[:, 1], float(rules["homestead_area_share"]) * area * w / w.sum(), rng)
    home_parts = [homes.polygon(k) for k in range(len(hamlets))]
    home_region = shapely.intersection(shapely.union_all(home_parts), poly)
    shapely.prepare(home_region)
    in_home = shapely.contains_xy(home_region, plan.sx, plan.sy)
    lo, hi = (int(v) for v in rules["construction_sites"])
    sites = _construction_sites(geo, plan, homes, ~in_home, int(rng.integers(lo, hi + 1)), rng)
    share = rng.dirichlet(np.full(len(sites), 3.0))
    works = _Blobs(sites[:, 0], sites[:, 1], float(rules["construction_area_share"]) * area * share, rng)

    def zone(x: FloatArray, y: FloatArray) -> IntArray:
        z = np.where(m.elevation_xy(x, y) + 12.0 * plan.noise(x, y) > plan.forest_line, WOODS, FARM)
        z[works.owner(x, y) >= 0] = CONSTRUCTION
        z[shapely.contains_xy(home_region, x, y)] = HOME
        return z.astype(np.int64)

    # Homesteads and construction land keep their typical sizes; farmland and forest take up the
    # difference between the natural parcel count and the one asked for (unless that is too few).
    size = {HOME: t["homestead"], CONSTRUCTION: t["construction"], WOODS: t["forest"], FARM: t["farmland"]}
    sample = zone(plan.sx, plan.sy)
    open_land = np.bincount(sample, minlength=4)[[WOODS, FARM]]
    fixed_area = {HOME: homes.area(), CONSTRUCTION: works.area()}
    rest = max(area - fixed_area[HOME] - fixed_area[CONSTRUCTION], 0.0)
    natural = {HOME: fixed_area[HOME] / size[HOME], CONSTRUCTION: fixed_area[CONSTRUCTION] / size[CONSTRUCTION],
               WOODS: rest * open_land[0] / max(1, open_land.sum()) / size[WOODS],
               FARM: rest * open_land[1] / max(1, open_land.sum()) / size[FARM]}
    fixed = natural[HOME] + natural[CONSTRUCTION]
    free = natural[WOODS] + natural[FARM]
    if fixed <= 0.5 * n and free > 0:
        scale = {HOME: 1.0, CONSTRUCTION: 1.0, WOODS: (n - fixed) / free, FARM: (n - fixed) / free}
    else:
        scale = dict.fromkeys(size, n / max(fixed + free, 1e-9))
    spacing = {z: math.sqrt(size[z] / scale[z]) for z in size}
    xs, ys = [], []
    for k in range(len(homes.cx)):
        gx, gy = homes.grid(k, spacing[HOME], rng)
        keep = shapely.contains_xy(home_parts[k], gx, gy) & shapely.contains_xy(home_region, gx, gy)
        for earlier in home_parts[:k]:  # overlapping clusters: a point belongs to the first
            keep &= ~shapely.contains_xy(earlier, gx, gy)
        xs.append(gx[keep])
        ys.append(gy[keep])
    for k in range(len(works.cx)):
        gx, gy = works.grid(k, spacing[CONSTRUCTION], rng)
        keep = (works.owner(gx, gy) == k) & (zone(gx, gy) == CONSTRUCTION)
        xs.append(gx[keep])
        ys.append(gy[keep])
    for kind in (WOODS, FARM):
        gx, gy = jittered_grid(poly.bounds, spacing[kind], rng)
        keep = zone(gx, gy) == kind
        xs.append(gx[keep])
        ys.append(gy[keep])
    x, y = np.concatenate(xs), np.concatenate(ys)
    inside = shapely.contains_xy(poly, x, y)
    x, y = _exactly(x[inside], y[inside], n, poly, rng)
    z = zone(x, y)
    land_use = np.empty(len(x), dtype=object)
    land_use[z == HOME] = HOMESTEAD
    land_use[z == WOODS] = FOREST
    works_idx = np.flatnonzero(z == CONSTRUCTION)
    road = np.zeros(len(x))
    road[works_idx] = m.roads.distance(x[works_idx], y[works_idx])
    _by_rank(land_use, works_idx, road, dict(rules["construction_mix"]), rng)
    farm = np.flatnonzero(z == FARM)
    to_hamlet = np.sqrt(np.min((x[farm, None] - hamlets[:, 0]) ** 2 + (y[farm, None] - hamlets[:, 1]) ** 2, axis=1))
    # Ponds: a weighted draw that favours plots near a hamlet (key u^(1/w), Efraimidis-Spirakis).
    key = np.log(rng.uniform(1e-12, 1.0, len(farm))) * np.exp(to_hamlet / 350.0)
    ponds = farm[np.argsort(-key)[: round(float(rules["pond_share"]) * len(farm))]]
    land_use[ponds] = POND
    rest = np.setdiff1d(farm, ponds)
    _by_rank(land_use, rest, m.elevation_xy(x, y) + rng.normal(0, 3, len(x)), dict(rules["farmland_mix"]), rng)
    return x, y, land_use.astype(str), home_region


def _construction_sites(geo: Geography, plan: _Plan, homes: _Blobs, free: np.ndarray, count: int,
                        rng: np.random.Generator) -> FloatArray:
    """Centres of collective construction land: near a road and the main hamlet, off the homesteads, on low
    ground, apart from each other."""
    idx = np.flatnonzero(free)
    if len(idx) > 400:  # a sample of the sample is plenty to place a few sites
        idx = np.sort(rng.choice(idx, 400, replace=False))
    sx, sy = plan.sx[idx], plan.sy[idx]
    if not len(sx):
        return np.column_stack([homes.cx[:1] + 60.0, homes.cy[:1]])
    edge = shapely.distance(plan.poly.boundary, shapely.points(sx, sy))
    gap = np.min(np.hypot(sx[:, None] - homes.cx, sy[:, None] - homes.cy) - 1.4 * homes.r, axis=1)
    score = (geo.model.roads.distance(sx, sy) + 0.4 * np.hypot(sx - homes.cx[0], sy - homes.cy[0])
             + 2.0 * np.maximum(0, plan.elevation[idx] - plan.forest_line) + rng.uniform(0, 200, len(sx))
             + np.where(edge < 80, 5000.0, 0.0) + np.where(gap < 60, 3000.0, 0.0))
    picked: list[int] = []
    for i in np.argsort(score):
        if all(math.hypot(sx[i] - sx[j], sy[i] - sy[j]) > 400 for j in picked):
            picked.append(int(i))
            if len(picked) == count:
                break
    return np.column_stack([sx[picked], sy[picked]])


def _by_rank(land_use: np.ndarray, idx: IntArray, score: FloatArray, mix: dict[str, float],
             rng: np.random.Generator) -> None:
    """Give ``idx`` the classes of ``mix`` in order of ascending score, in proportion to the shares."""
    if not len(idx):
        return
    order = idx[np.argsort(score[idx], kind="stable")]
    shares = np.array(list(mix.values()), dtype=float)
    bounds = np.round(np.cumsum(shares / shares.sum()) * len(order)).astype(int)
    start = 0
    for cls, end in zip(mix, bounds, strict=True):
        land_use[order[start:end]] = cls
        start = end


def _exactly(x: FloatArray, y: FloatArray, n: int, poly: Polygon, rng: np.random.Generator
             ) -> tuple[FloatArray, FloatArray]:
    """Drop random seeds, or add random ones inside the territory, until there are exactly ``n``."""
    if len(x) > n:
        keep = np.sort(rng.choice(len(x), n, replace=False))
        return x[keep], y[keep]
    minx, miny, maxx, maxy = poly.bounds
    while len(x) < n:
        need = n - len(x)
        ax = rng.uniform(minx, maxx, 4 * need + 16)
        ay = rng.uniform(miny, maxy, 4 * need + 16)
        ok = shapely.contains_xy(poly, ax, ay)
        x, y = np.concatenate([x, ax[ok][:need]]), np.concatenate([y, ay[ok][:need]])
    return x, y


# --- urban communities -----------------------------------------------------------------------------
def _urban_seeds(geo: Geography, plan: _Plan, n: int, rng: np.random.Generator
                 ) -> tuple[FloatArray, FloatArray, np.ndarray]:
    m = geo.model
    poly = plan.poly
    x, y = jittered_grid(poly.bounds, math.sqrt(poly.area / n), rng)
    inside = shapely.contains_xy(poly, x, y)
    x, y = _exactly(x[inside], y[inside], n, poly, rng)
    d = m.distances_xy(x, y)
    lumps = SmoothField(rng, 700.0)
    score = {
        COMMERCIAL: d["county_seat"] + 0.7 * d["major_road"] + 400 * lumps(x, y),
        INDUSTRIAL: -d["county_seat"] + 500 * SmoothField(rng, 900.0)(x, y),
        PARK: d["river"] + 300 * SmoothField(rng, 600.0)(x, y),
    }
    mix = dict(m.rules["urban_mix"])
    residual = max(mix, key=lambda k: mix[k])
    land_use = np.full(len(x), residual, dtype=object)
    free = np.ones(len(x), dtype=bool)
    for cls, share in mix.items():
        if cls == residual:
            continue
        s = score.get(cls, 1000 * SmoothField(rng, 500.0)(x, y))
        cand = np.flatnonzero(free)
        chosen = cand[np.argsort(s[cand], kind="stable")[: round(share * len(x))]]
        land_use[chosen] = cls
        free[chosen] = False
    return x, y, land_use.astype(str)


# --- cells -----------------------------------------------------------------------------------------
def _cut(x: FloatArray, y: FloatArray, region: BaseGeometry) -> np.ndarray:
    """Voronoi cells of the seeds (all inside ``region``) clipped to it; a cell may come out in pieces."""
    minx, miny, maxx, maxy = region.bounds
    pad = max(maxx - minx, maxy - miny)
    cells = voronoi_cells(x, y, shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad))
    shapely.prepare(region)
    crossing = np.flatnonzero(~shapely.contains_properly(region, cells))
    out: np.ndarray = cells.copy()
    out[crossing] = shapely.intersection(cells[crossing], region)
    return out


def _fix(cells: np.ndarray, x: FloatArray, y: FloatArray) -> None:
    """Make every cell one valid polygon: pieces cut off from their seed join a neighbouring cell."""
    bad = np.flatnonzero((shapely.get_type_id(cells) != 3) | ~shapely.is_valid(cells))
    if len(bad):
        _rejoin(cells, bad, x, y)


def _rejoin(cells: np.ndarray, bad: IntArray, x: FloatArray, y: FloatArray) -> None:
    """Keep the piece of each multi-part cell that holds its seed; give the other pieces to a neighbour."""
    pieces: list[Polygon] = []
    for i in bad:
        parts = [p for p in shapely.get_parts(shapely.make_valid(cells[i])) if isinstance(p, Polygon) and p.area > 0]
        seed = Point(x[i], y[i])
        parts.sort(key=lambda p: (not p.covers(seed), -p.area))
        cells[i] = parts[0]
        pieces += parts[1:]
    for _ in range(4):  # a piece may touch only a piece that joined its cell in this round: retry
        if not pieces:
            return
        tree = shapely.STRtree(cells)
        left = []
        for piece in pieces:
            cand = [int(j) for j in tree.query(piece, predicate="intersects")]
            cand.sort(key=lambda j: -shapely.intersection(piece.boundary, shapely.boundary(cells[j])).length)
            for j in cand:
                merged = shapely.union(cells[j], piece)
                if isinstance(merged, Polygon):
                    cells[j] = merged
                    break
            else:
                left.append(piece)
        pieces = left
    if pieces:
        raise ValueError("a cut-off piece of a parcel touches no other parcel along an edge")

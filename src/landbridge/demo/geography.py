"""The demo city's geography (issue #3, item 2): divisions that tile the city, centres, roads, rivers, relief.

No cadastral data of Yingtan is public, so the demo world is drawn: ``build_geography`` makes a
smooth irregular city outline of the profile's area at the profile's place, cuts it into counties,
townships and villages that tile it exactly, and adds town centres, rivers, roads, hamlets
(自然村), a relief surface and the urban core (state land). Every number comes from the profile's
``demo_geography`` rule set; nothing here is specific to one city.

How the divisions are cut: the city is covered by fine Voronoi cells ("atoms", about 170 m, finer
near the county seats). Each level (county, township, village) assigns the atoms of its parent to
seeds by a smoothly warped, weighted distance whose weights are fitted to target areas, and pieces
cut off from their region are merged into a neighbour. A division is the union of its atoms
clipped to the outline, so the divisions of a level tile the city with no gap and no overlap,
and their boundaries wander like real ones. Everything is computed in the profile's projected
CRS and handed out in CGCS2000 lon/lat (EPSG:4490).

``tile_village`` (in ``geo_tiling``) cuts one village into parcels by land use.
The divisions are cut by ``GeoBuilder`` (``geo_builder``); this module runs the build stages.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from landbridge.cityprofile import CityProfile, Region
from landbridge.demo.geo_builder import (
    XY,
    GeoBuilder,
    as_line,
    line_parts,
    name_stem,
    stage_rng,
)
from landbridge.demo.geo_mesh import (
    FloatArray,
    IntArray,
    Mesh,
    SegmentIndex,
    SmoothField,
    chaikin,
    delaunay_edges,
    meander,
)
from landbridge.demo.geo_tiling import (
    county_scale_villages,
    natural_parcel_count,
    small_scale_villages,
    suggest_parcel_counts,
    tile_village,
)
from landbridge.demo.geo_types import (
    MAJOR_ROAD_KINDS,
    Geography,
    GeoModel,
    LineFeature,
    Territory,
    TownCentre,
    VillageTiling,
)

__all__ = [
    "GeoModel", "Geography", "LineFeature", "Territory", "TownCentre", "VillageTiling", "build_geography",
    "county_scale_villages", "natural_parcel_count", "small_scale_villages", "suggest_parcel_counts", "tile_village",
]


_LAST: list[tuple[CityProfile, int, Geography]] = []  # the last geography built (read-only; tests share it)


def build_geography(profile: CityProfile, *, seed: int, fresh: bool = False) -> Geography:
    """Build the demo city's geography for a seed (deterministic; issue #3 item 2, all requirements' demo data).

    The result is immutable and kept for the next call with the same profile object and seed, so that a
    process building several worlds (the test suite, a benchmark) draws the city once; ``fresh`` draws anew.
    """
    if not fresh and _LAST and _LAST[0][0] is profile and _LAST[0][1] == seed:
        return _LAST[0][2]
    geography = _build_geography(profile, seed)
    _LAST[:] = [(profile, seed, geography)]
    return geography


def _build_geography(profile: CityProfile, seed: int) -> Geography:
    b = GeoBuilder(profile, seed)
    rules = b.rules
    outline = b.outline()
    mesh, atoms, centres = b.divisions(outline)
    polys = b.polygons(mesh, atoms, outline)
    shapely.prepare(outline)

    # Rivers: meandering polylines; tributaries end on the river they join.
    rng = stage_rng(seed, 3)
    amp, wave = (float(v) for v in rules["river_meander_m"])
    river_lines: list[tuple[str, LineString]] = []
    for spec in rules["rivers"]:
        pts = meander(chaikin(b.xy(spec["points"]), 2, closed=False), rng, amp, wave, 150.0)
        if river_lines:
            end = Point(pts[-1])
            main = min((ln for _, ln in river_lines), key=lambda ln: ln.distance(end))
            if main.distance(end) < 5000:
                pts[-1] = np.asarray(main.interpolate(main.project(end)).coords[0])
        river_lines.append((str(spec["name"]), LineString(pts)))
    rivers_xy = [(n, as_line(shapely.intersection(ln, outline))) for n, ln in river_lines]
    rivers_xy = [(n, g) for n, g in rivers_xy if g is not None]
    bounds = tuple(np.array(outline.bounds) + np.array([-5000, -5000, 5000, 5000]))
    river_index = SegmentIndex([g for _, g in rivers_xy], bounds)

    relief_origin, relief_step, relief = _relief(b, outline, river_index)

    # Town centres: the township's anchor (the county seat / city centre where it lies in the township).
    city_xy = b.xy(rules["city_centre"])[0]
    seats = {c: b.xy(p)[0] for c, p in rules["county_seats"].items()}
    town_centres_xy: dict[str, tuple[str, FloatArray]] = {}
    for county in b.counties:
        for t in b.children[county.code]:
            poly = polys[t.code]
            p, rank = centres[t.code], "town"
            if poly.contains(Point(city_xy)):
                p, rank = city_xy, "city"
            elif county.code in seats and poly.contains(Point(seats[county.code])):
                p, rank = seats[county.code], "county"
            elif not poly.contains(Point(p)):
                p = np.asarray(poly.point_on_surface().coords[0])
            town_centres_xy[t.code] = (rank, np.asarray(p, dtype=float))

    roads_xy = _major_roads(b, outline, stage_rng(seed, 8))
    roads_xy += _town_links(b, outline, town_centres_xy, stage_rng(seed, 4))
    hamlets_xy = _hamlets(b, polys, mesh, atoms, relief_origin, relief_step, relief, river_index, roads_xy,
                          stage_rng(seed, 5))
    roads_xy += _village_roads(b, hamlets_xy, roads_xy, stage_rng(seed, 6))

    road_index = SegmentIndex([g for _, _, g in roads_xy], bounds)
    major_index = SegmentIndex([g for _, k, g in roads_xy if k in MAJOR_ROAD_KINDS], bounds)
    urban_codes = [v.code for v in profile.regions.values() if v.level == "village" and v.kind == "community"
                   and v.code in polys]
    urban_core_xy = shapely.union_all([polys[c] for c in urban_codes]) if urban_codes else Polygon()

    def territory(region: Region, geom: BaseGeometry, urban: bool) -> Territory:
        return Territory(region.code, region.name, region.name_en, region.level, region.parent,
                         b.to_lonlat(geom), float(geom.area), urban, region.invented)

    regions = profile.regions
    city_region = regions.get(profile.city_code) or Region(profile.city_code, profile.name, profile.name_en, "city",
                                                          None, False)
    model = GeoModel(
        projected_srid=profile.projected_srid, forward=b.forward, inverse=b.inverse, relief_origin=relief_origin,
        relief_step=relief_step, relief=relief,
        centre_xy=np.array([p for _, p in town_centres_xy.values()]),
        centre_rank=np.array([r for r, _ in town_centres_xy.values()]),
        roads=road_index, major_roads=major_index, rivers=river_index,
        villages={c: polys[c] for c in polys if regions[c].level == "village"},
        hamlets=hamlets_xy, township_centre={c: (float(p[0]), float(p[1])) for c, (_, p) in town_centres_xy.items()},
        rules=rules,
    )
    return Geography(
        city=territory(city_region, outline, False),
        counties={c.code: territory(c, polys[c.code], False) for c in b.counties},
        townships={t.code: territory(t, polys[t.code], t.kind == "subdistrict")
                   for c in b.counties for t in b.children[c.code]},
        villages={v: territory(regions[v], polys[v], regions[v].kind == "community")
                  for v in sorted(polys) if regions[v].level == "village"},
        town_centres=[TownCentre(c, regions[c].name, r, b.to_lonlat(Point(p))) for c, (r, p) in
                      town_centres_xy.items()],
        roads=[LineFeature(n, k, b.to_lonlat(g)) for n, k, g in roads_xy],
        rivers=[LineFeature(n, "river", b.to_lonlat(g)) for n, g in rivers_xy],
        hamlets={c: [b.to_lonlat(Point(p)) for p in pts] for c, pts in hamlets_xy.items()},
        urban_core=b.to_lonlat(urban_core_xy),
        seed=seed,
        model=model,
    )


def _relief(b: GeoBuilder, outline: Polygon, rivers: SegmentIndex) -> tuple[XY, float, FloatArray]:
    """The relief grid: a plain along the rivers, smooth hills, foothills rising to the south (metres)."""
    r = b.rules
    rng = stage_rng(b.seed, 7)
    step = float(r["relief_grid_m"])
    minx, miny, maxx, maxy = np.array(outline.bounds) + np.array([-4000, -4000, 4000, 4000])
    xs = np.arange(minx, maxx + step, step)
    ys = np.arange(miny, maxy + step, step)
    gx, gy = np.meshgrid(xs, ys)
    _lon, lat = b.inverse.transform(gx.ravel(), gy.ravel())
    lat = np.asarray(lat).reshape(gx.shape)
    hills = np.zeros(gx.shape)
    rmin, rmax = (float(v) for v in r["hill_radius_m"])
    for _ in range(int(r["hill_count"])):
        cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        rad, h = rng.uniform(rmin, rmax), rng.uniform(0.3, 1.0)
        i0, i1 = np.searchsorted(ys, [cy - 3 * rad, cy + 3 * rad])
        j0, j1 = np.searchsorted(xs, [cx - 3 * rad, cx + 3 * rad])
        sub_x, sub_y = gx[i0:i1, j0:j1], gy[i0:i1, j0:j1]
        hills[i0:i1, j0:j1] += h * np.exp(-((sub_x - cx) ** 2 + (sub_y - cy) ** 2) / (2 * rad**2))
    hills /= max(float(np.quantile(hills, 0.95)), 1e-9)
    # Only the upper part of the bumps stands out of the plain: basins between the hills stay flat.
    floor = float(r["hill_floor"])
    hills = np.clip((hills - floor) / (1 - floor), 0.0, 1.8) * (1 + 0.25 * SmoothField(rng, 1500.0)(gx, gy))
    lats, factors = zip(*r["hilliness_by_lat"], strict=True)
    hilliness = np.interp(lat, lats, factors)
    start, full = (float(v) for v in r["mountain_lat"])
    ramp = np.clip((start - lat) / (start - full), 0.0, 1.0)
    ramp = ramp * ramp * (3 - 2 * ramp)
    ridge = 0.5 + 0.5 * SmoothField(rng, 9000.0)(gx, gy)
    mountains = float(r["mountain_height_m"]) * ramp * (0.55 + 0.45 * ridge)
    d = rivers.distance(gx.ravel(), gy.ravel()).reshape(gx.shape)
    valley = 1 - np.exp(-((d / float(r["valley_width_m"])) ** 2))
    plain = float(r["plain_elevation_m"]) + 8.0 * (gx - minx) / (maxx - minx)
    relief = plain + 0.2 * mountains + valley * (float(r["hill_height_m"]) * hilliness * hills + 0.8 * mountains)
    return (float(minx), float(miny)), step, relief


def _major_roads(b: GeoBuilder, outline: Polygon, rng: np.random.Generator) -> list[tuple[str, str, Any]]:
    out = []
    for key, kind in (("expressways", "expressway"), ("national_roads", "national")):
        for spec in b.rules[key]:
            pts = chaikin(b.xy(spec["points"]), 2, closed=False)
            line = LineString(meander(pts, rng, 250.0, 6000.0, 200.0))
            geom = as_line(shapely.intersection(line, outline))
            if geom is not None:
                out.append((str(spec["name"]), kind, geom))
    return out


def _town_links(b: GeoBuilder, outline: Polygon, centres: dict[str, tuple[str, FloatArray]],
                rng: np.random.Generator) -> list[tuple[str, str, Any]]:
    """Provincial and county roads: a spanning tree of the town centres plus some shortest extra links."""
    codes = list(centres)
    xy = np.array([centres[c][1] for c in codes])
    u, v = delaunay_edges(xy[:, 0], xy[:, 1])
    length = np.hypot(*(xy[u] - xy[v]).T)
    inside = np.array([shapely.intersection(LineString([xy[i], xy[j]]), outline).length / max(length[k], 1.0)
                       for k, (i, j) in enumerate(zip(u, v, strict=True))])
    ok = inside > 0.97
    order = [k for k in np.argsort(length) if ok[k]]
    parent = list(range(len(codes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree, extra = [], []
    for k in order:
        ri, rj = find(int(u[k])), find(int(v[k]))
        if ri != rj:
            parent[ri] = rj
            tree.append(k)
        else:
            extra.append(k)
    median = float(np.median(length[tree])) if tree else 0.0
    extra = [k for k in extra if length[k] < 1.6 * median][: round(float(b.rules["extra_link_share"])
                                                                       * len(codes))]
    out = []
    for k in tree + extra:
        i, j = int(u[k]), int(v[k])
        ranks = {centres[codes[i]][0], centres[codes[j]][0]}
        major = length[k] >= float(b.rules["provincial_link_min_km"]) * 1000 or bool(ranks & {"city", "county"})
        pts = meander(np.array([xy[i], xy[j]]), rng, float(b.rules["road_meander"]) * length[k],
                      max(length[k] / 1.5, 1000.0), 150.0)
        geom = as_line(shapely.intersection(LineString(pts), outline))
        if geom is None:
            continue
        name = f"{name_stem(b.profile.regions[codes[i]].name)}至{name_stem(b.profile.regions[codes[j]].name)}公路"
        out.append((name, "provincial" if major else "county", geom))
    return out


def _hamlets(b: GeoBuilder, polys: dict[str, BaseGeometry], mesh: Mesh, atoms: dict[str, IntArray],
             origin: XY, step: float, relief: FloatArray, rivers: SegmentIndex,
             roads: list[tuple[str, str, Any]], rng: np.random.Generator) -> dict[str, FloatArray]:
    """Natural villages (自然村) of each rural village: on low ground, apart from each other, off the river."""
    lo, hi = (int(v) for v in b.rules["hamlets_per_village"])
    bounds = (float(mesh.x.min()) - 5000, float(mesh.y.min()) - 5000, float(mesh.x.max()) + 5000,
              float(mesh.y.max()) + 5000)
    network = SegmentIndex([g for _, _, g in roads], bounds)
    out: dict[str, FloatArray] = {}
    for code in sorted(polys):
        region = b.profile.regions[code]
        if region.level != "village" or region.kind == "community":
            continue
        poly = polys[code]
        area_km2 = poly.area / 1e6
        k = int(np.clip(round(1.5 + 1.1 * math.sqrt(area_km2) + rng.uniform(-1, 1)), lo, hi))
        members = atoms[code]
        px, py = mesh.x[members], mesh.y[members]
        edge = shapely.distance(poly.boundary, shapely.points(px, py))
        river = rivers.distance(px, py)
        elev = _bilinear(origin, step, relief, px, py)
        good = (edge > 200) & (river > 120) & shapely.contains_xy(poly, px, py)
        if good.sum() < k:
            good = edge > 50
        if good.sum() < k:
            good = np.ones(len(px), dtype=bool)
        cand = np.flatnonzero(good)
        score = elev[cand] + rng.uniform(0, 25, len(cand))
        cand = cand[np.argsort(score)]
        spacing = max(300.0, 0.5 * math.sqrt(poly.area / k))
        picked: list[int] = []
        while len(picked) < k and spacing > 20:
            for i in cand:
                if i in picked:
                    continue
                if all(math.hypot(px[i] - px[j], py[i] - py[j]) >= spacing for j in picked):
                    picked.append(int(i))
                    if len(picked) == k:
                        break
            spacing *= 0.7
        pts = np.column_stack([px[picked], py[picked]])
        main = int(np.argmin(network.distance(pts[:, 0], pts[:, 1])))
        pts = pts[np.argsort(np.hypot(*(pts - pts[main]).T))]
        out[code] = pts
    return out


def _bilinear(origin: XY, step: float, grid: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
    ny, nx = grid.shape
    fx, fy = (x - origin[0]) / step, (y - origin[1]) / step
    ix = np.clip(np.floor(fx).astype(np.int64), 0, nx - 2)
    iy = np.clip(np.floor(fy).astype(np.int64), 0, ny - 2)
    tx, ty = np.clip(fx - ix, 0, 1), np.clip(fy - iy, 0, 1)
    out: FloatArray = ((grid[iy, ix] * (1 - tx) + grid[iy, ix + 1] * tx) * (1 - ty)
                       + (grid[iy + 1, ix] * (1 - tx) + grid[iy + 1, ix + 1] * tx) * ty)
    return out


def _village_roads(b: GeoBuilder, hamlets: dict[str, FloatArray], roads: list[tuple[str, str, Any]],
                   rng: np.random.Generator) -> list[tuple[str, str, Any]]:
    """Village roads: every hamlet joins the nearer of the road network and an already joined hamlet."""
    segments = [seg for _, _, g in roads for part in line_parts(g)
                for seg in shapely.get_parts(shapely.linestrings(
                    np.stack([np.asarray(part.coords)[:-1], np.asarray(part.coords)[1:]], axis=1)))]
    tree = shapely.STRtree(segments)
    out = []
    for code, pts in hamlets.items():
        name = b.profile.regions[code].name
        joined: list[FloatArray] = []
        hp = shapely.points(pts[:, 0], pts[:, 1])
        (qi, si), dist = tree.query_nearest(hp, return_distance=True, all_matches=False)
        net = {int(q): (int(s), float(d)) for q, s, d in zip(qi, si, dist, strict=True)}
        for i, p in enumerate(pts):
            seg, d_net = net[i]
            d_h = min((float(np.hypot(*(p - q))) for q in joined), default=math.inf)
            if d_h < d_net:
                q = min(joined, key=lambda q: float(np.hypot(*(p - q))))
                target = np.asarray(q)
            else:
                target = np.asarray(shapely.shortest_line(Point(p), segments[seg]).coords[-1])
            joined.append(p)
            if float(np.hypot(*(p - target))) < 1.0:
                continue
            mid = (p + target) / 2
            normal = np.array([-(target - p)[1], (target - p)[0]])
            mid = mid + normal * rng.uniform(-0.12, 0.12)
            line = chaikin(np.array([p, mid, target]), 1, closed=False)
            out.append((f"{name}村道{i + 1}", "village", LineString(line)))
    return out

"""The builder of the demo city's geography (issue #3, item 2): the profile's rules, the projection and the
divisions cut from the atoms, plus the geometry helpers the build stages share.

Split out of ``demo/geography.py`` (issue #14, no file over 600 lines): ``geography.build_geography`` runs the
stages (outline, divisions, rivers, relief, roads, hamlets) on one ``GeoBuilder``.
"""


from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from landbridge.cityprofile import CityProfile, Region
from landbridge.demo.geo_mesh import (
    FloatArray,
    IntArray,
    Mesh,
    SmoothField,
    Warp,
    build_mesh,
    centroids,
    chaikin,
    defragment,
    densify,
    fit_power,
)

RULE_SET = "demo_geography"
XY = tuple[float, float]


def stage_rng(seed: int, stage: int) -> np.random.Generator:
    """An independent random stream per build stage, so changing one stage leaves the others as they were."""
    return np.random.default_rng([seed, stage])


class GeoBuilder:
    """One run of ``build_geography``: the profile, the rules and the projected intermediate results."""

    def __init__(self, profile: CityProfile, seed: int) -> None:
        self.profile = profile
        self.seed = seed
        self.rules: dict[str, Any] = {k: r.value for k, r in profile.rules(RULE_SET).version_at().rules.items()}
        self.forward = Transformer.from_crs(profile.geographic_srid, profile.projected_srid, always_xy=True)
        self.inverse = Transformer.from_crs(profile.projected_srid, profile.geographic_srid, always_xy=True)
        self.counties = [r for r in profile.regions.values() if r.level == "county"]
        self.counties.sort(key=lambda r: r.code)
        self.children: dict[str, list[Region]] = {}
        for r in sorted(profile.regions.values(), key=lambda r: r.code):
            if r.parent:
                self.children.setdefault(r.parent, []).append(r)

    # --- coordinates -------------------------------------------------------------------------------
    def xy(self, lonlat: Any) -> FloatArray:
        pts = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        x, y = self.forward.transform(pts[:, 0], pts[:, 1])
        return np.column_stack([x, y])

    def to_lonlat(self, geoms: Any) -> Any:
        inverse = self.inverse

        def fn(xy: FloatArray) -> FloatArray:
            lon, lat = inverse.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geoms, fn)

    # --- outline -----------------------------------------------------------------------------------
    def outline(self) -> Polygon:
        """The city outline: smoothed control polygon, wiggled, scaled about the city centre to the profile's area."""
        ring = chaikin(self.xy(self.rules["city_outline"]), int(self.rules["outline_smoothing_passes"]), closed=True)
        ring = densify(ring, 400.0)[:-1]
        rng = stage_rng(self.seed, 1)
        centre = ring.mean(axis=0)
        normal = ring - centre
        normal /= np.hypot(normal[:, 0], normal[:, 1])[:, None]
        rough = float(self.rules["outline_roughness_m"])
        offset = sum(rough * 0.4**i * SmoothField(rng, 12_000.0 / 2.7**i)(ring[:, 0], ring[:, 1]) for i in range(3))
        ring = ring + normal * np.asarray(offset)[:, None]
        poly = shapely.make_valid(Polygon(ring))
        if not isinstance(poly, Polygon):
            poly = max(shapely.get_parts(poly), key=lambda g: g.area)
        poly = Polygon(poly.exterior)
        target = float(self.profile.raw.get("area_km2", poly.area / 1e6)) * 1e6
        cx, cy = self.xy(self.rules["city_centre"])[0]
        scale = math.sqrt(target / poly.area)
        scaled: Polygon = shapely.transform(poly, lambda p: np.column_stack([cx + (p[:, 0] - cx) * scale,
                                                                             cy + (p[:, 1] - cy) * scale]))
        return scaled

    # --- divisions ---------------------------------------------------------------------------------
    def county_targets(self, total: float) -> FloatArray:
        areas = self.rules["county_area_km2"]
        raw = np.array([float(areas.get(c.code, 0.0)) or total / 1e6 / len(self.counties) for c in self.counties])
        out: FloatArray = raw / raw.sum() * total
        return out

    def township_targets(self, county: Region, total: float, rng: np.random.Generator) -> FloatArray:
        towns = self.children[county.code]
        spread = float(self.rules["township_area_spread"])
        sub = float(self.rules["subdistrict_area_km2"]) * 1e6
        fixed = np.array([sub * rng.lognormal(0, spread / 2) if t.kind == "subdistrict" else 0.0 for t in towns])
        weight = np.array([0.0 if t.kind == "subdistrict" else
                           (len(self.children.get(t.code, [])) + 1) * rng.lognormal(0, spread) for t in towns])
        rest = max(total - fixed.sum(), 0.3 * total)
        if weight.sum() == 0:
            only: FloatArray = fixed / fixed.sum() * total
            return only
        fixed *= (total - rest) / max(fixed.sum(), 1.0)
        out: FloatArray = fixed + weight / weight.sum() * rest
        return out

    def seed_on(self, mesh: Mesh, members: IntArray, p: FloatArray) -> FloatArray:
        """``p`` if its nearest atom is one of ``members``, else the seed of the nearest member atom."""
        d_all = (mesh.x - p[0]) ** 2 + (mesh.y - p[1]) ** 2
        if bool(np.any(members == int(np.argmin(d_all)))):
            return p
        d = d_all[members]
        i = members[int(np.argmin(d))]
        return np.array([mesh.x[i], mesh.y[i]])

    def assign(self, mesh: Mesh, members: IntArray, seeds: FloatArray, targets: FloatArray,
               level: str, rng: np.random.Generator) -> IntArray:
        """Labels (0..k-1) of the member atoms: fitted warped weighted-distance cells, then defragmented."""
        warp = Warp(rng, float(self.rules["boundary_warp_m"][level]),
                    float(self.rules["boundary_warp_wavelength_m"][level]))
        labels = fit_power(mesh.x[members], mesh.y[members], mesh.area[members], seeds[:, 0], seeds[:, 1],
                           targets * mesh.area[members].sum() / targets.sum(), warp)
        local = np.full(len(mesh.x), -1, dtype=np.int64)
        local[members] = np.arange(len(members))
        lu, lv = local[mesh.edge_u], local[mesh.edge_v]
        inner = (lu >= 0) & (lv >= 0)
        return defragment(labels, mesh.area[members], lu[inner], lv[inner])

    def village_seeds(self, mesh: Mesh, members: IntArray, centre: FloatArray, comm: list[Region],
                      rural: list[Region], rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """Seeds and target areas of a township's communities then villages (in code order).

        The first division sits on the town centre; in a town that holds a county seat the
        communities ring the centre and the villages lie around them. Codes run outward.
        """
        total = float(mesh.area[members].sum())
        spread = float(self.rules["village_area_spread"])
        seat_town = bool(comm and rural)
        if seat_town:
            comm_t = float(self.rules["community_area_km2"]) * 1e6 * rng.lognormal(0, spread / 2, len(comm))
            rural_t = rng.lognormal(0, spread, len(rural))
            rural_t *= (total - comm_t.sum()) / rural_t.sum()
            targets = np.concatenate([comm_t, rural_t])
        else:
            targets = rng.lognormal(0, spread, len(comm) + len(rural))
            targets *= total / targets.sum()
        px, py = mesh.x[members], mesh.y[members]
        fixed = [centre]
        if seat_town:
            radius = math.sqrt(targets[: len(comm)].sum() / math.pi) * 0.6
            start = rng.uniform(0, 2 * math.pi)
            for j in range(1, len(comm)):
                a = start + 2 * math.pi * j / (len(comm) - 1)
                fixed.append(self.seed_on(mesh, members, centre + radius * np.array([math.cos(a), math.sin(a)])))
        seeds = list(fixed)
        d2 = np.min([(px - s[0]) ** 2 + (py - s[1]) ** 2 for s in seeds], axis=0)
        for _ in range(len(comm) + len(rural) - len(seeds)):  # farthest-point sampling
            i = int(np.argmax(d2 * rng.uniform(0.8, 1.0, len(d2))))
            seeds.append(np.array([px[i], py[i]]))
            d2 = np.minimum(d2, (px - px[i]) ** 2 + (py - py[i]) ** 2)
        arr = np.array(seeds)
        n_fixed = len(fixed)
        for _ in range(4):  # Lloyd relaxation of the free seeds (area-weighted centroids of their cells)
            lab = np.argmin((px[:, None] - arr[:, 0]) ** 2 + (py[:, None] - arr[:, 1]) ** 2, axis=1)
            cx, cy = centroids(lab, px, py, mesh.area[members], len(arr))
            arr[n_fixed:, 0], arr[n_fixed:, 1] = cx[n_fixed:], cy[n_fixed:]
        for j in range(n_fixed, len(arr)):
            arr[j] = self.seed_on(mesh, members, arr[j])
        head = n_fixed if seat_town else 0
        dist = np.hypot(arr[head:, 0] - centre[0], arr[head:, 1] - centre[1])
        arr[head:] = arr[head:][np.argsort(dist, kind="stable")]
        return arr, targets

    def divisions(self, outline: Polygon) -> tuple[Mesh, dict[str, IntArray], dict[str, FloatArray]]:
        """Atoms of every village, county and township (by code) and the township centres."""
        rng = stage_rng(self.seed, 2)
        seats = {c: self.xy(p)[0] for c, p in self.rules["county_seats"].items()}
        fine = []
        for county in self.counties:  # finer atoms around the county seats, where the small communities lie
            towns = self.children[county.code]
            urban_km2 = sum(float(self.rules["subdistrict_area_km2"]) for t in towns if t.kind == "subdistrict")
            urban_km2 += sum(float(self.rules["community_area_km2"]) for t in towns if t.kind != "subdistrict"
                             for v in self.children.get(t.code, []) if v.kind == "community")
            if urban_km2 and county.code in seats:
                r = 1.6 * math.sqrt(urban_km2 * 1e6 / math.pi) + 1500.0
                fine.append((float(seats[county.code][0]), float(seats[county.code][1]), r))
        mesh = build_mesh(outline, float(self.rules["atom_spacing_m"]), rng, fine,
                          float(self.rules["urban_atom_spacing_m"]))
        everyone = np.arange(len(mesh.x))
        # Townships are cut from the whole city at once and counties are the unions of their townships,
        # so county boundaries wander like township boundaries do.
        anchors = self.rules["township_anchors"]
        towns_all = [t for c in self.counties for t in self.children[c.code]]
        spare = iter(rng.permutation(everyone))
        tseeds = []
        for t in towns_all:
            if t.code in anchors:
                tseeds.append(self.seed_on(mesh, everyone, self.xy(anchors[t.code])[0]))
            else:  # a profile without an anchor for this township: somewhere in the city
                i = next(spare)
                tseeds.append(np.array([mesh.x[i], mesh.y[i]]))
        county_area = self.county_targets(float(mesh.area.sum()))
        targets = np.concatenate([self.township_targets(c, a, rng)
                                  for c, a in zip(self.counties, county_area, strict=True)])
        town_lab = self.assign(mesh, everyone, np.array(tseeds), targets, "township", rng)
        atoms: dict[str, IntArray] = {}
        centres: dict[str, FloatArray] = {}
        for ti, town in enumerate(towns_all):
            tm = everyone[town_lab == ti]
            atoms[town.code] = tm
            centres[town.code] = self.seed_on(mesh, tm, tseeds[ti])
        for county in self.counties:
            atoms[county.code] = np.concatenate([atoms[t.code] for t in self.children[county.code]])
            for town in self.children[county.code]:
                tm = atoms[town.code]
                villages = self.children.get(town.code, [])
                if not villages:
                    continue
                comm = [v for v in villages if v.kind == "community"]
                rural = [v for v in villages if v.kind != "community"]
                vseeds, vtargets = self.village_seeds(mesh, tm, centres[town.code], comm, rural, rng)
                ordered = comm + rural
                vlab = self.assign(mesh, tm, vseeds, vtargets, "village", rng)
                for vi, village in enumerate(ordered):
                    atoms[village.code] = tm[vlab == vi]
        return mesh, atoms, centres

    def polygons(self, mesh: Mesh, atoms: dict[str, IntArray], outline: Polygon) -> dict[str, BaseGeometry]:
        """Village polygons (projected), then townships and counties as unions of their villages."""
        villages = [r for r in self.profile.regions.values() if r.level == "village" and r.code in atoms]
        merged = np.array([shapely.coverage_union_all(mesh.cells[atoms[v.code]]) for v in villages])
        # The atoms' zigzag is smoothed away on the shared edges only, which keeps the coverage exact.
        tolerance = 0.6 * float(self.rules["atom_spacing_m"])
        merged = shapely.coverage_simplify(merged, tolerance, simplify_boundary=False)
        polys: dict[str, BaseGeometry] = {v.code: shapely.intersection(m, outline)
                                          for v, m in zip(villages, merged, strict=True)}
        merge_detached_parts(polys)
        out = dict(polys)
        for county in self.counties:
            towns = self.children[county.code]
            for t in towns:
                parts = [polys[v.code] for v in self.children.get(t.code, []) if v.code in polys]
                out[t.code] = shapely.union_all(parts) if parts else shapely.intersection(
                    shapely.coverage_union_all(mesh.cells[atoms[t.code]]), outline)
            out[county.code] = shapely.union_all([out[t.code] for t in towns])
        return out


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """The non-empty polygons of a geometry."""
    return [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > 0]


def merge_detached_parts(polys: dict[str, BaseGeometry]) -> None:
    """A village cut in pieces by the outline keeps its largest piece; each other piece joins the neighbour
    it shares the longest border with (so every village is one polygon and the tiling stays exact)."""
    codes = list(polys)
    tree = shapely.STRtree([polys[c] for c in codes])
    for _ in range(5):
        changed = False
        for code in codes:
            parts = sorted(polygon_parts(polys[code]), key=lambda p: -p.area)
            if len(parts) <= 1:
                polys[code] = parts[0] if parts else polys[code]
                continue
            keep = [parts[0]]
            for piece in parts[1:]:
                best, best_len = None, 0.0
                for j in tree.query(piece.buffer(1.0)):
                    other = codes[int(j)]
                    if other == code:
                        continue
                    shared = shapely.intersection(piece.boundary.buffer(0.01), polys[other].boundary).length
                    if shared > best_len:
                        best, best_len = other, shared
                if best is None:
                    keep.append(piece)
                    continue
                polys[best] = shapely.union(polys[best], piece)
                changed = True
            polys[code] = keep[0] if len(keep) == 1 else MultiPolygon(keep)
        if not changed:
            break


def name_stem(name: str) -> str:
    """A township's name without its 镇/乡/街道 suffix, as road names use it."""
    for suffix in ("畲族乡", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def line_parts(geom: BaseGeometry) -> list[LineString]:
    """The merged, non-empty line strings of a geometry."""
    return [g for g in shapely.get_parts(shapely.line_merge(geom) if not geom.is_empty else geom)
            if isinstance(g, LineString) and g.length > 0]


def as_line(geom: BaseGeometry) -> Any:
    """A line or multi-line of a clipped geometry's line parts, or None when nothing is left."""
    parts = line_parts(geom)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.multilinestrings(parts)


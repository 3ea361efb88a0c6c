"""Numerical building blocks of the demo geography (issue #3): noise, warps, meshes, power fitting, distances.

Everything works on projected coordinates in metres (the profile's projected CRS) and is
vectorised with NumPy and Shapely 2. Nothing here knows about a particular city.

* ``SmoothField`` / ``Warp``: cheap smooth random fields (sums of sinusoids) for relief detail
  and for bending division boundaries.
* ``jittered_grid``: stratified random points (one per grid cell), whose Voronoi cells have
  nearly equal areas.
* ``Mesh``: the fine Voronoi cells ("atoms") that all division boundaries follow, with their
  adjacency; a division is a union of atoms, so divisions tile the city exactly.
* ``fit_power``: assigns atoms to seeds by a warped weighted distance whose weights are fitted
  so that every seed gets its target area; ``defragment`` makes every region connected.
* ``SegmentIndex``: exact distances from millions of points to a line network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


class SmoothField:
    """A smooth random scalar field in about [-1, 1]: a sum of plane waves of about ``wavelength`` metres."""

    def __init__(self, rng: np.random.Generator, wavelength: float, terms: int = 4) -> None:
        angle = rng.uniform(0, 2 * math.pi, terms)
        k = 2 * math.pi / (wavelength * rng.uniform(0.7, 1.4, terms))
        self.kx, self.ky = k * np.cos(angle), k * np.sin(angle)
        self.phase = rng.uniform(0, 2 * math.pi, terms)
        self.weight = rng.uniform(0.5, 1.0, terms)
        self.weight /= self.weight.sum()

    def __call__(self, x: FloatArray, y: FloatArray) -> FloatArray:
        out = np.zeros(np.shape(x))
        for kx, ky, ph, w in zip(self.kx, self.ky, self.phase, self.weight, strict=True):
            out += w * np.sin(kx * x + ky * y + ph)
        return out


class Warp:
    """A smooth displacement of the plane in three octaves (each about 1/2.7 the wavelength and 0.35 the
    amplitude of the one before), so that boundaries bend at several scales like real ones."""

    def __init__(self, rng: np.random.Generator, amplitude: float, wavelength: float, octaves: int = 3) -> None:
        self.octaves = [(amplitude * 0.35**i, SmoothField(rng, wavelength / 2.7**i), SmoothField(rng, wavelength
                                                                                                 / 2.7**i))
                        for i in range(octaves)]

    def __call__(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        wx, wy = np.array(x, dtype=float), np.array(y, dtype=float)
        for amplitude, fx, fy in self.octaves:
            wx += amplitude * fx(x, y)
            wy += amplitude * fy(x, y)
        return wx, wy


def chaikin(xy: FloatArray, passes: int, *, closed: bool) -> FloatArray:
    """Chaikin corner cutting: a smooth curve through a control polygon (open ends stay fixed)."""
    pts = np.asarray(xy, dtype=float)
    if closed and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    for _ in range(passes):
        nxt = np.roll(pts, -1, axis=0) if closed else pts[1:]
        cur = pts if closed else pts[:-1]
        q = 0.75 * cur + 0.25 * nxt
        r = 0.25 * cur + 0.75 * nxt
        mid = np.empty((2 * len(cur), 2))
        mid[0::2], mid[1::2] = q, r
        pts = mid if closed else np.vstack([pts[:1], mid, pts[-1:]])
    return np.vstack([pts, pts[:1]]) if closed else pts


def densify(xy: FloatArray, step: float) -> FloatArray:
    """Points along a polyline at most ``step`` apart (the original vertices kept)."""
    seg = np.diff(xy, axis=0)
    n = np.maximum(1, np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / step).astype(int))
    parts = [xy[i] + seg[i] * (np.arange(n[i])[:, None] / n[i]) for i in range(len(seg))]
    return np.vstack([*parts, xy[-1:]])


def meander(xy: FloatArray, rng: np.random.Generator, amplitude: float, wavelength: float,
            step: float) -> FloatArray:
    """Bend a polyline sideways by a smooth random offset that fades to zero at both ends."""
    pts = densify(xy, step)
    seg = np.diff(pts, axis=0)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    if s[-1] <= 0:
        return pts
    tangent = np.gradient(pts, axis=0)
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    nx, ny = -tangent[:, 1] / norm, tangent[:, 0] / norm
    offset = np.zeros_like(s)
    for scale in (1.0, 0.45, 0.2):
        offset += scale * np.sin(2 * math.pi * s / (wavelength * scale) + rng.uniform(0, 2 * math.pi))
    fade = np.clip(np.sin(math.pi * s / s[-1]), 0.0, 1.0) ** 0.5
    offset *= amplitude * fade / 1.65
    return np.column_stack([pts[:, 0] + nx * offset, pts[:, 1] + ny * offset])


def jittered_grid(bounds: tuple[float, float, float, float], spacing: float, rng: np.random.Generator,
                  jitter: float = 0.45) -> tuple[FloatArray, FloatArray]:
    """One random point per ``spacing`` cell over ``bounds`` (stratified sampling)."""
    minx, miny, maxx, maxy = bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    jx = rng.uniform(-jitter, jitter, gx.shape) * spacing
    jy = rng.uniform(-jitter, jitter, gy.shape) * spacing
    return (gx + jx).ravel(), (gy + jy).ravel()


def voronoi_cells(x: FloatArray, y: FloatArray, extent: BaseGeometry) -> np.ndarray:
    """Voronoi cells of the points, in the points' order, covering ``extent``."""
    diagram = shapely.voronoi_polygons(shapely.multipoints(np.column_stack([x, y])), extend_to=extent,
                                       ordered=True)
    cells: np.ndarray = shapely.get_parts(diagram)
    if len(cells) != len(x):
        raise ValueError(f"Voronoi diagram has {len(cells)} cells for {len(x)} points (duplicate points?)")
    return cells


def delaunay_edges(x: FloatArray, y: FloatArray) -> tuple[IntArray, IntArray]:
    """Index pairs of the Delaunay edges of the points (the pairs whose Voronoi cells share an edge)."""
    edges = shapely.delaunay_triangles(shapely.multipoints(np.column_stack([x, y])), only_edges=True)
    xy = shapely.get_coordinates(edges)
    keys = x + 1j * y
    order = np.argsort(keys)
    found = order[np.searchsorted(keys[order], xy[:, 0] + 1j * xy[:, 1])]
    u, v = found[0::2], found[1::2]
    return np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)


def components(n: int, u: IntArray, v: IntArray) -> IntArray:
    """Connected components of a graph: each node's label is the smallest node index of its component."""
    parent = np.arange(n, dtype=np.int64)
    while True:
        pu, pv = parent[u], parent[v]
        lo, hi = np.minimum(pu, pv), np.maximum(pu, pv)
        moving = lo != hi
        if not moving.any():
            return parent
        np.minimum.at(parent, hi[moving], lo[moving])
        while True:  # pointer jumping: every node points at its root again
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


@dataclass
class Mesh:
    """Fine Voronoi cells over a territory: seeds, unclipped cells, clipped areas and adjacency."""

    x: FloatArray
    y: FloatArray
    cells: np.ndarray
    area: FloatArray
    edge_u: IntArray
    edge_v: IntArray


def build_mesh(outline: Polygon, spacing: float, rng: np.random.Generator,
               fine: Sequence[tuple[float, float, float]] = (), fine_spacing: float | None = None) -> Mesh:
    """Atoms over ``outline``: a jittered grid at ``spacing``, finer inside the ``fine`` discs (x, y, radius)."""
    shapely.prepare(outline)
    x, y = jittered_grid(outline.bounds, spacing, rng)
    if fine and fine_spacing:
        cx, cy, r = (np.array(v, dtype=float) for v in zip(*fine, strict=True))
        in_fine = ((x[:, None] - cx) ** 2 + (y[:, None] - cy) ** 2 < r**2).any(axis=1)
        x, y = x[~in_fine], y[~in_fine]
        bounds = (float((cx - r).min()), float((cy - r).min()), float((cx + r).max()), float((cy + r).max()))
        fx, fy = jittered_grid(bounds, fine_spacing, rng)
        keep = ((fx[:, None] - cx) ** 2 + (fy[:, None] - cy) ** 2 < r**2).any(axis=1)
        x, y = np.concatenate([x, fx[keep]]), np.concatenate([y, fy[keep]])
    inside = shapely.contains_xy(outline, x, y)
    x, y = x[inside], y[inside]
    extent = shapely.box(*outline.bounds).buffer(10 * spacing, join_style="mitre")
    cells = voronoi_cells(x, y, extent)
    area = shapely.area(cells)
    crossing = ~shapely.contains_properly(outline, cells)
    area[crossing] = shapely.area(shapely.intersection(cells[crossing], outline))
    u, v = delaunay_edges(x, y)
    # Neighbours across a notch of the outline touch only outside the city: they are not adjacent.
    inner = shapely.contains_xy(outline, (x[u] + x[v]) / 2, (y[u] + y[v]) / 2)
    return Mesh(x, y, cells, area, u[inner], v[inner])


def fit_power(px: FloatArray, py: FloatArray, area: FloatArray, sx: FloatArray, sy: FloatArray,
              target: FloatArray, warp: Warp | None = None, iterations: int = 200,
              tolerance: float = 0.01) -> IntArray:
    """Assign points to seeds by warped, multiplicatively weighted distance (|p - s| / w), with the weights
    fitted so that each seed gets its target area. Unlike a power diagram, every seed stays in its own cell,
    and a small division next to a large one comes out round, like a town's urban area. Many points: the
    weights are first fitted on a sample, then refined on all points."""
    if warp is not None:
        px, py = warp(px, py)
        sx, sy = warp(sx, sy)
    log_w = 0.5 * np.log(target / target.mean())
    if len(px) > 20_000:
        pick = np.random.default_rng(len(px)).choice(len(px), 20_000, replace=False)
        sample_area = area[pick] * (area.sum() / area[pick].sum())
        log_w = _fit_weights(px[pick], py[pick], sample_area, sx, sy, target, log_w, iterations, tolerance)[1]
        iterations = 40
    labels, _ = _fit_weights(px, py, area, sx, sy, target, log_w, iterations, tolerance)
    return labels


def _fit_weights(px: FloatArray, py: FloatArray, area: FloatArray, sx: FloatArray, sy: FloatArray,
                 target: FloatArray, log_w: FloatArray, iterations: int, tolerance: float
                 ) -> tuple[IntArray, FloatArray]:
    dist = np.sqrt((px[:, None] - sx[None, :]) ** 2 + (py[:, None] - sy[None, :]) ** 2)
    k = len(sx)
    log_w = log_w.copy()
    step = np.full(k, 0.5)
    last = np.zeros(k)
    labels: IntArray = np.argmin(dist, axis=1)
    floor = 0.01 * float(area.mean())
    for _ in range(iterations):
        labels = np.argmin(dist * np.exp(-log_w), axis=1)
        got = np.bincount(labels, weights=area, minlength=k)
        if np.max(np.abs(target - got) / target) < tolerance:
            break
        err = np.log(target / np.maximum(got, floor))
        flipped = np.sign(err) != np.sign(last)
        step = np.where(flipped, step * 0.6, np.minimum(step * 1.15, 1.0))
        log_w += 0.5 * step * np.clip(err, -1.0, 1.0)
        last = err
    return labels, log_w


def defragment(labels: IntArray, area: FloatArray, u: IntArray, v: IntArray, rounds: int = 12) -> IntArray:
    """Make every label's atoms connected: smaller pieces join the neighbouring label they touch."""
    labels = labels.copy()
    n = len(labels)
    for _ in range(rounds):
        same = labels[u] == labels[v]
        comp = components(n, u[same], v[same])
        comp_area = np.bincount(comp, weights=area, minlength=n)
        # the main piece of each label: the component with the largest area
        order = np.lexsort((-comp_area[comp], labels))
        first = np.ones(n, dtype=bool)
        first[1:] = labels[order][1:] != labels[order][:-1]
        main_comp = np.zeros(n, dtype=bool)
        main_comp[comp[order][first]] = True
        orphan = ~main_comp[comp]
        if not orphan.any():
            break
        for _ in range(n):
            border = orphan[u] != orphan[v]
            if not border.any():
                break
            src = np.where(orphan[u[border]], v[border], u[border])
            dst = np.where(orphan[u[border]], u[border], v[border])
            labels[dst] = labels[src]
            orphan[dst] = False
            if not orphan.any():
                break
    return labels


def centroids(labels: IntArray, x: FloatArray, y: FloatArray, weight: FloatArray, k: int) -> tuple[FloatArray,
                                                                                                   FloatArray]:
    """Weighted centroid of each label's points."""
    w = np.bincount(labels, weights=weight, minlength=k)
    w[w == 0] = 1.0
    return (np.bincount(labels, weights=weight * x, minlength=k) / w,
            np.bincount(labels, weights=weight * y, minlength=k) / w)


def segment_distance(px: FloatArray, py: FloatArray, ax: FloatArray, ay: FloatArray, dx: FloatArray,
                     dy: FloatArray, inv_len2: FloatArray) -> FloatArray:
    """Distances (points x segments, broadcast) from points to segments a + t(d), t in [0, 1]."""
    t = np.clip(((px - ax) * dx + (py - ay) * dy) * inv_len2, 0.0, 1.0)
    return np.hypot(ax + t * dx - px, ay + t * dy - py)


class SegmentIndex:
    """Exact distance from many points to a line network, by candidate segments per grid cell.

    For every cell of a regular grid the exact distance ``dc`` from its centre to the network is
    known; the nearest segment of any point in the cell then lies within ``dc + cell·√2`` of the
    centre, so only those candidates are compared, vectorised per cell.
    """

    def __init__(self, lines: Sequence[BaseGeometry] | np.ndarray, bounds: tuple[float, float, float, float],
                 cell: float = 800.0) -> None:
        parts = shapely.get_parts(np.asarray(lines, dtype=object))
        xy, part = shapely.get_coordinates(parts, return_index=True)
        same = part[1:] == part[:-1]
        a, b = xy[:-1][same], xy[1:][same]
        self.ax, self.ay = a[:, 0], a[:, 1]
        self.dx, self.dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        len2 = self.dx**2 + self.dy**2
        self.inv_len2 = np.where(len2 > 0, 1.0 / np.where(len2 > 0, len2, 1.0), 0.0)
        self.tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
        minx, miny, maxx, maxy = bounds
        self.cell = cell
        self.x0, self.y0 = minx, miny
        self.nx = max(1, math.ceil((maxx - minx) / cell))
        self.ny = max(1, math.ceil((maxy - miny) / cell))
        gx, gy = np.meshgrid(minx + (np.arange(self.nx) + 0.5) * cell, miny + (np.arange(self.ny) + 0.5) * cell)
        centres = shapely.points(gx.ravel(), gy.ravel())
        (qi, _), dist = self.tree.query_nearest(centres, return_distance=True, all_matches=False)
        dc = np.empty(len(centres))
        dc[qi] = dist
        ci, si = self.tree.query(centres, predicate="dwithin", distance=dc + cell * math.sqrt(2) + 1e-6)
        order = np.argsort(ci, kind="stable")
        self.cand = si[order]
        self.start = np.searchsorted(ci[order], np.arange(len(centres) + 1))

    def distance(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Distance in metres from each point to the nearest segment."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        out = np.empty(len(x))
        ix = np.floor((x - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((y - self.y0) / self.cell).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        if (~inside).any():
            outside = np.flatnonzero(~inside)
            (qi, _), dist = self.tree.query_nearest(shapely.points(x[outside], y[outside]), return_distance=True,
                                                    all_matches=False)
            out[outside[qi]] = dist
        idx = np.flatnonzero(inside)
        cid = iy[idx] * self.nx + ix[idx]
        order = np.argsort(cid, kind="stable")
        idx, cid = idx[order], cid[order]
        cuts = np.flatnonzero(np.diff(cid)) + 1
        for group in np.split(np.arange(len(idx)), cuts):
            if not len(group):
                continue
            c = cid[group[0]]
            cand = self.cand[self.start[c]:self.start[c + 1]]
            pts = idx[group]
            chunk = max(1, 2_000_000 // max(1, len(cand)))
            for s in range(0, len(pts), chunk):
                p = pts[s:s + chunk]
                d = segment_distance(x[p, None], y[p, None], self.ax[cand], self.ay[cand], self.dx[cand],
                                     self.dy[cand], self.inv_len2[cand])
                out[p] = d.min(axis=1)
        return out


def nearest_point_distance(x: FloatArray, y: FloatArray, px: FloatArray, py: FloatArray,
                           chunk: int = 200_000) -> FloatArray:
    """Distance from each point to the nearest of a few points (brute force, chunked)."""
    out = np.empty(len(x))
    for s in range(0, len(x), chunk):
        d2 = (x[s:s + chunk, None] - px[None, :]) ** 2 + (y[s:s + chunk, None] - py[None, :]) ** 2
        out[s:s + chunk] = np.sqrt(d2.min(axis=1))
    return out

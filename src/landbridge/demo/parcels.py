"""Parcel generator: tiles a box (or a village polygon) with irregular, gap-free, non-overlapping parcels.

A jittered vertex grid: the vertices of a regular ``nx × ny`` grid are moved by a random offset
of at most a quarter of a cell in each direction, and every cell becomes the quadrilateral of its
four (shared) corner vertices. Because neighbouring cells share the very same vertices, the cells
tile the box exactly; because each vertex stays in its own quarter-cell box, no cell
self-intersects. Outer vertices are only moved along the border, so the union is the box. When
``nx × ny`` would exceed ``n`` the top row is a separate strip of fewer, wider cells above a
straight line, so that exactly ``n`` parcels are produced. Everything is vectorised (NumPy +
Shapely 2), so 10⁶ parcels take a few seconds.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

BBox = tuple[float, float, float, float]
JITTER = 0.25  # fraction of a cell: below 0.5 keeps every quadrilateral simple (non-self-intersecting)


def _vertex_grid(xs: np.ndarray, ys: np.ndarray, rng: np.random.Generator,
                 jitter_y_rows: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Jittered vertex coordinates (ny+1, nx+1) for the grid lines ``xs`` and ``ys``; borders stay on the box."""
    nx, ny = xs.size - 1, ys.size - 1
    dx = (xs[-1] - xs[0]) / nx
    dy = (ys[-1] - ys[0]) / ny
    gx, gy = np.meshgrid(xs, ys)
    jx = rng.uniform(-JITTER, JITTER, size=gx.shape) * dx
    jy = rng.uniform(-JITTER, JITTER, size=gy.shape) * dy
    jx[:, 0] = 0.0
    jx[:, -1] = 0.0
    jy[0, :] = 0.0
    jy[-1, :] = 0.0
    if not jitter_y_rows:
        jy[:] = 0.0
    return gx + jx, gy + jy


def _cells(vx: np.ndarray, vy: np.ndarray) -> np.ndarray:
    """Quadrilaterals (counter-clockwise, closed) of a vertex grid as a Shapely array."""
    ring = np.stack([
        np.stack([vx[:-1, :-1], vy[:-1, :-1]], axis=-1),
        np.stack([vx[:-1, 1:], vy[:-1, 1:]], axis=-1),
        np.stack([vx[1:, 1:], vy[1:, 1:]], axis=-1),
        np.stack([vx[1:, :-1], vy[1:, :-1]], axis=-1),
        np.stack([vx[:-1, :-1], vy[:-1, :-1]], axis=-1),
    ], axis=-2)
    cells: np.ndarray = shapely.polygons(ring.reshape(-1, 5, 2))
    return cells


def generate_parcels(n: int, bbox: BBox, seed: int = 0, boundary: BaseGeometry | None = None) -> list[Polygon]:
    """Generate ``n`` irregular parcels tiling ``bbox`` (demo world, benchmarks; R1 test data).

    With ``boundary`` (e.g. a village polygon) the cells are generated over the boundary's
    bounding box and clipped to it; cells outside are dropped, so fewer than ``n`` may remain.
    Deterministic for a given ``seed``.
    """
    if n <= 0:
        return []
    minx, miny, maxx, maxy = boundary.bounds if boundary is not None else bbox
    if not (maxx > minx and maxy > miny):
        raise ValueError("bbox must have a positive width and height")
    rng = np.random.default_rng(seed)
    aspect = (maxx - minx) / (maxy - miny)
    nx = max(1, round(math.sqrt(n * aspect)))
    full_rows, rest = divmod(n, nx)
    if full_rows == 0:
        full_rows, rest, nx = 1, 0, n
    rows_total = full_rows + (1 if rest else 0)
    cell_h = (maxy - miny) / rows_total
    top = miny + cell_h * full_rows
    xs = np.linspace(minx, maxx, nx + 1)
    ys = np.linspace(miny, top, full_rows + 1)
    vx, vy = _vertex_grid(xs, ys, rng)
    cells = _cells(vx, vy)
    if rest:
        # The last, partial row: a strip of ``rest`` wider cells above the straight line y = top.
        sx = np.linspace(minx, maxx, rest + 1)
        sy = np.array([top, maxy])
        svx, svy = _vertex_grid(sx, sy, rng, jitter_y_rows=False)
        cells = np.concatenate([cells, _cells(svx, svy)])
    if boundary is not None:
        clipped = shapely.intersection(cells, boundary)
        keep = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 0)
        clipped = clipped[keep]
        return [g for g in clipped.tolist() if isinstance(g, Polygon)] + [
            p for g in clipped.tolist() if not isinstance(g, Polygon)
            for p in getattr(g, "geoms", []) if isinstance(p, Polygon) and p.area > 0]
    out: list[Polygon] = cells.tolist()
    return out

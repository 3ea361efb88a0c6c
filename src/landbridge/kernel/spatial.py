"""Spatial queries that work on PostGIS and on SQLite.

A spatial table has a ``geom`` column (``GeometryColumn``) and bounding-box columns
``minx, miny, maxx, maxy``. On PostgreSQL the filter is ``ST_Intersects`` on the GiST-indexed
geometry; on SQLite it is a lookup in the R*Tree ``<table>_rtree`` over the bounding boxes, and
exact predicates are then evaluated with Shapely (``exact_overlaps``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import column, func, select, table
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.kernel.geo import GEOGRAPHIC_SRID, area_m2, interiors_intersect

BBox = tuple[float, float, float, float]


class SpatialModel(Protocol):
    __tablename__: str
    id: InstrumentedAttribute[int]
    geom: InstrumentedAttribute[BaseGeometry]


def _rtree(model: Any) -> Any:
    return table(f"{model.__tablename__}_rtree", column("id"), column("minx"), column("maxx"),
                 column("miny"), column("maxy"))


DEGENERATE = 1e-9  # degrees (about 0.1 mm): the half-width given to a box of no width or height


def bbox_filter(session: Session, model: Any, bbox: BBox) -> ColumnElement[bool]:
    """A WHERE clause selecting rows of ``model`` whose geometry meets the box (viewport queries)."""
    minx, miny, maxx, maxy = bbox
    if session.get_bind().dialect.name == "postgresql":
        # a box of no width or height (the points of one row or column) is a degenerate envelope that PostGIS's
        # ST_Intersects finds meeting nothing: widen it by a hair (exact tests follow where they matter)
        if maxx - minx < DEGENERATE:
            minx, maxx = minx - DEGENERATE, maxx + DEGENERATE
        if maxy - miny < DEGENERATE:
            miny, maxy = miny - DEGENERATE, maxy + DEGENERATE
        envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, GEOGRAPHIC_SRID)
        return func.ST_Intersects(model.geom, envelope)
    rt = _rtree(model)
    ids = select(rt.c.id).where(rt.c.maxx >= minx, rt.c.minx <= maxx, rt.c.maxy >= miny, rt.c.miny <= maxy)
    return model.id.in_(ids)  # type: ignore[no-any-return]


def geometry_filter(session: Session, model: Any, geom: BaseGeometry) -> ColumnElement[bool]:
    """A WHERE clause selecting candidate rows that may intersect ``geom``.

    PostGIS answers exactly (``ST_Intersects``); SQLite answers by bounding box, so callers must
    still apply an exact test (``exact_overlaps``).
    """
    if session.get_bind().dialect.name == "postgresql":
        other = func.ST_SetSRID(func.ST_GeomFromWKB(shapely.to_wkb(geom)), GEOGRAPHIC_SRID)
        return func.ST_Intersects(model.geom, other)
    return bbox_filter(session, model, tuple(geom.bounds))


def exact_overlaps(geom: BaseGeometry, candidates: Iterable[tuple[Any, BaseGeometry]], projected_srid: int,
                   tolerance_m2: float) -> list[tuple[Any, float]]:
    """Candidates whose interiors overlap ``geom`` by more than ``tolerance_m2`` (key, overlap area m²)."""
    hits: list[tuple[Any, float]] = []
    for key, other in candidates:
        if not interiors_intersect(geom, other):
            continue
        overlap = area_m2(geom.intersection(other), projected_srid)
        if overlap > tolerance_m2:
            hits.append((key, overlap))
    return hits


def overlapping_pairs(geoms: Sequence[BaseGeometry] | Any, projected_srid: int, tolerance_m2: float,
                      ) -> list[tuple[int, int, float]]:
    """All pairs (i, j, overlap m²) with i < j among ``geoms`` whose overlap exceeds the tolerance.

    Vectorised with a Shapely STRtree: candidate pairs by bounding box and DE-9IM interior test,
    then areas only for the pairs whose interiors meet (bulk import and the 10⁶-parcel check).
    """
    import numpy as np

    arr = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if left.size == 0:
        return []
    inner = shapely.relate_pattern(arr[left], arr[right], "T********")
    left, right = left[inner], right[inner]
    out: list[tuple[int, int, float]] = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        overlap = area_m2(arr[i].intersection(arr[j]), projected_srid)
        if overlap > tolerance_m2:
            out.append((i, j, overlap))
    return out

"""The quota overlay of the public map (全景看地, issue #16 item 6): in a viewport, the reclamation plots (their
project number, kind, state and areas), the land the reserve centre holds or has supplied, and the quota flows: a
line from where quota was reclaimed to each parcel it was allocated to.

Quota is pooled per county and year (a credit is not earmarked for one destination), so a flow runs from the
centre of that county's and year's accepted reclamation plots to the destination parcel, with the allocated and
consumed areas. Public and anonymous: projects, balances and reserve cases hold no personal data (no holder, no
buyer, no compensation); only plots and destinations inside the viewport are returned, bounded in number.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from shapely.geometry import LineString, box, mapping
from shapely.ops import unary_union
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.kernel.viewport import ViewportRefused
from landbridge.kernel.viewport import parse_bbox as parse_viewport
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import LandReserve, QuotaAllocation, ReclamationProject
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/quota", tags=["quota"], route_class=TransactionalRoute)
MAX_FEATURES = 300
SHOWN_RESERVES = ("held", "supplied")


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """The viewport through ``kernel.viewport.parse_bbox`` (finite, ordered, bounded in size), refused as 422
    ``land_quota.invalid_bbox``."""
    try:
        return parse_viewport(text)
    except ViewportRefused:
        raise QuotaError.INVALID_BBOX.error() from None


def overlay(session: Session, bbox: tuple[float, float, float, float], *, limit: int = MAX_FEATURES
            ) -> dict[str, Any]:
    """The overlay's GeoJSON: features with ``layer`` ``reclaimed``, ``reserve`` or ``flow``."""
    west, south, east, north = bbox
    view = box(west, south, east, north)
    features: list[dict[str, Any]] = []
    projects = list(session.scalars(
        select(ReclamationProject).where(ReclamationProject.maxx >= west, ReclamationProject.minx <= east,
                                         ReclamationProject.maxy >= south, ReclamationProject.miny <= north)
        .order_by(ReclamationProject.id).limit(limit + 1)))
    truncated = len(projects) > limit
    for p in projects[:limit]:
        if p.geom is None:
            continue
        features.append({"type": "Feature", "geometry": mapping(p.geom), "properties": {
            "layer": "reclaimed", "project_no": p.project_no, "kind": p.kind, "status": p.status,
            "planned_area_m2": str(p.planned_area_m2),
            "accepted_area_m2": str(p.accepted_area_m2) if p.accepted_area_m2 is not None else None,
            "credited_year": p.credited_year}})
    reserves = list(session.scalars(select(LandReserve).where(LandReserve.status.in_(SHOWN_RESERVES))
                                    .order_by(LandReserve.id).limit(limit * 4)))
    allocations = list(session.scalars(select(QuotaAllocation).order_by(QuotaAllocation.id).limit(limit * 4)))
    shapes = {pid: g for pid, g, _ in registry.parcel_shapes(
        session, sorted({r.parcel_id for r in reserves} | {a.parcel_id for a in allocations})) if g is not None}
    for r in reserves:
        shape = shapes.get(r.parcel_id)
        if shape is not None and shape.intersects(view) and len(features) < limit * 2:
            features.append({"type": "Feature", "geometry": mapping(shape), "properties": {
                "layer": "reserve", "reserve_no": r.reserve_no, "status": r.status, "area_m2": str(r.area_m2)}})
    pools: dict[tuple[str, int], Any] = {}
    for a in allocations:
        key = (a.county_code, a.year)
        if key not in pools:
            plots = [p.geom for p in session.scalars(
                select(ReclamationProject).where(ReclamationProject.region_code == a.county_code,
                                                 ReclamationProject.credited_year == a.year)
                .limit(limit)) if p.geom is not None]
            pools[key] = unary_union(plots).centroid if plots else None
        source, target = pools[key], shapes.get(a.parcel_id)
        if source is None or target is None:
            continue
        line = LineString([(source.x, source.y), (target.centroid.x, target.centroid.y)])
        if line.intersects(view) and len(features) < limit * 3:
            features.append({"type": "Feature", "geometry": mapping(line), "properties": {
                "layer": "flow", "year": a.year, "allocated_m2": str(a.amount_m2),
                "consumed_m2": str(a.consumed_m2)}})
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


@router.get("/map")
def quota_map(bbox: str = Query(..., max_length=120, description="west,south,east,north (EPSG:4490)"),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """The quota overlay of the public map in a viewport (public, no personal data)."""
    return overlay(session, parse_bbox(bbox))

"""The industry layer of the public map (全景看地, issue #19 item 5): published places in a viewport (their
boundary, kind, name, industries and computed available land and quota) and their published projects drawn at the
place's representative point with status and nature. Public and anonymous: no person, no funding reference; at
most ``MAX_FEATURES`` places, ``truncated`` saying when more matched."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.industry.errors import IndustryError
from landbridge.industry.figures import place_figures
from landbridge.industry.models import IndustryPlace, IndustryProject
from landbridge.industry.rules import PlaceStatus
from landbridge.industry.service import today
from landbridge.kernel.viewport import BBox, ViewportRefused, box_filter
from landbridge.kernel.viewport import parse_bbox as parse_viewport
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/industry", tags=["industry"], route_class=TransactionalRoute)
MAX_FEATURES = 200
LEGEND = ("synergy_zone", "characteristic_town", "agricultural_park", "village", "project")


def parse_bbox(text: str) -> BBox:
    try:
        return parse_viewport(text)
    except ViewportRefused:
        raise IndustryError.INVALID_BBOX.error() from None


def overlay(session: Session, bbox: BBox, *, limit: int = MAX_FEATURES) -> dict[str, Any]:
    t = IndustryPlace
    places = list(session.scalars(select(t).where(t.status == PlaceStatus.published.value, box_filter(t, bbox))
                                  .order_by(t.id).limit(limit + 1)))
    truncated = len(places) > limit
    places = places[:limit]
    figures = place_figures(session, places, today())
    features: list[dict[str, Any]] = []
    for p in places:
        features.append({"type": "Feature", "geometry": mapping(p.geom), "properties": {
            "layer": "industry", "legend": p.kind, "place_id": p.id, "place_no": p.place_no, "kind": p.kind,
            "name": p.name, "industries": list(p.industries), **figures[p.id].as_json()}})
    anchors = {p.id: p.geom.representative_point() for p in places}
    projects = session.scalars(select(IndustryProject).where(IndustryProject.place_id.in_(list(anchors)),
                                                             IndustryProject.published.is_(True))
                               .order_by(IndustryProject.id).limit(limit * 5))
    for x in projects:
        point = anchors[x.place_id]
        features.append({"type": "Feature", "geometry": mapping(point), "properties": {
            "layer": "industry", "legend": "project", "place_id": x.place_id, "project_no": x.project_no,
            "name": x.name, "status": x.status, "nature": x.nature}})
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


@router.get("/map")
def industry_map(bbox: str = Query(..., max_length=120, description="west,south,east,north (EPSG:4490)"),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """The industry layer of the public map in a viewport (public, no personal data)."""
    return overlay(session, parse_bbox(bbox))

"""The maintenance layer of the public map (全景看地, issue #20 item 5): assets in a viewport with their kind,
name, state, maintainer organisation and whether an open defect is overdue. Public and anonymous: an asset's
maintainer is an organisation or a collective (never a person), and no defect text, inspector or account is
returned; at most ``MAX_FEATURES`` features, ``truncated`` saying when more matched.

``LEGEND`` is the one list of the layer's legend keys: a feature's ``legend`` property is one of them, and the
map page draws a swatch for each (tests/maintenance check both agree).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.viewport import ViewportRefused
from landbridge.kernel.viewport import parse_bbox as parse_viewport
from landbridge.maintenance.errors import MaintenanceError
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect
from landbridge.maintenance.rules import AssetStatus, DefectStatus
from landbridge.maintenance.service import today
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/maintenance", tags=["maintenance"], route_class=TransactionalRoute)
MAX_FEATURES = 500
KINDS = ("road", "water_supply", "sewage", "waste", "lighting", "public_building")
#: legend keys: one per asset kind in service, then the states drawn over any kind
LEGEND = (*KINDS, "registered", "overdue")
PUBLIC_PROPERTIES = ("layer", "legend", "asset_no", "kind", "name", "status", "maintainer", "overdue")


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        return parse_viewport(text)
    except ViewportRefused:
        raise MaintenanceError.INVALID_BBOX.error() from None


def legend_key(kind: str, status: str, overdue: bool) -> str:
    """The legend entry of an asset: overdue first, then not yet handed over, else its kind."""
    if overdue:
        return "overdue"
    if status == AssetStatus.registered:
        return "registered"
    return kind if kind in KINDS else "registered"


def overlay(session: Session, bbox: tuple[float, float, float, float], *, limit: int = MAX_FEATURES
            ) -> dict[str, Any]:
    west, south, east, north = bbox
    a = MaintenanceAsset
    assets = list(session.scalars(select(a).where(a.status != AssetStatus.retired.value, a.maxx >= west,
                                                  a.minx <= east, a.maxy >= south, a.miny <= north)
                                  .order_by(a.id).limit(limit + 1)))
    truncated = len(assets) > limit
    assets = assets[:limit]
    late = set(session.scalars(select(MaintenanceDefect.asset_id).where(
        MaintenanceDefect.asset_id.in_([x.id for x in assets]), MaintenanceDefect.status == DefectStatus.open.value,
        MaintenanceDefect.due_on < today())))
    features = [{"type": "Feature", "geometry": mapping(x.geom), "properties": {
        "layer": "maintenance", "legend": legend_key(x.kind, x.status, x.id in late), "asset_no": x.asset_no,
        "kind": x.kind, "name": x.name, "status": x.status, "maintainer": x.maintainer_name,
        "overdue": x.id in late}} for x in assets]
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


@router.get("/map")
def maintenance_map(bbox: str = Query(..., max_length=120, description="west,south,east,north (EPSG:4490)"),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The maintenance layer of the public map in a viewport (public, no personal data)."""
    return overlay(session, parse_bbox(bbox))

"""The price layers of the public map as an API (全景看地, issue #23): GeoJSON by viewport, public and anonymous.

``GET /api/v1/valuation/map/{zones,values,sales,trend}?bbox=west,south,east,north&zoom=z``: each answer is a
FeatureCollection with its ``legend`` and ``truncated``; a bad box or zoom is a 422 ``valuation.invalid_viewport``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.kernel.bounds import Day
from landbridge.kernel.viewport import MAX_SPAN_DEG, BBox, ViewportRefused, check_zoom, geojson_bytes, parse_bbox
from landbridge.valuation import map_layers
from landbridge.valuation.errors import ValuationError
from landbridge.web.transaction import ReplicaReadRoute, get_session

router = APIRouter(prefix="/api/v1/valuation/map", tags=["valuation"], route_class=ReplicaReadRoute)

BBOX = Query(..., max_length=120, description="west,south,east,north (EPSG:4490), at most 2 degrees each way")
ZOOM = Query(12, description="the map's zoom level 0..22 (aggregation below parcel zoom)")


def viewport(bbox: str, zoom: int) -> tuple[BBox, int]:
    """The parsed box and zoom, or 422 ``valuation.invalid_viewport``."""
    try:
        return parse_bbox(bbox), check_zoom(zoom)
    except ViewportRefused as refused:
        raise ValuationError.INVALID_VIEWPORT.error(reason=refused.reason, max_span=MAX_SPAN_DEG) from None


USE = Query(None, max_length=24, pattern=r"^[a-z0-9_]{1,24}$", description="the zones' use (default: the first)")


@router.get("/zones")
def zones(bbox: str = BBOX, zoom: int = ZOOM, use: str | None = USE,
          session: Session = Depends(get_session)) -> Response:
    """Published benchmark price zones of one use (default: the first) coloured by base price (元/m²)."""
    box, z = viewport(bbox, zoom)
    if use is not None and use not in map_layers.zone_uses(session):
        raise ValuationError.UNKNOWN_ZONE_USE.error(use=use)
    return Response(geojson_bytes(map_layers.zone_layer(session, box, z, use)), media_type="application/geo+json")


@router.get("/values")
def values(bbox: str = BBOX, zoom: int = ZOOM, session: Session = Depends(get_session)) -> Response:
    """Mass-appraised unit values: per parcel from zoom 15, the village mean below."""
    box, z = viewport(bbox, zoom)
    return Response(geojson_bytes(map_layers.value_layer(session, box, z)), media_type="application/geo+json")


@router.get("/sales")
def sales(bbox: str = BBOX, zoom: int = ZOOM, since: Day | None = None,
          session: Session = Depends(get_session)) -> Response:
    """Validated sales (no party): points from zoom 13, grid cells (count, mean unit price) below."""
    box, z = viewport(bbox, zoom)
    return Response(geojson_bytes(map_layers.sale_layer(session, box, z, since)), media_type="application/geo+json")


@router.get("/trend")
def trend(bbox: str = BBOX, zoom: int = ZOOM, session: Session = Depends(get_session)) -> Response:
    """Year-on-year change of the mean unit value per village (newest run against the year before)."""
    box, z = viewport(bbox, zoom)
    return Response(geojson_bytes(map_layers.trend_layer(session, box, z)), media_type="application/geo+json")

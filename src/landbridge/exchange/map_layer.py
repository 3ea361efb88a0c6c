"""Lots on the public map (全景看地, issue #23; L6, P1): each published lot on a registered unit, at its parcel's
representative point, by kind and by phase group (open, upcoming, concluded), with its start and current price.

Public as the lot list is: the lot number, kind, method, phase, prices and times. No title (free text an operator
types), no seller, no bidder, no winner. Lots without a unit (collective assets) have no place on the map.
"""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.models import Lot
from landbridge.exchange.queries import PUBLIC_PHASES
from landbridge.exchange.rules import LotKind, LotPhase
from landbridge.kernel.clock import ensure_utc
from landbridge.kernel.viewport import MAX_SPAN_DEG, BBox, ViewportRefused, check_zoom, geojson_bytes, parse_bbox
from landbridge.web.transaction import ReplicaReadRoute, get_session

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"], route_class=ReplicaReadRoute)

P = LotPhase
PHASE_GROUPS: dict[str, tuple[str, ...]] = {
    "upcoming": (P.announced,),
    "open": (P.listing, P.listing_frozen, P.countdown, P.registration_closed, P.live_auction, P.tendering,
             P.evaluation, P.negotiation),
    "concluded": (P.publicity, P.award_pending, P.confirmed, P.settled, P.handed_over, P.unsuccessful, P.cancelled),
}
GROUP_OF = {phase: group for group, phases in PHASE_GROUPS.items() for phase in phases}
GROUP_COLOURS = {"open": "#1a9850", "upcoming": "#2c7fb8", "concluded": "#969696"}
MAX_LOTS = 500

_points: dict[tuple[str, int, int], tuple[float, float] | None] = {}
_lock = threading.Lock()


def lot_legend() -> list[dict[str, Any]]:
    """The legend rows: one per phase group, its colour (the drawing uses the same map)."""
    return [{"class": group, "colour": GROUP_COLOURS[group]} for group in PHASE_GROUPS]


def _lot_points(session: Session, lots: list[tuple[int, int]]) -> dict[int, tuple[float, float] | None]:
    """(lon, lat) of each lot's unit's parcel (a point inside it), kept per lot: a lot's unit never changes."""
    db = str(session.get_bind().engine.url)
    with _lock:
        known = {lot_id: _points[(db, lot_id, unit)] for lot_id, unit in lots if (db, lot_id, unit) in _points}
    missing = [(lot_id, unit) for lot_id, unit in lots if lot_id not in known]
    if missing:
        parcels = registry.unit_parcels(session, [u for _, u in missing])
        points = registry.parcel_points(session, list(set(parcels.values())))
        with _lock:
            for lot_id, unit in missing:
                pt = points.get(parcels.get(unit, -1))
                known[lot_id] = _points[(db, lot_id, unit)] = None if pt is None else (float(pt.x), float(pt.y))
    return known


def _price(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def lots_on_units(session: Session, unit_ids: list[int], *, groups: tuple[str, ...] = ("open", "upcoming")
                  ) -> dict[int, dict[str, Any]]:
    """The newest published lot of each unit in a phase of ``groups`` (open and upcoming by default): its id,
    number, kind, phase group, start and current price (what the land finder shows beside a parcel)."""
    phases = [p for p, g in GROUP_OF.items() if g in groups]
    out: dict[int, dict[str, Any]] = {}
    unique = sorted(set(unit_ids))
    for start in range(0, len(unique), 5_000):
        for lot in session.execute(select(Lot).where(Lot.unit_id.in_(unique[start:start + 5_000]),
                                                     Lot.phase.in_(phases)).order_by(Lot.id)).scalars():
            if lot.unit_id is not None:
                out[lot.unit_id] = {"lot_id": lot.id, "number": lot.number, "kind": lot.kind, "phase": lot.phase,
                                    "class": GROUP_OF[lot.phase], "start_price": _price(lot.start_price_cny),
                                    "current_price": _price(lot.current_price_cny), "url": f"/exchange/lots/{lot.id}"}
    return out


def lot_layer(session: Session, bbox: BBox, *, kind: str | None = None, group: str | None = None
              ) -> dict[str, Any]:
    """Published lots on units in the box, newest first, at most ``MAX_LOTS`` (``truncated`` when more)."""
    phases = [p for p in PUBLIC_PHASES if p in GROUP_OF and (group is None or GROUP_OF[p] == group)]
    stmt = select(Lot.id, Lot.unit_id).where(Lot.phase.in_(phases), Lot.unit_id.is_not(None))
    if kind is not None:
        stmt = stmt.where(Lot.kind == kind)
    located = _lot_points(session, [(int(i), int(u)) for i, u in session.execute(stmt) if u is not None])
    west, south, east, north = bbox
    inside = sorted((i for i, pt in located.items() if pt is not None and west <= pt[0] <= east
                     and south <= pt[1] <= north), reverse=True)
    lots = session.execute(select(Lot).where(Lot.id.in_(inside[:MAX_LOTS])).order_by(Lot.id.desc())).scalars().all()
    features = []
    for lot in lots:
        lon, lat = located[lot.id] or (0.0, 0.0)
        features.append({"type": "Feature", "id": lot.id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"lot_id": lot.id, "number": lot.number, "kind": lot.kind,
                                        "method": lot.method, "phase": lot.phase, "class": GROUP_OF[lot.phase],
                                        "start_price": _price(lot.start_price_cny),
                                        "current_price": _price(lot.current_price_cny),
                                        "starts_at": lot.starts_at.isoformat(),
                                        "ends_at": lot.ends_at.isoformat() if lot.ends_at else None,
                                        "url": f"/exchange/lots/{lot.id}"}})
    return {"type": "FeatureCollection", "features": features, "legend": lot_legend(),
            "truncated": len(inside) > MAX_LOTS}


@router.get("/map")
def lot_map(bbox: str = Query(..., max_length=120, description="west,south,east,north (EPSG:4490)"),
            zoom: int = Query(12, description="the map's zoom level 0..22"),
            kind: LotKind | None = None,
            phase: str | None = Query(None, pattern="^(open|upcoming|concluded)$"),
            session: Session = Depends(get_session)) -> Response:
    """Published lots in a viewport by kind and phase group, with start and current price (public, no party)."""
    try:
        box = parse_bbox(bbox)
        check_zoom(zoom)
    except ViewportRefused as refused:
        raise ExchangeError.INVALID_VIEWPORT.error(reason=refused.reason, max_span=MAX_SPAN_DEG) from None
    return Response(geojson_bytes(lot_layer(session, box, kind=None if kind is None else str(kind), group=phase)),
                    media_type="application/geo+json")


def lots_announced_after(session: Session, after: tuple[datetime, int] | None, *, until: datetime,
                         limit: int = 200) -> list[dict[str, Any]]:
    """Lots published (公告) after the key ``(announced_at, id)`` and not after ``until``, oldest first, at most
    ``limit``: id, number, kind, unit, the key (what the land finder's saved searches are matched against, L6/P1).
    Public data only, as the lot list is."""
    stmt = select(Lot.id, Lot.number, Lot.kind, Lot.unit_id, Lot.announced_at).where(
        Lot.announced_at.is_not(None), Lot.announced_at <= until)
    if after is not None:
        stmt = stmt.where(or_(Lot.announced_at > after[0], and_(Lot.announced_at == after[0], Lot.id > after[1])))
    return [{"lot_id": int(i), "number": str(n), "kind": str(k), "unit_id": None if u is None else int(u),
             "announced_at": ensure_utc(a) if a is not None else None, "url": f"/exchange/lots/{i}"}
            for i, n, k, u, a in session.execute(stmt.order_by(Lot.announced_at, Lot.id).limit(limit))]

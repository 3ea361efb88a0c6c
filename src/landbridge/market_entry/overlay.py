"""The market-entry overlay of the public map (全景看地, issue #15 scope 5; L1, P1): in a viewport, the parcels of
collective construction land a collective holds (candidates for entry, to be checked against the plan), those
whose entry case the county has published (filed, under objection, cleared, on the exchange, contracted …) and
those already entered (a termed right granted by market entry, with its method and term end).

Public and anonymous: only what the law publishes: the parcel, its use and area, the case's number and public
stage once filed (实施条例 art. 40: the plan is filed and published), the entered right's method and term. No
holder, buyer, bidder, price before the result or anything of a case before it is filed.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.rules import CaseState
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/market-entry", tags=["market-entry"], route_class=TransactionalRoute)

MAX_FEATURES = 300
S = CaseState
# a case is public from its filing with the county until it ends; the states before are the collective's own work
PUBLIC_STATES = frozenset({S.filed, S.revision_required, S.cleared, S.listed, S.suspended, S.unsuccessful,
                           S.result_confirmed, S.contract_signed, S.paid, S.fees_settled, S.revenue_distributed,
                           S.registered})


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``west,south,east,north`` in degrees, finite and ordered (422 ``market_entry.invalid_bbox``)."""
    try:
        box = tuple(float(x) for x in text.split(",", 4))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise MarketEntryError.INVALID_BBOX.error()
    west, south, east, north = box
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise MarketEntryError.INVALID_BBOX.error()
    return west, south, east, north


def overlay(session: Session, bbox: tuple[float, float, float, float], *, limit: int = MAX_FEATURES
            ) -> dict[str, Any]:
    """The overlay's GeoJSON: each parcel's ``stage`` is ``entered``, ``in_case`` (a published case, with its
    number and state) or ``candidate`` (held by a collective, no published case)."""
    features, truncated = registry.construction_land_in_bbox(session, bbox, limit=limit)
    units = [f["properties"]["unit_id"] for f in features]
    cases: dict[int, EntryCase] = {}
    if units:
        for row in session.execute(select(EntryCase).where(EntryCase.unit_id.in_(units),
                                                           EntryCase.status.in_(list(PUBLIC_STATES)))
                                   .order_by(EntryCase.id)).scalars():
            cases[row.unit_id] = row
    out = []
    for feature in features:
        props = feature["properties"]
        case = cases.get(props["unit_id"])
        if props["entry_method"]:
            stage = "entered"
        elif case is not None:
            stage = "in_case"
        elif props["collective_held"]:
            stage = "candidate"
        else:
            continue
        props.pop("collective_held")
        props.update(stage=stage, case_number=case.number if case else None, case_state=case.status if case else None)
        out.append(feature)
    return {"type": "FeatureCollection", "features": out, "truncated": truncated}


@router.get("/map")
def entry_map(bbox: str = Query(..., max_length=120, description="west,south,east,north (EPSG:4490)"),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """The market-entry overlay of the public map in a viewport (public, no personal data)."""
    return overlay(session, parse_bbox(bbox))

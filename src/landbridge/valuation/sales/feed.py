"""Valuation's feed from the exchange (issue #15 item 3; ADR 0014): every completed lot on the exchange becomes a
validated sale (``SaleSource.exchange``), so that its price feeds the next valuation.

Exchange and valuation are independent peers: the feed never imports the exchange. It reads the exchange's
public ledger events in sequence order (``ledger.list_events``) from its watermark, takes each hand-over event's
``sale`` part (unit and parcel, price, area, day, use, right type, method, term; nothing personal) and records
one sale for it through ``record_sale`` (the same validation as every other sale). The watermark row is locked
for the whole run and advanced in the same transaction as the sales it recorded, so a rerun, or a second worker,
records nothing twice. Failed lots have no hand-over event and so no sale.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.ledger import list_events
from landbridge.valuation.sales.feed_models import FeedMark
from landbridge.valuation.sales.models import SaleSource
from landbridge.valuation.sales.service import record_sale

FEED = "exchange_completions"
SOURCE_MODULE = "exchange"
COMPLETION_EVENT = "hand_over"
ACTOR = "system:valuation-feed"
PAGE = 500


def _lock_mark(session: Session) -> FeedMark:
    """The feed's watermark row, locked (created at 0 the first time)."""
    query = select(FeedMark).where(FeedMark.name == FEED).with_for_update(read=False) if for_update(session) \
        else select(FeedMark).where(FeedMark.name == FEED)
    row = session.execute(query).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(FeedMark(name=FEED, seq=0, sales=0, updated_at=now()))
            session.flush()
    except IntegrityError:
        pass  # another worker made it first
    return session.execute(query.execution_options(populate_existing=True)).scalar_one()


def sale_of(facts: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``record_sale`` for one completion's sale facts."""
    return {"sale_date": date.fromisoformat(str(facts["sale_date"])), "price_cny": Decimal(str(facts["price_cny"])),
            "area_m2": Decimal(str(facts["area_m2"])), "land_use_class": str(facts["land_use_class"]),
            "region_code": str(facts["region_code"]), "right_type": str(facts["right_type"]),
            "method": str(facts["method"]), "parcel_id": int(facts["parcel_id"]),
            "unit_code": facts.get("unit_code"), "term_years": facts.get("term_years")}


def feed_exchange_sales(session: Session, *, page: int = PAGE) -> int:
    """Record a sale for each exchange hand-over event after the watermark; returns the sales recorded."""
    mark = _lock_mark(session)
    recorded = 0
    while True:
        events = list_events(session, module=SOURCE_MODULE, after=mark.seq, limit=page)
        for event in events:
            facts = event.payload.get("sale") if event.event_type == COMPLETION_EVENT else None
            if isinstance(facts, dict):
                record_sale(session, source=SaleSource.exchange, actor=ACTOR, **sale_of(facts))
                recorded += 1
        if events:
            mark.seq = events[-1].seq
        if len(events) < page:
            break
    mark.sales += recorded
    mark.updated_at = now()
    session.flush()
    return recorded


def run_due(session: Session) -> int:
    """The worker's job: feed the completions recorded since the last run."""
    return feed_exchange_sales(session)

"""The exchange's ledger events about a lot (F4): built for a batch, or appended in the caller's transaction.

Each is indexed under the lot and also under the lot's unit and right; a lot's own steps (not its bids) under the
unit's parcel too, so that a parcel's history shows them (issue #14 item 7).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.models import Lot
from landbridge.ledger import NewEvent, append_events, subjects

MODULE = "exchange"


def lot_event(lot: Lot, event_type: str, actor: str, payload: dict[str, Any], also: tuple[str, ...] = ()) -> NewEvent:
    """An exchange event about ``lot``, ready to append to the ledger, indexed also under the lot's unit and right
    (and ``also``)."""
    concerns = tuple(s for s in (None if lot.unit_id is None else subjects.unit(lot.unit_id),
                                 None if lot.right_id is None else subjects.right(lot.right_id)) if s) + also
    return NewEvent(MODULE, event_type, subjects.lot(lot.id), actor, {"lot": lot.number, **payload}, concerns)


def record(session: Session, lot: Lot, event_type: str, actor: str, payload: dict[str, Any]) -> int:
    """Append an exchange event about ``lot`` to the ledger in the caller's transaction; returns its seq."""
    parcel = () if lot.unit_id is None else (subjects.parcel(registry.get_unit(session, lot.unit_id).parcel_id),)
    return append_events(session, [lot_event(lot, event_type, actor, payload, parcel)])[0].seq

"""The exchange's ledger events about a lot (F4): built for a batch, or appended in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from landbridge.exchange.models import Lot
from landbridge.ledger import NewEvent, append_events

MODULE = "exchange"


def lot_event(lot: Lot, event_type: str, actor: str, payload: dict[str, Any]) -> NewEvent:
    """An exchange event about ``lot``, ready to append to the ledger."""
    return NewEvent(MODULE, event_type, f"exchange.lot:{lot.id}", actor, {"lot": lot.number, **payload})


def record(session: Session, lot: Lot, event_type: str, actor: str, payload: dict[str, Any]) -> int:
    """Append an exchange event about ``lot`` to the ledger in the caller's transaction; returns its seq."""
    return append_events(session, [lot_event(lot, event_type, actor, payload)])[0].seq

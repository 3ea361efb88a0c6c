"""Negotiated transfer (协议转让, F4): only for lot kinds whose rule set allows it. After the announcement the
transfer is publicised (公示) for the rule set's working days; anyone signed in may lodge an objection (异议),
which the operator upholds (the lot fails) or dismisses. After publicity, with no objection pending or upheld,
the operator records the agreed price (not below the start price) with a registered counterparty whose deposit
is confirmed; the lot is then award_pending and follows the engine's award path.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange import queries, rules
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import money
from landbridge.exchange.inputs import text as text_field
from landbridge.exchange.lots import Step, conclude, move_lot
from landbridge.exchange.method_models import Objection
from landbridge.exchange.methods.shared import method_lot, qualified_bidder
from landbridge.exchange.models import Lot, LotResult
from landbridge.exchange.preemption import deposits_to_hold
from landbridge.exchange.rules import LotPhase, Method
from landbridge.kernel.clock import ensure_utc, now

OBJECTION_PHASES = frozenset({LotPhase.announced, LotPhase.publicity})


class ObjectionStatus(StrEnum):
    pending = "pending"
    upheld = "upheld"
    dismissed = "dismissed"


def _negotiated_lot(session: Session, lot_id: int) -> Lot:
    return method_lot(session, lot_id, Method.negotiated, due_step)


# --- deadlines ----------------------------------------------------------------------------------


def due_step(lot: Lot, at: datetime) -> Step | None:
    """The negotiated lot's next due deadline: publicity opens at the start and ends after its working days."""
    if lot.phase == LotPhase.announced and at >= ensure_utc(lot.starts_at):
        return _open_publicity
    if lot.phase == LotPhase.publicity and lot.ends_at is not None and at >= ensure_utc(lot.ends_at):
        return _end_publicity
    return None


def _open_publicity(session: Session, lot: Lot, actor: str) -> None:
    move_lot(session, lot, "open_publicity", actor, lot.ends_at, at=lot.starts_at, publicity_end=lot.ends_at)


def _end_publicity(session: Session, lot: Lot, actor: str) -> None:
    pending = _objections(session, lot.id, ObjectionStatus.pending)
    move_lot(session, lot, "end_publicity", actor, None, at=lot.ends_at, objections_pending=len(pending))


# --- objections ---------------------------------------------------------------------------------


def _objections(session: Session, lot_id: int, status: ObjectionStatus | None = None) -> list[Objection]:
    stmt = select(Objection).where(Objection.lot_id == lot_id)
    if status is not None:
        stmt = stmt.where(Objection.status == status)
    return list(session.scalars(stmt.order_by(Objection.id)))


def list_objections(session: Session, lot_id: int) -> list[Objection]:
    """A lot's objections, oldest first."""
    return _objections(session, lot_id)


def lodge_objection(session: Session, *, lot_id: int, text: str, actor: str) -> Objection:
    """Lodge an objection (异议) during the announcement or publicity of a negotiated transfer (F4)."""
    body = text_field(text, 2000, "text")
    lot = _negotiated_lot(session, lot_id)
    if lot.phase not in OBJECTION_PHASES:
        raise ExchangeError.PUBLICITY_CLOSED.error(phase=lot.phase)
    row = Objection(lot_id=lot.id, text=body, lodged_by=actor, lodged_at=now(), status=ObjectionStatus.pending)
    session.add(row)
    session.flush()
    record(session, lot, "objection_lodged", actor, {"objection_id": row.id,
                                                     "text_sha256": hashlib.sha256(body.encode()).hexdigest()})
    return row


def rule_objection(session: Session, *, lot_id: int, objection_id: int, upheld: bool, ruling: str, actor: str,
                   ) -> Objection:
    """The operator upholds an objection (the transfer fails) or dismisses it, with reasons (F4)."""
    reason = text_field(ruling, 500, "ruling")
    lot = _negotiated_lot(session, lot_id)
    row = session.get(Objection, objection_id, populate_existing=True)
    if row is None or row.lot_id != lot.id:
        raise ExchangeError.OBJECTION_NOT_FOUND.error()
    if row.status != ObjectionStatus.pending:
        raise ExchangeError.OBJECTION_ALREADY_RULED.error(status=row.status)
    if upheld:
        rules.check_transition("uphold_objection", lot.phase)
    row.status = ObjectionStatus.upheld if upheld else ObjectionStatus.dismissed
    row.ruling, row.ruled_by, row.ruled_at = reason, actor, now()
    session.flush()
    if upheld:
        conclude(session, lot, actor, transition="uphold_objection", reason="objection_upheld",
                 objection_id=row.id, ruling=reason)
    else:
        record(session, lot, "objection_dismissed", actor, {"objection_id": row.id, "ruling": reason})
    return row


# --- agreement ----------------------------------------------------------------------------------


def record_agreement(session: Session, *, lot_id: int, party_id: int, price: Decimal | str, actor: str,
                     ) -> LotResult:
    """Record the price agreed with the counterparty after publicity (not below the start price); the lot
    becomes award_pending and follows the award path (F4)."""
    amount = money(price, "price_cny")
    lot = _negotiated_lot(session, lot_id)
    if _objections(session, lot.id, ObjectionStatus.pending):
        raise ExchangeError.OBJECTION_PENDING.error()
    rules.check_transition("record_agreement", lot.phase)
    if amount < lot.start_price_cny:
        raise ExchangeError.AGREED_PRICE_BELOW_FLOOR.error(start_price_cny=str(lot.start_price_cny))
    bidder = queries.find_bidder(session, lot.id, party_id)
    if bidder is None:
        raise ExchangeError.COUNTERPARTY_NOT_REGISTERED.error()
    qualified_bidder(session, lot, bidder.id)
    return conclude(session, lot, actor, transition="record_agreement", reason="negotiated", winner=bidder.id,
                    price=amount, preempting=deposits_to_hold(session, lot, bidder.id))  # issue #24

"""What the tender and negotiated methods share (F4): their lot locked with its due deadlines fired, and the
checks on a bidder who takes part."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange.awards import balance_due_step
from landbridge.exchange.barlist import barred_reason
from landbridge.exchange.consortium_holders import check_members
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.lots import Step, StepFinder, fire_due, lock_lot
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.refusals import rejection
from landbridge.exchange.rules import DepositStatus, LotPhase


def lot_due_step(lot: Lot, at: datetime, method_step: StepFinder) -> Step | None:
    """A lot's due step: a confirmed award's balance falls due (any method), else the method's own deadlines."""
    if lot.phase == LotPhase.confirmed:
        return balance_due_step(lot, at)
    return method_step(lot, at)


def qualified_bidder(session: Session, lot: Lot, bidder_id: int) -> Bidder:
    """A bidder of this lot with a confirmed deposit who is not barred (nor, for a joint bidder, any of its
    members), else the engine's typed refusal."""
    bidder = session.get(Bidder, bidder_id)
    if bidder is None or bidder.lot_id != lot.id:
        raise ExchangeError.BIDDER_NOT_FOUND_2.error()
    status = session.scalar(select(Deposit.status).where(Deposit.bidder_id == bidder.id))
    if status != DepositStatus.confirmed:
        raise rejection("exchange.deposit_not_confirmed")
    if barred_reason(session, lot, bidder.party_id) is not None:
        raise rejection("exchange.bidder_barred")
    check_members(session, lot, bidder.id)  # a joint bidder's member barred since it applied (issue #24)
    return bidder


def method_lot(session: Session, lot_id: int, method: str, method_step: StepFinder) -> Lot:
    """Lock a lot of ``method`` and fire its due deadlines (``method_step`` is the method's own, see
    ``lot_due_step``); 409 exchange.wrong_method for another method."""
    lot = lock_lot(session, lot_id)
    if lot.method != method:
        raise ExchangeError.WRONG_METHOD.error({"lot": lot, "method": method}, method=lot.method)
    fire_due(session, lot, lambda at_lot, at: lot_due_step(at_lot, at, method_step), "system:clock")
    return lot

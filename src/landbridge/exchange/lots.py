"""The lot state machine (F4; trading.md c.2): the lot lock, ``move_lot`` (a named transition checked against
``rules.TRANSITIONS`` and written to the ledger), the loop that fires a lot's due deadlines, and the steps every
method shares: deposits converted or refunded, the best bids, the result row and the conclusion of a lot.

Every change to a lot, its bids and deposits is serialised on the lot's row (``FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite). This module depends on nothing above it: the methods (``methods``), the award
path (``awards``), the deadlines (``deadlines``) and the services build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.exchange import rules
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot, LotResult
from landbridge.exchange.rules import BidStatus, DepositStatus
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.exchange.supervision import scan_lot
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.kernel.workdays import add_workdays

Step = Callable[[Session, Lot, str], None]
"""A time-driven transition of a locked lot, fired by the deadline loop with the acting clock or worker."""
StepFinder = Callable[[Lot, datetime], Step | None]
"""The step of a lot that is due at an instant, or None."""

# --- the lock -----------------------------------------------------------------------------------


def lot_not_found(lot_id: int) -> DomainError:
    return ExchangeError.LOT_NOT_FOUND.error(lot_id=lot_id)


def lock_lot(session: Session, lot_id: int) -> Lot:
    """Load and lock a lot: every change to a lot, its bids and deposits is serialised on this row."""
    stmt = select(Lot).where(Lot.id == lot_id)
    if for_update(session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    lot = session.execute(stmt).scalar_one_or_none()
    if lot is None:
        raise lot_not_found(lot_id)
    return lot


def lock_lots(session: Session, lot_ids: Iterable[int]) -> dict[int, Lot]:
    """Load and lock several lots, always in id order (so two batches never wait on each other in a circle);
    lots that do not exist are simply absent."""
    stmt = select(Lot).where(Lot.id.in_(sorted(set(lot_ids)))).order_by(Lot.id)
    if for_update(session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return {lot.id: lot for lot in session.scalars(stmt)}


# --- transitions --------------------------------------------------------------------------------


def move_lot(session: Session, lot: Lot, name: str, actor: str, next_due: datetime | None,
             **payload: object) -> None:
    """Apply the named transition to a locked lot (409 exchange.invalid_transition from a phase it does not
    leave), set its next deadline and write the transition's ledger event in the same transaction."""
    lot.phase = rules.check_transition(name, lot.phase)
    lot.next_due_at = next_due
    lot.version += 1
    session.flush()
    record(session, lot, name, actor, dict(payload))


def is_due(when: datetime | None, at: datetime) -> bool:
    """Whether a deadline is set and has passed at ``at``."""
    return when is not None and at >= ensure_utc(when)


def fire_due(session: Session, lot: Lot, due_step: StepFinder, actor: str) -> int:
    """Fire every step of a locked lot that ``due_step`` finds due now, in order; returns how many fired."""
    fired = 0
    while True:
        step = due_step(lot, now())
        if step is None:
            return fired
        step(session, lot, actor)
        fired += 1


# --- bidders and deposits -----------------------------------------------------------------------


def bidder_of(session: Session, bidder_id: int) -> Bidder:
    """A bidder known to exist (the engine's own reference)."""
    bidder = session.get(Bidder, bidder_id)
    assert bidder is not None
    return bidder


def deposit_of(session: Session, bidder_id: int) -> Deposit:
    """A bidder's deposit."""
    deposit = session.execute(select(Deposit).where(Deposit.bidder_id == bidder_id)).scalar_one()
    return deposit


def qualified_count(session: Session, lot_id: int) -> int:
    """Bidders whose deposit is confirmed (they alone may bid)."""
    return int(session.scalar(select(func.count()).select_from(Deposit).where(
        Deposit.lot_id == lot_id, Deposit.status == DepositStatus.confirmed)) or 0)


def convert_deposit(session: Session, lot: Lot, bidder_id: int) -> None:
    """The winner's deposit becomes earnest money (定金), applied to the price (art. 20)."""
    deposit = deposit_of(session, bidder_id)
    deposit.status = DepositStatus.converted
    deposit.settled_at = now()


def refund_all(session: Session, lot: Lot, *, exclude: Sequence[int]) -> int:
    """Every confirmed deposit except ``exclude`` becomes due for refund within the rule set's working days."""
    due_on = rules.refund_due_on(lot_rules(lot), today())
    skip = set(exclude)
    deposits = session.execute(select(Deposit).where(Deposit.lot_id == lot.id,
                                                     Deposit.status == DepositStatus.confirmed)).scalars().all()
    due = [d for d in deposits if d.bidder_id not in skip]
    for deposit in due:
        deposit.status = DepositStatus.refund_due
        deposit.refund_due_on = due_on
    return len(due)


def top_bids(session: Session, lot_id: int, exclude: Sequence[int] = ()) -> list[tuple[int, Decimal]]:
    """Each bidder's highest accepted bid, best first (a runner-up is the next distinct bidder); at an equal price
    (a fixed-price sale's offers) the earlier bidder first."""
    stmt = (select(Bid.bidder_id, func.max(Bid.amount_cny), func.min(Bid.id))
            .where(Bid.lot_id == lot_id, Bid.status.in_((BidStatus.accepted, BidStatus.standby)))
            .group_by(Bid.bidder_id))
    skip = set(exclude)
    rows = [(int(b), Decimal(a), int(first)) for b, a, first in session.execute(stmt).all() if int(b) not in skip]
    return [(b, a) for b, a, _ in sorted(rows, key=lambda r: (-r[1], r[2]))]


# --- results ------------------------------------------------------------------------------------


def new_result(session: Session, lot: Lot, *, reason: str, winner: int | None, price: Decimal | None,
               ) -> LotResult:
    """The decision's result row (award or unsuccessful) with its publication day; the lot is decided now."""
    lr = lot_rules(lot)
    at = now()
    lot.decided_at = at
    result = LotResult(lot_id=lot.id, outcome="award" if winner is not None else "unsuccessful", reason=reason,
                       winner_bidder_id=winner, price_cny=price, decided_at=at, defaulted_bidder_ids=[],
                       publish_by=add_workdays(to_local(at).date(), lr.result_publication_working_days))
    if winner is not None:
        result.winner_party_id = bidder_of(session, winner).party_id
    return result


def result_locked(session: Session, lot: Lot) -> LotResult:
    """The result of a locked lot, read afresh; 404 exchange.result_not_found before the decision."""
    result = session.execute(select(LotResult).where(LotResult.lot_id == lot.id)
                             .execution_options(populate_existing=True)).scalar_one_or_none()
    if result is None:
        raise ExchangeError.RESULT_NOT_FOUND.error()
    return result


def conclude(session: Session, lot: Lot, actor: str, *, transition: str, reason: str, winner: int | None = None,
             price: Decimal | None = None, hold: Sequence[int] = (), preempting: Sequence[int] = (),
             **payload: object) -> LotResult:
    """Decide a locked lot: the result row, the winner's deposit converted to earnest money, every other
    confirmed deposit (except ``hold`` for promotion and ``preempting``: the pre-emption holders who may still
    match the best offer) due for refund, the transition and its ledger event, then supervision."""
    result = new_result(session, lot, reason=reason, winner=winner, price=price)
    if winner is not None:
        convert_deposit(session, lot, winner)
    session.add(result)
    refunds = refund_all(session, lot, exclude=[b for b in (winner, *hold, *preempting) if b is not None])
    if preempting:
        payload["held_for_preemption"] = list(preempting)
    move_lot(session, lot, transition, actor, None, reason=reason, winner_bidder_id=winner, price_cny=price,
             held_for_promotion=list(hold), refunds=refunds, **payload)
    scan_lot(session, lot)
    return result

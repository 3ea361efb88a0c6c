"""What the tender and negotiated methods share: the conclusion of a lot (award or unsuccessful) through the
engine's own result, deposit and transition steps, and the checks on a bidder who takes part (F4)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.errors import Conflict, RuleViolation
from landbridge.exchange import service
from landbridge.exchange.common import lock_lot, lot_rules, rejection
from landbridge.exchange.models import Bidder, Deposit, Lot, LotResult
from landbridge.exchange.rules import DepositStatus
from landbridge.exchange.supervision import scan_lot
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.workdays import add_workdays


def conclude(session: Session, lot: Lot, actor: str, *, transition: str, reason: str, winner: int | None = None,
             price: Decimal | None = None, hold: Sequence[int] = (), **payload: object) -> LotResult:
    """Decide a locked lot: the result row, the winner's deposit converted to earnest money, every other
    confirmed deposit (except ``hold``) due for refund, the transition and its ledger event, then supervision."""
    lr = lot_rules(lot)
    at = now()
    lot.decided_at = at
    result = LotResult(lot_id=lot.id, outcome="award" if winner is not None else "unsuccessful", reason=reason,
                       winner_bidder_id=winner, price_cny=price, decided_at=at, defaulted_bidder_ids=[],
                       publish_by=add_workdays(to_local(at).date(), lr.result_publication_working_days))
    if winner is not None:
        result.winner_party_id = service._bidder(session, winner).party_id
        service._convert(session, lot, winner)
    session.add(result)
    refunds = service._refund_all(session, lot, exclude=[b for b in (winner, *hold) if b is not None])
    service._move(session, lot, transition, actor, None, reason=reason, winner_bidder_id=winner, price_cny=price,
                  held_for_promotion=list(hold), refunds=refunds, **payload)
    scan_lot(session, lot)
    return result


def qualified_bidder(session: Session, lot: Lot, bidder_id: int) -> Bidder:
    """A bidder of this lot with a confirmed deposit who is not barred, else the engine's typed refusal."""
    bidder = session.get(Bidder, bidder_id)
    if bidder is None or bidder.lot_id != lot.id:
        raise Conflict("exchange.bidder_not_found", "未报名本标的", "not registered as a bidder for this lot")
    status = session.scalar(select(Deposit.status).where(Deposit.bidder_id == bidder.id))
    if status != DepositStatus.confirmed:
        raise rejection("exchange.deposit_not_confirmed")
    if service.barred_reason(session, lot, bidder.party_id) is not None:
        raise rejection("exchange.bidder_barred")
    return bidder


def method_lot(session: Session, lot_id: int, method: str) -> Lot:
    """Lock a lot of ``method`` and fire its due deadlines; 409 exchange.wrong_method for another method."""
    lot = lock_lot(session, lot_id)
    if lot.method != method:
        raise Conflict("exchange.wrong_method", "该标的不采用此交易方式",
                       f"lot {lot.number} does not use the {method} method", method=lot.method)
    service.advance_lot(session, lot)
    return lot


def text_field(value: str, limit: int, field: str) -> str:
    """Text of 1 to ``limit`` characters, else 422 exchange.invalid_text naming the field."""
    value = value.strip()
    if not value or len(value) > limit:
        raise RuleViolation("exchange.invalid_text", f"文字须为1至{limit}个字符",
                            f"text must have 1 to {limit} characters", limit=limit, field=field)
    return value

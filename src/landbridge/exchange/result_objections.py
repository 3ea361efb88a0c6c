"""Rulings on objections to a published result (成交公示异议, issue #24). A dismissed objection is recorded; an
upheld one annuls the result and reopens the lot: the award fails (``fail``), the transferee's earnest money and
every held deposit fall due for refund, whatever it paid of the price is refunded in full
(``default_payments.annul_payments``), and the lot is listed again at the same start price, built and scanned
as a re-listing is (``service.successor_lot``), and published."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landbridge.exchange.default_payments import annul_payments
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import text
from landbridge.exchange.legal_models import ResultObjection
from landbridge.exchange.legal_rules import ObjectionStatus
from landbridge.exchange.lots import deposit_of, lock_lot, move_lot, refund_all, result_locked
from landbridge.exchange.models import Lot
from landbridge.exchange.rules import DepositStatus, LotPhase, earliest_start, refund_due_on
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.exchange.service import publish_lot, successor_lot
from landbridge.exchange.settlement import find_settlement
from landbridge.exchange.settlement_rules import SettlementStatus
from landbridge.kernel.clock import now

ANNULLED = "annulled"


def rule_result_objection(session: Session, *, lot_id: int, objection_id: int, upheld: bool, ruling: str,
                          actor: str) -> ResultObjection:
    """Rule on an objection to the result: dismissed, or upheld (only while the award is confirmed and the
    price not fully paid: 409 exchange.invalid_transition after), which annuls the result and reopens the lot."""
    reason = text(ruling, 500)
    lot = lock_lot(session, lot_id)
    row = session.get(ResultObjection, objection_id, populate_existing=True)
    if row is None or row.lot_id != lot.id:
        raise ExchangeError.OBJECTION_NOT_FOUND.error()
    if row.status != ObjectionStatus.pending:
        raise ExchangeError.OBJECTION_ALREADY_RULED.error(status=row.status)
    if upheld and lot.phase != LotPhase.confirmed:
        raise ExchangeError.INVALID_TRANSITION.error({"name": "uphold_result_objection"}, phase=lot.phase,
                                                     transition="uphold_result_objection")
    row.status = ObjectionStatus.upheld if upheld else ObjectionStatus.dismissed
    row.ruling, row.ruled_by, row.ruled_at = reason, actor, now()
    session.flush()
    if not upheld:
        record(session, lot, "result_objection_dismissed", actor, {"objection_id": row.id, "ruling": reason})
        return row
    row.reopened_lot_id = _annul_and_reopen(session, lot, row, reason, actor)
    return row


def _annul_and_reopen(session: Session, lot: Lot, row: ResultObjection, reason: str, actor: str) -> int:
    result = result_locked(session, lot)
    winner = result.winner_bidder_id
    assert winner is not None
    settlement = find_settlement(session, lot.id)
    if settlement is not None and settlement.status in (SettlementStatus.due, SettlementStatus.in_kind_due):
        settlement.status = ANNULLED  # a settlement in kind not yet made (作价入股) is annulled alike (issue #15)
    annul_payments(session, lot, settlement, actor)
    earnest = deposit_of(session, winner)
    earnest.status, earnest.refund_due_on = DepositStatus.refund_due, refund_due_on(lot_rules(lot), today())
    refunds = refund_all(session, lot, exclude=())
    result.outcome, result.reason = "unsuccessful", "objection_upheld"
    result.winner_bidder_id = result.winner_party_id = None
    move_lot(session, lot, "fail", actor, None, reason="objection_upheld", objection_id=row.id, ruling=reason,
             annulled_confirmation_no=result.confirmation_no, refunds=refunds, earnest_refunded=earnest.amount_cny)
    new = successor_lot(session, lot, actor=actor, starts_at=earliest_start(lot_rules(lot), now()),
                        start_price=lot.start_price_cny, attempt=lot.attempt)  # built and scanned as a re-listing
    publish_lot(session, lot_id=new.id, actor=actor)
    record(session, lot, "lot_reopened", actor, {"new_lot": new.number, "objection_id": row.id,
                                                 "start_price_cny": new.start_price_cny})
    return new.id

"""The award path after the decision (F4, L6, L7; 39号令 art. 20-21): the award confirmation (成交确认书) that
opens the price settlement, the winner's default (悔拍) with the next bidder promoted, the overdue balance as a
default, and the handover to the registry.

Every transition locks the lot row first, checks its own allowed phases (``rules.check_transition``), applies,
and writes a ledger event in the same transaction (``lots.move_lot``). Services flush and never commit. The
award path builds on the lot state machine and the settlement's records; the methods, the deadlines and the
services build on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange import rules
from landbridge.exchange.barlist import barred_reason
from landbridge.exchange.consortium_holders import check_members, registry_holders
from landbridge.exchange.default_payments import on_default
from landbridge.exchange.documents import issue_documents
from landbridge.exchange.entry import entry_terms_of, hand_over_entry, sale_facts
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.in_kind import is_in_kind, open_in_kind
from landbridge.exchange.inputs import text
from landbridge.exchange.lots import (
    Step,
    bidder_of,
    convert_deposit,
    deposit_of,
    lock_lot,
    move_lot,
    refund_all,
    result_locked,
    top_bids,
)
from landbridge.exchange.method_models import Tender
from landbridge.exchange.models import Lot, LotResult
from landbridge.exchange.preemption import before_confirmation
from landbridge.exchange.results_notice import check_handover
from landbridge.exchange.rules import DepositStatus, Handover, LotKind, LotPhase, Method
from landbridge.exchange.ruleset import lot_rules
from landbridge.exchange.settlement import close_on_default, find_settlement, open_settlement
from landbridge.kernel.clock import ensure_utc, now


def confirm_award(session: Session, *, lot_id: int, actor: str) -> LotResult:
    """Sign the award confirmation (成交确认书) and open the price settlement (价款结算); a runner-up held for
    promotion stays held until the balance is paid (art. 20)."""
    lot = lock_lot(session, lot_id)
    rules.check_transition("confirm_award", lot.phase)
    before_confirmation(session, lot, actor)  # a pre-emption period ends first (issue #24)
    result = result_locked(session, lot)
    assert result.winner_bidder_id is not None
    check_members(session, lot, result.winner_bidder_id)  # a joint bidder's member barred since it applied: 409
    at = now()
    result.confirmation_no = f"CJ-{lot.number}"
    result.confirmed_at = at
    result.confirmed_by = actor
    held = _held_runner(session, lot, result.winner_bidder_id)
    refunds = refund_all(session, lot, exclude=[result.winner_bidder_id, *held])
    move_lot(session, lot, "confirm_award", actor, None, confirmation_no=result.confirmation_no,
             winner_bidder_id=result.winner_bidder_id, price_cny=result.price_cny, refunds=refunds,
             held_for_promotion=held)
    issue_documents(session, lot_id=lot.id, actor=actor)  # 成交确认书 and contract, with their digests
    entry = entry_terms_of(session, lot)  # read once: the settlement's levy and its ledger cell need them too
    if is_in_kind(entry):  # 作价入股: no price is paid, the settlement is in kind (issue #15)
        open_in_kind(session, lot, result, actor, entry)
    else:
        open_settlement(session, lot, result, actor, entry)
    return result


def _held_runner(session: Session, lot: Lot, winner_bidder_id: int) -> list[int]:
    """The runner-up whose deposit stays held until the winner settles (promotion after a default)."""
    if not lot_rules(lot).promote_next:
        return []
    tops = runners_up(session, lot, [winner_bidder_id, *result_locked(session, lot).defaulted_bidder_ids])
    return [tops[0][0]] if tops and deposit_of(session, tops[0][0]).status == DepositStatus.confirmed else []


def record_default(session: Session, *, lot_id: int, actor: str, reason: str) -> Lot:
    """The winner refuses or fails verification (悔拍): deposit forfeited; promote the next bidder or fail."""
    lot = lock_lot(session, lot_id)
    rules.check_transition("record_default", lot.phase)
    result = result_locked(session, lot)
    lr = lot_rules(lot)
    loser = result.winner_bidder_id
    assert loser is not None
    if lot.phase == LotPhase.confirmed:  # after the confirmation: the balance was not paid (价款结算)
        on_default(session, lot, close_on_default(session, lot, loser, actor), actor)  # paid price (issue #24)
    deposit = deposit_of(session, loser)
    deposit.status = DepositStatus.forfeited
    deposit.settled_at = now()
    record(session, lot, "deposit_forfeited", actor, {"bidder_code": bidder_of(session, loser).bidder_code,
                                                      "amount_cny": deposit.amount_cny, "reason": text(reason, 300)})
    defaulted = [*result.defaulted_bidder_ids, loser]
    result.defaulted_bidder_ids = defaulted
    tops = runners_up(session, lot, defaulted)
    runner = tops[0] if lr.promote_next and tops else None
    if runner is not None and deposit_of(session, runner[0]).status == DepositStatus.confirmed \
            and barred_reason(session, lot, bidder_of(session, runner[0]).party_id) is None:
        result.winner_bidder_id, result.price_cny = runner
        result.winner_party_id = bidder_of(session, runner[0]).party_id
        result.reason = "promoted_next"
        convert_deposit(session, lot, runner[0])
        move_lot(session, lot, "award", actor, None, defaulted_bidder_id=loser, reason=text(reason, 300),
                 winner_bidder_id=runner[0], price_cny=runner[1], promoted=True)
        return lot
    result.outcome, result.reason = "unsuccessful", "winner_default"
    result.winner_bidder_id = result.winner_party_id = result.price_cny = None
    refunds = refund_all(session, lot, exclude=())
    move_lot(session, lot, "fail", actor, None, defaulted_bidder_id=loser, reason=text(reason, 300), refunds=refunds)
    return lot


def runners_up(session: Session, lot: Lot, exclude: Sequence[int]) -> list[tuple[int, Decimal]]:
    """Who may be promoted after a default, best first, without ``exclude``: the ranking the tender's decision
    stored (``Tender.rank``), else each bidder's best accepted bid."""
    if lot.method != Method.tender:
        return top_bids(session, lot.id, exclude=exclude)
    skip = set(exclude)
    rows = session.execute(select(Tender.bidder_id, Tender.price_cny).where(Tender.lot_id == lot.id,
                                                                            Tender.rank.is_not(None))
                           .order_by(Tender.rank)).all()
    return [(int(b), Decimal(str(p))) for b, p in rows if int(b) not in skip]


def balance_due_step(lot: Lot, at: datetime) -> Step | None:
    """A confirmed lot's deadline: the balance is overdue (any method)."""
    if lot.phase == LotPhase.confirmed and lot.next_due_at is not None and at >= ensure_utc(lot.next_due_at):
        return _balance_overdue
    return None


def _balance_overdue(session: Session, lot: Lot, actor: str) -> None:
    """An instalment unpaid past its due day: the winner defaults (悔拍): deposit forfeited, next bidder
    promoted or fail."""
    rules.check_transition("record_default", lot.phase)
    row = find_settlement(session, lot.id)
    due = row.due_on.isoformat() if row is not None else "?"
    record_default(session, lot_id=lot.id, actor=actor, reason=f"价款逾期未付（应于 {due} 前付清）")


def sale_discharges(session: Session, lot: Lot) -> list[int]:
    """What a foreclosed collateral lot's sale discharges (法释〔2004〕16号 art. 28: the security rights on what is
    sold end with the sale, the proceeds paying them in rank; the enforcing court lifts its seizure): the
    mortgages on the sold right and the seizures of the unit; nothing for any other kind of lot."""
    if lot.kind != LotKind.collateral or lot.unit_id is None:
        return []
    return [r.id for r in registry.current_restrictions(session, lot.unit_id)
            if r.kind == "seizure" or (r.kind == "mortgage" and (lot.right_id is None or r.right_id == lot.right_id))]


def hand_over(session: Session, *, lot_id: int, actor: str) -> LotResult:
    """Hand a settled award to the registry: lodge the transfer or the new right in the winner's name (L6, L7);
    409 exchange.not_settled while the balance of the price is unpaid."""
    lot = lock_lot(session, lot_id)
    if lot.phase == LotPhase.confirmed:
        raise ExchangeError.NOT_SETTLED.error(phase=lot.phase)
    rules.check_transition("hand_over", lot.phase)
    check_handover(session, lot)  # no objection to the result pending (issue #24)
    result = result_locked(session, lot)
    assert result.winner_party_id is not None and result.winner_bidder_id is not None
    lr = lot_rules(lot)
    holders = registry_holders(session, result.winner_bidder_id, result.winner_party_id)  # joint bidders by share
    reason = f"农村产权交易 {lot.number} 成交确认书 {result.confirmation_no}"
    terms = entry_terms_of(session, lot)  # read once: the new right and the sales record both need them
    application_id = hand_over_entry(session, lot, terms, result, holders, reason, actor)  # market entry (#15)
    if application_id is not None:
        pass
    elif lr.handover == Handover.transfer and lot.unit_id is not None:
        application_id = registry.lodge_transfer(session, actor=actor, unit_id=lot.unit_id, holders=holders,
                                                 reason=reason, right_id=lot.right_id,
                                                 discharge=sale_discharges(session, lot)).id
    elif lr.handover == Handover.new_right and lot.unit_id is not None:
        application_id = registry.lodge_right_on_unit(
            session, actor=actor, unit_id=lot.unit_id, right_type="land_management_right", holders=holders,
            term_start=lot.term_start, term_end=lot.term_end, predecessor_id=lot.right_id,
            attrs={"exchange_lot": lot.number, "price_cny": str(result.price_cny)}).id
    result.registry_application_id = application_id
    result.handed_over_at = now()
    sale = sale_facts(session, lot, result, terms)  # the sales record's facts, nothing personal (issue #15, ADR 0014)
    move_lot(session, lot, "hand_over", actor, None, registry_application_id=application_id, handover=lr.handover,
             **({"sale": sale} if sale is not None else {}))
    return result

"""Price settlement (价款结算, F4, L6; issue #6 item 6): between the award confirmation and the handover.

At the confirmation the winner owes the price less the earnest money (the converted deposit) into a settlement
sub-account, in the instalments (分期付款) the lot kind's rule set allows (by default one payment by the day the
contract prints). The bank's signed callback credits it: a credit must be the next instalment's amount or the
whole remaining balance; each instalment paid writes a ledger event, and the last settles the lot
(confirmed -> settled) and records the payout to the seller (price less the exchange's service fee); a wrong
amount is refused and kept for reconciliation; an instalment unpaid past its due day is the winner's default,
recorded by the worker (the deposit is forfeited, the next bidder promoted or the lot fails).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import Rule, get_profile
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.exchange import rules, service
from landbridge.exchange.common import lock_lot, money, record
from landbridge.exchange.models import Deposit, Lot, LotResult
from landbridge.exchange.rules import LotPhase
from landbridge.exchange.settlement_models import Settlement, SettlementInstalment
from landbridge.exchange.settlement_rules import (
    Instalment,
    InstalmentStatus,
    SettlementStatus,
    instalments_covered,
    is_overdue,
    overdue_at,
    settlement_terms,
)
from landbridge.exchange.settlement_rules import payment_plan as rules_payment_plan
from landbridge.kernel.clock import ensure_utc, now, to_local

__all__ = ["SettlementStatus", "find_settlement", "get_settlement", "instalments_of", "open_settlement",
           "pay_balance", "settlement_for_sub_account", "settlement_rule"]


def settlement_rule_entry(lot: Lot, name: str) -> Rule:
    """A settlement rule (value, unit, source) of the lot's kind in the rule-set version the lot was created under
    (exchange.toml): the kind's own rule, else the default."""
    version = get_profile().rules("exchange").version_at(date.fromisoformat(lot.rule_version))
    values = version.rules
    return values.get(f"{lot.kind}.{name}") or values[f"default.{name}"]


def settlement_rule(lot: Lot, name: str) -> Any:
    """A settlement rule's value (see ``settlement_rule_entry``)."""
    return settlement_rule_entry(lot, name).value


def instalments_of(session: Session, settlement_id: int) -> list[SettlementInstalment]:
    """A settlement's instalments in order."""
    return list(session.execute(select(SettlementInstalment).where(SettlementInstalment.settlement_id == settlement_id)
                                .order_by(SettlementInstalment.seq)
                                .execution_options(populate_existing=True)).scalars())


def find_settlement(session: Session, lot_id: int) -> Settlement | None:
    """The lot's current settlement (the latest winner's), or None."""
    return session.execute(select(Settlement).where(Settlement.lot_id == lot_id).order_by(Settlement.id.desc())
                           .limit(1).execution_options(populate_existing=True)).scalar_one_or_none()


def get_settlement(session: Session, lot_id: int) -> Settlement:
    """The lot's current settlement, or 404 exchange.settlement_not_found."""
    row = find_settlement(session, lot_id)
    if row is None:
        raise NotFound("exchange.settlement_not_found", "该标的尚无价款结算", "the lot has no settlement yet",
                       lot_id=lot_id)
    return row


def settlement_for_sub_account(session: Session, sub_account: str) -> Settlement | None:
    """The settlement whose sub-account this is, or None (the callback then treats it as a deposit account)."""
    return session.execute(select(Settlement).where(Settlement.sub_account == sub_account)).scalar_one_or_none()


def open_settlement(session: Session, lot: Lot, result: LotResult, actor: str) -> Settlement:
    """Open the settlement of a just-confirmed award: balance, instalments and their due days, fee, payout and
    sub-account (L6).

    Called by ``service.confirm_award`` on the locked lot; the lot's next deadline becomes the instant the first
    instalment is overdue."""
    assert result.winner_bidder_id is not None and result.winner_party_id is not None
    assert result.price_cny is not None and result.confirmed_at is not None and result.confirmation_no is not None
    deposit = session.execute(select(Deposit).where(Deposit.bidder_id == result.winner_bidder_id)).scalar_one()
    fee_rate = Decimal(str(settlement_rule(lot, "service_fee_rate")))
    terms = settlement_terms(result.price_cny, deposit.amount_cny, fee_rate)
    plan, source = payment_plan(lot, terms.price, terms.earnest, to_local(result.confirmed_at).date())
    due_on = plan[0].due_on
    row = Settlement(lot_id=lot.id, bidder_id=result.winner_bidder_id, party_id=result.winner_party_id,
                     confirmation_no=result.confirmation_no, price_cny=terms.price, earnest_cny=terms.earnest,
                     balance_cny=terms.balance, fee_rate=str(terms.fee_rate), fee_cny=terms.fee,
                     payout_cny=terms.payout, sub_account=f"LS{lot.id:06d}{secrets.randbelow(10**8):08d}",
                     due_on=due_on, overdue_at=overdue_at(due_on), status=SettlementStatus.due, opened_at=now(),
                     opened_by=actor, payout_party_id=lot.seller_party_id, schedule_source=source[:300])
    session.add(row)
    lot.next_due_at = row.overdue_at  # the worker records the default if an instalment is not paid in time
    session.flush()
    session.add_all([SettlementInstalment(settlement_id=row.id, seq=i.seq, amount_cny=i.amount, due_on=i.due_on,
                                          status=InstalmentStatus.due) for i in plan])
    session.flush()
    record(session, lot, "settlement_opened", actor, {
        "confirmation_no": row.confirmation_no, "price_cny": terms.price, "earnest_cny": terms.earnest,
        "balance_cny": terms.balance, "fee_rate": row.fee_rate, "fee_cny": terms.fee, "payout_cny": terms.payout,
        "sub_account": row.sub_account, "due_on": due_on,
        "instalments": [{"seq": i.seq, "amount_cny": i.amount, "due_on": i.due_on} for i in plan],
        "schedule_source": row.schedule_source})
    return row


def payment_plan(lot: Lot, price: Decimal, earnest: Decimal, confirmed_on: date) -> tuple[tuple[Instalment, ...], str]:
    """The instalments of a lot's balance (``settlement_rules.payment_plan`` under the lot's rule set, the same
    schedule its contract prints) and the source of the instalment rule."""
    rule = settlement_rule_entry(lot, "instalments")
    plan = rules_payment_plan(price, earnest, confirmed_on, rule.value,
                              int(settlement_rule(lot, "contract_signing_working_days")),
                              int(settlement_rule(lot, "balance_payment_working_days")))
    return plan, rule.source


def pay_balance(session: Session, *, sub_account: str, amount: Decimal | str, payer_name: str, bank_ref: str,
                actor: str) -> Settlement:
    """The bank credits the settlement sub-account: the next instalment's amount pays it, the whole remaining
    balance pays every instalment left; the last instalment settles the lot and pays the seller out; anything
    else is refused with a typed error; idempotent on the bank's reference (F4, L6)."""
    paid = money(amount)
    found = settlement_for_sub_account(session, sub_account)
    if found is None:
        raise NotFound("exchange.sub_account_not_found", "结算子账户不存在", "no such settlement sub-account")
    lot = lock_lot(session, found.lot_id)
    row = session.get(Settlement, found.id, populate_existing=True)
    assert row is not None
    if row.bank_ref == bank_ref or any(i.bank_ref == bank_ref for i in instalments_of(session, row.id)):
        return row  # the bank repeated its callback
    service.advance_lot(session, lot)  # an overdue instalment defaults the winner before the credit is judged
    session.refresh(row)
    if row.status != SettlementStatus.due:
        raise Conflict("exchange.settlement_not_due", "该结算不在待付款状态（已付清或已违约）",
                       "the settlement is not awaiting payment (paid or defaulted)", status=row.status)
    if payer_name.strip() != registry.get_party(session, row.party_id).name:
        raise RuleViolation("exchange.settlement_payer_mismatch", "价款须以受让方本人名义支付",
                            "the balance must be paid in the winner's own name")
    outstanding = [i for i in instalments_of(session, row.id) if i.status == InstalmentStatus.due]
    covered = instalments_covered([i.amount_cny for i in outstanding], paid)
    if covered == 0:
        raise RuleViolation("exchange.settlement_amount_mismatch", "支付金额与应付的本期价款或剩余价款不符",
                            "the amount paid is neither the instalment due nor the whole remaining balance",
                            due=str(outstanding[0].amount_cny) if outstanding else "0.00",
                            remaining=str(sum((i.amount_cny for i in outstanding), Decimal("0.00"))),
                            paid=str(paid))
    at = now()
    total = len(instalments_of(session, row.id))
    for inst in outstanding[:covered]:
        inst.status, inst.bank_ref, inst.paid_at = InstalmentStatus.paid, bank_ref, at
    row.paid_cny = (row.paid_cny or Decimal("0.00")) + paid
    row.paid_at = at
    left = outstanding[covered:]
    if left:  # the next instalment's due day becomes the settlement's and the lot's deadline
        row.due_on, row.overdue_at = left[0].due_on, overdue_at(left[0].due_on)
        lot.next_due_at = row.overdue_at
    session.flush()
    for inst in outstanding[:covered]:
        record(session, lot, "instalment_paid", actor, {
            "confirmation_no": row.confirmation_no, "seq": inst.seq, "of": total, "amount_cny": inst.amount_cny,
            "due_on": inst.due_on, "bank_ref": bank_ref, "paid_total_cny": row.paid_cny,
            "remaining_cny": row.balance_cny - row.paid_cny})
    if left:
        return row
    return _settle(session, lot, row, bank_ref=bank_ref, payer_name=payer_name.strip(), actor=actor)


def _settle(session: Session, lot: Lot, row: Settlement, *, bank_ref: str, payer_name: str,
            actor: str) -> Settlement:
    """SETTLE: the whole balance is in; the lot may be handed over; the seller is paid the price less the fee."""
    row.status, row.bank_ref, row.payer_name = SettlementStatus.paid, bank_ref, payer_name
    refunds = service._refund_all(session, lot, exclude=())  # the runner-up held for promotion is released
    service._move(session, lot, "settle", actor, None, confirmation_no=row.confirmation_no, paid_cny=row.paid_cny,
                  bank_ref=bank_ref, due_on=row.due_on, refunds=refunds)
    row.payout_at = now()
    session.flush()
    record(session, lot, "seller_payout", actor, {
        "confirmation_no": row.confirmation_no, "payee_party_id": row.payout_party_id, "price_cny": row.price_cny,
        "fee_rate": row.fee_rate, "fee_cny": row.fee_cny, "payout_cny": row.payout_cny})
    return row


def close_on_default(session: Session, lot: Lot, bidder_id: int, actor: str) -> Settlement | None:
    """A winner who defaults after the confirmation: their open settlement is closed as defaulted."""
    row = session.execute(select(Settlement).where(Settlement.lot_id == lot.id, Settlement.bidder_id == bidder_id,
                                                   Settlement.status == SettlementStatus.due)).scalar_one_or_none()
    if row is None:
        return None
    row.status = SettlementStatus.defaulted
    row.defaulted_at = now()
    session.flush()
    record(session, lot, "settlement_defaulted", actor, {
        "confirmation_no": row.confirmation_no, "balance_cny": row.balance_cny, "due_on": row.due_on,
        "paid_cny": row.paid_cny or Decimal("0.00"), "overdue": is_overdue(row.due_on, row.defaulted_at)})
    return row


def due_step(lot: Lot, at: datetime) -> service.Step | None:
    """A confirmed lot's deadline: the balance is overdue."""
    if lot.phase == LotPhase.confirmed and lot.next_due_at is not None and at >= ensure_utc(lot.next_due_at):
        return _balance_overdue
    return None


def _balance_overdue(session: Session, lot: Lot, actor: str) -> None:
    """An instalment unpaid past its due day: the winner defaults (悔拍): deposit forfeited, next bidder
    promoted or fail."""
    rules.check_transition("record_default", lot.phase)
    row = find_settlement(session, lot.id)
    due = row.due_on.isoformat() if row is not None else "?"
    service.record_default(session, lot_id=lot.id, actor=actor, reason=f"价款逾期未付（应于 {due} 前付清）")

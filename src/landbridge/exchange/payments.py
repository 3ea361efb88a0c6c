"""The price's payment (价款结算, F4, L6; issue #6 item 6): the bank's signed callback credits a settlement
sub-account; each instalment paid is a ledger event, and the last settles the lot (confirmed -> settled) and
pays the seller out (FEES_SETTLED, L7). The settlement's terms and records are in ``settlement``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.deadlines import advance_lot
from landbridge.exchange.entry import entry_terms_of
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import money
from landbridge.exchange.lots import lock_lot, move_lot, refund_all
from landbridge.exchange.models import Lot
from landbridge.exchange.settlement import (
    ZERO,
    adjustment_payload,
    instalments_of,
    proceeds_distribution,
    settlement_for_sub_account,
)
from landbridge.exchange.settlement_models import Settlement
from landbridge.exchange.settlement_rules import InstalmentStatus, SettlementStatus, instalments_covered, overdue_at
from landbridge.kernel.clock import now


def pay_balance(session: Session, *, sub_account: str, amount: Decimal | str, payer_name: str, bank_ref: str,
                actor: str) -> Settlement:
    """The bank credits the settlement sub-account: the next instalment's amount pays it, the whole remaining
    balance pays every instalment left; the last instalment settles the lot and pays the seller out; anything
    else is refused with a typed error; idempotent on the bank's reference (F4, L6)."""
    paid = money(amount)
    found = settlement_for_sub_account(session, sub_account)
    if found is None:
        raise ExchangeError.SUB_ACCOUNT_NOT_FOUND_2.error()
    lot = lock_lot(session, found.lot_id)
    row = session.get(Settlement, found.id, populate_existing=True)
    assert row is not None
    if row.bank_ref == bank_ref or any(i.bank_ref == bank_ref for i in instalments_of(session, row.id)):
        return row  # the bank repeated its callback
    advance_lot(session, lot)  # an overdue instalment defaults the winner before the credit is judged
    session.refresh(row)
    if row.status != SettlementStatus.due:
        raise ExchangeError.SETTLEMENT_NOT_DUE.error(status=row.status)
    if payer_name.strip() != registry.get_party(session, row.party_id).name:
        raise ExchangeError.SETTLEMENT_PAYER_MISMATCH.error()
    outstanding = [i for i in instalments_of(session, row.id) if i.status == InstalmentStatus.due]
    covered = instalments_covered([i.amount_cny for i in outstanding], paid)
    if covered == 0:
        raise ExchangeError.SETTLEMENT_AMOUNT_MISMATCH.error(
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
    """SETTLE: the whole balance is in; the lot may be handed over; the seller is paid the price less the service
    fee and the adjustment fee (FEES_SETTLED: price = fee + adjustment fee + payout, fen exact)."""
    row.status, row.bank_ref, row.payer_name = SettlementStatus.paid, bank_ref, payer_name
    refunds = refund_all(session, lot, exclude=())  # the runner-up held for promotion is released
    move_lot(session, lot, "settle", actor, None, confirmation_no=row.confirmation_no, paid_cny=row.paid_cny,
             bank_ref=bank_ref, due_on=row.due_on, refunds=refunds)
    row.payout_at = now()
    row.distribution = proceeds_distribution(session, lot, row.payout_cny)
    session.flush()
    record(session, lot, "seller_payout", actor, {
        "confirmation_no": row.confirmation_no, "payee_party_id": row.payout_party_id, "price_cny": row.price_cny,
        "fee_rate": row.fee_rate, "fee_cny": row.fee_cny, "adjustment_fee_cny": row.adjustment_fee_cny or ZERO,
        "payout_cny": row.payout_cny, **adjustment_payload(lot, row, entry_terms_of(session, lot)),
        **({"distribution": row.distribution} if row.distribution is not None else {})})
    return row

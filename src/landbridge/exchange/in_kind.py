"""Settlement in kind (以地作价入股) of a market-entry lot contributed as equity (issue #15; rules.md Market entry).

Under a contribution as equity the winning company pays no price: the collective receives shares in it worth the
transaction value (``collective.contribute_land_equity``, recorded by market entry at the confirmed result). So
the award of such a lot opens no cash settlement: no balance, no instalments, no balance deadline (the winner
cannot default on a price it does not owe). ``open_in_kind`` records the value, the exchange's service fee and the
adjustment fee (调节金) at the confirmation; ``settle_in_kind`` is the named transition (confirmed -> settled) that
refunds the winner's deposit instead of applying it to a price and records the settlement as paid in kind.

Who pays the fees of an in-kind deal: the adjustment fee is the seller's (财税〔2016〕41号: the collective pays it,
on the transaction value, to the county treasury). The exchange's rules say only that the seller receives the
price less the service fee (exchange.toml ``default.service_fee_rate``); they are silent on deals without a price,
so the payer stays the seller: both fees are owed by the collective from its own book, which market entry charges
(``market_entry.deal.settle_fees``). The seller's cash payout is zero.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge.cityprofile import rules_used
from landbridge.exchange import rules
from landbridge.exchange.entry import EntryTerms
from landbridge.exchange.entry_terms import EntryMethod
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.lots import bidder_of, deposit_of, lock_lot, move_lot, refund_all, result_locked
from landbridge.exchange.models import Lot, LotResult
from landbridge.exchange.rules import DepositStatus
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.exchange.settlement import adjustment_levy, adjustment_payload, find_settlement, settlement_rule
from landbridge.exchange.settlement_models import Settlement
from landbridge.exchange.settlement_rules import SettlementStatus, overdue_at, settlement_terms
from landbridge.kernel.clock import now, to_local

ZERO = Decimal("0.00")
IN_KIND = "以地作价入股"  # how the settlement reads: paid in kind, by the land contributed as equity
FEES_PAYER = "seller"  # see the module's docstring: the rules name no other payer for a deal without a price
__all__ = ["IN_KIND", "is_in_kind", "open_in_kind", "settle_in_kind"]


def is_in_kind(terms: EntryTerms | None) -> bool:
    """Whether a lot with these entry terms (``entry_terms_of``) settles in kind: a contribution as equity."""
    return terms is not None and terms.method == EntryMethod.equity


def open_in_kind(session: Session, lot: Lot, result: LotResult, actor: str, entry: EntryTerms | None) -> Settlement:
    """Open the in-kind settlement of a just-confirmed award of an equity lot (called by ``confirm_award`` on the
    locked lot instead of ``open_settlement``): the value, nothing to pay (no balance, no instalments, no
    deadline), the service fee and the adjustment fee on the value, both owed by the seller (``entry``: the lot's
    ``entry_terms_of``, read once by the caller)."""
    assert result.winner_bidder_id is not None and result.winner_party_id is not None
    assert result.price_cny is not None and result.confirmed_at is not None and result.confirmation_no is not None
    if not is_in_kind(entry):
        raise ExchangeError.NOT_IN_KIND.error(lot_id=lot.id)
    fee_rate = Decimal(str(settlement_rule(lot, "service_fee_rate")))
    levy = adjustment_levy(session, lot, result.price_cny, entry)
    terms = settlement_terms(result.price_cny, ZERO, fee_rate, levy.rate if levy else Decimal(0),
                             levy.base if levy else None)
    due_on = to_local(result.confirmed_at).date()  # nothing falls due: the column holds the confirmation's day
    row = Settlement(lot_id=lot.id, bidder_id=result.winner_bidder_id, party_id=result.winner_party_id,
                     confirmation_no=result.confirmation_no, price_cny=terms.price, earnest_cny=ZERO,
                     balance_cny=ZERO, fee_rate=str(terms.fee_rate), fee_cny=terms.fee, payout_cny=ZERO,
                     sub_account=f"LK{lot.id:06d}{secrets.randbelow(10**8):08d}", due_on=due_on,
                     overdue_at=overdue_at(due_on), status=SettlementStatus.in_kind_due, opened_at=now(),
                     opened_by=actor, payout_party_id=lot.seller_party_id, schedule_source=IN_KIND,
                     rule_digest=rules_used("exchange", date.fromisoformat(lot.rule_version), lot.rule_digest).digest)
    if levy is not None:
        row.adjustment_land_use, row.adjustment_base_type, row.adjustment_rate = levy.land_use, levy.base_type, \
            str(levy.rate)
        row.adjustment_base_cny, row.adjustment_fee_cny = terms.adjustment_base, terms.adjustment_fee
        row.adjustment_source = levy.source[:300]
    session.add(row)
    lot.next_due_at = None  # no balance is owed, so no default can fall due
    session.flush()
    record(session, lot, "settlement_opened", actor, {
        "confirmation_no": row.confirmation_no, "in_kind": IN_KIND, "value_cny": terms.price, "price_cny": terms.price,
        "earnest_cny": ZERO, "balance_cny": ZERO, "instalments": [], "fee_rate": row.fee_rate, "fee_cny": terms.fee,
        "payout_cny": ZERO, "fees_payer": FEES_PAYER, "fees_payer_party_id": lot.seller_party_id,
        **adjustment_payload(lot, row, entry)})
    return row


def settle_in_kind(session: Session, *, lot_id: int, actor: str) -> Settlement:
    """SETTLE_IN_KIND (confirmed -> settled): the land is contributed as equity, so the settlement is paid in kind
    (以地作价入股) at its value; the winner's deposit, held as earnest money since the award, falls due for refund
    instead of being applied to a price, and so does a runner-up's held for promotion. 409
    exchange.invalid_transition from any phase but confirmed; 409 exchange.not_in_kind for a lot whose settlement
    is not an open in-kind one (a cash settlement is paid through ``pay_balance``)."""
    lot = lock_lot(session, lot_id)
    rules.check_transition("settle_in_kind", lot.phase)
    row = find_settlement(session, lot.id)
    if row is None or row.status != SettlementStatus.in_kind_due:
        raise ExchangeError.NOT_IN_KIND.error(lot_id=lot.id)
    result = result_locked(session, lot)
    assert result.winner_bidder_id == row.bidder_id
    earnest = deposit_of(session, row.bidder_id)
    refunded: dict[str, Any] = {}
    if earnest.status == DepositStatus.converted:
        earnest.status, earnest.refund_due_on = DepositStatus.refund_due, rules.refund_due_on(lot_rules(lot), today())
        refunded = {"bidder_code": bidder_of(session, row.bidder_id).bidder_code, "amount_cny": earnest.amount_cny,
                    "refund_due_on": earnest.refund_due_on}
    refunds = refund_all(session, lot, exclude=())  # the runner-up held for promotion is released
    at = now()
    row.status, row.paid_cny, row.paid_at, row.payout_at = SettlementStatus.in_kind, ZERO, at, at
    move_lot(session, lot, "settle_in_kind", actor, None, confirmation_no=row.confirmation_no, in_kind=IN_KIND,
             value_cny=row.price_cny, paid_cny=ZERO, deposit_refunded=refunded, refunds=refunds,
             fee_cny=row.fee_cny, adjustment_fee_cny=row.adjustment_fee_cny or ZERO, payout_cny=ZERO,
             fees_payer=FEES_PAYER, fees_payer_party_id=row.payout_party_id)
    return row

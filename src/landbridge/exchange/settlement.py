"""Price settlement (价款结算, F4, L6; issue #6 item 6): between the award confirmation and the handover.

At the confirmation the winner owes the price less the earnest money (the converted deposit) into a settlement
sub-account, in the instalments (分期付款) the lot kind's rule set allows (by default one payment by the day the
contract prints). The bank's signed callback credits it: a credit must be the next instalment's amount or the
whole remaining balance; each instalment paid writes a ledger event, and the last settles the lot
(confirmed -> settled) and records the payout to the seller (price less the exchange's service fee); a wrong
amount is refused and kept for reconciliation; an instalment unpaid past its due day is the winner's default,
recorded by the worker (the deposit is forfeited, the next bidder promoted or the lot fails).

At payout (FEES_SETTLED, L7) the seller receives the price less the exchange's service fee and, for collective
construction land entering the market, less the land value-increment adjustment fee (土地增值收益调节金) it owes the
county treasury: rate by the land's use (from the parcel's GB/T 21010 class; "other" where it is not known) times
the base the rule set names, each rule with its source, every amount fen exact and in the ledger. A foreclosed
collateral lot's net proceeds go first to the mortgagees registered on the right, in rank order, each up to its
secured amount (read through the registry's public functions), the remainder to the owner(s) by share (F6).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import Rule, rules_used
from landbridge.exchange.entry import EntryTerms, adjustment_cell, levy_rate
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.models import Deposit, Lot, LotResult
from landbridge.exchange.settlement_models import Settlement, SettlementInstalment
from landbridge.exchange.settlement_rules import (
    OTHER_USE,
    Claim,
    Instalment,
    InstalmentStatus,
    SettlementStatus,
    adjustment_base,
    collateral_distribution,
    is_overdue,
    land_use_category,
    overdue_at,
    settlement_terms,
)
from landbridge.exchange.settlement_rules import payment_plan as rules_payment_plan
from landbridge.kernel import modules
from landbridge.kernel.clock import now, to_local

ZERO = Decimal("0.00")
__all__ = ["SettlementStatus", "find_settlement", "get_settlement", "instalments_of", "open_settlement",
           "settlement_for_sub_account", "settlement_rule"]


def settlement_rule_entry(lot: Lot, name: str) -> Rule:
    """A settlement rule (value, unit, source) of the lot's kind in the rule-set version the lot was created under
    (exchange.toml): the kind's own rule, else the default."""
    version = rules_used("exchange", date.fromisoformat(lot.rule_version), lot.rule_digest)
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
        raise ExchangeError.SETTLEMENT_NOT_FOUND.error(lot_id=lot_id)
    return row


def settlement_for_sub_account(session: Session, sub_account: str) -> Settlement | None:
    """The settlement whose sub-account this is, or None (the callback then treats it as a deposit account)."""
    return session.execute(select(Settlement).where(Settlement.sub_account == sub_account)).scalar_one_or_none()


def open_settlement(session: Session, lot: Lot, result: LotResult, actor: str, entry: EntryTerms | None
                    ) -> Settlement:
    """Open the settlement of a just-confirmed award: balance, instalments and their due days, fee, payout and
    sub-account (L6).

    Called by ``awards.confirm_award`` on the locked lot with its ``entry_terms_of`` (read once: the levy and the
    ledger's fee cell both need them); the lot's next deadline becomes the instant the first
    instalment is overdue."""
    assert result.winner_bidder_id is not None and result.winner_party_id is not None
    assert result.price_cny is not None and result.confirmed_at is not None and result.confirmation_no is not None
    deposit = session.execute(select(Deposit).where(Deposit.bidder_id == result.winner_bidder_id)).scalar_one()
    fee_rate = Decimal(str(settlement_rule(lot, "service_fee_rate")))
    levy = adjustment_levy(session, lot, result.price_cny, entry)
    terms = settlement_terms(result.price_cny, deposit.amount_cny, fee_rate,
                             levy.rate if levy else Decimal(0), levy.base if levy else None)
    plan, source = payment_plan(lot, terms.price, terms.earnest, to_local(result.confirmed_at).date())
    due_on = plan[0].due_on
    row = Settlement(lot_id=lot.id, bidder_id=result.winner_bidder_id, party_id=result.winner_party_id,
                     confirmation_no=result.confirmation_no, price_cny=terms.price, earnest_cny=terms.earnest,
                     balance_cny=terms.balance, fee_rate=str(terms.fee_rate), fee_cny=terms.fee,
                     payout_cny=terms.payout, sub_account=f"LS{lot.id:06d}{secrets.randbelow(10**8):08d}",
                     due_on=due_on, overdue_at=overdue_at(due_on), status=SettlementStatus.due, opened_at=now(),
                     opened_by=actor, payout_party_id=lot.seller_party_id, schedule_source=source[:300],
                     rule_digest=rules_used("exchange", date.fromisoformat(lot.rule_version), lot.rule_digest).digest)
    if levy is not None:
        row.adjustment_land_use, row.adjustment_base_type, row.adjustment_rate = levy.land_use, levy.base_type, \
            str(levy.rate)
        row.adjustment_base_cny, row.adjustment_fee_cny = terms.adjustment_base, terms.adjustment_fee
        row.adjustment_source = levy.source[:300]
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
        "schedule_source": row.schedule_source, **adjustment_payload(lot, row, entry)})
    return row


@dataclass(frozen=True)
class Levy:
    """The land value-increment adjustment fee's terms for one lot: land-use category, rate, base type and base,
    and the rule's source."""

    land_use: str
    rate: Decimal
    base_type: str
    base: Decimal
    source: str


def lot_land_use_class(session: Session, lot: Lot) -> str | None:
    """The GB/T 21010 land-use class of the lot's parcel (registry), or None when the lot has no unit."""
    if lot.unit_id is None:
        return None
    return registry.get_parcel(session, registry.get_unit(session, lot.unit_id).parcel_id).land_use_class


def adjustment_levy(session: Session, lot: Lot, price: Decimal, entry: EntryTerms | None) -> Levy | None:
    """The adjustment fee (调节金) a lot's seller owes at payout, or None where the kind's rule set levies none
    (exchange.toml ``adjustment_fee_rates``: by land-use category, ``other`` for any use not listed or unknown);
    a market-entry lot's by its entry terms (``entry``: ``entry_terms_of``)."""
    rates_rule = settlement_rule_entry(lot, "adjustment_fee_rates")
    rates: dict[str, Any] = dict(rates_rule.value)
    if not rates:
        return None
    cell = levy_rate(lot, entry)  # a market-entry lot: by use, grade and method (issue #15)
    if cell is not None:
        base_type = str(settlement_rule(lot, "adjustment_fee_base_type"))
        return Levy(cell[0], cell[1], base_type, adjustment_base(base_type, price, None), cell[2])
    category = land_use_category(lot_land_use_class(session, lot), settlement_rule(lot, "adjustment_fee_land_uses"))
    if category not in rates:
        category = OTHER_USE
    base_type = str(settlement_rule(lot, "adjustment_fee_base_type"))
    rate = Decimal(str(rates[category]))
    return Levy(category, rate, base_type, adjustment_base(base_type, price, None), rates_rule.source)


def adjustment_payload(lot: Lot, row: Settlement, entry: EntryTerms | None) -> dict[str, Any]:
    """The adjustment fee's fields of a ledger payload (none where the lot owes none), with the table cell of a
    market-entry lot (``entry``: ``entry_terms_of``)."""
    if row.adjustment_fee_cny is None:
        return {}
    cell = adjustment_cell(lot, entry)
    return {**cell, "adjustment_land_use": row.adjustment_land_use, "adjustment_rate": row.adjustment_rate,
            "adjustment_base_type": row.adjustment_base_type, "adjustment_base_cny": row.adjustment_base_cny,
            "adjustment_fee_cny": row.adjustment_fee_cny, "adjustment_payee": settlement_rule(lot,
                                                                                             "adjustment_fee_payee"),
            "adjustment_source": row.adjustment_source}


def payment_plan(lot: Lot, price: Decimal, earnest: Decimal, confirmed_on: date) -> tuple[tuple[Instalment, ...], str]:
    """The instalments of a lot's balance (``settlement_rules.payment_plan`` under the lot's rule set, the same
    schedule its contract prints) and the source of the instalment rule."""
    rule = settlement_rule_entry(lot, "instalments")
    plan = rules_payment_plan(price, earnest, confirmed_on, rule.value,
                              int(settlement_rule(lot, "contract_signing_working_days")),
                              int(settlement_rule(lot, "balance_payment_working_days")))
    return plan, rule.source


def proceeds_distribution(session: Session, lot: Lot, net: Decimal) -> list[dict[str, Any]] | None:
    """Who receives a collateral lot's net proceeds (F6): the mortgages registered on the lot's right now
    (registry restrictions of kind mortgage), in rank order, each up to its secured claim, then the right's
    holders by share; None where the kind's rule set pays the seller instead (``proceeds_to_mortgagees``).

    A mortgage securing a loan on the platform secures what the loan owes on the day (principal, interest,
    penalty interest, enforcement costs: 民法典 art. 389), as lending answers the fact ``lending.secured_claim``;
    any other mortgage its registered amount."""
    if not settlement_rule(lot, "proceeds_to_mortgagees") or lot.unit_id is None or lot.right_id is None:
        return None
    outstanding = modules.fact("lending.secured_claim")  # a loan's claim, from lending (ADR 0016; issue #17)
    on = to_local(now()).date()
    claims = []
    for r in registry.current_restrictions(session, lot.unit_id):
        if r.kind != "mortgage" or r.right_id != lot.right_id or r.holder_party_id is None:
            continue
        owed = outstanding(session=session, restriction_id=r.id, on=on)
        secured = owed if owed is not None else r.secured_amount_cny
        if secured is not None:
            claims.append(Claim(r.holder_party_id, r.rank, secured, r.id))
    shares = collateral_distribution(net, claims, registry.holders_of(session, lot.right_id))
    return [{"party_id": x.party_id, "amount_cny": f"{x.amount:.2f}", "basis": x.basis, "rank": x.rank,
             "restriction_id": x.restriction_id} for x in shares]


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


@dataclass(frozen=True)
class CollateralSale:
    """A collateral lot's sale as its process reads it (issue #17): whether it is paid, the price, the sale's
    costs (service fee and adjustment fee), the net and its distribution, the day the buyer paid."""

    lot_id: int
    paid: bool
    price: Decimal
    sale_costs: Decimal
    net: Decimal
    distribution: list[dict[str, Any]]
    paid_on: date | None


def collateral_sale(session: Session, lot_id: int) -> CollateralSale | None:
    """The current settlement of a collateral lot, or None before an award is confirmed."""
    row = find_settlement(session, lot_id)
    if row is None:
        return None
    paid = row.status == SettlementStatus.paid
    costs = row.fee_cny + (row.adjustment_fee_cny or ZERO)
    return CollateralSale(lot_id, paid, row.price_cny, costs, row.payout_cny, list(row.distribution or []),
                          to_local(row.payout_at).date() if paid and row.payout_at is not None else None)

"""Pure settlement rules (价款结算, issue #6 item 6; L6, L7, F6): the balance after the earnest money, the
instalments it is paid in and their due days, the exchange's fee, the land value-increment adjustment fee
(土地增值收益调节金), the payout to the seller, and a foreclosed collateral's proceeds shared out among the
mortgagees by rank and the owner. Every amount is fen exact. No database, no web framework."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Any

from landbridge.exchange.errors import ExchangeError
from landbridge.kernel.clock import SHANGHAI, ensure_utc
from landbridge.kernel.money import FEN, round_fen
from landbridge.kernel.workdays import add_workdays


class SettlementStatus(StrEnum):
    """A settlement awaits the balance (due), is paid in full (paid), or the winner defaulted (defaulted); a lot
    contributed as equity (作价入股) owes no price: its settlement awaits the contribution (in_kind_due) and is then
    paid in kind (in_kind, 以地作价入股; ``exchange.in_kind``)."""

    due = "due"
    paid = "paid"
    defaulted = "defaulted"
    in_kind_due = "in_kind_due"
    in_kind = "in_kind"


class InstalmentStatus(StrEnum):
    """An instalment awaits payment (due) or is paid."""

    due = "due"
    paid = "paid"


@dataclass(frozen=True)
class Terms:
    """What the winner still owes and what the seller receives, fen exact: price = fee + adjustment fee + payout."""

    price: Decimal
    earnest: Decimal
    balance: Decimal
    fee_rate: Decimal
    fee: Decimal
    payout: Decimal
    adjustment_rate: Decimal = Decimal(0)
    adjustment_base: Decimal = Decimal(0)
    adjustment_fee: Decimal = Decimal(0)


def settlement_terms(price: Decimal, earnest: Decimal, fee_rate: Decimal, adjustment_rate: Decimal = Decimal(0),
                     adjustment_base: Decimal | None = None) -> Terms:
    """Balance = price − earnest money (the converted deposit); fee = price × rate, to the fen; adjustment fee =
    adjustment rate × base (the price unless a base is given), to the fen; payout to the seller = price − fee −
    adjustment fee (39号令 art. 20-21: the deposit is applied to the price; 财税〔2016〕41号: the seller pays the
    adjustment fee)."""
    if price <= 0 or earnest < 0 or earnest > price:
        raise ExchangeError.INVALID_SETTLEMENT.error(price_cny=str(price), earnest_cny=str(earnest))
    if not Decimal(0) <= fee_rate < 1:
        raise ExchangeError.INVALID_FEE_RATE.error(fee_rate=str(fee_rate))
    if not Decimal(0) <= adjustment_rate < 1:
        raise ExchangeError.INVALID_ADJUSTMENT_RATE.error(adjustment_rate=str(adjustment_rate))
    base = price if adjustment_base is None else adjustment_base
    if not Decimal(0) <= base <= price:
        raise ExchangeError.INVALID_ADJUSTMENT_BASE.error(base_cny=str(base))
    fee = round_fen(price * fee_rate)
    adjustment = round_fen(base * adjustment_rate)
    if fee + adjustment > price:
        raise ExchangeError.FEES_EXCEED_PRICE.error(fee_cny=str(fee), adjustment_fee_cny=str(adjustment))
    return Terms(price=price, earnest=earnest, balance=price - earnest, fee_rate=fee_rate, fee=fee,
                 payout=price - fee - adjustment, adjustment_rate=adjustment_rate, adjustment_base=base,
                 adjustment_fee=adjustment)


def balance_due_on(confirmed_on: date, signing_working_days: int, payment_working_days: int) -> date:
    """The last day to pay the balance, as the contract prints it: the contract is signed within N working days
    of the confirmation, the balance paid within M working days of the contract (exchange.toml)."""
    return add_workdays(add_workdays(confirmed_on, signing_working_days), payment_working_days)


def overdue_at(due_on: date) -> datetime:
    """The instant a settlement becomes overdue: local midnight after the due day (UTC)."""
    return ensure_utc(datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI))


def is_overdue(due_on: date, at: datetime) -> bool:
    """Whether a balance due on ``due_on`` is overdue at ``at``."""
    return ensure_utc(at) >= overdue_at(due_on)


# --- instalments (分期付款) ---------------------------------------------------------------------------

@dataclass(frozen=True)
class InstalmentTerm:
    """One instalment of a rule set: by its due day the winner has paid ``share`` of the price (the earnest money
    counts), due ``months`` calendar months or ``working_days`` working days after the contract."""

    share: Decimal
    months: int = 0
    working_days: int = 0


def instalment_terms(raw: Sequence[Mapping[str, Any]], payment_working_days: int) -> tuple[InstalmentTerm, ...]:
    """The instalment terms of a rule set (exchange.toml ``<kind>.instalments``); an empty list is the platform
    default: the whole balance in one payment within ``payment_working_days`` of the contract. A rule set whose
    shares do not rise to exactly 1 is a configuration error."""
    if not raw:
        return (InstalmentTerm(Decimal(1), working_days=payment_working_days),)
    terms = tuple(InstalmentTerm(Decimal(str(t["share"])), months=int(t.get("months", 0)),
                                 working_days=int(t.get("working_days", 0))) for t in raw)
    shares = [t.share for t in terms]
    if not (all(a < b for a, b in pairwise(shares)) and shares[0] > 0 and shares[-1] == 1):
        raise ValueError(f"instalment shares must rise strictly to 1: {shares}")
    if any((t.months > 0) == (t.working_days > 0) or t.months < 0 or t.working_days < 0 for t in terms):
        raise ValueError("each instalment is due after either months or working days (one of them, positive)")
    return terms


@dataclass(frozen=True)
class Instalment:
    """One instalment of a settlement's schedule: its number (from 1), amount and due day."""

    seq: int
    amount: Decimal
    due_on: date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def instalment_schedule(price: Decimal, earnest: Decimal, terms: Sequence[InstalmentTerm],
                        contract_on: date) -> tuple[Instalment, ...]:
    """The balance (price − earnest money) split into the rule set's instalments: instalment k brings the paid part
    of the price to share_k × price (to the fen; the earnest money counts first), so the amounts sum exactly to the
    balance. An instalment the earnest money already covers is left out; due days never go backwards."""
    if not terms or terms[-1].share != 1:
        raise ValueError("the last instalment must bring the paid part to the whole price")
    out: list[Instalment] = []
    scheduled = earnest
    last_due = contract_on
    for i, term in enumerate(terms):
        target = price if i == len(terms) - 1 else round_fen(price * term.share)
        amount = max(target - scheduled, Decimal("0.00"))
        due_on = add_months(contract_on, term.months) if term.months else add_workdays(contract_on,
                                                                                       term.working_days)
        last_due = max(last_due, due_on)
        if amount > 0 or (i == len(terms) - 1 and not out):
            out.append(Instalment(len(out) + 1, amount, last_due))
            scheduled += amount
    return tuple(out)


def payment_plan(price: Decimal, earnest: Decimal, confirmed_on: date, instalments: Sequence[Mapping[str, Any]],
                 signing_working_days: int, payment_working_days: int) -> tuple[Instalment, ...]:
    """The schedule a contract prints and the settlement follows: the contract is signed within N working days
    of the confirmation; each instalment of the kind's rule set falls due after the contract (by default one
    payment within ``payment_working_days``)."""
    contract_on = add_workdays(confirmed_on, signing_working_days)
    return instalment_schedule(price, earnest, instalment_terms(instalments, payment_working_days), contract_on)


def instalments_covered(outstanding: Sequence[Decimal], paid: Decimal) -> int:
    """How many of the outstanding instalments (in order) a credit pays: the next one exactly (1), or the whole
    remaining balance (all of them); 0 when it is neither (the credit is refused)."""
    if outstanding and paid == outstanding[0]:
        return 1
    if outstanding and paid == sum(outstanding, Decimal("0.00")):
        return len(outstanding)
    return 0


# --- land value-increment adjustment fee (土地增值收益调节金) ----------------------------------------

class AdjustmentBase(StrEnum):
    """What the adjustment fee rate applies to: the transaction price, or the value increment (price − cost)."""

    gross_price = "gross_price"
    increment = "increment"


OTHER_USE = "other"


def land_use_category(land_use_class: str | None, classes: Mapping[str, Sequence[str]]) -> str:
    """The rate category of a GB/T 21010 land-use class: the category whose code prefix matches longest
    (e.g. ``06`` industrial, ``05`` commercial), else ``other`` (also when the lot's use is not known). The one
    reading of a use category: the adjustment fee's, the entry terms' and market entry's (through the exchange's
    public ``land_use_category``)."""
    best, length = OTHER_USE, 0
    for category, prefixes in classes.items():
        for prefix in prefixes:
            if land_use_class and land_use_class.startswith(str(prefix)) and len(str(prefix)) > length:
                best, length = category, len(str(prefix))
    return best


def adjustment_base(base_type: str, price: Decimal, cost: Decimal | None) -> Decimal:
    """The base the adjustment fee rate applies to: the price, or the increment over the land's cost (never
    below zero); the increment needs the cost (422 exchange.adjustment_cost_unknown)."""
    if base_type == AdjustmentBase.gross_price:
        return price
    if base_type != AdjustmentBase.increment:
        raise ValueError(f"unknown adjustment fee base {base_type!r}")
    if cost is None:
        raise ExchangeError.ADJUSTMENT_COST_UNKNOWN.error()
    return max(price - cost, Decimal("0.00"))


# --- collateral proceeds (F6) ---------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """A mortgage registered on the right: the mortgagee, its rank and the secured amount."""

    party_id: int
    rank: int | None
    secured: Decimal
    restriction_id: int


@dataclass(frozen=True)
class Share:
    """One payee's part of the proceeds and on what basis (``mortgage`` of a rank, or ``owner``)."""

    party_id: int
    amount: Decimal
    basis: str
    rank: int | None = None
    restriction_id: int | None = None


def split_by_shares(amount: Decimal, owners: Sequence[tuple[int, Fraction]]) -> list[tuple[int, Decimal]]:
    """``amount`` split among co-owners by their shares, to the fen, summing exactly (largest remainder; ties go
    to the earlier owner)."""
    total = sum((s for _, s in owners), Fraction(0))
    if not owners or total <= 0:
        raise ValueError("no owners to pay")
    fen = int(amount / FEN)
    exact = [Fraction(fen) * s / total for _, s in owners]
    floors = [int(x) for x in exact]
    order = sorted(range(len(owners)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:fen - sum(floors)]:
        floors[i] += 1
    return [(pid, (Decimal(n) * FEN).quantize(FEN, rounding=ROUND_DOWN)) for (pid, _), n in zip(owners, floors,
                                                                                              strict=True)]


def collateral_distribution(net: Decimal, claims: Sequence[Claim],
                            owners: Sequence[tuple[int, Fraction]]) -> tuple[Share, ...]:
    """A foreclosed collateral's net proceeds: first the mortgagees in rank order (unranked last, then in
    registration order), each up to its secured amount, then the remainder to the owner(s) by share (F6;
    民法典 art. 414: mortgages are paid in the order of their registration)."""
    remaining = net
    out: list[Share] = []
    ranked = sorted(claims, key=lambda c: (c.rank is None, c.rank or 0, c.restriction_id))
    for claim in ranked:
        amount = min(remaining, claim.secured)
        if amount > 0:
            out.append(Share(claim.party_id, amount, "mortgage", claim.rank, claim.restriction_id))
            remaining -= amount
    if remaining > 0:
        out += [Share(pid, amount, "owner") for pid, amount in split_by_shares(remaining, owners) if amount > 0]
    return tuple(out)

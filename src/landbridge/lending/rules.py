"""Lending's pure rules (issue #17): states and transitions as data, repayment schedules, payment allocation,
the five-tier classification, the disposal waterfall and the sharing of loss and recoveries.

Money is ``Decimal`` yuan to the fen; every split here allocates each fen exactly once (the residual party
absorbs rounding). Policy numbers (caps, floors, shares) come in as arguments read from the ``lending`` rule set;
no SQLAlchemy, FastAPI or Starlette here (the purity contract).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from landbridge.lending.errors import LendingError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_MONTHS = 360
RATE_PLACES = Decimal("0.000001")  # storage precision of an annual rate (Numeric(8, 6)); products bound the rate


class Method(StrEnum):
    """Repayment method: 等额本息, 等额本金, 到期一次还本, seasonal (interest-only grace then annuity)."""

    annuity = "annuity"
    equal_principal = "equal_principal"
    bullet = "bullet"
    seasonal = "seasonal"


class LoanStatus(StrEnum):
    """The loan's state machine (finance.md c.1)."""

    applied = "applied"            # application lodged by the borrower
    refused = "refused"            # the bank's credit decision said no (terminal)
    withdrawn = "withdrawn"        # the borrower withdrew before the contract (terminal)
    approved = "approved"          # credit decision yes: risk share bound and snapshotted, contract drawn
    lien_lodged = "lien_lodged"    # mortgage lodged in the registry, waiting for 登簿
    lien_registered = "lien_registered"  # mortgage current in the registry: money may move
    disbursed = "disbursed"        # money paid out; repaying
    defaulted = "defaulted"        # past the default trigger: claims lodged with the risk sharers
    in_disposal = "in_disposal"    # the collateral is offered on the exchange
    settled = "settled"            # proceeds applied, loss shared
    repaid = "repaid"              # fully repaid; lien to be released
    closed = "closed"              # lien released (terminal)
    written_off = "written_off"    # remaining loss written off; lien released (terminal)


TRANSITIONS: Mapping[LoanStatus, frozenset[LoanStatus]] = {
    LoanStatus.applied: frozenset({LoanStatus.approved, LoanStatus.refused, LoanStatus.withdrawn}),
    LoanStatus.approved: frozenset({LoanStatus.lien_lodged, LoanStatus.withdrawn}),
    # lien_lodged → disbursed only where registration is not constitutive (the ``constitutive_registration`` rule)
    LoanStatus.lien_lodged: frozenset({LoanStatus.lien_registered, LoanStatus.approved, LoanStatus.disbursed}),
    LoanStatus.lien_registered: frozenset({LoanStatus.disbursed}),
    LoanStatus.disbursed: frozenset({LoanStatus.defaulted, LoanStatus.repaid}),
    LoanStatus.defaulted: frozenset({LoanStatus.in_disposal, LoanStatus.disbursed, LoanStatus.repaid,
                                     LoanStatus.settled}),
    LoanStatus.in_disposal: frozenset({LoanStatus.settled, LoanStatus.defaulted}),  # unsold: back to workout
    LoanStatus.settled: frozenset({LoanStatus.written_off, LoanStatus.closed}),
    LoanStatus.repaid: frozenset({LoanStatus.closed}),
    LoanStatus.refused: frozenset(),
    LoanStatus.withdrawn: frozenset(),
    LoanStatus.closed: frozenset(),
    LoanStatus.written_off: frozenset(),
}

# Loans the close of business works on (they accrue and can fall past due).
PERFORMING = (LoanStatus.disbursed, LoanStatus.defaulted, LoanStatus.in_disposal)


class Tier(StrEnum):
    """Five-tier classification (五级分类): 正常 / 关注 / 次级 / 可疑 / 损失."""

    normal = "normal"
    special_mention = "special_mention"
    substandard = "substandard"
    doubtful = "doubtful"
    loss = "loss"


TIER_NAMES: Mapping[Tier, str] = {Tier.normal: "正常", Tier.special_mention: "关注", Tier.substandard: "次级",
                                  Tier.doubtful: "可疑", Tier.loss: "损失"}
NON_PERFORMING = frozenset({Tier.substandard, Tier.doubtful, Tier.loss})
SHARER_PARTIES = ("fund", "guarantor", "insurer")  # the bank is the residual sharer


def transition(current: str, target: LoanStatus) -> LoanStatus:
    """Check that a loan may move from ``current`` to ``target`` (409 ``lending.invalid_transition``)."""
    state = LoanStatus(current)
    if target not in TRANSITIONS[state]:
        raise LendingError.INVALID_TRANSITION.error(status=state.value, target=target.value)
    return target


# --- inputs ---------------------------------------------------------------------------------------------


def parse_money(value: Any, field: str) -> Decimal:
    """A positive amount of yuan with at most two decimals and 16 digits (422 ``lending.invalid_amount``)."""
    if isinstance(value, float | bool):
        raise LendingError.INVALID_AMOUNT.error(field=field)
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise LendingError.INVALID_AMOUNT.error(field=field) from None
    if (not amount.is_finite() or amount <= 0 or amount.adjusted() >= 16 or amount != amount.quantize(FEN)):
        raise LendingError.INVALID_AMOUNT.error(field=field)
    return amount.quantize(FEN)


def parse_rate(value: Any) -> Decimal:
    """An annual rate as a fraction, 0 ≤ rate < 1, at most 6 decimals (422 ``lending.invalid_rate``). This is the
    shape of a rate only: the rates a bank may charge are each product's ``min_rate`` … ``max_rate`` (rule data)."""
    if isinstance(value, float | bool):
        value = str(value) if isinstance(value, float) else "x"
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise LendingError.INVALID_RATE.error(rate=str(value)[:40]) from None
    if not rate.is_finite() or rate < 0 or rate >= 1 or rate != rate.quantize(RATE_PLACES):
        raise LendingError.INVALID_RATE.error(rate=str(value)[:40])
    return rate


def parse_months(value: Any) -> int:
    """A term of 1 … 360 months (422 ``lending.invalid_term``)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MONTHS:
        raise LendingError.INVALID_TERM.error(months=str(value)[:20], max_months=MAX_MONTHS)
    return value


def parse_method(value: str) -> Method:
    try:
        return Method(value)
    except ValueError:
        raise LendingError.INVALID_METHOD.error(method=str(value)[:40]) from None


# --- schedules ------------------------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, on the start's day clamped to the month's end (01-31 → 02-28)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Instalment:
    """One instalment of a schedule: due date, principal and interest parts, payment, balance after it."""

    n: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "due_date": self.due_date.isoformat(), "principal_cny": str(self.principal),
                "interest_cny": str(self.interest), "payment_cny": str(self.payment),
                "balance_cny": str(self.balance)}


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def annuity_payment(principal: Decimal, monthly: Decimal, months: int) -> Decimal:
    """The level payment of 等额本息, rounded half up to the fen."""
    if monthly == 0:
        return _half_up(principal / months)
    growth = (1 + monthly) ** months
    return _half_up(principal * monthly * growth / (growth - 1))


def schedule(principal: Any, annual_rate: Any, months: Any, method: str, start: date,
             grace_months: int = 0) -> list[Instalment]:
    """A repayment schedule (issue #17 item 3): monthly rate = annual ÷ 12; a period's interest = the balance before
    it × the monthly rate, half up to the fen; the annuity payment is rounded to the fen and the last instalment
    absorbs the rounding, so the principal parts sum to the principal exactly. ``seasonal`` pays interest only for
    ``grace_months`` and then amortises as an annuity over the rest of the term."""
    amount = parse_money(principal, "principal")
    rate = parse_rate(annual_rate)
    n_months = parse_months(months)
    how = parse_method(method)
    if how is Method.seasonal:
        if isinstance(grace_months, bool) or not isinstance(grace_months, int) or not 0 <= grace_months < n_months:
            raise LendingError.INVALID_GRACE.error(grace_months=str(grace_months)[:20], months=n_months)
    else:
        grace_months = 0
    monthly = rate / 12
    balance = amount
    out: list[Instalment] = []
    payment = ZERO
    if how in (Method.annuity, Method.seasonal):
        payment = annuity_payment(amount, monthly, n_months - grace_months)
    for k in range(1, n_months + 1):
        interest = _half_up(balance * monthly)
        last = k == n_months
        if how is Method.bullet or k <= grace_months:
            part = balance if last else ZERO
        elif how is Method.equal_principal:
            part = balance if last else min(balance, _half_up(amount / n_months))
        else:
            part = balance if last else min(balance, payment - interest)
            part = max(part, ZERO)
        balance -= part
        out.append(Instalment(k, add_months(start, k), part, interest, part + interest, balance))
    return out


def schedule_json(principal: Any, annual_rate: Any, months: Any, method: str, start: date,
                  grace_months: int = 0) -> dict[str, Any]:
    """The schedule as the CLI, the API and the contract print it."""
    rows = schedule(principal, annual_rate, months, method, start, grace_months)
    return {"principal_cny": str(parse_money(principal, "principal")), "annual_rate": str(parse_rate(annual_rate)),
            "months": len(rows), "method": str(method), "start": start.isoformat(),
            "total_interest_cny": str(sum((r.interest for r in rows), ZERO)),
            "instalments": [r.as_dict() for r in rows]}


# --- payments and classification -----------------------------------------------------------------------


@dataclass(frozen=True)
class Owed:
    """What a loan's borrower owes now: costs (enforcement), interest (incl. penalty interest), principal due."""

    costs: Decimal = ZERO
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.costs + self.interest + self.penalty + self.principal


def allocate_payment(amount: Decimal, owed: Owed) -> tuple[Owed, Decimal]:
    """Apply a payment to costs, then interest (ordinary, then penalty), then principal (民法典 art. 561);
    returns (what it paid of each, the excess left over)."""
    left = amount
    parts: list[Decimal] = []
    for due in (owed.costs, owed.interest, owed.penalty, owed.principal):
        take = min(left, due)
        parts.append(take)
        left -= take
    return Owed(*parts), left


def classify(days_past_due: int, floors: Mapping[str, int], *, restructured: bool = False) -> Tier:
    """The five-tier class from days past due and the rule set's floors (any overdue ≥ 关注; a restructured loan
    is at least 次级 under the 2023 rule)."""
    tier = Tier.normal
    for name in (Tier.special_mention, Tier.substandard, Tier.doubtful, Tier.loss):
        if days_past_due >= int(floors[name.value]):
            tier = name
    if restructured and tier in (Tier.normal, Tier.special_mention):
        tier = Tier.substandard
    return tier


def daily_interest(balance: Decimal, annual_rate: Decimal, year_days: int) -> Decimal:
    """One day's accrual: balance × rate ÷ the interest year's days (the ``day_count_year_days`` rule: 360, 日利率 =
    年利率 ÷ 360), half up to the fen."""
    return _half_up(balance * annual_rate / year_days)


# --- disposal waterfall and loss sharing --------------------------------------------------------------


@dataclass(frozen=True)
class Lien:
    """A mortgage on the collateral other than this loan's: its rank and its secured claim."""

    rank: int
    claim: Decimal
    holder: str


@dataclass(frozen=True)
class Waterfall:
    """Where the proceeds of a collateral sale went (民法典 arts. 413, 414)."""

    sale_costs: Decimal
    senior: tuple[tuple[str, Decimal], ...]
    loan: Owed
    junior: tuple[tuple[str, Decimal], ...]
    surplus: Decimal
    shortfall: Owed

    @property
    def total(self) -> Decimal:
        return (self.sale_costs + sum((a for _, a in self.senior), ZERO) + self.loan.total
                + sum((a for _, a in self.junior), ZERO) + self.surplus)


def waterfall(proceeds: Decimal, sale_costs: Decimal, claim: Owed, own_rank: int,
              other_liens: Sequence[Lien] = ()) -> Waterfall:
    """Sale costs → senior liens by rank → this loan (costs, interest, penalty, principal) → junior liens by
    rank → surplus to the mortgagor. Every fen of ``proceeds`` lands exactly once."""
    left = proceeds
    costs = min(left, sale_costs)
    left -= costs
    senior: list[tuple[str, Decimal]] = []
    junior: list[tuple[str, Decimal]] = []
    for lien in sorted((x for x in other_liens if x.rank < own_rank), key=lambda x: x.rank):
        take = min(left, lien.claim)
        senior.append((lien.holder, take))
        left -= take
    paid, left = allocate_payment(left, claim)
    for lien in sorted((x for x in other_liens if x.rank > own_rank), key=lambda x: x.rank):
        take = min(left, lien.claim)
        junior.append((lien.holder, take))
        left -= take
    shortfall = Owed(claim.costs - paid.costs, claim.interest - paid.interest, claim.penalty - paid.penalty,
                     claim.principal - paid.principal)
    return Waterfall(costs, tuple(senior), paid, tuple(junior), left, shortfall)


@dataclass(frozen=True)
class Sharer:
    """A risk sharer bound to a loan: its party kind, share of the loss, optional cap, whether it advances."""

    party: str
    share: Decimal
    cap: Decimal | None = None
    advance: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"party": self.party, "share": str(self.share), "cap": None if self.cap is None else str(self.cap),
                "advance": self.advance}


def sharers_from(rows: Sequence[Mapping[str, Any]]) -> tuple[Sharer, ...]:
    """The risk sharers of a product (rule data) or of a loan's snapshot; shares in [0, 1] summing to ≤ 1 with
    the bank taking the rest (422 ``lending.invalid_risk_share``)."""
    out: list[Sharer] = []
    for row in rows:
        party = str(row.get("party", ""))
        try:
            share = Decimal(str(row["share"]))
            cap = None if row.get("cap") in (None, "") else Decimal(str(row["cap"]))
        except (InvalidOperation, KeyError):
            raise LendingError.INVALID_RISK_SHARE.error(party=party) from None
        if party not in SHARER_PARTIES or not 0 <= share <= 1 or (cap is not None and cap < 0):
            raise LendingError.INVALID_RISK_SHARE.error(party=party)
        out.append(Sharer(party, share, cap, bool(row.get("advance", False))))
    if sum((s.share for s in out), Decimal(0)) > 1 or len({s.party for s in out}) != len(out):
        raise LendingError.INVALID_RISK_SHARE.error(party="*")
    return tuple(out)


def share_loss(loss: Decimal, sharers: Sequence[Sharer]) -> dict[str, Decimal]:
    """Split a principal loss: each sharer its share (half up to the fen) up to its cap; the bank bears the rest,
    uncovered loss included (rules.md worked example: 165,000 → fund 66,000 / guarantor 66,000 / bank 33,000;
    a fund cap of 50,000 gives 50,000 / 66,000 / 49,000)."""
    out: dict[str, Decimal] = {}
    left = loss
    for s in sharers:
        part = _half_up(loss * s.share)
        if s.cap is not None:
            part = min(part, s.cap)
        part = min(part, left)
        out[s.party] = part
        left -= part
    out["bank"] = left
    return out


def split_pro_rata(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Split ``amount`` in proportion to ``weights`` to the fen by largest remainder (ties to the first name):
    recoveries follow the losses borne. Every fen lands exactly once."""
    total = sum(weights.values(), Decimal(0))
    names = list(weights)
    if total <= 0 or not names:
        return dict.fromkeys(names, ZERO) | ({"bank": amount} if amount and "bank" not in names else {})
    fen = int(amount / FEN)
    raw = {n: Decimal(fen) * weights[n] / total for n in names}
    base = {n: int(raw[n].to_integral_value(rounding=ROUND_DOWN)) for n in names}
    rest = fen - sum(base.values())
    order = sorted(names, key=lambda n: (-(raw[n] - base[n]), names.index(n)))
    for n in order[:rest]:
        base[n] += 1
    return {n: Decimal(base[n]) * FEN for n in names}


def ltv_cap(appraised: Decimal, cap: Decimal) -> Decimal:
    """The most a loan may be against collateral appraised at ``appraised`` (rounded down to the fen)."""
    return (appraised * cap).quantize(FEN, rounding=ROUND_DOWN)


GRADE_ORDER = ("none", "A", "AA", "AAA")  # the credit grades, lowest first


def grade_allows(grade: str, min_grade: str) -> bool:
    """Whether a credit grade meets a product's minimum (AAA > AA > A > none)."""
    return GRADE_ORDER.index(grade if grade in GRADE_ORDER else "none") >= GRADE_ORDER.index(min_grade)


def discounted_rate(rate: Decimal, discount: Decimal, floor: Decimal) -> Decimal:
    """The annual rate after a credit grade's discount (守信激励, rule ``grade_discounts``), never below the
    product's minimum rate and never above the rate applied for."""
    return min(rate, max(floor, rate - discount)).quantize(RATE_PLACES)

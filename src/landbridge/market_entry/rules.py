"""Pure market-entry rules (集体经营性建设用地入市; trading.md c.1; rules.md "Market entry"; issue #15).

The case's states and the allowed transitions as data, the guards as pure functions of plain values, the term
cap by use, the mandatory plan fields, the floor check with the industrial exception and the split of the
proceeds to the fen. Every number comes from the rule set ``market_entry`` (city profile), passed in as
``EntryRules``; no database and no web framework here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from landbridge.market_entry.errors import MarketEntryError

FEN = Decimal("0.01")


class CaseState(StrEnum):
    """States of an entry case (trading.md c.1), from the registered parcel to the land in use."""

    opened = "opened"                          # PARCEL_REGISTERED → CONDITIONS_REQUESTED
    conditions_issued = "conditions_issued"
    plan_drafted = "plan_drafted"
    council_consulted = "council_consulted"    # 村民事务理事会 consulted before the vote
    vote_passed = "vote_passed"
    filed = "filed"                            # filed with the county; public notice and objection window
    revision_required = "revision_required"    # the county objected (objection upheld)
    cleared = "cleared"
    listed = "listed"                          # the exchange lot exists (LISTING_PREPARED/ANNOUNCED/IN_TRANSACTION)
    suspended = "suspended"
    unsuccessful = "unsuccessful"
    result_confirmed = "result_confirmed"
    contract_signed = "contract_signed"
    paid = "paid"
    fees_settled = "fees_settled"
    revenue_distributed = "revenue_distributed"
    registered = "registered"
    in_use = "in_use"
    withdrawn = "withdrawn"
    terminated = "terminated"


S = CaseState
_EARLY = (S.opened, S.conditions_issued, S.plan_drafted, S.council_consulted, S.vote_passed, S.filed,
          S.revision_required, S.cleared)

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[CaseState], CaseState]] = {
    "issue_conditions": (frozenset({S.opened, S.revision_required}), S.conditions_issued),
    "draft_plan": (frozenset({S.conditions_issued, S.plan_drafted, S.council_consulted, S.revision_required}),
                   S.plan_drafted),
    "consult_council": (frozenset({S.plan_drafted}), S.council_consulted),
    "record_vote": (frozenset({S.council_consulted}), S.vote_passed),
    "file": (frozenset({S.vote_passed}), S.filed),
    "uphold_objection": (frozenset({S.filed}), S.revision_required),
    "reject_objection": (frozenset({S.filed}), S.filed),
    "lodge_objection": (frozenset({S.filed}), S.filed),
    "clear": (frozenset({S.filed}), S.cleared),
    "list": (frozenset({S.cleared}), S.listed),
    "suspend": (frozenset({S.listed}), S.suspended),
    "resume": (frozenset({S.suspended}), S.listed),
    "terminate": (frozenset({S.suspended}), S.terminated),
    "mark_unsuccessful": (frozenset({S.listed}), S.unsuccessful),
    "relist": (frozenset({S.unsuccessful}), S.listed),
    "confirm_result": (frozenset({S.listed}), S.result_confirmed),
    "sign_contract": (frozenset({S.result_confirmed}), S.contract_signed),
    "record_payment": (frozenset({S.contract_signed}), S.paid),
    "settle_fees": (frozenset({S.paid}), S.fees_settled),
    "distribute_revenue": (frozenset({S.fees_settled}), S.revenue_distributed),
    "register": (frozenset({S.revenue_distributed}), S.registered),
    "put_in_use": (frozenset({S.registered}), S.in_use),
    "withdraw": (frozenset({*_EARLY, S.listed, S.unsuccessful}), S.withdrawn),
}
OPEN_STATES = frozenset(set(CaseState) - {S.in_use, S.withdrawn, S.terminated})
# The steps each party acts on (the queues and the "what is due next" line of the case file).
NEXT_ACTOR: dict[CaseState, str] = {
    S.opened: "natural_resources", S.conditions_issued: "collective", S.plan_drafted: "collective",
    S.council_consulted: "collective", S.vote_passed: "collective", S.filed: "county",
    S.revision_required: "collective", S.cleared: "exchange", S.listed: "exchange", S.suspended: "exchange",
    S.unsuccessful: "collective", S.result_confirmed: "collective", S.contract_signed: "exchange",
    S.paid: "exchange", S.fees_settled: "collective", S.revenue_distributed: "registrar",
    S.registered: "registrar",
}


class Method(StrEnum):
    """Entry methods (入市方式): grant 出让, lease 出租, contribution as equity 作价出资（入股）."""

    grant = "grant"
    lease = "lease"
    equity = "equity"


def transition(current: str, action: str) -> CaseState:
    """The state ``action`` leads to from ``current`` (409 ``market_entry.invalid_transition``)."""
    starts, target = TRANSITIONS[action]
    state = CaseState(current)
    if state not in starts:
        raise MarketEntryError.INVALID_TRANSITION.error(state=state.value, action=action)
    return target


@dataclass(frozen=True)
class EntryRules:
    """The rule set ``market_entry`` in force on one day, read into plain values."""

    eligible_right_types: frozenset[str]
    use_categories: Mapping[str, Sequence[str]]
    max_term_years: Mapping[str, int]
    methods: frozenset[str]
    plan_mandatory_fields: tuple[str, ...]
    floor_ratio: Decimal
    industrial_floor_ratio: Decimal
    consent_threshold: str
    filing_lead_workdays: int
    objection_window_workdays: int
    conditions_validity_days: int
    retained_share_default: Decimal
    revenue_distribution_days: int
    repeated_withdrawal_count: int
    upload_max_bytes: int
    upload_types: frozenset[str]
    reminder_workdays: int

    @classmethod
    def from_values(cls, v: Mapping[str, Any]) -> EntryRules:
        return cls(
            eligible_right_types=frozenset(v["eligible_right_types"]),
            use_categories={k: tuple(p) for k, p in v["use_categories"].items()},
            max_term_years={k: int(y) for k, y in v["max_term_years"].items()},
            methods=frozenset(v["methods"]), plan_mandatory_fields=tuple(v["plan_mandatory_fields"]),
            floor_ratio=Decimal(str(v["floor_ratio"])),
            industrial_floor_ratio=Decimal(str(v["industrial_floor_ratio"])),
            consent_threshold=str(v["consent_threshold"]), filing_lead_workdays=int(v["filing_lead_workdays"]),
            objection_window_workdays=int(v["objection_window_workdays"]),
            conditions_validity_days=int(v["conditions_validity_days"]),
            retained_share_default=Decimal(str(v["retained_share_default"])),
            revenue_distribution_days=int(v["revenue_distribution_days"]),
            repeated_withdrawal_count=int(v["repeated_withdrawal_count"]),
            upload_max_bytes=int(v["upload_max_bytes"]), upload_types=frozenset(v["upload_types"]),
            reminder_workdays=int(v["reminder_workdays"]))


def use_category(land_use_class: str, categories: Mapping[str, Sequence[str]]) -> str:
    """The category of a GB/T 21010 class by its longest matching prefix; ``other`` when none matches."""
    best, length = "other", 0
    for name, prefixes in categories.items():
        for p in prefixes:
            if land_use_class.startswith(p) and len(p) > length:
                best, length = name, len(p)
    return best


def check_term(term_years: int, land_use_class: str, r: EntryRules) -> int:
    """A term of 1 year up to the cap of the use's category (422 ``market_entry.term_over_cap``)."""
    category = use_category(land_use_class, r.use_categories)
    cap = r.max_term_years.get(category, r.max_term_years["other"])
    if term_years < 1:
        raise MarketEntryError.INVALID_PLAN.error(field="term_years")
    if term_years > cap:
        raise MarketEntryError.TERM_OVER_CAP.error(category=category, cap=cap, term=term_years)
    return term_years


def missing_fields(plan: Mapping[str, Any], mandatory: Sequence[str]) -> list[str]:
    """The mandatory plan fields that are absent, None, blank or empty."""
    out = []
    for name in mandatory:
        value = plan.get(name)
        empty = isinstance(value, list | dict | tuple) and not value
        blank = isinstance(value, str) and not value.strip()
        if value is None or empty or blank:
            out.append(name)
    return out


def check_plan(plan: Mapping[str, Any], r: EntryRules) -> None:
    """Mandatory fields present (``market_entry.plan_field_missing``), method known, term within the cap."""
    missing = missing_fields(plan, r.plan_mandatory_fields)
    if missing:
        raise MarketEntryError.PLAN_FIELD_MISSING.error({"fields": ", ".join(missing)}, missing=missing)
    if plan["method"] not in r.methods:
        raise MarketEntryError.INVALID_PLAN.error(field="method")
    try:
        term = int(plan["term_years"])
    except (TypeError, ValueError):
        raise MarketEntryError.INVALID_PLAN.error(field="term_years") from None
    check_term(term, str(plan["land_use"]), r)
    try:
        share = Decimal(str(plan["revenue_arrangement"].get("retained_share", "-1")))
    except ArithmeticError:  # decimal.InvalidOperation: not a number
        share = Decimal(-1)
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise MarketEntryError.INVALID_PLAN.error(field="revenue_arrangement.retained_share")
    check_equity_share(plan.get("equity_share"), plan["method"])
    grade = plan.get("land_grade")
    if grade is not None and (isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= MAX_GRADE):
        raise MarketEntryError.INVALID_PLAN.error(field="land_grade")


MAX_GRADE = 20  # a land grade (土地级别) is a small positive integer; the county's table names the grades it prices


def check_equity_share(value: Any, method: str) -> None:
    """A contribution as equity (作价出资（入股）) names the collective's share of the venture, a fraction in (0, 1]
    such as "3/10" or "0.3"; the other methods carry none."""
    if method != Method.equity:
        if value is not None:
            raise MarketEntryError.INVALID_PLAN.error(field="equity_share")
        return
    try:
        share = Fraction(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else None
    except (ValueError, ZeroDivisionError):
        share = None
    if share is None or not 0 < share <= 1 or share.denominator > 10**6 or len(str(value)) > 24:
        raise MarketEntryError.INVALID_PLAN.error(field="equity_share")


def floor_ratio(land_use_class: str, r: EntryRules) -> Decimal:
    """The floor ratio of the use: the industrial exception for industrial land, the general ratio otherwise."""
    if use_category(land_use_class, r.use_categories) == "industrial":
        return r.industrial_floor_ratio
    return r.floor_ratio


def floor_price(appraised: Decimal, land_use_class: str, r: EntryRules) -> Decimal:
    """The lowest start price: appraised value × the use's floor ratio, rounded up to the fen."""
    raw = appraised * floor_ratio(land_use_class, r)
    down = raw.quantize(FEN, rounding=ROUND_DOWN)
    return down if down == raw else down + FEN


def check_floor(start_price: Decimal, appraised: Decimal, land_use_class: str, r: EntryRules) -> Decimal:
    """Refuse a start price below the floor (422 ``market_entry.price_below_floor``); returns the floor."""
    floor = floor_price(appraised, land_use_class, r)
    if start_price < floor:
        raise MarketEntryError.PRICE_BELOW_FLOOR.error(floor=str(floor), start_price=str(start_price))
    return floor


@dataclass(frozen=True)
class Split:
    """The collective's proceeds split to the fen: the retained collective fund and the members' distribution."""

    proceeds: Decimal
    retained: Decimal
    members: Decimal


def split_proceeds(proceeds: Decimal, retained_share: Decimal) -> Split:
    """Retained = proceeds × share rounded down to the fen; the members get the rest, so the parts sum exactly."""
    if proceeds < 0 or proceeds != proceeds.quantize(FEN):
        raise MarketEntryError.INVALID_PLAN.error(field="proceeds")
    if not Decimal(0) <= retained_share <= Decimal(1):
        raise MarketEntryError.INVALID_PLAN.error(field="revenue_arrangement.retained_share")
    retained = (proceeds * retained_share).quantize(FEN, rounding=ROUND_DOWN)
    return Split(proceeds, retained, proceeds - retained)


def earliest_transaction(filed_on: date, lead_workdays: int, add_workdays: Any) -> date:
    """The first day the transaction may take place: ``lead_workdays`` working days after filing."""
    day: date = add_workdays(filed_on, lead_workdays)
    return day


def check_filing(filed_on: date, transaction_on: date, r: EntryRules, add_workdays: Any) -> date:
    """Filing at least the lead working days before the transaction (422 ``market_entry.filing_too_late``)."""
    earliest = earliest_transaction(filed_on, r.filing_lead_workdays, add_workdays)
    if transaction_on < earliest:
        raise MarketEntryError.FILING_TOO_LATE.error(days=r.filing_lead_workdays, earliest=earliest.isoformat())
    return earliest


def objection_window_open(today: date, closes_on: date) -> bool:
    """Objections are heard up to and including the window's last working day."""
    return today <= closes_on

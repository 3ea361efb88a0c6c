"""Pure market-entry rules (集体经营性建设用地入市; trading.md c.1; rules.md "Market entry"; issue #15).

The case's states and the allowed transitions as data, the guards as pure functions of plain values, the term
cap by use, the mandatory plan fields, the floor check with the industrial exception and the split of the
proceeds to the fen. Every number comes from the rule set ``market_entry`` (city profile), passed in as
``EntryRules``; no database and no web framework here. The use category and the checks of a term, a land grade and
an equity share are the exchange's pure functions (its public API), so that the plan and the lot it becomes are
held to one rule; their refusals are worded here as this process's own codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Any

from landbridge import exchange
from landbridge.errors import DomainError
from landbridge.market_entry.errors import MarketEntryError

FEN = Decimal("0.01")
ENTRY_TERM_OVER_CAP = "exchange.entry_term_over_cap"  # the exchange's refusal this process words as its own


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
    # the exchange annulled the result (an objection upheld) and listed the land again: back to listed (#15)
    "annul_result": (frozenset({S.result_confirmed, S.contract_signed}), S.listed),
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


class Purpose(StrEnum):
    """Entry purposes (L8): an ordinary operating entry, collective land for rental housing (集体土地建设租赁住房,
    built by the collective itself or jointly), and one phase of an urban-village redevelopment (城中村分期改造)."""

    operating = "operating"
    rental_housing = "rental_housing"
    urban_village_phase = "urban_village_phase"


@dataclass(frozen=True)
class PurposeRules:
    """The rules of one entry purpose: the methods it allows, the GB/T 21010 class prefixes its land use must
    start with (none: any use the planning conditions permit), the term cap per method on top of the use's cap,
    the plan fields it adds to the mandatory ones, whether the collective must be converted (撤村改制) and whether
    its cases are phases of a programme."""

    name: str
    methods: frozenset[str]
    land_use_prefixes: tuple[str, ...] = ()
    max_term_years: Mapping[str, int] = field(default_factory=dict)
    plan_fields: tuple[str, ...] = ()
    requires_conversion: bool = False
    phased: bool = False

    @classmethod
    def from_value(cls, name: str, v: Mapping[str, Any]) -> PurposeRules:
        return cls(name=name, methods=frozenset(v["methods"]),
                   land_use_prefixes=tuple(v.get("land_use_prefixes", ())),
                   max_term_years={k: int(y) for k, y in v.get("max_term_years", {}).items()},
                   plan_fields=tuple(v.get("plan_fields", ())),
                   requires_conversion=bool(v.get("requires_conversion", False)), phased=bool(v.get("phased", False)))


PURPOSE_RULE_PREFIX = "purpose_"  # rule ``purpose_<name>`` of the rule set holds that purpose's rules


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
    # L8 (rule-set version 2026-06-01); before it only the operating purpose exists and nothing below applies
    purposes: Mapping[str, PurposeRules] = field(default_factory=dict)
    grant_forbidden_categories: frozenset[str] = frozenset()
    conversion_threshold: str = ""
    phase_cleared_states: frozenset[str] = frozenset()

    def purpose(self, name: str) -> PurposeRules:
        """The rules of a purpose in force (422 ``market_entry.purpose_unknown``); the operating purpose exists in
        every version, with the set's own methods and no extra rule where the version names none."""
        found = self.purposes.get(name)
        if found is None and name == Purpose.operating:
            return PurposeRules(name=name, methods=self.methods)
        if found is None:
            raise MarketEntryError.PURPOSE_UNKNOWN.error(purpose=str(name)[:32])
        return found

    @classmethod
    def from_values(cls, v: Mapping[str, Any], terms: exchange.EntryTermRules) -> EntryRules:
        """The rule set from its values and the exchange's market-entry rules of the same day (``terms``): the use
        categories, the term caps by use and the entry methods are the exchange's alone (it enforces them on the
        lot); the ``use_categories``, ``max_term_years`` and ``methods`` that market_entry.toml's locked
        2021-09-01 version still holds are not read."""
        return cls(
            eligible_right_types=frozenset(v["eligible_right_types"]),
            use_categories=dict(terms.land_uses), max_term_years=dict(terms.term_caps),
            methods=frozenset(terms.methods), plan_mandatory_fields=tuple(v["plan_mandatory_fields"]),
            floor_ratio=Decimal(str(v["floor_ratio"])),
            industrial_floor_ratio=Decimal(str(v["industrial_floor_ratio"])),
            consent_threshold=str(v["consent_threshold"]), filing_lead_workdays=int(v["filing_lead_workdays"]),
            objection_window_workdays=int(v["objection_window_workdays"]),
            conditions_validity_days=int(v["conditions_validity_days"]),
            retained_share_default=Decimal(str(v["retained_share_default"])),
            revenue_distribution_days=int(v["revenue_distribution_days"]),
            repeated_withdrawal_count=int(v["repeated_withdrawal_count"]),
            upload_max_bytes=int(v["upload_max_bytes"]), upload_types=frozenset(v["upload_types"]),
            reminder_workdays=int(v["reminder_workdays"]),
            purposes={k[len(PURPOSE_RULE_PREFIX):]: PurposeRules.from_value(k[len(PURPOSE_RULE_PREFIX):], p)
                      for k, p in v.items() if k.startswith(PURPOSE_RULE_PREFIX)},
            grant_forbidden_categories=frozenset(v.get("grant_forbidden_categories", ())),
            conversion_threshold=str(v.get("conversion_threshold", "")),
            phase_cleared_states=frozenset(v.get("phase_cleared_states", ())))


def use_category(land_use_class: str, categories: Mapping[str, Sequence[str]]) -> str:
    """The category of a GB/T 21010 class by its longest matching prefix; ``other`` when none matches (the
    exchange's reading, ``exchange.land_use_category``)."""
    return exchange.land_use_category(land_use_class, categories)


def check_term(term_years: int, land_use_class: str, r: EntryRules) -> int:
    """A term of 1 year up to the cap of the use's category (422 ``market_entry.term_over_cap``): the exchange's
    check (``exchange.check_entry_term``), which enforces the same cap again when the lot hands over."""
    category = use_category(land_use_class, r.use_categories)
    try:
        return exchange.check_entry_term(category, term_years, r.max_term_years)
    except DomainError as e:
        if e.code == ENTRY_TERM_OVER_CAP:
            raise MarketEntryError.TERM_OVER_CAP.error(category=category, cap=e.details["cap"],
                                                       term=term_years) from None
        raise MarketEntryError.INVALID_PLAN.error(field="term_years") from None


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


def check_plan(plan: Mapping[str, Any], r: EntryRules, purpose: str = Purpose.operating) -> None:
    """Mandatory fields present, the purpose's own included (``market_entry.plan_field_missing``), method known,
    term within the cap, and the purpose's rules (``check_purpose``)."""
    p = r.purpose(purpose)
    missing = missing_fields(plan, (*r.plan_mandatory_fields, *p.plan_fields))
    if missing:
        raise MarketEntryError.PLAN_FIELD_MISSING.error({"fields": ", ".join(missing)}, missing=missing)
    if plan["method"] not in r.methods:
        raise MarketEntryError.INVALID_PLAN.error(field="method")
    if isinstance(plan["term_years"], bool | float):
        raise MarketEntryError.INVALID_PLAN.error(field="term_years")
    try:
        term = int(plan["term_years"])
    except (TypeError, ValueError):
        raise MarketEntryError.INVALID_PLAN.error(field="term_years") from None
    check_term(term, str(plan["land_use"]), r)
    check_purpose(str(plan["land_use"]), str(plan["method"]), term, p, r)
    try:
        share = Decimal(str(plan["revenue_arrangement"].get("retained_share", "-1")))
    except ArithmeticError:  # decimal.InvalidOperation: not a number
        share = Decimal(-1)
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise MarketEntryError.INVALID_PLAN.error(field="revenue_arrangement.retained_share")
    check_equity_share(plan.get("equity_share"), plan["method"])
    try:
        exchange.check_land_grade(plan.get("land_grade"))
    except DomainError:
        raise MarketEntryError.INVALID_PLAN.error(field="land_grade") from None


def check_use_for_purpose(land_use_class: str, p: PurposeRules) -> None:
    """The use must start with one of the purpose's class prefixes, if it names any
    (422 ``market_entry.use_not_for_purpose``)."""
    if p.land_use_prefixes and not any(land_use_class.startswith(x) for x in p.land_use_prefixes):
        raise MarketEntryError.USE_NOT_FOR_PURPOSE.error(purpose=p.name, land_use=land_use_class[:8],
                                                         allowed=list(p.land_use_prefixes))


def check_purpose(land_use_class: str, method: str, term_years: int, p: PurposeRules, r: EntryRules) -> None:
    """A plan's use, method and term against its purpose, in this order: the use fits the purpose; no grant of
    land whose use category the rules keep from grant (集体土地住宅不得出让: ``residential_grant_refused``); the
    method is one the purpose allows (``method_not_for_purpose``); the term within the purpose's cap for the
    method (``purpose_term_over_cap``), on top of the use category's cap (``check_term``)."""
    check_use_for_purpose(land_use_class, p)
    category = use_category(land_use_class, r.use_categories)
    if method == Method.grant and category in r.grant_forbidden_categories:
        raise MarketEntryError.RESIDENTIAL_GRANT_REFUSED.error(purpose=p.name, land_use=land_use_class[:8],
                                                               category=category)
    if method not in p.methods:
        raise MarketEntryError.METHOD_NOT_FOR_PURPOSE.error(
            {"allowed": "、".join(sorted(p.methods))}, purpose=p.name, method=method[:16])
    cap = p.max_term_years.get(method)
    if cap is not None and term_years > cap:
        raise MarketEntryError.PURPOSE_TERM_OVER_CAP.error(purpose=p.name, method=method, cap=cap, term=term_years)


def check_programme(p: PurposeRules, programme_ref: str | None, phase: int | None) -> None:
    """A phased purpose names its programme and phase; another names neither (``programme_required``,
    ``programme_not_for_purpose``)."""
    given = programme_ref is not None or phase is not None
    if p.phased and (programme_ref is None or not programme_ref.strip() or phase is None):
        raise MarketEntryError.PROGRAMME_REQUIRED.error(purpose=p.name)
    if not p.phased and given:
        raise MarketEntryError.PROGRAMME_NOT_FOR_PURPOSE.error(purpose=p.name)
    if phase is not None and (isinstance(phase, bool) or phase < 1):
        raise MarketEntryError.INVALID_PLAN.error(field="phase")


def check_conversion(p: PurposeRules, *, converted: bool, converting: bool) -> None:
    """A purpose that needs the collective converted (撤村改制) admits a converted collective or one whose members
    passed the conversion (``collective_not_converted``)."""
    if p.requires_conversion and not (converted or converting):
        raise MarketEntryError.COLLECTIVE_NOT_CONVERTED.error(purpose=p.name)


def check_phase_order(programme_ref: str, phase: int, previous_states: Sequence[str], r: EntryRules) -> None:
    """Phase 1 of a programme may be filed at once; phase n only once a case of phase n - 1 of the same programme
    is in one of the rules' cleared states (cleared, listed or further) (409 ``market_entry.phase_out_of_order``).
    ``previous_states`` are the states of the programme's phase n - 1 cases."""
    if phase <= 1:
        return
    if not any(state in r.phase_cleared_states for state in previous_states):
        raise MarketEntryError.PHASE_OUT_OF_ORDER.error(programme_ref=programme_ref, phase=phase, previous=phase - 1,
                                                        previous_states=sorted(set(previous_states)))


def check_equity_share(value: Any, method: str) -> None:
    """A contribution as equity (作价出资（入股）) names the collective's share of the venture, a fraction in (0, 1]
    such as "3/10" or "0.3" (the exchange's check, ``exchange.check_entry_equity_share``); the other methods carry
    none."""
    if method != Method.equity:
        if value is not None:
            raise MarketEntryError.INVALID_PLAN.error(field="equity_share")
        return
    try:
        exchange.check_entry_equity_share(method, value)
    except DomainError:
        raise MarketEntryError.INVALID_PLAN.error(field="equity_share") from None


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

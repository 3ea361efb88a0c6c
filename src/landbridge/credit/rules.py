"""The indicator grade and the designations (rules.md Credit; issue #18 items 2 and 4). Pure: no database.

A household's facts (what the service gathers from the registry, lending, the exchange and the court list) give
each indicator a fraction of its weight; the points sum to at most 100 and the bands of the rule set give the grade
(AAA ≥ 80, AA 70–79, A 60–69, below: ``none``, not a credit household). Every figure is rule data
(``credit.toml``), passed in as a ``Scale``; the explanation lists each indicator line by line and says what
would raise the grade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from landbridge.credit.errors import CreditError

NONE = "none"  # below the lowest band: not a credit household (lending's GRADE_ORDER spells it so)
POINTS = Decimal("0.01")
INDICATORS = ("repayment", "assets", "public_lists", "exchange_conduct", "restrictions")


class Repayment(StrEnum):
    """The household's worst loan outcome on the platform."""

    no_history = "no_history"
    repaid = "repaid"
    overdue = "overdue"
    defaulted = "defaulted"


@dataclass(frozen=True)
class Facts:
    """What the grade is computed from, for one party (one row of the set-based gathering)."""

    loans: int = 0               # loans disbursed to the party, ever
    loans_repaid: int = 0        # of them repaid or closed
    loans_overdue: int = 0       # of them now past due
    loans_defaulted: int = 0     # of them defaulted, in disposal, settled or written off
    rights_held: int = 0         # current registry rights held alone or with others
    seizures: int = 0            # current seizures (查封) on those rights
    exchange_defaults: int = 0   # defaults as a winner (forfeited deposits)
    listed: bool = False         # on the court list (失信被执行人) on the grading day

    @property
    def repayment(self) -> Repayment:
        if self.loans_defaulted:
            return Repayment.defaulted
        if self.loans_overdue:
            return Repayment.overdue
        if self.loans_repaid:
            return Repayment.repaid
        return Repayment.no_history

    def corrected(self, changes: Mapping[str, Any]) -> Facts:
        """These facts with some replaced (an upheld objection's correction)."""
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise CreditError.UNKNOWN_FACT.error(fact=sorted(unknown)[0][:40])
        values = {name: getattr(self, name) for name in self.__dataclass_fields__} | dict(changes)
        return Facts(**values)


@dataclass(frozen=True)
class Scale:
    """The rule set's figures for the grade, read once per run (``service.scale``)."""

    weights: Mapping[str, int]
    repayment: Mapping[str, Decimal]
    holdings: Sequence[Decimal]
    exchange_defaults: Sequence[Decimal]
    seizures: Sequence[Decimal]
    bands: Mapping[str, int]

    def __post_init__(self) -> None:
        if sorted(self.weights) != sorted(INDICATORS) or sum(self.weights.values()) != 100:
            raise CreditError.BAD_RULES.error(rule="indicator_weights")
        if set(self.repayment) != {r.value for r in Repayment}:
            raise CreditError.BAD_RULES.error(rule="repayment_fractions")
        for name, steps in (("holding_fractions", self.holdings), ("exchange_default_fractions",
                                                                   self.exchange_defaults),
                            ("seizure_fractions", self.seizures)):
            if not steps or any(not Decimal(0) <= s <= Decimal(1) for s in steps):
                raise CreditError.BAD_RULES.error(rule=name)

    @classmethod
    def from_rules(cls, values: Mapping[str, Any]) -> Scale:
        """From the rule set's values (``RuleSetVersion.values``)."""
        def fractions(raw: Sequence[Any]) -> tuple[Decimal, ...]:
            return tuple(Decimal(str(x)) for x in raw)
        return cls(weights={k: int(v) for k, v in values["indicator_weights"].items()},
                   repayment={k: Decimal(str(v)) for k, v in values["repayment_fractions"].items()},
                   holdings=fractions(values["holding_fractions"]),
                   exchange_defaults=fractions(values["exchange_default_fractions"]),
                   seizures=fractions(values["seizure_fractions"]),
                   bands={k: int(v) for k, v in values["grade_bands"].items()})


def _step(steps: Sequence[Decimal], count: int) -> Decimal:
    return steps[min(max(count, 0), len(steps) - 1)]


@dataclass(frozen=True)
class Line:
    """One line of the explanation: the indicator, the fact's value, the points earned of the weight."""

    indicator: str
    value: str
    points: Decimal
    weight: int

    def as_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "value": self.value, "points": str(self.points), "weight": self.weight}


@dataclass(frozen=True)
class Raise:
    """What would raise the grade: the indicator, what to do, the points gained and the grade it would give."""

    indicator: str
    action: str
    gain: Decimal
    grade: str

    def as_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "action": self.action, "gain": str(self.gain), "grade": self.grade}


@dataclass(frozen=True)
class Grade:
    """The indicator grade with its explanation."""

    points: Decimal
    grade: str
    lines: tuple[Line, ...]
    raises: tuple[Raise, ...] = field(default=())

    @property
    def credit_household(self) -> bool:
        return self.grade != NONE

    def as_dict(self) -> dict[str, Any]:
        return {"points": str(self.points), "grade": self.grade, "credit_household": self.credit_household,
                "lines": [line.as_dict() for line in self.lines], "raises": [r.as_dict() for r in self.raises]}


def band(points: Decimal, bands: Mapping[str, int]) -> str:
    """The grade of ``points``: the highest band whose floor it reaches, else ``none``."""
    for name, floor in sorted(bands.items(), key=lambda kv: -kv[1]):
        if points >= floor:
            return name
    return NONE


ACTIONS = {
    "repayment": "repay_overdue",        # cure the overdue or defaulted loan, or borrow and repay on time
    "assets": "register_rights",         # have the rights the household holds registered
    "public_lists": "leave_court_list",  # perform the judgment: the court removes the listing
    "exchange_conduct": "keep_bids",     # no further default as a winner; the record lapses after retention
    "restrictions": "lift_seizure",      # settle what the seizure secures
}


def _points(weight: int, fraction: Decimal) -> Decimal:
    return (Decimal(weight) * fraction).quantize(POINTS, rounding=ROUND_HALF_UP)


def grade(facts: Facts, scale: Scale) -> Grade:
    """The indicator grade of one household, line by line, with what would raise it."""
    w = scale.weights
    fractions = {
        "repayment": (facts.repayment.value, scale.repayment[facts.repayment.value]),
        "assets": (str(facts.rights_held), _step(scale.holdings, facts.rights_held)),
        "public_lists": ("listed" if facts.listed else "not_listed", Decimal(0) if facts.listed else Decimal(1)),
        "exchange_conduct": (str(facts.exchange_defaults), _step(scale.exchange_defaults, facts.exchange_defaults)),
        "restrictions": (str(facts.seizures), _step(scale.seizures, facts.seizures)),
    }
    lines = tuple(Line(name, value, _points(w[name], fraction), w[name])
                  for name, (value, fraction) in fractions.items())
    total = sum((line.points for line in lines), Decimal(0)).quantize(POINTS)
    got = band(total, scale.bands)
    raises = []
    for line in lines:
        best = _points(line.weight, max(scale.repayment.values()) if line.indicator == "repayment" else (
            max(scale.holdings) if line.indicator == "assets" else Decimal(1)))
        gain = best - line.points
        if gain > 0:
            raises.append(Raise(line.indicator, ACTIONS[line.indicator], gain, band(total + gain, scale.bands)))
    raises.sort(key=lambda r: (-r.gain, r.indicator))
    return Grade(total, got, lines, tuple(raises))


# ---- designations (信用村 / 信用乡镇) ----

@dataclass(frozen=True)
class HouseholdStanding:
    """One household's part in its village's designation."""

    credit_household: bool
    borrowing: bool          # has had a loan disbursed
    on_time: bool            # of a borrowing household: nothing overdue or defaulted
    outstanding_cny: Decimal = Decimal(0)
    non_performing_cny: Decimal = Decimal(0)


@dataclass(frozen=True)
class Thresholds:
    """A designation's thresholds: least share (credit households or credit villages), least on-time share,
    most NPL ratio."""

    share: Decimal
    on_time: Decimal
    npl: Decimal


@dataclass(frozen=True)
class Designation:
    """Whether a village or township meets the rules, with the ratios it was judged by."""

    designated: bool
    share: Decimal
    on_time: Decimal
    npl: Decimal
    failed: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"designated": self.designated, "share": str(self.share), "on_time": str(self.on_time),
                "npl": str(self.npl), "failed": list(self.failed)}


RATIO = Decimal("0.0001")


def _ratio(part: Decimal | int, whole: Decimal | int, empty: Decimal) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(RATIO, rounding=ROUND_HALF_UP) if whole else empty


def _judge(share: Decimal, on_time: Decimal, npl: Decimal, rules: Thresholds) -> Designation:
    failed = tuple(name for name, bad in (("share", share < rules.share), ("on_time", on_time < rules.on_time),
                                          ("npl", npl > rules.npl)) if bad)
    return Designation(not failed, share, on_time, npl, failed)


def village_ratios(households: Sequence[HouseholdStanding]) -> tuple[Decimal, Decimal, Decimal, int, int]:
    """(credit share, on-time share, NPL ratio, borrowing households, on-time households) of a village."""
    borrowing = [h for h in households if h.borrowing]
    on_time = sum(1 for h in borrowing if h.on_time)
    out = sum((h.outstanding_cny for h in households), Decimal(0))
    bad = sum((h.non_performing_cny for h in households), Decimal(0))
    return (_ratio(sum(1 for h in households if h.credit_household), len(households), Decimal(0)),
            _ratio(on_time, len(borrowing), Decimal(1)), _ratio(bad, out, Decimal(0)), len(borrowing), on_time)


def designate_village(households: Sequence[HouseholdStanding], rules: Thresholds) -> Designation:
    """信用村: credit households ≥ the share, borrowing households repaying on time ≥ on_time, NPL ≤ npl. A
    village with no graded household is not designated; one with no borrower counts as all on time."""
    if not households:
        return Designation(False, Decimal(0), Decimal(0), Decimal(0), ("no_households",))
    share, on_time, npl, _, _ = village_ratios(households)
    return _judge(share, on_time, npl, rules)


def designate_township(villages: Sequence[tuple[bool, Sequence[HouseholdStanding]]],
                       rules: Thresholds) -> Designation:
    """信用乡镇: credit villages ≥ the share of its villages, and the on-time and NPL ratios over all its
    households (each village given as (designated, its households))."""
    if not villages:
        return Designation(False, Decimal(0), Decimal(0), Decimal(0), ("no_villages",))
    everyone = [h for _, households in villages for h in households]
    _, on_time, npl, _, _ = village_ratios(everyone)
    share = _ratio(sum(1 for designated, _ in villages if designated), len(villages), Decimal(0))
    return _judge(share, on_time, npl, rules)


# ---- objections and listings (dates only) ----

def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_extension(years: int, least: int, most: int) -> int:
    """An extension of a court listing: whole years within the rule's range (法释〔2017〕7号 art. 2)."""
    if not isinstance(years, int) or isinstance(years, bool) or not least <= years <= most:
        raise CreditError.BAD_EXTENSION.error(years=str(years)[:10], least=least, most=most)
    return years

"""Pure collective-economy rules (C1, C2, L3, L5): share arithmetic, quantification, thresholds and
quorum, ballot receipts and digests, and the largest-remainder split of a dividend.

No database and no web framework here: the service feeds these functions plain values. Shares are
handled as integer hundredths of a share ("centishares") and money as integer fen, so every sum is
exact.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, TypeVar

from landbridge.collective.errors import CollectiveError

SHARE_QUANTUM = Decimal("0.01")
SHARES_DIGITS = 14  # whole-share digits a quantity may have (hundredths stored in a BIGINT)
VALUE_PER_SHARE_QUANTUM = Decimal("0.0001")  # storage precision of a value per share (yuan, 4 places)
CENTI = 100
BALLOT_PREFIX = "landbridge-ballot-v1"
RECEIPT_PREFIX = "landbridge-receipt-v2"
RECEIPT_BYTES = 20
_RANDOM = random.SystemRandom()
T = TypeVar("T")
CHOICES = ("yes", "no", "abstain")
BODIES = ("members_assembly", "representatives_assembly", "board", "supervisory_board")
SEAT_BODIES = ("representatives_assembly", "board", "supervisory_board")


# --- shares --------------------------------------------------------------------------------------

def parse_shares(value: Decimal | int | str, *, allow_zero: bool = False) -> Decimal:
    """A quantity of shares: a finite decimal with at most two places, positive (or zero if allowed)."""
    if isinstance(value, float | bool):
        raise CollectiveError.INVALID_SHARES.error()
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CollectiveError.INVALID_SHARES_4.error({"value": value}) from None
    if not amount.is_finite() or amount.adjusted() >= SHARES_DIGITS:  # the column holds hundredths in a BIGINT
        raise CollectiveError.INVALID_SHARES_4.error({"value": value})
    if amount != amount.quantize(SHARE_QUANTUM):
        raise CollectiveError.INVALID_SHARES_2.error({"value": value})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise CollectiveError.INVALID_SHARES_3.error()
    return amount.quantize(SHARE_QUANTUM)


def to_centi(shares: Decimal) -> int:
    """Shares as integer hundredths."""
    return int(parse_shares(shares, allow_zero=True) * CENTI)


def from_centi(centi: int) -> Decimal:
    """Integer hundredths back to Decimal shares."""
    return (Decimal(centi) / CENTI).quantize(SHARE_QUANTUM)


@dataclass(frozen=True)
class Holding:
    """An account's position in hundredths of a share: its balance and the part of it under pledge."""

    balance: int = 0
    pledged: int = 0

    @property
    def free(self) -> int:
        return self.balance - self.pledged


def _positive(quantity: int) -> None:
    if quantity <= 0:
        raise CollectiveError.INVALID_SHARES_3.error()


def issue(holding: Holding, quantity: int) -> Holding:
    """Credit newly issued shares (折股量化)."""
    _positive(quantity)
    return replace(holding, balance=holding.balance + quantity)


def transfer(source: Holding, target: Holding, quantity: int) -> tuple[Holding, Holding]:
    """Move free shares from one account to another of the same collective; pledged shares stay put."""
    _positive(quantity)
    if quantity > source.free:
        raise CollectiveError.SHARES_UNAVAILABLE.error(free=str(from_centi(source.free)),
                                                       requested=str(from_centi(quantity)))
    return (replace(source, balance=source.balance - quantity), replace(target, balance=target.balance + quantity))


def inherit(source: Holding, target: Holding) -> tuple[Holding, Holding]:
    """Move a whole account to an heir; any pledge follows the shares (民法典 art. 1122, 425)."""
    if source.balance <= 0:
        raise CollectiveError.NOTHING_TO_INHERIT.error()
    return (Holding(0, 0), Holding(target.balance + source.balance, target.pledged + source.pledged))


def pledge(holding: Holding, quantity: int) -> Holding:
    """Pledge free shares for a loan (股权质押, F2)."""
    _positive(quantity)
    if quantity > holding.free:
        raise CollectiveError.SHARES_UNAVAILABLE_2.error(free=str(from_centi(holding.free)),
                                                         requested=str(from_centi(quantity)))
    return replace(holding, pledged=holding.pledged + quantity)


def release(holding: Holding, quantity: int) -> Holding:
    """Release pledged shares."""
    _positive(quantity)
    if quantity > holding.pledged:
        raise CollectiveError.PLEDGE_EXCEEDS.error()
    return replace(holding, pledged=holding.pledged - quantity)


def check_holding(holding: Holding) -> None:
    """The account invariant: 0 ≤ pledged ≤ balance."""
    if not 0 <= holding.pledged <= holding.balance:
        raise CollectiveError.SHARE_INVARIANT.error()


# --- quantification (折股量化) --------------------------------------------------------------------

def birth_date_from_resident_id(number: str | None) -> date | None:
    """The birth date in an 18-character resident ID (characters 7-14), if it is one."""
    if not number or len(number) != 18 or not number[6:14].isdigit():
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def completed_years(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (0 if ``end`` is earlier)."""
    if end <= start:
        return 0
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class QuantificationRule:
    """折股量化 rule: population shares per member plus seniority shares per counted year of farm age."""

    population_shares: Decimal
    seniority_per_year: Decimal
    seniority_start_age: int
    seniority_max_years: int


def member_shares(rule: QuantificationRule, *, birth_date: date | None, admitted_on: date,
                  farm_since: date | None, base_date: date) -> Decimal:
    """Shares quantified to one member on the base date (C2)."""
    if admitted_on > base_date:
        return Decimal("0.00")
    start = farm_since or admitted_on
    if birth_date is not None:
        start = max(start, add_years(birth_date, rule.seniority_start_age))
    years = min(completed_years(start, base_date), rule.seniority_max_years)
    return (rule.population_shares + rule.seniority_per_year * years).quantize(SHARE_QUANTUM)


# --- votes ----------------------------------------------------------------------------------------

def parse_fraction(value: str | int | Fraction) -> Fraction:
    """An exact fraction written "n/d" (rule data)."""
    result = Fraction(value) if not isinstance(value, Fraction) else value
    if not 0 < result <= 1:
        raise ValueError(f"fraction out of (0, 1]: {value!r}")
    return result


@dataclass(frozen=True)
class Threshold:
    """A voting threshold: yes votes as a fraction of the whole roster, "more than" (strict) or "at least"."""

    name: str
    fraction: Fraction
    strict: bool

    def met(self, yes: int, roster: int) -> bool:
        if roster <= 0:
            return False
        lhs, rhs = yes * self.fraction.denominator, self.fraction.numerator * roster
        return lhs > rhs if self.strict else lhs >= rhs

    def at_least_as_strict_as(self, other: Threshold) -> bool:
        """Whether meeting this threshold always meets ``other`` too."""
        if self.fraction != other.fraction:
            return self.fraction > other.fraction
        return self.strict or not other.strict

    def yes_needed(self, roster: int) -> int:
        """The smallest number of yes votes that meets the threshold for a roster."""
        need = self.fraction * roster
        whole = need.numerator // need.denominator
        if self.strict or need.denominator != 1:
            return whole + 1
        return whole


def threshold_from_rule(name: str, value: Mapping[str, Any]) -> Threshold:
    return Threshold(name, parse_fraction(str(value["fraction"])), bool(value.get("strict", False)))


def quorum_met(cast: int, roster: int, quorum: Fraction) -> bool:
    """Whether enough of the roster took part (ballots cast, abstentions included)."""
    return roster > 0 and cast * quorum.denominator >= quorum.numerator * roster


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


def tally(choices: Iterable[str]) -> Tally:
    counts = dict.fromkeys(CHOICES, 0)
    for choice in choices:
        if choice not in counts:
            raise CollectiveError.INVALID_CHOICE.error({"choice": choice})
        counts[choice] += 1
    return Tally(counts["yes"], counts["no"], counts["abstain"])


@dataclass(frozen=True)
class Outcome:
    """A sealed vote's result."""

    tally: Tally
    roster_size: int
    quorum_met: bool
    passed: bool


def outcome(choices: Iterable[str], roster_size: int, threshold: Threshold, quorum: Fraction) -> Outcome:
    """Count the ballots and decide: the quorum must be met and the yes votes must meet the threshold (L3)."""
    t = tally(choices)
    if t.cast > roster_size:
        raise CollectiveError.BALLOTS_EXCEED_ROSTER.error()
    q = quorum_met(t.cast, roster_size, quorum)
    return Outcome(t, roster_size, q, q and threshold.met(t.yes, roster_size))


def check_choice(choice: str) -> str:
    if choice not in CHOICES:
        raise CollectiveError.INVALID_CHOICE.error({"choice": choice})
    return choice


def motion_threshold(kind: str, body: str, requested: str | None, kinds: Mapping[str, Mapping[str, Any]],
                     thresholds: Mapping[str, Threshold]) -> Threshold:
    """The threshold a motion is decided by: the rule set's minimum for its kind, or a stricter one requested."""
    spec = kinds.get(kind)
    if spec is None:
        raise CollectiveError.INVALID_MOTION_KIND.error(kind=kind)
    if body not in spec["bodies"]:
        raise CollectiveError.WRONG_BODY.error(kind=kind, body=body)
    minimum = thresholds[str(spec["threshold"])]
    if requested is None:
        return minimum
    chosen = thresholds.get(requested)
    if chosen is None:
        raise CollectiveError.INVALID_THRESHOLD.error({"requested": requested})
    if not chosen.at_least_as_strict_as(minimum):
        raise CollectiveError.THRESHOLD_TOO_LOW.error({"kind": kind, "minimum": minimum}, minimum=minimum.name)
    return chosen


def ballot_receipt(motion_id: int, member_id: int, choice: str, nonce: str) -> str:
    """The receipt of a ballot cast before issue #12 (migrated ballots only): SHA-256 over motion, voter,
    choice and a nonce. New ballots get a random token instead, which names nobody."""
    text = f"{BALLOT_PREFIX}|{motion_id}|{member_id}|{choice}|{nonce}"
    return hashlib.sha256(text.encode()).hexdigest()


def new_receipt() -> str:
    """A voter's receipt (投票回执): 160 random bits, unguessable, shown to the voter once (issue #12 item 2)."""
    return secrets.token_hex(RECEIPT_BYTES)


def receipt_digest(receipt: str) -> str:
    """What the sealed ballot list shows for a receipt: its SHA-256 (the receipt is random, so this is no oracle)."""
    return hashlib.sha256(f"{RECEIPT_PREFIX}|{receipt.strip().lower()}".encode()).hexdigest()


def shuffled(items: Sequence[T]) -> list[T]:
    """A uniformly random permutation from the operating system's CSPRNG (Fisher–Yates), so the published
    order of the ballot list says nothing about the order in which ballots were cast."""
    out = list(items)
    _RANDOM.shuffle(out)
    return out


def box_context(motion_id: int, entry_id: str) -> str:
    """What a sealed choice in the ballot box is bound to: a ciphertext moved to another motion or entry does
    not open (the AES-GCM associated data)."""
    return f"collective.ballot_box:{motion_id}:{entry_id}"


def is_named_vote(kind: str, named_kinds: Iterable[str]) -> bool:
    """Whether motions of ``kind`` are voted by name: only where the rule set lists the kind; secret otherwise."""
    return kind in set(named_kinds)


@dataclass(frozen=True)
class ListCheck:
    """Anyone's recount of a published ballot list against the sealed counts and the participation count."""

    tally: Tally
    digest: str
    counts_match: bool
    participation_matches: bool

    @property
    def ok(self) -> bool:
        return self.counts_match and self.participation_matches


def check_ballot_list(ballots: Iterable[tuple[str, str]], *, sealed: Tally, participants: int) -> ListCheck:
    """Recount a sealed ballot list of (receipt digest, choice): the tally must equal the sealed counts and the
    number of ballots the number of voters who took part (L3, issue #12 item 2)."""
    lines = list(ballots)
    count = tally(c for _, c in lines)
    return ListCheck(count, ballots_digest(lines), count == sealed, count.cast == participants == len(lines))


def lines_digest(lines: Iterable[str]) -> str:
    """SHA-256 over lines, each followed by a newline."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def roster_digest(member_ids: Iterable[int]) -> str:
    """Digest of a frozen roster: the voters' member ids in ascending order."""
    return lines_digest(str(m) for m in sorted(member_ids))


def ballots_digest(receipts: Iterable[tuple[str, str]]) -> str:
    """Digest of the ballots: ``receipt:choice`` lines sorted by receipt digest (no voter identity in it)."""
    return lines_digest(f"{r}:{c}" for r, c in sorted(receipts))


def canonical_row(values: Sequence[Any]) -> str:
    """One row as a compact JSON array (what bulk digests cover)."""
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"), default=str)


# --- dividends ------------------------------------------------------------------------------------

def allocate(total: int, weights: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split ``total`` fen by integer weights (largest remainder, Hamilton): the parts sum to ``total`` exactly.

    Each key first gets ⌊total × w / W⌋; the fen left over go one each to the largest remainders,
    ties broken by the smaller key, so the split is reproducible (C2, L5).
    """
    if total < 0:
        raise CollectiveError.INVALID_AMOUNT.error()
    weight_sum = sum(w for _, w in weights)
    if any(w < 0 for _, w in weights) or weight_sum <= 0:
        raise CollectiveError.NO_SHARES.error()
    base = [(key, total * w // weight_sum, total * w % weight_sum) for key, w in weights]
    left = total - sum(part for _, part, _ in base)
    extra = {key for key, _, _ in sorted(base, key=lambda item: (-item[2], item[0]))[:left]}
    return [(key, part + (1 if key in extra else 0)) for key, part, _ in base]


# --- rule values --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CollectiveRules:
    """The collective rule set in force on a day, as typed values."""

    effective_from: date
    uscc_prefixes: tuple[str, ...]
    holding_unit: str
    quantification: QuantificationRule
    voting_age: int
    quorums: dict[str, Fraction]
    thresholds: dict[str, Threshold]
    motion_kinds: dict[str, dict[str, Any]]
    admission_grounds_needing_resolution: frozenset[str]
    board_supervisory_exclusive: bool
    dividend_requires_resolution: bool
    named_vote_kinds: frozenset[str] = frozenset()

    @classmethod
    def from_values(cls, effective_from: date, values: Mapping[str, Any]) -> CollectiveRules:
        thresholds = {name[len("threshold_"):]: threshold_from_rule(name[len("threshold_"):], v)
                      for name, v in values.items() if name.startswith("threshold_")}
        return cls(
            effective_from=effective_from,
            uscc_prefixes=tuple(values["collective_uscc_prefixes"]),
            holding_unit=str(values["holding_unit"]),
            quantification=QuantificationRule(Decimal(str(values["population_shares"])),
                                              Decimal(str(values["seniority_shares_per_year"])),
                                              int(values["seniority_start_age"]), int(values["seniority_max_years"])),
            voting_age=int(values["voting_age"]),
            quorums={body: parse_fraction(str(values[f"quorum_{body}"])) for body in BODIES},
            thresholds=thresholds,
            motion_kinds={k: dict(v) for k, v in values["motion_kinds"].items()},
            admission_grounds_needing_resolution=frozenset(values["admission_grounds_needing_resolution"]),
            board_supervisory_exclusive=bool(values["board_supervisory_exclusive"]),
            dividend_requires_resolution=bool(values["dividend_requires_resolution"]),
            # a rule set without the rule votes every kind by secret ballot (issue #12 item 2)
            named_vote_kinds=frozenset(values.get("named_vote_kinds", ())),
        )

    def threshold(self, name: str) -> Threshold:
        if name not in self.thresholds:
            raise CollectiveError.INVALID_THRESHOLD_2.error({"name": name})
        return self.thresholds[name]

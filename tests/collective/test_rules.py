"""Pure collective rules: exact dividend splits, share arithmetic invariants, thresholds, quantification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.collective import rules
from landbridge.collective.rules import Holding, QuantificationRule, Threshold
from landbridge.errors import Conflict, DomainError, RuleViolation

weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=60).filter(lambda w: sum(w) > 0)


@given(total=st.integers(min_value=0, max_value=10**13), ws=weights)
def test_allocate_pays_exactly_the_amount(total: int, ws: list[int]) -> None:
    parts = rules.allocate(total, list(enumerate(ws)))
    assert sum(p for _, p in parts) == total
    weight_sum = sum(ws)
    for (key, part), w in zip(parts, ws, strict=True):
        exact = Fraction(total * w, weight_sum)
        assert exact - 1 < part < exact + 1, (key, part, exact)  # never more than one fen off the exact share
        assert part >= 0


@given(total=st.integers(min_value=0, max_value=10**9), ws=weights)
def test_allocate_is_reproducible_and_order_independent(total: int, ws: list[int]) -> None:
    keyed = list(enumerate(ws))
    assert rules.allocate(total, keyed) == rules.allocate(total, keyed)
    assert dict(rules.allocate(total, list(reversed(keyed)))) == dict(rules.allocate(total, keyed))


def test_allocate_ties_go_to_the_smaller_key() -> None:
    assert rules.allocate(1, [(3, 1), (1, 1), (2, 1)]) == [(3, 0), (1, 1), (2, 0)]
    assert rules.allocate(100, [(1, 1), (2, 1), (3, 1)]) == [(1, 34), (2, 33), (3, 33)]
    with pytest.raises(RuleViolation):
        rules.allocate(100, [(1, 0)])
    with pytest.raises(RuleViolation):
        rules.allocate(-1, [(1, 1)])


ops = st.lists(st.tuples(st.sampled_from(["issue", "transfer", "pledge", "release", "inherit"]),
                         st.integers(0, 4), st.integers(0, 4), st.integers(1, 5000)), max_size=60)


@settings(max_examples=300)
@given(sequence=ops)
def test_share_totals_reconcile_after_any_sequence(sequence: list[tuple[str, int, int, int]]) -> None:
    book = {k: Holding() for k in range(5)}
    issued = 0
    for op, a, b, qty in sequence:
        before = dict(book)
        try:
            if op == "issue":
                book[a] = rules.issue(book[a], qty)
                issued += qty
            elif op == "transfer" and a != b:
                book[a], book[b] = rules.transfer(book[a], book[b], qty)
            elif op == "pledge":
                book[a] = rules.pledge(book[a], qty)
            elif op == "release":
                book[a] = rules.release(book[a], qty)
            elif op == "inherit" and a != b:
                book[a], book[b] = rules.inherit(book[a], book[b])
        except DomainError:
            assert book == before  # a refused operation changes nothing
        for h in book.values():
            rules.check_holding(h)
        assert sum(h.balance for h in book.values()) == issued


def test_pledged_shares_cannot_be_transferred() -> None:
    held = rules.pledge(Holding(1000, 0), 800)
    with pytest.raises(Conflict) as err:
        rules.transfer(held, Holding(), 201)
    assert err.value.code == "collective.shares_unavailable"
    src, dst = rules.transfer(held, Holding(), 200)
    assert (src, dst) == (Holding(800, 800), Holding(200, 0))
    heir_src, heir = rules.inherit(src, Holding(5, 0))
    assert heir_src == Holding(0, 0) and heir == Holding(805, 800)


def test_parse_shares() -> None:
    assert rules.parse_shares("1.5") == Decimal("1.50")
    for bad in ("1.234", "-1", "0", "x", 1.5, "NaN"):
        with pytest.raises(RuleViolation):
            rules.parse_shares(bad)  # type: ignore[arg-type]
    assert rules.to_centi(Decimal("2.05")) == 205 and rules.from_centi(205) == Decimal("2.05")


TWO_THIRDS = Threshold("two_thirds", Fraction(2, 3), strict=False)
MAJORITY = Threshold("simple_majority", Fraction(1, 2), strict=True)


def test_thresholds_of_the_whole_roster() -> None:
    assert TWO_THIRDS.met(2, 3) and not TWO_THIRDS.met(1, 3)
    assert TWO_THIRDS.met(20, 30) and not TWO_THIRDS.met(19, 30)
    assert not MAJORITY.met(5, 10) and MAJORITY.met(6, 10) and MAJORITY.met(4, 7)
    assert not MAJORITY.met(0, 0)
    assert TWO_THIRDS.at_least_as_strict_as(MAJORITY) and not MAJORITY.at_least_as_strict_as(TWO_THIRDS)


@given(roster=st.integers(1, 5000), num=st.integers(1, 9), den=st.integers(1, 9), strict=st.booleans())
def test_yes_needed_is_the_least_passing_count(roster: int, num: int, den: int, strict: bool) -> None:
    if num > den:
        num, den = den, num
    t = Threshold("t", Fraction(num, den), strict)
    need = t.yes_needed(roster)
    assert t.met(need, roster) or need > roster
    assert not t.met(need - 1, roster)


def test_outcome_needs_quorum_and_threshold() -> None:
    q = Fraction(2, 3)
    assert rules.outcome(["yes"] * 7 + ["no"] * 2, 10, TWO_THIRDS, q).passed
    low_turnout = rules.outcome(["yes"] * 6, 10, MAJORITY, q)
    assert not low_turnout.quorum_met and not low_turnout.passed
    assert not rules.outcome(["yes"] * 6 + ["abstain"] * 4, 10, TWO_THIRDS, q).passed
    with pytest.raises(Conflict):
        rules.outcome(["yes"] * 3, 2, MAJORITY, q)
    with pytest.raises(RuleViolation):
        rules.tally(["maybe"])


KINDS = {"market_entry_consent": {"threshold": "two_thirds", "bodies": ["members_assembly"]},
         "general": {"threshold": "simple_majority", "bodies": ["members_assembly", "board"]}}
THRESHOLDS = {"two_thirds": TWO_THIRDS, "simple_majority": MAJORITY}


def test_motion_threshold_never_below_the_rule() -> None:
    assert rules.motion_threshold("market_entry_consent", "members_assembly", None, KINDS, THRESHOLDS) is TWO_THIRDS
    assert rules.motion_threshold("general", "board", "two_thirds", KINDS, THRESHOLDS) is TWO_THIRDS
    with pytest.raises(RuleViolation) as low:
        rules.motion_threshold("market_entry_consent", "members_assembly", "simple_majority", KINDS, THRESHOLDS)
    assert low.value.code == "collective.threshold_too_low"
    with pytest.raises(RuleViolation) as body:
        rules.motion_threshold("market_entry_consent", "board", None, KINDS, THRESHOLDS)
    assert body.value.code == "collective.wrong_body"
    with pytest.raises(RuleViolation):
        rules.motion_threshold("nonsense", "board", None, KINDS, THRESHOLDS)


RULE = QuantificationRule(Decimal("1.00"), Decimal("0.05"), 16, 40)


def test_member_shares_population_plus_seniority() -> None:
    base = date(2019, 12, 31)
    # born 1970-03-01: farm age from 1986-03-01 → 33 full years on the base date
    assert rules.member_shares(RULE, birth_date=date(1970, 3, 1), admitted_on=date(1970, 3, 1), farm_since=None,
                               base_date=base) == Decimal("2.65")
    # a child has only the population share; a member admitted after the base date has none
    assert rules.member_shares(RULE, birth_date=date(2010, 1, 1), admitted_on=date(2010, 1, 1), farm_since=None,
                               base_date=base) == Decimal("1.00")
    assert rules.member_shares(RULE, birth_date=date(1990, 1, 1), admitted_on=date(2020, 1, 1), farm_since=None,
                               base_date=base) == Decimal("0.00")
    # seniority is capped
    assert rules.member_shares(RULE, birth_date=date(1920, 1, 1), admitted_on=date(1950, 1, 1), farm_since=None,
                               base_date=base) == Decimal("3.00")
    # married in: farm age counts from admission
    assert rules.member_shares(RULE, birth_date=date(1980, 1, 1), admitted_on=date(2010, 6, 1), farm_since=None,
                               base_date=base) == Decimal("1.45")


def test_receipts_and_digests() -> None:
    r = rules.ballot_receipt(1, 2, "yes", "ab")
    assert len(r) == 64 and r != rules.ballot_receipt(1, 2, "no", "ab")
    assert rules.ballots_digest([("b", "no"), ("a", "yes")]) == rules.ballots_digest([("a", "yes"), ("b", "no")])
    assert rules.roster_digest([3, 1, 2]) == rules.lines_digest(["1", "2", "3"])
    assert rules.birth_date_from_resident_id("36062219700301001X") == date(1970, 3, 1)
    assert rules.birth_date_from_resident_id("bad") is None
    assert rules.completed_years(date(2000, 2, 29), date(2001, 2, 28)) == 0
    assert rules.add_years(date(2000, 2, 29), 1) == date(2001, 2, 28)

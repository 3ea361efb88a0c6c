"""Scoring and backward scheduling rules (issue #19 scope 4): hand-computed scores and hypothesis properties of
倒排工期 over arbitrary calendars and over the city's official working days."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.assessment.rules import back_workdays, efficacy, linear, schedule_backwards, weighted_total
from landbridge.kernel import workdays

D = Decimal
FULL, CAP = D(100), D(120)


def test_linear_scores_against_the_target_with_a_cap() -> None:
    assert linear(D(5), D(10), "higher", full=FULL, cap=CAP) == D("50.00")
    assert linear(D(30), D(10), "higher", full=FULL, cap=CAP) == D("120")  # capped
    assert linear(D(0), D(10), "higher", full=FULL, cap=CAP) == D("0.00")
    assert linear(D("66.6667"), D(5), "lower", full=FULL, cap=CAP) == D("7.50")  # 500 / 66.6667
    assert linear(D(4), D(5), "lower", full=FULL, cap=CAP) == D("120")  # 125 capped
    assert linear(D(0), D(5), "lower", full=FULL, cap=CAP) == CAP


def test_efficacy_is_60_to_100_between_the_worst_and_the_best() -> None:
    values = {"a": D("1500.50"), "b": D(800), "c": D(0)}
    assert efficacy(values, "higher", best=FULL, worst=D(60)) == {"a": D("100.00"), "b": D("81.33"), "c": D("60.00")}
    assert efficacy(values, "lower", best=FULL, worst=D(60)) == {"a": D("60.00"), "b": D("78.67"), "c": D("100.00")}
    assert efficacy({"a": D(3), "b": D(3)}, "higher", best=FULL, worst=D(60)) == {"a": D("100.00"),
                                                                                   "b": D("100.00")}


def test_weighted_total_rounds_half_up() -> None:
    assert weighted_total([(D(25), D(10)), (D(25), D("8")), (D(25), D(120)), (D(25), D("81.33"))]) == D("54.83")
    assert weighted_total([]) == D("0.00")


def rest_days() -> st.SearchStrategy[frozenset[int]]:
    return st.frozensets(st.integers(0, 400), max_size=200)


@settings(max_examples=150, deadline=None)
@given(rest=rest_days(), durations=st.lists(st.integers(1, 40), min_size=1, max_size=8),
       offset=st.integers(0, 30))
def test_backward_schedule_gives_each_milestone_its_working_days(rest: frozenset[int], durations: list[int],
                                                                 offset: int) -> None:
    origin = date(2026, 1, 1)
    end = date(2027, 6, 30) - timedelta(days=offset)

    def is_workday(day: date) -> bool:
        return (day - origin).days % 400 not in rest or (day - origin).days % 7 == 3  # never all rest

    start, dues = schedule_backwards(end, durations, is_workday)
    assert dues[-1] == end and len(dues) == len(durations)
    bounds = [start, *dues]
    for (before, after), days in zip(itertools.pairwise(bounds), durations, strict=True):
        assert before < after
        count = sum(1 for n in range(1, (after - before).days + 1) if is_workday(before + timedelta(days=n)))
        assert count == days
    assert all(is_workday(d) for d in bounds[:-1])  # every milestone but the fixed end falls on a working day


@settings(max_examples=60, deadline=None)
@given(days=st.integers(1, 120), end_offset=st.integers(0, 200))
def test_backward_on_the_official_calendar_inverts_adding_working_days(days: int, end_offset: int) -> None:
    end = date(2026, 3, 2) + timedelta(days=end_offset)
    start = back_workdays(end, days, workdays.is_workday)
    assert workdays.is_workday(start)
    assert workdays.workdays_between(start, end) == days
    if workdays.is_workday(end):
        assert workdays.add_workdays(start, days) == end

"""The quota arithmetic (issue #16): areas, grades, project transitions, consumed ≤ allocated ≤ accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from landbridge.errors import DomainError
from landbridge.land_quota import rules
from landbridge.land_quota.rules import ProjectStatus, Totals

D = Decimal


@pytest.mark.parametrize("value", ["0", "-1", "1.005", "abc", "NaN", "Infinity", "1000000000000"])
def test_a_bad_area_is_refused(value: str) -> None:
    with pytest.raises(DomainError) as caught:
        rules.area(value)
    assert caught.value.code == "land_quota.invalid_area"


def test_an_area_is_a_decimal_to_the_hundredth_of_a_square_metre() -> None:
    assert rules.area("12.5") == D("12.50")
    assert rules.area(3) == D("3.00")
    assert str(rules.area("0.01")) == "0.01"


@pytest.mark.parametrize("value", [0, 16, True])
def test_a_quality_grade_is_1_to_15(value: int) -> None:
    with pytest.raises(DomainError) as caught:
        rules.grade(value)
    assert caught.value.code == "land_quota.invalid_grade"


def test_a_project_is_accepted_only_after_its_works() -> None:
    assert rules.transition("works", ProjectStatus.accepted) is ProjectStatus.accepted
    for status in ("planned", "accepted", "rejected"):
        with pytest.raises(DomainError) as caught:
            rules.transition(status, ProjectStatus.accepted)
        assert caught.value.code == "land_quota.invalid_transition"


def test_allocation_stops_at_the_accepted_quota() -> None:
    totals = rules.credited(Totals(), D("10.00"))
    totals = rules.allocated(totals, D("9.99"))
    assert totals == Totals(D("10.00"), D("9.99"), D("0"))
    assert rules.allocated(totals, D("0.01")).unallocated == 0
    with pytest.raises(DomainError) as caught:
        rules.allocated(totals, D("0.02"))
    assert caught.value.code == "land_quota.over_allocation"
    assert caught.value.details["requested"] == "0.02"


def test_consumption_stops_at_the_allocated_quota_and_is_never_negative() -> None:
    totals = Totals(D("10"), D("4"), D("3.5"))
    assert rules.consumed(totals, D("0.5")).unconsumed == 0
    for amount in (D("0.51"), D("0"), D("-1")):
        with pytest.raises(DomainError) as caught:
            rules.consumed(totals, amount)
        assert caught.value.code == "land_quota.over_consumption"


def test_the_invariant() -> None:
    assert Totals(D("3"), D("2"), D("1")).holds()
    assert Totals(D("3"), D("3"), D("3")).holds()
    assert not Totals(D("3"), D("4"), D("1")).holds()
    assert not Totals(D("3"), D("2"), D("2.01")).holds()
    assert not Totals(D("3"), D("2"), D("-0.01")).holds()

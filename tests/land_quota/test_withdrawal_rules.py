"""Pure rules of the homestead withdrawal (issue #16 part 5): the compensation to the fen (Hypothesis against an
exact rational computation), the area standard by household size, the fee tiers, the steps, and the rule set
``homestead`` as loaded from the yingtan profile."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.errors import DomainError
from landbridge.land_quota import withdrawal_rules as wr
from landbridge.land_quota.withdrawal import homestead_rules

cents = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n) / 100)  # 0.01 … 10,000,000.00
rates = st.integers(min_value=0, max_value=10**7).map(lambda n: Decimal(n) / 100)


def half_up_fen(x: Fraction) -> int:
    """Whole fen of ``x`` yuan, half up, by integer arithmetic only."""
    hundred = x * 100
    return int((hundred.numerator * 2 + hundred.denominator) // (hundred.denominator * 2))


@given(area=cents, rate=rates, floor=cents, house_rate=rates)
def test_compensation_is_exact_to_the_fen(area: Decimal, rate: Decimal, floor: Decimal, house_rate: Decimal) -> None:
    comp = wr.compensation(area, rate, house_floor_m2=floor, house_rate=house_rate)
    land = half_up_fen(Fraction(area) * Fraction(rate))
    house = half_up_fen(Fraction(floor) * Fraction(house_rate))
    assert wr.to_fen(comp.land) == land and wr.to_fen(comp.house) == house
    assert wr.to_fen(comp.total) == land + house
    assert comp.total.as_tuple().exponent == -2  # a whole number of fen, never a fraction of one


@given(area=cents, rate=rates, floor=cents, house_rate=rates)
def test_no_house_when_the_rules_leave_it_out(area: Decimal, rate: Decimal, floor: Decimal,
                                              house_rate: Decimal) -> None:
    comp = wr.compensation(area, rate, house_floor_m2=floor, house_rate=house_rate, house_included=False)
    assert comp.house == 0 and comp.total == comp.land


def test_compensation_rounds_half_up_at_the_fen() -> None:
    assert wr.compensation(Decimal("0.01"), Decimal("0.50")).land == Decimal("0.01")  # 0.005 → 0.01
    assert wr.compensation(Decimal("0.01"), Decimal("0.49")).land == Decimal("0.00")  # 0.0049 → 0.00
    assert wr.compensation(Decimal("123.45"), Decimal("60.00"), house_floor_m2=Decimal("85.50"),
                           house_rate=Decimal("100.00")).total == Decimal("15957.00")


def test_the_rule_set_in_force() -> None:
    rules = homestead_rules()
    assert [rules.area_standard(n) for n in (1, 3, 4, 5, 6, 30)] == [Decimal(x) for x in
                                                                    ("100", "100", "120", "120", "140", "140")]
    assert rules.vote_required and rules.council_required and rules.vote_threshold == "simple_majority"
    assert rules.land_rate_per_m2 == Decimal("60.00") and rules.house_rate("brick_concrete") == Decimal("150.00")
    with pytest.raises(DomainError) as caught:
        rules.house_rate("palace")
    assert caught.value.code == "land_quota.invalid_structure"
    with pytest.raises(DomainError):
        rules.area_standard(0)


def test_fee_tiers() -> None:
    tiers = homestead_rules().fee_tiers
    assert wr.over_standard_fee(Decimal("100.00"), Decimal("100.00"), tiers) == (Decimal("0.00"), Decimal("0.00"))
    assert wr.over_standard_fee(Decimal("130.00"), Decimal("100.00"), tiers) == (Decimal("30.00"), Decimal("300.00"))
    # 50 at 10 + 50 at 15 + 20.5 at 20
    assert wr.over_standard_fee(Decimal("220.50"), Decimal("100.00"), tiers) == (Decimal("120.50"),
                                                                                 Decimal("1660.00"))


@given(excess=cents)
def test_fee_grows_with_the_excess_and_stays_within_its_tiers(excess: Decimal) -> None:
    tiers = homestead_rules().fee_tiers
    _, fee = wr.over_standard_fee(Decimal("100.00") + excess, Decimal("100.00"), tiers)
    assert excess * 10 <= fee <= excess * 20
    _, more = wr.over_standard_fee(Decimal("100.01") + excess, Decimal("100.00"), tiers)
    assert more > fee


def test_steps() -> None:
    assert wr.step("applied", "approve") is wr.WithdrawalStatus.approved
    assert wr.step("applied", "refuse") is wr.WithdrawalStatus.refused
    for status, name in [("refused", "value"), ("applied", "pay"), ("valued", "hand_over"), ("handed_over", "cancel")]:
        with pytest.raises(DomainError) as caught:
            wr.step(status, name)
        assert caught.value.code == "land_quota.withdrawal_invalid_step"


@pytest.mark.parametrize("bad", ["0", "-1", "1.001", "abc", "", "NaN", "1e30"])
def test_money_is_refused_typed(bad: str) -> None:
    with pytest.raises(DomainError) as caught:
        wr.money(bad, "amount")
    assert caught.value.code == "land_quota.invalid_money"

"""Lending's pure rules: schedules, allocation, classification, waterfall and loss sharing (issue #17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.errors import DomainError
from landbridge.lending import rules
from landbridge.lending.rules import Lien, Owed, Sharer, Tier

D = Decimal
FLOORS = {"special_mention": 1, "substandard": 91, "doubtful": 271, "loss": 361}


def test_month_end_clamp() -> None:
    start = date(2027, 1, 31)
    assert [rules.add_months(start, k) for k in (1, 2, 3, 12, 13)] == [
        date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2028, 1, 31), date(2028, 2, 29)]


def test_annuity_known_figures() -> None:
    rows = rules.schedule("100000", "0.0435", 36, "annuity", date(2027, 1, 15))
    assert len(rows) == 36
    assert rows[0].due_date == date(2027, 2, 15)
    assert rows[0].interest == D("362.50")          # 100000 × 0.0435 / 12
    assert rows[0].payment == D("2967.99")          # 100000 × r(1+r)^36 ÷ ((1+r)^36 − 1), half up
    assert all(r.payment == D("2967.99") for r in rows[:-1])
    assert sum(r.principal for r in rows) == D("100000.00")
    assert rows[-1].balance == 0


def test_equal_principal_and_bullet() -> None:
    ep = rules.schedule("1000", "0.12", 3, "equal_principal", date(2027, 1, 15))
    assert [r.principal for r in ep] == [D("333.33"), D("333.33"), D("333.34")]
    assert [r.interest for r in ep] == [D("10.00"), D("6.67"), D("3.33")]
    bullet = rules.schedule("1000", "0.12", 3, "bullet", date(2027, 1, 15))
    assert [r.principal for r in bullet] == [0, 0, D("1000.00")]
    assert all(r.interest == D("10.00") for r in bullet)


def test_seasonal_grace_is_interest_only() -> None:
    rows = rules.schedule("12000", "0.06", 12, "seasonal", date(2027, 3, 1), grace_months=3)
    assert [r.principal for r in rows[:3]] == [0, 0, 0]
    assert sum(r.principal for r in rows) == D("12000.00")


@pytest.mark.parametrize(("principal", "rate", "months", "method", "code"), [
    ("100000", "0.0435", 0, "annuity", "lending.invalid_term"),
    ("100000", "-0.01", 12, "annuity", "lending.invalid_rate"),
    ("abc", "0.0435", 12, "annuity", "lending.invalid_amount"),
    ("100000", "0.0435", 12, "balloon", "lending.invalid_method"),
    ("1E+999999999", "0.0435", 12, "annuity", "lending.invalid_amount"),
    ("100.001", "0.0435", 12, "annuity", "lending.invalid_amount"),
])
def test_bad_schedule_input(principal: str, rate: str, months: int, method: str, code: str) -> None:
    with pytest.raises(DomainError) as info:
        rules.schedule(principal, rate, months, method, date(2027, 1, 15))
    assert info.value.code == code


@settings(max_examples=150, deadline=None)
@given(fen=st.integers(100, 10**10), rate_bp=st.integers(0, 3600), months=st.integers(1, 120),
       method=st.sampled_from(["annuity", "equal_principal", "bullet", "seasonal"]),
       day=st.integers(1, 31))
def test_schedule_principal_sums_exactly(fen: int, rate_bp: int, months: int, method: str, day: int) -> None:
    principal = D(fen) / 100
    start = date(2027, 1, day)
    rows = rules.schedule(principal, D(rate_bp) / 10000, months, method, start, grace_months=months // 3)
    assert sum(r.principal for r in rows) == principal
    assert all(r.principal >= 0 and r.interest >= 0 for r in rows)
    assert rows[-1].balance == 0
    assert all(r.payment == r.principal + r.interest for r in rows)
    assert all(r.interest == r.interest.quantize(D("0.01")) for r in rows)


def test_allocation_order_costs_interest_principal() -> None:
    paid, excess = rules.allocate_payment(D("150"), Owed(costs=D("50"), interest=D("60"), penalty=D("10"),
                                                        principal=D("500")))
    assert paid == Owed(D("50"), D("60"), D("10"), D("30")) and excess == 0


def test_classification_floors() -> None:
    assert [rules.classify(d, FLOORS) for d in (0, 1, 90, 91, 270, 271, 360, 361)] == [
        Tier.normal, Tier.special_mention, Tier.special_mention, Tier.substandard, Tier.substandard,
        Tier.doubtful, Tier.doubtful, Tier.loss]
    assert rules.classify(0, FLOORS, restructured=True) is Tier.substandard


def test_worked_example_of_rules_md() -> None:
    claim = Owed(costs=D("15000"), interest=D("20000"), penalty=D("5000"), principal=D("500000"))
    fall = rules.waterfall(D("380000"), D("5000"), claim, own_rank=1)
    assert fall.sale_costs == D("5000") and fall.surplus == 0
    assert fall.loan == Owed(D("15000"), D("20000"), D("5000"), D("335000"))
    assert fall.shortfall.principal == D("165000")
    split = [Sharer("fund", D("0.40")), Sharer("guarantor", D("0.40"))]
    assert rules.share_loss(fall.shortfall.principal, split) == {
        "fund": D("66000.00"), "guarantor": D("66000.00"), "bank": D("33000.00")}
    capped = [Sharer("fund", D("0.40"), cap=D("50000")), Sharer("guarantor", D("0.40"))]
    assert rules.share_loss(D("165000"), capped) == {
        "fund": D("50000"), "guarantor": D("66000.00"), "bank": D("49000.00")}


def test_waterfall_senior_junior_surplus() -> None:
    claim = Owed(costs=D("1000"), interest=D("2000"), principal=D("100000"))
    liens = [Lien(1, D("50000"), "senior bank"), Lien(3, D("30000"), "junior bank")]
    fall = rules.waterfall(D("200000"), D("4000"), claim, own_rank=2, other_liens=liens)
    assert fall.senior == (("senior bank", D("50000")),)
    assert fall.loan.total == D("103000")
    assert fall.junior == (("junior bank", D("30000")),)
    assert fall.surplus == D("13000")
    assert fall.total == D("200000")


money = st.integers(0, 10**9).map(lambda f: D(f) / 100)


@settings(max_examples=200, deadline=None)
@given(proceeds=money, costs=money, c=money, i=money, p=money, pr=money,
       liens=st.lists(st.tuples(st.integers(1, 6), money), max_size=4), own=st.integers(1, 6))
def test_every_fen_of_proceeds_lands_once(proceeds: Decimal, costs: Decimal, c: Decimal, i: Decimal, p: Decimal,
                                          pr: Decimal, liens: list[tuple[int, Decimal]], own: int) -> None:
    other = [Lien(rank, claim, f"h{n}") for n, (rank, claim) in enumerate(liens) if rank != own]
    fall = rules.waterfall(proceeds, costs, Owed(c, i, p, pr), own, other)
    assert fall.total == proceeds
    assert fall.surplus >= 0 and fall.shortfall.total >= 0
    assert fall.loan.total + fall.shortfall.total == c + i + p + pr


@settings(max_examples=200, deadline=None)
@given(loss=money, fund=st.integers(0, 100), guarantor=st.integers(0, 100), cap=st.none() | money)
def test_every_fen_of_loss_is_borne_once(loss: Decimal, fund: int, guarantor: int, cap: Decimal | None) -> None:
    guarantor = min(guarantor, 100 - fund)
    split = rules.share_loss(loss, [Sharer("fund", D(fund) / 100, cap), Sharer("guarantor", D(guarantor) / 100)])
    assert sum(split.values()) == loss
    assert all(v >= 0 for v in split.values())
    if cap is not None:
        assert split["fund"] <= cap
    fen_total = (loss / 3).quantize(D("0.01"), rounding="ROUND_DOWN")
    recovery = rules.split_pro_rata(fen_total, split)
    assert sum(recovery.values(), D(0)) == fen_total


def test_transition_guard() -> None:
    assert rules.transition("lien_registered", rules.LoanStatus.disbursed) is rules.LoanStatus.disbursed
    with pytest.raises(DomainError) as info:
        rules.transition("approved", rules.LoanStatus.disbursed)
    assert info.value.code == "lending.invalid_transition"


def test_product_sharers_validated() -> None:
    assert rules.sharers_from([{"party": "fund", "share": "0.4", "cap": "50000"}])[0].cap == D("50000")
    with pytest.raises(DomainError):
        rules.sharers_from([{"party": "fund", "share": "0.7"}, {"party": "guarantor", "share": "0.4"}])
    with pytest.raises(DomainError):
        rules.sharers_from([{"party": "bank", "share": "0.4"}])


def test_daily_interest_divides_by_the_day_count_year() -> None:
    assert rules.daily_interest(D("360000"), D("0.0365"), 360) == D("36.50")
    assert rules.daily_interest(D("360000"), D("0.0365"), 365) == D("36.00")


def test_grade_discount_is_floored_at_the_product_minimum() -> None:
    assert rules.discounted_rate(D("0.0435"), D("0.0010"), D("0.0385")) == D("0.042500")
    assert rules.discounted_rate(D("0.0400"), D("0.0050"), D("0.0385")) == D("0.038500")
    assert rules.discounted_rate(D("0.0435"), D("0"), D("0.0385")) == D("0.043500")
    assert rules.discounted_rate(D("0.0380"), D("0.0050"), D("0.0400")) == D("0.038000")  # never above the ask

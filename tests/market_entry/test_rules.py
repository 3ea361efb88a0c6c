"""Pure market-entry rules (issue #15): transitions as data, the guards, the term cap, the floor with the
industrial exception and the proceeds split to the fen (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.market_entry import rules
from landbridge.market_entry.rules import CaseState, EntryRules

R = EntryRules.from_values(get_profile().rules("market_entry").version_at(date(2026, 3, 2)).values())
FEN = Decimal("0.01")
fen = st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n) * FEN)
share = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 10_000)


def plan(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "boundary": "东至村道，南至河，西至林地，北至厂房", "area_m2": "1200.00", "land_use": "0601",
        "conditions": {"max_plot_ratio": "1.2"}, "industry_requirements": "无污染加工业",
        "environment_requirements": "环评备案", "term_years": 50, "method": "grant", "transaction_method": "listing",
        "floor_price": "600000.00", "revenue_arrangement": {"retained_share": "0.30"}}
    base.update(kw)
    return base


def code(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


@given(proceeds=fen, retained=share)
def test_split_sums_to_the_fen(proceeds: Decimal, retained: Decimal) -> None:
    s = rules.split_proceeds(proceeds, retained)
    assert s.retained + s.members == proceeds
    assert s.retained == s.retained.quantize(FEN) and s.members == s.members.quantize(FEN)
    assert 0 <= proceeds * retained - s.retained < FEN
    assert s.retained >= 0 and s.members >= 0


def test_split_refuses_bad_share_and_sub_fen_amounts() -> None:
    for p, r in ((Decimal("1.001"), Decimal("0.3")), (Decimal("10"), Decimal("1.1")), (Decimal("-1"), Decimal(0))):
        with pytest.raises(DomainError) as e:
            rules.split_proceeds(p, r)
        assert code(e) == "market_entry.invalid_plan"
    assert rules.split_proceeds(Decimal("1000000.01"), Decimal("0.30")) == rules.Split(
        Decimal("1000000.01"), Decimal("300000.00"), Decimal("700000.01"))


@given(appraised=fen.filter(lambda d: d > 0), land_use=st.sampled_from(["0601", "0602", "05", "0508", "0701", "08"]),
       delta=st.integers(-10_000, 10_000))
def test_floor_check_is_the_ratio_rounded_up(appraised: Decimal, land_use: str, delta: int) -> None:
    ratio = R.industrial_floor_ratio if land_use.startswith("06") else R.floor_ratio
    floor = rules.floor_price(appraised, land_use, R)
    assert floor >= appraised * ratio > floor - FEN
    start = floor + delta * FEN
    if start >= floor:
        assert rules.check_floor(start, appraised, land_use, R) == floor
    else:
        with pytest.raises(DomainError) as e:
            rules.check_floor(start, appraised, land_use, R)
        assert code(e) == "market_entry.price_below_floor"


def test_industrial_exception_from_rule_data() -> None:
    assert rules.floor_ratio("0601", R) == Decimal("0.70") < rules.floor_ratio("05", R) == Decimal("1.0")
    rules.check_floor(Decimal("70000.00"), Decimal("100000.00"), "0601", R)
    with pytest.raises(DomainError):
        rules.check_floor(Decimal("70000.00"), Decimal("100000.00"), "0508", R)


@pytest.mark.parametrize(("use", "cap"), [("0701", 70), ("05", 40), ("0508", 40), ("0601", 50), ("08", 50)])
def test_term_caps_by_use(use: str, cap: int) -> None:
    assert rules.check_term(cap, use, R) == cap
    with pytest.raises(DomainError) as e:
        rules.check_term(cap + 1, use, R)
    assert code(e) == "market_entry.term_over_cap"
    with pytest.raises(DomainError):
        rules.check_term(0, use, R)


@given(drop=st.sampled_from(R.plan_mandatory_fields), blank=st.sampled_from([None, "", "  ", [], {}]))
def test_each_mandatory_field_is_required(drop: str, blank: object) -> None:
    with pytest.raises(DomainError) as e:
        rules.check_plan(plan(**{drop: blank}), R)
    assert code(e) == "market_entry.plan_field_missing"
    assert drop in e.value.details["missing"]


def test_valid_plan_and_bad_method_or_share() -> None:
    rules.check_plan(plan(), R)
    for bad in (plan(method="sale"), plan(revenue_arrangement={"retained_share": "1.5"}),
                plan(term_years=51)):
        with pytest.raises(DomainError):
            rules.check_plan(bad, R)


def test_a_plan_with_a_term_or_share_that_is_not_a_number_is_refused_not_a_crash() -> None:
    for bad, field in ((plan(term_years="五十"), "term_years"), (plan(term_years=[50]), "term_years"),
                       (plan(revenue_arrangement={"retained_share": "abc"}), "revenue_arrangement.retained_share"),
                       (plan(revenue_arrangement={"retained_share": "NaN"}), "revenue_arrangement.retained_share")):
        with pytest.raises(DomainError) as e:
            rules.check_plan(bad, R)
        assert code(e) == "market_entry.invalid_plan" and e.value.details["field"] == field


def test_transitions_are_data_and_refuse_with_the_state() -> None:
    assert rules.transition("opened", "issue_conditions") is CaseState.conditions_issued
    assert rules.transition("revenue_distributed", "register") is CaseState.registered
    with pytest.raises(DomainError) as e:
        rules.transition("paid", "register")
    assert code(e) == "market_entry.invalid_transition"
    # every state but the terminal ones has a way forward, and the terminal ones none
    sources = {s for starts, _ in rules.TRANSITIONS.values() for s in starts}
    assert sources == set(CaseState) - {CaseState.in_use, CaseState.withdrawn, CaseState.terminated}
    assert all(s in rules.NEXT_ACTOR for s in rules.OPEN_STATES)


@given(start=st.dates(date(2026, 1, 1), date(2026, 12, 1)), gap=st.integers(0, 40))
def test_filing_lead_in_working_days(start: date, gap: int) -> None:
    from landbridge.kernel.workdays import add_workdays, workdays_between

    tx = start + timedelta(days=gap)
    if workdays_between(start, tx) >= R.filing_lead_workdays:
        rules.check_filing(start, tx, R, add_workdays)
    else:
        with pytest.raises(DomainError) as e:
            rules.check_filing(start, tx, R, add_workdays)
        assert code(e) == "market_entry.filing_too_late"

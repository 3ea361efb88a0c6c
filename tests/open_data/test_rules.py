"""Pure rules of open data (issue #19 item 6; P2, S2): periods, areas, use categories and the fixed-base Jevons
price index (ADR 0018) against hand-computed values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from landbridge.errors import RuleViolation
from landbridge.open_data.rules import (
    AreaLevel,
    Granularity,
    area_of,
    check_range,
    geometric_mean,
    period_of,
    periods,
    price_index,
    use_category,
)
from landbridge.open_data.service import open_data_rules

D = Decimal


def test_periods_and_areas() -> None:
    assert period_of(date(2025, 3, 31), Granularity.month) == "2025-03"
    assert period_of(date(2025, 4, 1), Granularity.quarter) == "2025Q2"
    assert period_of(date(2025, 12, 31), Granularity.year) == "2025"
    assert periods(date(2025, 2, 10), date(2025, 7, 1), Granularity.quarter) == [
        ("2025Q1", date(2025, 1, 1), date(2025, 3, 31)), ("2025Q2", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025Q3", date(2025, 7, 1), date(2025, 9, 30))]
    assert [p[0] for p in periods(date(2024, 11, 5), date(2025, 1, 5), Granularity.month)] == [
        "2024-11", "2024-12", "2025-01"]
    assert area_of("360603101002", AreaLevel.district) == "360603000000"
    assert area_of("360603101002", AreaLevel.township) == "360603101000"


def test_range_is_bounded() -> None:
    with pytest.raises(RuleViolation) as exc:
        check_range(date(2025, 2, 1), date(2025, 1, 1), Granularity.month, 60)
    assert exc.value.code == "open_data.bad_range"
    with pytest.raises(RuleViolation) as exc:
        check_range(date(2015, 1, 1), date(2025, 1, 1), Granularity.month, 60)
    assert exc.value.code == "open_data.too_many_periods"
    check_range(date(2015, 1, 1), date(2025, 1, 1), Granularity.year, 60)


def test_use_categories_from_the_rule_set() -> None:
    categories = open_data_rules(date(2025, 1, 1)).use_categories
    assert use_category("0601", categories) == "industrial"
    assert use_category("0702", categories) == "residential"
    assert use_category("0101", categories) == "cultivated"
    assert use_category("1201", categories) == "other"
    assert use_category(None, categories) == "other"


def test_geometric_mean_by_hand() -> None:
    assert geometric_mean([D(100), D(400)]) == D("200.00")      # √(100 × 400)
    assert geometric_mean([D(2), D(8), D(4)]) == D("4.00")       # ∛64
    assert geometric_mean([D("50.5")]) == D("50.50")
    with pytest.raises(ValueError):
        geometric_mean([D(0)])


def test_fixed_base_index_by_hand() -> None:
    # k = 2: Q1 base √(100·400) = 200; Q2 √(200·800) = 400 → 200.00; Q3 one deal → "<k";
    # Q4 √(150·600) = 300 → 150.00; Q5 no deal
    quarters = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    prices = {"2025Q1": [D(100), D(400)], "2025Q2": [D(200), D(800)], "2025Q3": [D(999)],
              "2025Q4": [D(150), D(600)]}
    base, points = price_index(quarters, prices, 2)
    assert base == "2025Q1"
    assert [(p.period, p.deals, p.unit_price, p.index, p.suppressed) for p in points] == [
        ("2025Q1", 2, D("200.00"), D("100.00"), False),
        ("2025Q2", 2, D("400.00"), D("200.00"), False),
        ("2025Q3", 1, None, None, True),
        ("2025Q4", 2, D("300.00"), D("150.00"), False),
        ("2026Q1", 0, None, None, False)]


def test_index_base_is_the_first_publishable_quarter() -> None:
    # k = 3: Q1 has two deals ("<k"), so Q2 (∛(10·20·40) = 20) is the base; Q3 ∛(25·25·25) = 25 → 125.00
    prices = {"Q1": [D(1), D(1)], "Q2": [D(10), D(20), D(40)], "Q3": [D(25), D(25), D(25)]}
    base, points = price_index(["Q1", "Q2", "Q3"], prices, 3)
    assert base == "Q2"
    assert [p.index for p in points] == [None, D("100.00"), D("125.00")]
    assert points[0].suppressed and points[0].unit_price is None

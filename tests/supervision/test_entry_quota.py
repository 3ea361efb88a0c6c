"""The second indicator set (issue #19 scope 1; P2, S2, L1–L3): market entry (parcels, area, price and price
against benchmark) and the quota balance (allocated, consumed, balance) against hand-computed values; stored
values re-derived equal after later records; the new indicators take effect only from their version's day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.supervision import indicators, service
from landbridge.supervision.models import IndicatorValue
from tests.supervision.conftest import AS_OF, CITY, YUJIANG, YUJIANG_VILLAGE, SupervisionWorld, lot
from tests.supervision.entry_world import DAY, EXPECTED_ENTRY, LATER, PARCEL, build_entry, case, movement

Y2026 = service.parse_period("2026")


@pytest.fixture
def entry(db: Database, sw: SupervisionWorld, clock: Clock) -> dict[str, int]:
    clock.set(datetime(2026, 12, 9, 8, tzinfo=UTC))
    with db.transaction() as s:
        return build_entry(s, sw)


def test_new_indicators_take_effect_from_their_version_day() -> None:
    old, new = indicators.in_force(date(2026, 12, 7)), indicators.in_force(DAY)
    assert (old.version, new.version) == ("2026-12-07", "2026-12-08")
    assert "market_entry.entered_count" not in {i.code for i in old.indicators}
    assert {i.code for i in old.indicators} < {i.code for i in new.indicators}
    assert old.threshold("loan_overdue_days") is None and new.threshold("loan_overdue_days") == 91
    # the first set is carried over unchanged
    for indicator in old.indicators:
        assert new.get(indicator.code) == indicator


def test_values_equal_hand_computed(db: Database, entry: dict[str, int]) -> None:
    with db.transaction(readonly=True) as s:
        for (code, area), expected in EXPECTED_ENTRY.items():
            assert service.rederive(s, code, area, Y2026, DAY).value == expected, (code, area)
        area = service.rederive(s, "market_entry.entered_area", CITY, Y2026, DAY)
        assert (area.value, area.records) == (3 * PARCEL, 3)
        # a stock on a month's last day: May holds only the first credit
        may = service.parse_period("2026-05")
        assert service.rederive(s, "land_quota.balance", CITY, may, DAY).value == Decimal("1500.50")
        assert service.rederive(s, "market_entry.entered_count", CITY, may, DAY).value == 1  # B on 05-20
        # before the second version, the first set answers and knows no entry indicator
        with pytest.raises(DomainError) as caught:
            service.rederive(s, "market_entry.entered_count", CITY, Y2026, AS_OF)
        assert caught.value.code == "supervision.unknown_indicator"


def test_entry_records_link_to_their_cases(db: Database, entry: dict[str, int]) -> None:
    with db.transaction(readonly=True) as s:
        indicator = indicators.in_force(DAY).get("market_entry.price_to_benchmark")
        rows = service.records(s, indicator, Y2026, DAY, YUJIANG)
    assert sorted((r.label, r.url, r.numerator, r.denominator) for r in rows) == [
        ("RS-A", f"/market-entry/cases/{entry['A']}", Decimal("120000"), Decimal("100000")),
        ("RS-D", f"/market-entry/cases/{entry['D']}", Decimal("70000"), Decimal("140000"))]


def test_stored_values_are_rederived_equal_after_later_records(db: Database, entry: dict[str, int],
                                                               sw: SupervisionWorld, clock: Clock) -> None:
    with db.transaction() as s:
        assert service.record_values(s, Y2026, DAY) > 0
    with db.transaction(readonly=True) as s:
        stored = {(v.indicator_code, v.area_code): (v.value, v.numerator, v.records, v.indicator_version)
                  for v in s.scalars(select(IndicatorValue))}
    for key, expected in EXPECTED_ENTRY.items():
        assert stored[key][0] == expected and stored[key][3] == "2026-12-08", key
    # a day later: another entry deal, more quota allocated and consumed
    clock.set(datetime(2026, 12, 10, 8, tzinfo=UTC))
    with db.transaction() as s:
        later_lot = lot(s, "LOT-G", YUJIANG_VILLAGE, "award", "9000", LATER)
        case(s, "RS-G", YUJIANG_VILLAGE, later_lot, col=4, appraised="10000")
        movement(s, "allocation", "360603", "50", LATER)
        movement(s, "consumption", "360603", "20", LATER)
        service.record_values(s, Y2026, LATER)
    with db.transaction(readonly=True) as s:
        for (code, area), value in stored.items():
            again = service.rederive(s, code, area, Y2026, DAY)
            assert (again.value, again.numerator, again.records) == value[:3], (code, area)
        assert service.rederive(s, "market_entry.entered_count", CITY, Y2026, LATER).value == 4
        assert service.rederive(s, "land_quota.balance", CITY, Y2026, LATER).value == Decimal("2749.50")

"""Indicator values against hand-computed ones, their storage and re-derivation for a past day (issue #19 scope 1;
P2, S2, S92): the figures of ``conftest.EXPECTED`` on 2026-06-30; stored values re-derived equal after later
records arrived; the definitions' lock; typed errors on bad periods and areas."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.supervision import indicators, jobs, service
from landbridge.supervision.models import IndicatorValue
from tests.supervision.conftest import (
    AS_OF,
    CITY,
    EXPECTED,
    GUIXI,
    YUJIANG,
    YUJIANG_VILLAGE,
    SupervisionWorld,
    lot,
)

Y2026 = service.parse_period("2026")


def test_values_equal_hand_computed(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction(readonly=True) as s:
        for (code, area), expected in EXPECTED.items():
            assert service.rederive(s, code, area, Y2026, AS_OF).value == expected, (code, area)


def test_npl_records_are_the_loans_behind_the_ratio(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction(readonly=True) as s:
        indicator = indicators.in_force(AS_OF).get("lending.npl_ratio")
        rows = service.records(s, indicator, Y2026, AS_OF, YUJIANG)
    assert sorted(r.label for r in rows) == ["LN-1", "LN-2"]
    npl = [r for r in rows if r.numerator > 0]
    assert [(r.label, r.numerator, r.url) for r in npl] == [
        ("LN-1", Decimal("90000"), f"/lending/loans/{sw.loans['L1']}")]


def test_a_month_counts_only_its_days(db: Database, sw: SupervisionWorld) -> None:
    may = service.parse_period("2026-05")
    with db.transaction(readonly=True) as s:
        assert service.rederive(s, "exchange.lots_concluded", CITY, may, AS_OF).value == 1
        assert service.rederive(s, "exchange.concluded_price", GUIXI, may, AS_OF).value == Decimal("30000")
        assert service.rederive(s, "exchange.concluded_price", YUJIANG, may, AS_OF).value == 0
        # a stock on a month's last day: L1 was not yet 91 days past due on 05-31 (82 days)
        assert service.rederive(s, "lending.npl_ratio", CITY, may, AS_OF).value == 0


def test_stored_values_are_rederived_equal_after_later_records(db: Database, sw: SupervisionWorld,
                                                               clock: Clock) -> None:
    with db.transaction() as s:
        added = service.record_values(s, Y2026, AS_OF)
    with db.transaction(readonly=True) as s:
        stored = list(s.scalars(select(IndicatorValue)))
        rows = {(v.indicator_code, v.area_code): (v.value, v.numerator, v.records) for v in stored}
        first = next(v for v in stored if (v.indicator_code, v.area_code) == ("lending.npl_ratio", CITY))
        assert (first.indicator_version, first.definition_digest) == (indicators.in_force(AS_OF).version,
                                                                       indicators.in_force(AS_OF).digest)
        assert first.code_version.endswith("lending.loan_positions.r1")
        assert (first.numerator, first.denominator, first.records) == (Decimal("90000"), Decimal("215000"), 3)
    assert added == len(rows) > 0
    for key, expected in EXPECTED.items():
        assert rows[key][0] == expected, key
    # village and township areas with records are stored too
    assert ("lending.outstanding", YUJIANG_VILLAGE) in rows
    # time passes: a lot concluded in July, another payment, a new loan, a dividend in August
    clock.set(datetime(2026, 8, 31, 8, tzinfo=UTC))
    with db.transaction() as s:
        lot(s, "LOT-E", YUJIANG_VILLAGE, "award", "5000", date(2026, 8, 30))
        service.record_values(s, Y2026, date(2026, 8, 31))
    with db.transaction(readonly=True) as s:
        for (code, area), value in rows.items():
            again = service.rederive(s, code, area, Y2026, AS_OF)
            assert (again.value, again.numerator, again.records) == value, (code, area)
        later = service.rederive(s, "exchange.lots_concluded", CITY, Y2026, date(2026, 8, 31))
        assert later.value == 4  # A, B, D, E
        assert service.rederive(s, "collective.dividends_paid", CITY, Y2026, date(2026, 8, 31)).value == 29000
        assert s.scalar(select(IndicatorValue.value).where(
            IndicatorValue.indicator_code == "exchange.lots_concluded", IndicatorValue.area_code == CITY,
            IndicatorValue.as_of == date(2026, 8, 31))) == 4


def test_a_stored_day_is_never_overwritten(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        assert service.record_values(s, Y2026, AS_OF) > 0
        lot(s, "LOT-F", YUJIANG_VILLAGE, "award", "1", date(2026, 6, 1))
        assert service.record_values(s, Y2026, AS_OF) == 0
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(IndicatorValue.value).where(
            IndicatorValue.indicator_code == "exchange.lots_concluded", IndicatorValue.area_code == CITY)) == 2


def test_the_job_stores_the_year_and_the_month_once_a_day(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s:
        first = jobs.record_today(s)
        assert first > 0 and jobs.record_today(s) == 0 and jobs.run_due(s) == 0
    with db.transaction(readonly=True) as s:
        periods = set(s.scalars(select(IndicatorValue.period)))
        days = set(s.scalars(select(IndicatorValue.as_of)))
    assert periods == {"2026", "2026-06"} and days == {AS_OF}


@pytest.mark.parametrize("text", ["", "26", "2026-13", "2026-1", "1999", "2026/06", "2026-06-01"])
def test_bad_periods_are_typed(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        service.parse_period(text)
    assert caught.value.code == "supervision.invalid_period" and caught.value.message


@pytest.mark.parametrize("code", ["", "3606", "999999999999", "360603101999", "36060300000x"])
def test_bad_areas_are_typed(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        service.check_area(code)
    assert caught.value.code == "supervision.invalid_area"


def test_a_future_as_of_is_refused(db: Database, sw: SupervisionWorld) -> None:
    with db.transaction() as s, pytest.raises(DomainError) as caught:
        service.record_values(s, Y2026, date(2026, 7, 1))
    assert caught.value.code == "supervision.invalid_as_of"


def test_a_version_in_force_is_locked() -> None:
    text = indicators.DEFINITIONS.read_text(encoding="utf-8")
    lock = {"2026-12-07": indicators.digest_of(__import__("tomllib").loads(text)["version"][0])}
    assert [s.version for s in indicators.parse(text, lock, date(2026, 12, 7))] == ["2026-12-07", "2026-12-08"]
    # the second version is checked from its own day on: a lock without it is refused then
    with pytest.raises(DomainError) as refused:
        indicators.parse(text, lock, date(2026, 12, 8))
    assert refused.value.code == "supervision.definitions_changed"
    edited = text.replace('target = "5"', 'target = "8"')
    with pytest.raises(DomainError) as caught:
        indicators.parse(edited, lock, date(2026, 12, 7))
    assert caught.value.code == "supervision.definitions_changed"
    # not yet in force: not checked against the lock
    assert indicators.parse(edited, lock, date(2026, 12, 6))[0].get("lending.npl_ratio").target == 8
    # the lock shipped with the package matches the definitions
    assert indicators.lock_text() == indicators.LOCK.read_text(encoding="utf-8")


def test_definitions_are_checked() -> None:
    base = indicators.DEFINITIONS.read_text(encoding="utf-8")
    for bad in (base.replace('direction = "lower"', 'direction = "down"'),
                base.replace('kind = "flow"', 'kind = "rate"', 1),
                base.replace('unit_en = "lots"\n', '', 1),
                base.replace('target = "5"', 'target = "five"')):
        with pytest.raises(DomainError) as caught:
            indicators.parse(bad, {}, date(2026, 1, 1))
        assert caught.value.code == "supervision.definitions_invalid"


def test_every_indicator_names_a_registered_computation_and_measure() -> None:
    from landbridge.supervision.computations import COMPUTATIONS

    for indicator in indicators.in_force(date(2026, 12, 7)).indicators:
        assert indicator.measure in COMPUTATIONS[indicator.computation].measures, indicator.code

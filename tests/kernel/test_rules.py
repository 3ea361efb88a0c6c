"""Kernel value types: money, areas, IDs, working days, clock (pure, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.kernel import area, ids, money, workdays
from landbridge.kernel.clock import Clock


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_fen_round_trip(fen: int) -> None:
    assert money.yuan_to_fen(money.fen_to_yuan(fen)) == fen


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False))
def test_yuan_round_trip(amount: Decimal) -> None:
    assert money.fen_to_yuan(money.yuan_to_fen(amount)) == amount


def test_money_refuses_floats_and_sub_fen() -> None:
    with pytest.raises(money.MoneyError):
        money.to_money(1.5)  # type: ignore[arg-type]
    with pytest.raises(money.MoneyError):
        money.to_money("1.005")
    with pytest.raises(money.MoneyError):
        money.to_money("abc")
    assert money.round_fen(Decimal("1.005")) == Decimal("1.01")


def test_mu_conversion() -> None:
    assert area.m2_to_mu(Decimal("666.67")) == Decimal("1.00")
    assert area.mu_to_m2(Decimal("15")) == Decimal("10000.00")


def test_resident_id_and_uscc() -> None:
    assert ids.valid_resident_id("11010519491231002X") == "11010519491231002X"
    assert ids.valid_resident_id("110105194912310021") is None  # wrong check digit
    assert ids.valid_uscc("91110000600037341L") == "91110000600037341L"
    assert ids.valid_uscc("91110000600037341A") is None
    assert ids.mask_id("11010519491231002X") == "1101**********002X"


def test_region_levels() -> None:
    assert ids.region_level("360600000000") == "city"
    assert ids.region_level("360603000000") == "county"
    assert ids.region_level("360603101000") == "township"
    assert ids.region_level("360603101001") == "village"


def test_working_days_follow_official_calendar() -> None:
    # National Day 2025: 1-8 October are holidays; Saturday 11 October is a make-up working day.
    assert not workdays.is_workday(date(2025, 10, 3))
    assert workdays.is_workday(date(2025, 10, 11))
    assert workdays.add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert workdays.workdays_between(date(2025, 9, 30), date(2025, 10, 9)) == 1


def test_working_days_beyond_the_calendar_are_refused() -> None:
    # issue #13 item 3: no silent Monday-Friday fallback beyond the years the calendar covers.
    assert not workdays.covered(date(2099, 1, 5))
    with pytest.raises(workdays.CalendarNotCovered):
        workdays.is_workday(date(2099, 1, 5))


def test_clock_frozen_and_accelerated() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    frozen = Clock(start, speed=0)
    assert frozen.now() == start
    frozen.advance(timedelta(days=15))
    assert frozen.now() == start + timedelta(days=15)
    fast = Clock(start, speed=1440)
    assert fast.now() >= start
    assert fast.now().tzinfo is not None


def test_resident_id_with_county_code_missing_from_stdnum() -> None:
    from landbridge.demo.people import make_resident_id

    guixi = make_resident_id("360681", date(1990, 1, 1), 61, True)  # 贵溪市: real code, absent from stdnum
    assert ids.valid_resident_id(guixi) == guixi
    assert ids.valid_resident_id("99" + guixi[2:]) is None  # no such province
    assert ids.valid_resident_id(guixi[:-1] + ("0" if guixi[-1] != "0" else "1")) is None


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_people_are_valid(seed: int) -> None:
    import random

    from landbridge.demo.people import make_person, make_uscc

    rng = random.Random(seed)
    person = make_person(rng)
    assert ids.valid_resident_id(person.resident_id) == person.resident_id
    code = make_uscc(rng, "360603")
    assert ids.valid_uscc(code) == code


@given(province=st.sampled_from(sorted(ids.PROVINCE_PREFIXES)), rest=st.integers(0, 9999),
       birth=st.dates(date(1900, 1, 1), date(2026, 12, 31)), seq=st.integers(0, 999))
def test_resident_id_check_char_agrees_with_stdnum(province: str, rest: int, birth: date, seq: int) -> None:
    """Our fast GB 11643 check (bulk paths) gives python-stdnum's check character and verdict."""
    from stdnum.cn import ric

    body = f"{province}{rest:04d}{birth:%Y%m%d}{seq:03d}"
    check = ids.resident_id_check_char(body)
    assert check == ric.calc_check_digit(body + "0")
    assert ids.valid_resident_id(body + check) == body + check
    wrong = "0" if check != "0" else "1"
    assert ids.valid_resident_id(body + wrong) is None
    assert ids.valid_resident_id(body[:10] + "1302" + body[14:] + check) is None  # month 13

"""The working-day calendar: package years, profile overrides, refusal beyond coverage (issue #13 item 3)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.cityprofile import get_profile, load_profile
from landbridge.cityprofile.loader import DATA_DIR
from landbridge.cityprofile.schema import ProfileError
from landbridge.errors import RuleViolation
from landbridge.kernel import workdays
from landbridge.kernel.workdays import Calendar, CalendarNotCovered

WARNING_DAYS = 60


def test_the_calendar_covers_the_next_60_days() -> None:
    """Fails the build 60 days before the calendar runs out: enter the next year's State Council notice."""
    profile = get_profile()
    until = profile.calendar().covered_until()
    assert until >= profile.today() + timedelta(days=WARNING_DAYS), (
        f"the working-day calendar ends on {until}: add year_{until.year + 1} to rules/calendar.toml "
        "(国务院办公厅关于部分节假日安排的通知) or upgrade chinesecalendar")


def test_make_up_saturdays_count_and_holidays_do_not() -> None:
    # 2026: Spring Festival 15-23 February, Saturday 14 February and 28 February are working days.
    assert workdays.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert workdays.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert workdays.workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_a_deadline_past_calendar_coverage_is_refused() -> None:
    last = get_profile().calendar().covered_until()
    with pytest.raises(CalendarNotCovered) as caught:
        workdays.add_workdays(last - timedelta(days=3), 10)
    error = caught.value
    assert isinstance(error, RuleViolation) and error.http_status == 422
    assert error.code == "kernel.calendar_not_covered"
    assert error.details == {"day": (last + timedelta(days=1)).isoformat(), "covered_until": last.isoformat()}
    assert "尚未录入" in error.message
    assert workdays.add_workdays(last - timedelta(days=40), 5) <= last  # inside coverage: answered


def test_a_profile_override_adds_rest_days_working_days_and_years() -> None:
    calendar = Calendar.from_rules({"holidays": [date(2026, 3, 4)], "workdays": [date(2026, 3, 7)],
                                    "year_2030": {"holidays": [date(2030, 1, 1)], "workdays": [date(2030, 1, 5)]}})
    assert not calendar.is_workday(date(2026, 3, 4))  # a Wednesday the city rests
    assert calendar.is_workday(date(2026, 3, 7))  # a Saturday the city works
    assert calendar.covered(date(2030, 6, 1)) and not calendar.covered(date(2029, 6, 1))
    assert workdays.add_workdays(date(2030, 1, 1), 3, calendar) == date(2030, 1, 4)
    assert workdays.add_workdays(date(2030, 1, 4), 1, calendar) == date(2030, 1, 5)
    assert calendar.covered_until() == date(2026, 12, 31)  # 2027-2029 are missing: coverage has a gap
    with pytest.raises(CalendarNotCovered):
        workdays.add_workdays(date(2029, 12, 30), 1, calendar)


def _calendar_amended(tmp_path: Path, day: str, year_2028: str) -> Path:
    """A copy of the Yingtan profile whose calendar gains a version on ``day`` giving ``year_2028``."""
    shutil.copytree(DATA_DIR / "yingtan", tmp_path / "yingtan")
    path = tmp_path / "yingtan" / "rules" / "calendar.toml"
    path.write_text(path.read_text(encoding="utf-8") + f'\n[[version]]\neffective_from = "{day}"\nsource = "s"\n\n'
                    f'[version.rules.year_2028]\nvalue = {year_2028}\nsource = "s"\n', encoding="utf-8")
    return tmp_path


def test_a_calendar_override_in_a_profile_is_checked_when_it_loads(tmp_path: Path) -> None:
    base = _calendar_amended(tmp_path, "2027-06-01", "{ holidays = [2029-01-01], workdays = [] }")
    with pytest.raises(ProfileError, match=r"calendar\.toml \[version 2027-06-01\].*year_2028 lists a day of another"):
        load_profile("yingtan", base)


def test_the_newest_calendar_version_is_used(tmp_path: Path) -> None:
    base = _calendar_amended(tmp_path, "2099-01-01", "{ holidays = [2028-01-03], workdays = [] }")
    calendar = load_profile("yingtan", base).calendar()
    assert calendar.covered(date(2028, 5, 1)) and not calendar.is_workday(date(2028, 1, 3))


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 30)), st.integers(min_value=0, max_value=20))
def test_add_workdays_lands_on_a_working_day_n_days_later(start: date, n: int) -> None:
    end = workdays.add_workdays(start, n)
    assert workdays.workdays_between(start, end) == n
    assert n == 0 or workdays.is_workday(end)

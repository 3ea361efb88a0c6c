"""Working days on the official Chinese calendar: statutory holidays and make-up working days (issue #13 item 3).

The national calendar comes from the ``chinesecalendar`` package (the State Council's yearly notices, one
release per year; chosen over ``holidays``, whose China calendar computes years the notices have not fixed
and lists no make-up working days for them). A city profile's ``calendar`` rule set adds what the package
does not know yet or what the city publishes itself: its own rest days and working days, and whole years
(``year_YYYY`` tables). A day outside the years covered is refused with ``kernel.calendar_not_covered``
instead of silently counting Monday to Friday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar

from landbridge.errors import RuleViolation
from landbridge.kernel.errors import KernelError

CALENDAR_RULE_SET = "calendar"
PACKAGE_YEARS = frozenset(range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1))


class CalendarNotCovered(RuleViolation):
    """A deadline would be counted in a year whose official holiday calendar is not known."""

    def __init__(self, day: date, last: date) -> None:
        spec, details = KernelError.CALENDAR_NOT_COVERED, {"day": day.isoformat(), "covered_until": last.isoformat()}
        super().__init__(spec.code, *spec.render({"year": day.year}, **details), **details)


@lru_cache(maxsize=16_384)
def _package_workday(day: date) -> bool:
    """The package's answer for one day, kept: ``chinese_calendar.is_workday`` checks its range with a ``min`` and a
    ``max`` over every holiday it knows on each call (a registrar's 50 deadlines took 118 ms on the hall)."""
    return bool(chinese_calendar.is_workday(day))


def _dates(values: Any) -> frozenset[date]:
    return frozenset(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values)


@dataclass(frozen=True)
class Calendar:
    """The working-day calendar: the package's years plus a profile's own rest days, working days and years."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    package_years: frozenset[int] = PACKAGE_YEARS

    @classmethod
    def from_rules(cls, values: dict[str, Any]) -> Calendar:
        """Build from the ``calendar`` rule set's values (``holidays``, ``workdays`` and ``year_YYYY`` tables)."""
        holidays, workdays = set(_dates(values.get("holidays", []))), set(_dates(values.get("workdays", [])))
        years: set[int] = set()
        for name, table in values.items():
            if name.startswith("year_"):
                year = int(name.removeprefix("year_"))
                given_h, given_w = _dates(table.get("holidays", [])), _dates(table.get("workdays", []))
                if any(d.year != year for d in given_h | given_w):
                    raise ValueError(f"calendar.{name} lists a day of another year")
                years.add(year)
                holidays |= given_h
                workdays |= given_w
        if holidays & workdays:
            raise ValueError(f"calendar days both rest and working: {sorted(holidays & workdays)}")
        return cls(frozenset(holidays), frozenset(workdays), frozenset(years))

    def covered(self, day: date) -> bool:
        """Whether the official calendar of ``day``'s year is known."""
        return day.year in self.years or day.year in self.package_years

    def covered_until(self) -> date:
        """The last day of the last year covered without a gap from the package's first year."""
        year = min(self.package_years | self.years)
        while year + 1 in self.package_years or year + 1 in self.years:
            year += 1
        return date(year, 12, 31)

    def is_workday(self, day: date) -> bool:
        """An official working day (make-up Saturdays count, statutory holidays do not)."""
        if not self.covered(day):
            raise CalendarNotCovered(day, self.covered_until())
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year in self.package_years and day.year not in self.years:
            return _package_workday(day)
        return day.weekday() < 5


def current_calendar() -> Calendar:
    """The calendar of the configured city profile (its newest ``calendar`` version: what is known of the dates)."""
    from landbridge.cityprofile import get_profile  # a kernel service backed by profile data, read lazily

    return get_profile().calendar()


def covered(day: date, calendar: Calendar | None = None) -> bool:
    """Whether the official holiday calendar for ``day``'s year is known."""
    return (calendar or current_calendar()).covered(day)


def is_workday(day: date, calendar: Calendar | None = None) -> bool:
    """An official working day; a year the calendar does not cover is refused (``CalendarNotCovered``)."""
    return (calendar or current_calendar()).is_workday(day)


def add_workdays(start: date, days: int, calendar: Calendar | None = None) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must be non-negative")
    cal = calendar or current_calendar()
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if cal.is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date, calendar: Calendar | None = None) -> int:
    """Number of working days in (start, end]."""
    cal = calendar or current_calendar()
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if cal.is_workday(current):
            count += 1
    return count

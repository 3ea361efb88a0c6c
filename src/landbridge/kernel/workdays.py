"""Working days on the official Chinese calendar (holidays and make-up workdays) via chinese-calendar.

For years the calendar package does not yet cover, Monday-Friday is used and ``covered`` says so.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def covered(day: date) -> bool:
    """Whether the official holiday calendar for ``day``'s year is known."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> bool:
    """An official working day (make-up Saturdays count, statutory holidays do not)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must be non-negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date) -> int:
    """Number of working days in (start, end]."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday(current):
            count += 1
    return count

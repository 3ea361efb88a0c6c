"""The scheduled computation (issue #19 scope 1): once a day the worker stores every indicator's value for the
current year and month as of today (city time), for every area. A day already stored is left as it is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.supervision.models import IndicatorValue
from landbridge.supervision.service import parse_period, record_values, today


def run_due(session: Session) -> int:
    """The worker's job: store today's figures (``record_today``). It returns 0, because the worker counts the
    transitions it fired (records changing state, CLI ``worker --once``), and storing a day's figures changes no
    record's state."""
    record_today(session)
    return 0


def record_today(session: Session) -> int:
    """Store today's values for this year and this month when not yet stored; how many rows were added."""
    day = today()
    added = 0
    for label in (f"{day.year}", f"{day.year}-{day.month:02d}"):
        done = session.scalar(select(IndicatorValue.id).where(IndicatorValue.period == label,
                                                              IndicatorValue.as_of == day).limit(1))
        if done is None:
            added += record_values(session, parse_period(label), day)
    return added

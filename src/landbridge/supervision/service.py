"""Indicator figures by area and period, their scheduled storage and re-derivation (issue #19 scopes 1-2; P2, S2,
S92). Services never commit; the caller's transaction does.

An area is a 12-digit region code of the city profile: the city, a county (district), a township or a village;
its figure sums the records whose region code starts with its significant prefix. A period is a year ("2026") or
a month ("2026-12"); a flow indicator counts records dated from the period's first day to the as-of day (or its
last day, when earlier), a stock indicator is the position on that day. Every stored value can be re-derived:
the same indicator version and the same dated records give the same number (``rederive``).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import __version__
from landbridge.cityprofile.loader import Region, get_profile
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.ids import is_region_code, region_level
from landbridge.supervision.computations import COMPUTATIONS, Record, Window
from landbridge.supervision.errors import SupervisionError
from landbridge.supervision.indicators import Indicator, IndicatorSet, in_force
from landbridge.supervision.models import IndicatorValue

PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
PREFIX_WIDTH = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
HUNDRED, ZERO = Decimal(100), Decimal(0)
VALUE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    """A year or a month: its label and first and last days."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class Figure:
    """An indicator's value over one area: the value, its parts and how many records are behind it."""

    indicator: str
    area_code: str
    value: Decimal
    numerator: Decimal
    denominator: Decimal | None
    records: int


def today() -> date:
    """Today, in the city's time zone."""
    return to_local(now()).date()


def parse_period(text: str) -> Period:
    """A period from ``"2026"`` or ``"2026-12"``; anything else is ``supervision.invalid_period``."""
    found = PERIOD.match(text or "")
    if found is None or not 2000 <= int(found[1]) <= 2100 or (found[2] and not 1 <= int(found[2]) <= 12):
        raise SupervisionError.INVALID_PERIOD.error(period=text)
    year = int(found[1])
    if found[2] is None:
        return Period(text, date(year, 1, 1), date(year, 12, 31))
    month = int(found[2])
    return Period(text, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def check_as_of(as_of: date) -> date:
    """An as-of day no later than today."""
    if as_of > today():
        raise SupervisionError.INVALID_AS_OF.error(as_of=as_of.isoformat(), today=today().isoformat())
    return as_of


def city() -> Region:
    """The profile's city."""
    return next(r for r in get_profile().regions.values() if r.level == "city")


def check_area(code: str) -> Region:
    """The profile's region ``code`` (the city or below it); anything else is ``supervision.invalid_area``."""
    region = get_profile().region(code) if is_region_code(code or "") else None
    if region is None or region.level not in ("city", "county", "township", "village"):
        raise SupervisionError.INVALID_AREA.error(area=code)
    return region


def prefix(code: str) -> str:
    """The significant prefix of a region code: '3606' for the city, '360603' for a county, …"""
    return code[:PREFIX_WIDTH[region_level(code)]]


def sub_areas(area: Region) -> list[Region]:
    """The areas one level below ``area`` (none below a village)."""
    return get_profile().children(area.code)


def window(indicator: Indicator, period: Period, as_of: date) -> Window:
    """The days a figure of ``indicator`` for ``period`` on ``as_of`` covers."""
    end = min(period.end, as_of)
    return Window(period.start, end) if indicator.kind == "flow" else Window(end, end)


def records(session: Session, indicator: Indicator, period: Period, as_of: date, area: str) -> list[Record]:
    """The records behind ``indicator``'s figure for ``area``: what the owning module's read function answers."""
    computation = COMPUTATIONS[indicator.computation]
    return computation.function(session, window(indicator, period, as_of), indicator.measure, indicator.params,
                                prefix(area))


def value_of(indicator: Indicator, numerator: Decimal, denominator: Decimal | None) -> Decimal:
    """The indicator's value from its parts: a ratio in per cent (0 over nothing), else the numerator."""
    if indicator.measure in COMPUTATIONS[indicator.computation].ratio_measures:
        share = numerator * HUNDRED / denominator if denominator else ZERO
        return share.quantize(VALUE_PLACES)
    return numerator.quantize(VALUE_PLACES)


def figure(indicator: Indicator, area: str, rows: list[Record]) -> Figure:
    """The figure of ``rows`` (already those of ``area``)."""
    ratio = indicator.measure in COMPUTATIONS[indicator.computation].ratio_measures
    numerator = sum((r.numerator for r in rows), ZERO)
    denominator = sum((r.denominator or ZERO for r in rows), ZERO) if ratio else None
    return Figure(indicator.code, area, value_of(indicator, numerator, denominator), numerator, denominator,
                  len(rows))


def figures_by_area(indicator: Indicator, rows: list[Record], areas: list[str]) -> dict[str, Figure]:
    """The figure of each of ``areas`` from one read of all their records."""
    grouped: dict[str, list[Record]] = defaultdict(list)
    by_prefix = {prefix(a): a for a in areas}
    widths = sorted({len(p) for p in by_prefix})
    for row in rows:  # a record counts in each wanted area its code starts with: one look-up per level
        for width in widths:
            area = by_prefix.get(row.region_code[:width])
            if area is not None:
                grouped[area].append(row)
    return {a: figure(indicator, a, grouped[a]) for a in areas}


def code_version(indicator: Indicator) -> str:
    """The code that produced a value: the package's version and the computation's revision."""
    return f"{__version__}+{indicator.computation}.r{COMPUTATIONS[indicator.computation].revision}"


def compute(session: Session, indicator: Indicator, period: Period, as_of: date, area: Region,
            ) -> dict[str, Figure]:
    """The live figures of ``area`` and of each area one level below it."""
    areas = [area.code, *(r.code for r in sub_areas(area))]
    return figures_by_area(indicator, records(session, indicator, period, as_of, area.code), areas)


def _stored_areas(rows: list[Record]) -> list[str]:
    """The city, every county, and every township and village with a record: the areas a run stores."""
    top = city()
    areas = {top.code, *(r.code for r in sub_areas(top))}
    regions = get_profile().regions
    for row in rows:
        code = row.region_code
        for level in ("township", "village"):
            width = PREFIX_WIDTH[level]
            candidate = code[:width].ljust(12, "0")
            if candidate in regions and regions[candidate].level == level:
                areas.add(candidate)
    return sorted(areas)


def record_values(session: Session, period: Period, as_of: date) -> int:
    """Compute every indicator in force on ``as_of`` for ``period`` over every area and store the values not
    already stored for that day (values are never overwritten); how many rows it added."""
    check_as_of(as_of)
    indicator_set = in_force(as_of)
    existing = {(code, area) for code, area in session.execute(select(
        IndicatorValue.indicator_code, IndicatorValue.area_code).where(
        IndicatorValue.period == period.label, IndicatorValue.as_of == as_of))}
    added, stamp = 0, now()
    for indicator in indicator_set.indicators:
        rows = records(session, indicator, period, as_of, city().code)
        for area, fig in figures_by_area(indicator, rows, _stored_areas(rows)).items():
            if (indicator.code, area) in existing:
                continue
            session.add(IndicatorValue(indicator_code=indicator.code, area_code=area, period=period.label,
                                       as_of=as_of, value=fig.value, numerator=fig.numerator,
                                       denominator=fig.denominator, records=fig.records,
                                       indicator_version=indicator_set.version,
                                       definition_digest=indicator_set.digest, code_version=code_version(indicator),
                                       created_at=stamp))
            added += 1
    session.flush()
    return added


def rederive(session: Session, code: str, area: str, period: Period, as_of: date) -> Figure:
    """The value of ``code`` for ``area``, ``period`` and ``as_of`` derived again now, with the indicator version in
    force on ``as_of``: for dated records it equals the value stored on that day."""
    indicator = in_force(as_of).get(code)
    return figure(indicator, area, records(session, indicator, period, as_of, area))


def latest_as_of(session: Session, period: Period) -> date | None:
    """The newest day with stored values for ``period``."""
    return session.scalar(select(func.max(IndicatorValue.as_of)).where(IndicatorValue.period == period.label))


def stored(session: Session, period: Period, as_of: date, areas: list[str]) -> dict[tuple[str, str], IndicatorValue]:
    """The values stored for ``period`` on ``as_of`` for ``areas``, by (indicator, area)."""
    rows = session.scalars(select(IndicatorValue).where(IndicatorValue.period == period.label,
                                                        IndicatorValue.as_of == as_of,
                                                        IndicatorValue.area_code.in_(areas)))
    return {(v.indicator_code, v.area_code): v for v in rows}


def series(session: Session, code: str, area: str, period: Period, *, limit: int = 60) -> list[IndicatorValue]:
    """The stored values of one indicator for one area and period over the as-of days, oldest first."""
    rows = session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator_code == code, IndicatorValue.area_code == area,
        IndicatorValue.period == period.label).order_by(IndicatorValue.as_of.desc()).limit(limit))
    return list(reversed(list(rows)))


def indicator_set(on: date) -> IndicatorSet:
    """The indicator set in force on ``on``."""
    return in_force(on)

"""Pure rules of open data (issue #19 item 6; requirements P2, S2): periods and areas a statistic is grouped by, the
rule set's values, and the price index (ADR 0018). No database, no web framework.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from landbridge.open_data.errors import OpenDataError

CENT = Decimal("0.01")


class Granularity(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


class AreaLevel(StrEnum):
    district = "district"   # county-level: the first 6 digits of the 12-digit division code
    township = "township"   # township-level: the first 9 digits

    @property
    def digits(self) -> int:
        return 6 if self is AreaLevel.district else 9


def area_of(region_code: str, level: AreaLevel) -> str:
    """The 12-digit code of the district or township a record's region lies in."""
    return region_code[:level.digits].ljust(12, "0")


def period_of(day: date, granularity: Granularity) -> str:
    """The label of the period holding ``day``: ``2025-03``, ``2025Q1`` or ``2025``."""
    if granularity is Granularity.month:
        return f"{day.year}-{day.month:02d}"
    if granularity is Granularity.quarter:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def period_start(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.month:
        return day.replace(day=1)
    if granularity is Granularity.quarter:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def next_period(start: date, granularity: Granularity) -> date:
    months = {Granularity.month: 1, Granularity.quarter: 3, Granularity.year: 12}[granularity]
    m = start.month - 1 + months
    return date(start.year + m // 12, m % 12 + 1, 1)


def periods(start: date, end: date, granularity: Granularity) -> list[tuple[str, date, date]]:
    """The periods from the one holding ``start`` to the one holding ``end``: (label, first day, last day)."""
    out, p = [], period_start(start, granularity)
    while p <= end:
        nxt = next_period(p, granularity)
        out.append((period_of(p, granularity), p, nxt - timedelta(days=1)))
        p = nxt
    return out


@dataclass(frozen=True)
class OpenDataRules:
    """The rule set ``open_data`` of a day."""

    min_cell_count: int                      # k: a published cell is 0 or built from at least this many records
    use_categories: Mapping[str, Sequence[str]]  # use category -> GB/T 21010 class prefixes
    index_from: date                         # the first day a price index series counts deals from
    max_periods: int                         # the most periods one table may have (bounded queries)
    page_size_max: int                       # the most rows one page of a table may have
    licence: str                             # SPDX identifier of the datasets' licence

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> OpenDataRules:
        return cls(int(values["min_cell_count"]), dict(values["use_categories"]),
                   date.fromisoformat(str(values["index_from"])), int(values["max_periods"]),
                   int(values["page_size_max"]), str(values["licence"]))


def use_category(land_use_class: str | None, categories: Mapping[str, Sequence[str]]) -> str:
    """The use category of a land-use class: the longest matching prefix, else ``other``."""
    best, length = "other", 0
    for category, prefixes in categories.items():
        for prefix in prefixes:
            if land_use_class and land_use_class.startswith(str(prefix)) and len(str(prefix)) > length:
                best, length = category, len(str(prefix))
    return best


def check_range(start: date, end: date, granularity: Granularity, max_periods: int) -> None:
    """422 when the range is reversed or holds more periods than the rule allows."""
    if end < start:
        raise OpenDataError.BAD_RANGE.error(start=start.isoformat(), end=end.isoformat())
    n = len(periods(start, end, granularity))
    if n > max_periods:
        raise OpenDataError.TOO_MANY_PERIODS.error(periods=n, max=max_periods)


# --- price index (ADR 0018) ------------------------------------------------------------------------------------

def geometric_mean(values: Sequence[Decimal]) -> Decimal:
    """The geometric mean of positive prices (Jevons elementary aggregate), to the cent."""
    if not values or any(v <= 0 for v in values):
        raise ValueError("a geometric mean needs positive values")
    mean = math.exp(sum(math.log(float(v)) for v in values) / len(values))
    return Decimal(repr(mean)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class IndexPoint:
    """One quarter of a series: its deals, the Jevons mean price per m² and the index (base = 100), or ``None``
    for both when the quarter has fewer than ``k`` deals (published as "<k")."""

    period: str
    deals: int
    unit_price: Decimal | None
    index: Decimal | None
    suppressed: bool


def price_index(quarters: Sequence[str], prices: Mapping[str, Sequence[Decimal]], k: int) -> tuple[str | None,
                                                                                                   list[IndexPoint]]:
    """A fixed-base index over ``quarters`` (in order): each publishable quarter (at least ``k`` deals) gets the
    geometric mean of its prices per m², and 100 × that mean ÷ the base quarter's, the base being the first
    publishable quarter. Returns (base quarter or None, points)."""
    base: Decimal | None = None
    base_label: str | None = None
    out = []
    for q in quarters:
        ps = [p for p in prices.get(q, ()) if p > 0]
        n = len(ps)
        if n == 0 or n < k:
            out.append(IndexPoint(q, n, None, None, 0 < n < k))
            continue
        mean = geometric_mean(ps)
        if base is None:
            base, base_label = mean, q
        out.append(IndexPoint(q, n, mean, (mean * 100 / base).quantize(CENT, ROUND_HALF_UP), False))
    return base_label, out

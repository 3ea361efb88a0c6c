"""Pure rules of collective operating construction land entering the market (集体经营性建设用地入市, issue #15;
土地管理法 2019 art. 63, 实施条例 2021 arts. 38-43): the entry methods (grant 出让, lease 出租, contribution as
equity 作价入股), the statutory maximum term by use (residential 70, commercial 40, industrial and other 50 years),
the term a new right runs, a lease's rent schedule, and the adjustment fee's rate (土地增值收益调节金) by use,
grade and method from the rule table. Every amount is fen exact. No database, no web framework.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from landbridge.exchange.errors import ExchangeError
from landbridge.kernel.money import FEN

ANY_GRADE = "*"
# The highest land grade (土地级别) an entry may name, in one place: market entry's plan check calls check_grade
# through the exchange's public API. Not a policy number but the bound of a grade scheme's size: the adjustment fee
# table (rule data) may name grades 1..MAX_GRADE, each with its own rates, and prices every other grade in its
# ``*`` row, so the table cannot bound the grades itself; a table naming a grade above the bound, or a grade
# that is not a number, is a configuration error (``table_grades``). A county with a longer scheme needs a rule
# (a new exchange.toml version) read here instead.
MAX_GRADE = 20


class EntryMethod(StrEnum):
    """How collective operating construction land enters the market: a grant of a new termed use right (出让),
    a lease (出租) with a rent schedule, or a contribution as equity to a project company (作价入股)."""

    grant = "grant"
    lease = "lease"
    equity = "equity"


@dataclass(frozen=True)
class EntryTermRules:
    """The market-entry rules of one exchange rule-set version (exchange.toml ``collective_construction_land.*``):
    the entry methods allowed, the statutory maximum term in years by use category, and the use categories'
    GB/T 21010 class prefixes. The exchange owns them (it enforces them when the lot is set up and again at the
    hand-over); market entry's plan check reads them from here (``landbridge.exchange.entry_term_rules``)."""

    methods: tuple[str, ...]
    term_caps: Mapping[str, int]
    land_uses: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_values(cls, methods: Any, term_caps: Mapping[str, Any], land_uses: Mapping[str, Any]) -> EntryTermRules:
        return cls(methods=tuple(str(m) for m in methods), term_caps={k: int(v) for k, v in term_caps.items()},
                   land_uses={k: tuple(str(p) for p in v) for k, v in land_uses.items()})


def entry_method(value: str) -> EntryMethod:
    """The entry method named, or 422 exchange.invalid_entry_method."""
    try:
        return EntryMethod(value)
    except ValueError:
        raise ExchangeError.INVALID_ENTRY_METHOD.error(method=str(value)[:20],
                                                       allowed=[m.value for m in EntryMethod]) from None


def term_cap(use: str, caps: Mapping[str, Any]) -> int:
    """The statutory maximum term in years of ``use`` (rule data ``entry_term_caps``; ``other`` for a use not
    listed)."""
    return int(caps.get(use, caps["other"]))


def check_term(use: str, years: int, caps: Mapping[str, Any]) -> int:
    """A grant's or lease's term in whole years: at least one year and not over the use's cap (422
    exchange.entry_term_over_cap, exchange.invalid_entry_term)."""
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ExchangeError.INVALID_ENTRY_TERM.error(years=str(years)[:12])
    cap = term_cap(use, caps)
    if years > cap:
        raise ExchangeError.ENTRY_TERM_OVER_CAP.error(years=years, cap=cap, use=use)
    return years


EQUITY_SHARE_MAX_CHARS = 24  # the stored share's column width (input hygiene, not policy)


def check_equity_share(method: str, value: object) -> str | None:
    """The collective's share of a contribution as equity (作价入股), normalised (``"3/10"``): a fraction in
    (0, 1], given as text such as ``"3/10"`` or ``"0.3"`` (at most 24 characters) or as an integer, with a
    denominator of at most a million; None for the other methods, which carry no share (422
    exchange.invalid_equity_share). The one check of the share: market entry's plan check calls it too."""
    if method != EntryMethod.equity:
        return None
    share: Fraction | None = None
    if isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) <= EQUITY_SHARE_MAX_CHARS:
        try:
            share = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            share = None
    if share is None or not 0 < share <= 1 or share.denominator > 10**6:
        raise ExchangeError.INVALID_EQUITY_SHARE.error()
    return str(share)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (28 February where 29 February does not exist)."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def term_end(start: date, years: int) -> date:
    """The last day of a term of ``years`` from ``start``: the day before the anniversary."""
    return date.fromordinal(add_years(start, years).toordinal() - 1)


@dataclass(frozen=True)
class Rent:
    """One year's rent of a lease: its number (from 1), amount and due day (each anniversary of the start)."""

    seq: int
    amount: Decimal
    due_on: date


def rent_schedule(total: Decimal, start: date, years: int) -> tuple[Rent, ...]:
    """A lease's total rent (the lot's price) in equal yearly payments due on each anniversary of the start, to
    the fen, summing exactly to the total (the odd fen go to the earliest years)."""
    if years < 1 or total <= 0 or total != total.quantize(FEN):
        raise ValueError("a rent schedule needs a positive amount in fen and at least one year")
    fen = int(total / FEN)
    base, extra = divmod(fen, years)
    return tuple(Rent(i + 1, Decimal(base + (1 if i < extra else 0)) * FEN, add_years(start, i))
                 for i in range(years))


@dataclass(frozen=True)
class FeeRate:
    """The adjustment fee's rate of one entry and the table cell it came from (use, grade, method)."""

    use: str
    grade: str
    method: str
    rate: Decimal


def grade_key(grade: int | None) -> str:
    """The table key of a land grade (土地级别): its number, or ``*`` where the grade is not known."""
    return ANY_GRADE if grade is None else str(grade)


def table_grades(table: Mapping[str, Any]) -> frozenset[int]:
    """The land grades the adjustment fee table names (its rows' keys other than ``*``), each within 1..MAX_GRADE,
    so that every grade it prices can be entered; any other key is a configuration error."""
    named: set[int] = set()
    for by_grade in table.values():
        for key in by_grade:
            if key == ANY_GRADE:
                continue
            if not str(key).isdigit() or not 1 <= int(key) <= MAX_GRADE:
                raise ValueError(f"adjustment fee table grade {key!r} is not a grade from 1 to {MAX_GRADE}")
            named.add(int(key))
    return frozenset(named)


def fee_rate(table: Mapping[str, Any], use: str, grade: int | None, method: str) -> FeeRate:
    """The adjustment fee rate of the table cell (use, grade, method): the use's row (``other`` where the use has
    none), the grade's row (``*`` where the table does not name the grade), the method's rate. A table without
    that cell, a rate outside [0, 1), or a grade outside the grades an entry may name (``table_grades``), is a
    configuration error."""
    table_grades(table)
    row_use = use if use in table else "other"
    by_grade: Mapping[str, Any] = table[row_use]
    key = grade_key(grade)
    row_grade = key if key in by_grade else ANY_GRADE
    rate = Decimal(str(by_grade[row_grade][method]))
    if not Decimal(0) <= rate < 1:
        raise ValueError(f"adjustment fee rate out of range: {rate}")
    return FeeRate(row_use, row_grade, method, rate)


def check_grade(grade: int | None) -> int | None:
    """A land grade is a whole number from 1 to MAX_GRADE, or not given (422 exchange.invalid_land_grade); the one
    check of a grade (market entry's plan calls it as ``landbridge.exchange.check_land_grade``)."""
    if grade is None:
        return None
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= MAX_GRADE:
        raise ExchangeError.INVALID_LAND_GRADE.error(grade=str(grade)[:12], max=MAX_GRADE)
    return grade

"""Statistics tables of open data (issue #19 item 6; P2, S2): a dataset's facts grouped by area (district or
township) and period (month, quarter, year), each cell with its record count, every cell and margin built from
fewer than k records suppressed with complementary suppression (``suppression``), then a page of rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.open_data import suppression
from landbridge.open_data.errors import OpenDataError
from landbridge.open_data.rules import (
    AreaLevel,
    Granularity,
    OpenDataRules,
    area_of,
    check_range,
    period_of,
    periods,
)
from landbridge.open_data.sources import DATASETS, Dataset, Fact

PROFILE_LEVEL = {AreaLevel.district: "county", AreaLevel.township: "township"}


@dataclass(frozen=True)
class Cell:
    """A published cell: ``records`` and ``measure`` are None when the cell is suppressed ("<k")."""

    records: int | None
    measure: Decimal | None
    suppressed: bool


@dataclass(frozen=True)
class Row:
    area: str
    name: str
    name_en: str
    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class Table:
    dataset: Dataset
    level: AreaLevel
    granularity: Granularity
    start: date
    end: date
    category: str
    k: int
    periods: tuple[str, ...]
    rows: tuple[Row, ...]        # this page's rows
    totals: Row                  # the column totals and the grand total (over every row, not just the page)
    row_count: int               # rows of the whole table
    offset: int
    last_day: date | None        # the newest record behind the table (its last update)


def get_dataset(key: str) -> Dataset:
    if key not in DATASETS:
        raise OpenDataError.UNKNOWN_DATASET.error(dataset=key)
    return DATASETS[key]


def _areas(level: AreaLevel, prefix: str, facts: list[Fact]) -> dict[str, tuple[str, str]]:
    """The areas of a level under ``prefix``: every one the city profile knows, and any a record names."""
    profile = get_profile()
    out = {r.code: (r.name, r.name_en) for r in profile.regions.values()
           if r.level == PROFILE_LEVEL[level] and r.code.startswith(prefix)}
    for f in facts:
        code = area_of(f.region_code, level)
        if code not in out:
            region = profile.region(code)
            out[code] = (region.name, region.name_en) if region else (code, code)
    return dict(sorted(out.items()))


def build(session: Session, rules: OpenDataRules, *, dataset: str, level: AreaLevel, granularity: Granularity,
          start: date, end: date, region: str = "", category: str = "", offset: int = 0,
          limit: int = 50) -> Table:
    """The table of ``dataset`` (422/404 typed refusals on a bad range, an unknown dataset or category)."""
    ds = get_dataset(dataset)
    check_range(start, end, granularity, rules.max_periods)
    spans = periods(start, end, granularity)
    facts = ds.read(session, spans[0][1], spans[-1][2], region)
    if category:
        known = {f.category for f in facts}
        if ds.categories == "—" or (category not in known and not _known_category(ds, category)):
            raise OpenDataError.UNKNOWN_CATEGORY.error(dataset=dataset, category=category)
        facts = [f for f in facts if f.category == category]
    facts = [f for f in facts if start <= f.day <= end]
    areas = _areas(level, region[:level.digits], facts)
    codes = list(areas)
    col = {label: n for n, (label, _, _) in enumerate(spans)}
    counts = [[0] * len(spans) for _ in codes]
    sums = [[Decimal(0)] * len(spans) for _ in codes]
    where = {c: n for n, c in enumerate(codes)}
    for f in facts:
        i, j = where[area_of(f.region_code, level)], col[period_of(f.day, granularity)]
        counts[i][j] += f.records
        sums[i][j] += f.measure or Decimal(0)
    g = suppression.grid(counts) if codes else suppression.grid([[0] * len(spans)])
    hidden = suppression.suppress(g, rules.min_cell_count)
    problems = suppression.check_protected(g, hidden, rules.min_cell_count)
    if problems:  # never publish a table that breaks the rule (the algorithm guarantees none)
        raise AssertionError(problems)
    measured = ds.measure is not None

    def cell(i: int, j: int) -> Cell:
        if (i, j) in hidden:
            return Cell(None, None, True)
        n = g.value((i, j))
        if not measured:
            return Cell(n, None, False)
        if i < len(codes) and j < len(spans):
            m = sums[i][j]
        elif i < len(codes):
            m = sum(sums[i], Decimal(0))
        elif j < len(spans):
            m = sum((s[j] for s in sums), Decimal(0))
        else:
            m = sum((sum(s, Decimal(0)) for s in sums), Decimal(0))
        return Cell(n, m, False)

    c = len(spans)
    rows = [Row(code, *areas[code], tuple(cell(i, j) for j in range(c)), cell(i, c)) for i, code in enumerate(codes)]
    r = len(codes)
    totals = Row("", "合计", "Total", tuple(cell(r, j) for j in range(c)), cell(r, c))
    return Table(ds, level, granularity, start, end, category, rules.min_cell_count, tuple(s[0] for s in spans),
                 tuple(rows[offset:offset + limit]), totals, len(rows), offset, max((f.day for f in facts),
                                                                                     default=None))


def _known_category(ds: Dataset, category: str) -> bool:
    if ds.key == "rights_registered":
        return category in registry.right_type_codes()
    if ds.key == "exchange_deals":
        return category in {str(k) for k in exchange.LotKind}
    return False


def _cell_json(c: Cell) -> dict[str, Any]:
    return {"records": c.records, "measure": None if c.measure is None else str(c.measure),
            "suppressed": c.suppressed}


def to_json(t: Table) -> dict[str, Any]:
    def row(r: Row) -> dict[str, Any]:
        return {"area": r.area or None, "name": r.name, "name_en": r.name_en,
                "cells": [_cell_json(c) for c in r.cells], "total": _cell_json(r.total)}

    return {"dataset": t.dataset.key, "level": t.level.value, "granularity": t.granularity.value,
            "start": t.start.isoformat(), "end": t.end.isoformat(), "category": t.category or None,
            "k": t.k, "suppressed_as": f"<{t.k}", "measure_unit": t.dataset.unit, "periods": list(t.periods),
            "rows": [row(r) for r in t.rows], "totals": row(t.totals),
            "page": {"offset": t.offset, "limit": len(t.rows), "total_rows": t.row_count},
            "last_record_on": t.last_day.isoformat() if t.last_day else None}


def to_csv(t: Table) -> str:
    """One line per area and period, then the area's total, then the column totals; "<k" where suppressed."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["area_code", "area_name", "area_name_en", "period", "records", "measure", "unit"])

    def fmt(c: Cell) -> tuple[str, str]:
        if c.suppressed:
            return f"<{t.k}", f"<{t.k}" if t.dataset.measure else ""
        return str(c.records), "" if c.measure is None else str(c.measure)

    for r in (*t.rows, t.totals):
        for label, c in (*zip(t.periods, r.cells, strict=True), ("total", r.total)):
            w.writerow([r.area, r.name, r.name_en, label, *fmt(c), t.dataset.unit or ""])
    return out.getvalue()

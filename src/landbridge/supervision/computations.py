"""The registered computations indicators name (issue #19 scope 1; P2, S2): each reads one owning module's public
read function and turns its rows into ``Record``s, one per record behind a figure, with the record's region, its
contribution (``numerator``, and ``denominator`` for a ratio) and where its page is. An indicator's value over an
area is the sum of its records' contributions (a ratio: numerator over denominator, in per cent).

A computation is keyed by name; its ``revision`` is part of the code version every stored value names, so a change
in how a computation reads its module is visible in the time series. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge import collective, exchange, land_quota, lending, market_entry
from landbridge.ledger import subjects

ONE, ZERO = Decimal(1), Decimal(0)
EPOCH = date(2000, 1, 1)  # the first day a period may start (service.parse_period): a stock sums entries from it


@dataclass(frozen=True)
class Window:
    """The days a figure covers: a flow counts records dated ``start``..``end``; a stock is a position on ``end``."""

    start: date
    end: date


@dataclass(frozen=True)
class Record:
    """One record behind a figure: its module's id, label and page, its region and its contribution."""

    module: str
    record_id: int
    label: str
    url: str
    region_code: str
    numerator: Decimal
    denominator: Decimal | None = None
    note: str = ""
    note_en: str = ""


Compute = Callable[[Session, Window, str, dict[str, Any], str], list[Record]]


@dataclass(frozen=True)
class Computation:
    """A registered computation: the function, its revision and the measures it offers."""

    function: Compute
    revision: int
    measures: tuple[str, ...]
    ratio_measures: tuple[str, ...] = ()


def _concluded_lots(session: Session, window: Window, measure: str, params: dict[str, Any],
                    prefix: str) -> list[Record]:
    return [Record("exchange", lot.lot_id, f"{lot.number} {lot.title}", f"/exchange/lots/{lot.lot_id}",
                   lot.region_code, ONE if measure == "count" else lot.price, note=lot.decided_on.isoformat(),
                   note_en=lot.decided_on.isoformat())
            for lot in exchange.concluded_lots(session, window.start, window.end, region_prefix=prefix)]


def _loan_positions(session: Session, window: Window, measure: str, params: dict[str, Any],
                    prefix: str) -> list[Record]:
    min_days = int(params.get("npl_min_days", 0))
    out = []
    for p in lending.loan_positions(session, window.end, region_prefix=prefix):
        if p.outstanding <= 0:
            continue
        npl = measure == "npl_ratio" and p.days_past_due >= min_days
        note = f"逾期 {p.days_past_due} 天" + (" · 不良" if npl else "")
        note_en = f"{p.days_past_due} days past due" + (" · non-performing" if npl else "")
        if measure == "npl_ratio":
            out.append(Record("lending", p.loan_id, p.loan_no, f"/lending/loans/{p.loan_id}", p.region_code,
                              p.outstanding if npl else ZERO, p.outstanding, note, note_en))
        else:
            out.append(Record("lending", p.loan_id, p.loan_no, f"/lending/loans/{p.loan_id}", p.region_code,
                              p.outstanding, note=note, note_en=note_en))
    return out


def _dividends_paid(session: Session, window: Window, measure: str, params: dict[str, Any],
                    prefix: str) -> list[Record]:
    return [Record("collective", d.run_id, f"{d.collective_name} {d.period}",
                   f"/api/v1/ledger/events?subject={subjects.collective(d.collective_id)}",
                   d.region_code, d.amount, note=d.paid_on.isoformat(), note_en=d.paid_on.isoformat())
            for d in collective.dividends_paid(session, window.start, window.end, region_prefix=prefix)]


def _quota_credits(session: Session, window: Window, measure: str, params: dict[str, Any],
                   prefix: str) -> list[Record]:
    return [Record("land_quota", c.entry_id, f"{c.county_code} {c.year} #{c.project_id or '-'}",
                   f"/quota?year={c.year}", c.county_code.ljust(12, "0"), c.amount_m2,
                   note=c.credited_on.isoformat(), note_en=c.credited_on.isoformat())
            for c in land_quota.quota_credits(session, window.start, window.end, region_prefix=prefix)]


def _entered_land(session: Session, window: Window, measure: str, params: dict[str, Any],
                  prefix: str) -> list[Record]:
    out = []
    for e in market_entry.entered_land(session, window.start, window.end, region_prefix=prefix):
        benchmark = "—" if e.benchmark_cny is None else f"{e.benchmark_cny:,.2f}"
        note = f"{e.concluded_on.isoformat()} · 成交 {e.price_cny:,.2f} / 评估 {benchmark}"
        note_en = f"{e.concluded_on.isoformat()} · price {e.price_cny:,.2f} / benchmark {benchmark}"
        url = f"/market-entry/cases/{e.case_id}"
        if measure == "price_to_benchmark":  # a deal without a benchmark adds nothing to either side
            with_benchmark = e.benchmark_cny is not None and e.benchmark_cny > 0
            out.append(Record("market_entry", e.case_id, e.number, url, e.region_code,
                              e.price_cny if with_benchmark else ZERO,
                              e.benchmark_cny if with_benchmark and e.benchmark_cny is not None else ZERO,
                              note, note_en))
            continue
        value = {"count": ONE, "area": e.area_m2, "price": e.price_cny}[measure]
        out.append(Record("market_entry", e.case_id, e.number, url, e.region_code, value, note=note, note_en=note_en))
    return out


QUOTA_SIGN = {"allocated": {"allocation": ONE}, "consumed": {"consumption": ONE},
              "balance": {"credit": ONE, "allocation": -ONE}}


def _quota_movements(session: Session, window: Window, measure: str, params: dict[str, Any],
                     prefix: str) -> list[Record]:
    """A stock: every entry from the first day to the window's end, signed by the measure (``QUOTA_SIGN``)."""
    signs = QUOTA_SIGN[measure]
    return [Record("land_quota", m.entry_id, f"{m.county_code} {m.year} {m.kind} #{m.parcel_id or m.project_id or '-'}",
                   f"/quota?year={m.year}", m.county_code.ljust(12, "0"), signs[m.kind] * m.amount_m2,
                   note=f"{m.made_on.isoformat()} {m.kind}", note_en=f"{m.made_on.isoformat()} {m.kind}")
            for m in land_quota.quota_movements(session, EPOCH, window.end, region_prefix=prefix)
            if m.kind in signs]


COMPUTATIONS: dict[str, Computation] = {
    "exchange.concluded_lots": Computation(_concluded_lots, 1, ("count", "price")),
    "lending.loan_positions": Computation(_loan_positions, 1, ("outstanding", "npl_ratio"), ("npl_ratio",)),
    "collective.dividends_paid": Computation(_dividends_paid, 1, ("amount",)),
    "land_quota.quota_credits": Computation(_quota_credits, 1, ("area",)),
    "market_entry.entered_land": Computation(_entered_land, 1, ("count", "area", "price", "price_to_benchmark"),
                                             ("price_to_benchmark",)),
    "land_quota.quota_movements": Computation(_quota_movements, 1, ("allocated", "consumed", "balance")),
}

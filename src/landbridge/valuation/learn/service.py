"""Learn a benchmark system's coefficient tables from the sales record and store the run (差别化地价修正, L1).

The service gathers the validated market sales of the system's area in a window (declared related-party
sales and sales with a pending or accepted non-market flag left out), describes each as the coefficient
method describes a parcel (``benchmark.parcel_factor_attributes`` for sales of registered parcels; the
sale's own point and area otherwise), finds its price zone as ``benchmark.zone_of`` does, and hands the
columns to ``valuation.learn`` (the method is documented there). The run, its learned cells and the
ledger event ``valuation.coefficients_learned`` are written in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.valuation.benchmark.rules import BenchmarkTables
from landbridge.valuation.benchmark.service import (
    benchmark_tables,
    factor_places,
    get_benchmark_system,
    parcel_factor_attributes,
)
from landbridge.valuation.benchmark.validation import non_market_sale_ids
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.learn.models import LearnedBasePrice, LearnedFactorGrade, LearnRun
from landbridge.valuation.learn.rules import LearnedTables, LearnSettings, SalesSample, learn_coefficients
from landbridge.valuation.mass.places import distances
from landbridge.valuation.sales.models import Sale

MODULE = "valuation"


def learn_settings(on: date | None = None) -> LearnSettings:
    """The learning's rule values in force on ``on`` (rule set ``valuation``)."""
    rules = get_profile().rules("valuation")
    return LearnSettings(min_sales=rules.int("learn_min_sales", on),
                         difference_threshold=Decimal(str(rules.value("learn_difference_threshold", on))),
                         confidence=Decimal(str(rules.value("learn_confidence", on))))


@dataclass
class _Sales:
    """The window's sales as lists while they are gathered, and the counts of those left out."""

    excluded: dict[str, int]
    rows: list[Any]


def _window(since: date | None, until: date | None) -> tuple[date, date]:
    end = until or to_local(now()).date()
    if since is None:
        years = get_profile().rules("valuation").int("learn_window_years", end)
        try:
            since = end.replace(year=end.year - years)
        except ValueError:  # 29 February
            since = end.replace(year=end.year - years, day=28)
    if since > end:
        raise ValuationError.LEARN_BAD_WINDOW.error(since=since.isoformat(), until=end.isoformat())
    return since, end


def _market_sales(session: Session, region_code: str, since: date, until: date) -> _Sales:
    """Sales in the window and the area; related-party and flagged (pending or accepted) sales counted out."""
    prefix = region_code.rstrip("0")
    flagged = non_market_sale_ids(session)
    stmt = select(Sale.id, Sale.parcel_id, Sale.land_use_class, Sale.sale_date, Sale.price_cny, Sale.area_m2,
                  Sale.term_years, Sale.plot_ratio, Sale.lon, Sale.lat, Sale.related_parties).where(
        Sale.sale_date >= since, Sale.sale_date <= until).order_by(Sale.id)
    if prefix:
        stmt = stmt.where(Sale.region_code.startswith(prefix, autoescape=True))
    out = _Sales(excluded={"related_parties": 0, "flagged": 0}, rows=[])
    for row in session.execute(stmt):
        if row.related_parties:
            out.excluded["related_parties"] += 1
        elif row.id in flagged:
            out.excluded["flagged"] += 1
        else:
            out.rows.append(row)
    return out


def zone_indexes(tables: BenchmarkTables, uses: list[str | None], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Each point's price zone of its use (index into ``tables.zones``, −1 none), the best grade where zones meet."""
    out = np.full(len(uses), -1, dtype=np.int64)
    use_arr = np.array([u or "" for u in uses], dtype=object)
    points = shapely.points(lon, lat) if len(uses) else np.zeros(0, dtype=object)
    order = sorted(range(len(tables.zones)), key=lambda k: (tables.zones[k].grade, tables.zones[k].code))
    for k in order:
        zone = tables.zones[k]
        rows = np.flatnonzero((use_arr == zone.use) & (out < 0))
        if rows.size:
            shapely.prepare(zone.geometry)
            hit = shapely.covers(zone.geometry, points[rows])
            out[rows[hit]] = k
    return out


def _column(values: list[Any]) -> np.ndarray:
    if any(isinstance(v, str) for v in values):
        return np.array(values, dtype=object)
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def sales_sample(session: Session, tables: BenchmarkTables, rows: list[Any]) -> tuple[SalesSample, dict[str, int]]:
    """Sales as the learner's columns, each described as the coefficient method describes a parcel (L1)."""
    wanted = {f.attribute for f in tables.factors}
    needs_places = any(a.startswith("dist_") and a.endswith("_m") for a in wanted)
    places = factor_places(session) if needs_places and rows else None
    parcels = parcel_factor_attributes(session, [r.parcel_id for r in rows if r.parcel_id], places=places,
                                       wanted=wanted)
    kept, lon, lat, attrs = [], [], [], []
    no_location = 0
    for r in rows:
        place = parcels.get(r.parcel_id) if r.parcel_id else None
        if place is not None:
            kept.append(r)
            lon.append(place.lon)
            lat.append(place.lat)
            attrs.append(dict(place.attributes))
        elif r.lon is not None and r.lat is not None:
            kept.append(r)
            lon.append(float(r.lon))
            lat.append(float(r.lat))
            attrs.append({"area_m2": float(r.area_m2)})
        else:
            no_location += 1
    lon_a, lat_a = np.array(lon, dtype=float), np.array(lat, dtype=float)
    own = [i for i, r in enumerate(kept) if not (r.parcel_id and r.parcel_id in parcels)]
    if own and places is not None:  # sales without a registered parcel: measured from the sale's own point
        dist = distances(places, lon_a[own], lat_a[own])
        for j, i in enumerate(own):
            attrs[i].update({k: float(v[j]) for k, v in dist.items() if np.isfinite(v[j])})
    uses = [tables.use_of(r.land_use_class) for r in kept]
    zone = zone_indexes(tables, uses, lon_a, lat_a)
    plot = [r.plot_ratio if r.plot_ratio is not None else a.get("plot_ratio") for r, a in zip(kept, attrs, strict=True)]
    sample = SalesSample(
        zone_index=zone,
        price_per_m2=np.array([float(Decimal(r.price_cny) / Decimal(r.area_m2)) for r in kept], dtype=float),
        sale_date=np.array([r.sale_date for r in kept], dtype="datetime64[D]"),
        remaining_years=_column([r.term_years for r in kept]), plot_ratio=_column(plot).astype(float),
        attributes={name: _column([a.get(name) for a in attrs]) for name in sorted(wanted)})
    return sample, {"no_location": no_location, "no_use": sum(u is None for u in uses)}


def _rows_digest(learned: LearnedTables) -> str:
    """SHA-256 of the learned cells as canonical JSON: what the ledger event seals."""
    cells = [{k: str(v) for k, v in b.__dict__.items()} for b in learned.bases] + \
        [{k: str(v) for k, v in g.__dict__.items()} for g in learned.factors]
    text = json.dumps(cells, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def learn_benchmark_coefficients(session: Session, code: str, *, actor: str, since: date | None = None,
                                 until: date | None = None) -> LearnRun:
    """Learn what a benchmark system's tables should be from validated market sales and store the run (L1)."""
    system = get_benchmark_system(session, code)
    tables = benchmark_tables(session, code)
    since, until = _window(since, until)
    found = _market_sales(session, system.region_code, since, until)
    sample, dropped = sales_sample(session, tables, found.rows)
    settings = learn_settings(until)
    learned = learn_coefficients(tables, sample, settings)
    if learned.sales_used == 0:
        raise ValuationError.LEARN_NO_SALES.error(benchmark=code, since=since.isoformat(), until=until.isoformat())
    excluded = {**found.excluded, **dropped, "no_zone": learned.sales_unzoned - dropped["no_use"],
                "unusable": learned.sales_unusable}
    run = LearnRun(system_id=system.id, system_code=system.code, since=since, until=until,
                   sale_count=learned.sales_used, actor=actor, created_at=now(),
                   parameters={"excluded": excluded, "min_sales": settings.min_sales,
                               "difference_threshold": str(settings.difference_threshold),
                               "confidence": str(settings.confidence), "iterations": learned.iterations,
                               "converged": learned.converged, "method": "backfitted medians (valuation.learn)"})
    session.add(run)
    session.flush()
    for b in learned.bases:
        session.add(LearnedBasePrice(run_id=run.id, zone_code=b.zone_code, use=b.use, grade=b.grade, name=b.name,
                                     n=b.n, official_cny=b.official, learned_cny=b.learned, ci_low_cny=b.ci_low,
                                     ci_high_cny=b.ci_high, diff_cny=b.diff_abs, diff_pct=b.diff_pct,
                                     too_few=b.too_few, flagged=b.flagged))
    for g in learned.factors:
        session.add(LearnedFactorGrade(run_id=run.id, use=g.use, zone_grade=g.zone_grade, kind=g.kind, name=g.name,
                                       label=g.label, grade=g.grade, grade_label=g.grade_label, n=g.n,
                                       official=g.official, learned=g.learned, diff=g.diff_abs, diff_pct=g.diff_pct,
                                       anchor=g.anchor, identified=g.identified, too_few=g.too_few,
                                       flagged=g.flagged))
    session.flush()
    event = append_event(session, module=MODULE, event_type="coefficients_learned", subject=subjects.benchmark(code),
                         actor=actor, payload={
                             "run_id": run.id, "code": code, "document_sha256": system.document_sha256,
                             "since": since, "until": until, "sales": learned.sales_used, "excluded": excluded,
                             "flagged_cells": sum(b.flagged for b in learned.bases)
                             + sum(g.flagged for g in learned.factors),
                             "cells_sha256": _rows_digest(learned)})
    run.ledger_seq = event.seq
    session.flush()
    return run


def get_learn_run(session: Session, run_id: int) -> LearnRun:
    """One learning run, or 404 ``valuation.learn_run_not_found`` (L1)."""
    run = session.get(LearnRun, run_id)
    if run is None:
        raise ValuationError.LEARN_RUN_NOT_FOUND.error({"run_id": run_id}, id=run_id)
    return run


def latest_learn_run(session: Session, code: str) -> LearnRun | None:
    """The newest learning run of a benchmark system, if any (L1)."""
    return session.execute(select(LearnRun).where(LearnRun.system_code == code).order_by(LearnRun.id.desc())
                           .limit(1)).scalar_one_or_none()


def learned_cells(session: Session, run: LearnRun) -> tuple[list[LearnedBasePrice], list[LearnedFactorGrade]]:
    """A run's learned base prices and factor grades in the order they were learned (L1)."""
    bases = session.execute(select(LearnedBasePrice).where(LearnedBasePrice.run_id == run.id)
                            .order_by(LearnedBasePrice.id)).scalars().all()
    factors = session.execute(select(LearnedFactorGrade).where(LearnedFactorGrade.run_id == run.id)
                              .order_by(LearnedFactorGrade.id)).scalars().all()
    return list(bases), list(factors)


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def learn_run_json(session: Session, run: LearnRun) -> dict[str, Any]:
    """A learning run with every cell as JSON (decimals as strings) (L1)."""
    bases, factors = learned_cells(session, run)
    return {
        "id": run.id, "benchmark": run.system_code, "since": run.since.isoformat(), "until": run.until.isoformat(),
        "sale_count": run.sale_count, "parameters": run.parameters, "actor": run.actor,
        "created_at": ensure_utc(run.created_at).isoformat(), "ledger_seq": run.ledger_seq,
        "base_prices": [{"zone_code": b.zone_code, "use": b.use, "grade": b.grade, "name": b.name, "n": b.n,
                         "official_cny": _num(b.official_cny), "learned_cny": _num(b.learned_cny),
                         "ci_low_cny": _num(b.ci_low_cny), "ci_high_cny": _num(b.ci_high_cny),
                         "diff_cny": _num(b.diff_cny), "diff_pct": _num(b.diff_pct), "too_few": b.too_few,
                         "flagged": b.flagged} for b in bases],
        "factors": [{"use": g.use, "zone_grade": g.zone_grade, "kind": g.kind, "name": g.name, "label": g.label,
                     "grade": g.grade, "grade_label": g.grade_label, "n": g.n, "official": _num(g.official),
                     "learned": _num(g.learned), "diff": _num(g.diff), "diff_pct": _num(g.diff_pct),
                     "anchor": g.anchor, "identified": g.identified, "too_few": g.too_few, "flagged": g.flagged}
                    for g in factors],
    }

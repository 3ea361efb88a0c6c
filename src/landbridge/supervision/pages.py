"""The dashboard (监管驾驶舱, issue #19 scope 2; P2, S2, S92): figures by area and period, bar and line charts as
inline SVG, drill-down and CSV export. For supervisors, natural-resources and township officials and the admin; a
township official sees only the areas their organisation covers. Any other role gets the 403 page.

Drill-down in at most three clicks: a district's figure on the dashboard → the records behind it (this module's
records page, which asks the owning module's read function) → one record's own page in its module (a loan's file,
a lot's page), which shows the record's ledger events, each with its inclusion proof.

Bad filters are typed errors: ``supervision.invalid_period``, ``supervision.invalid_area``,
``supervision.invalid_as_of``, ``supervision.unknown_indicator``, ``supervision.area_forbidden``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.cityprofile.loader import Region
from landbridge.supervision import charts
from landbridge.supervision.errors import SupervisionError
from landbridge.supervision.indicators import Indicator, in_force
from landbridge.supervision.service import (
    Figure,
    Period,
    check_area,
    check_as_of,
    city,
    compute,
    figure,
    latest_as_of,
    parse_period,
    records,
    series,
    stored,
    sub_areas,
    today,
)
from landbridge.web.i18n import request_locale
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
READERS = (Role.supervisor, Role.nr_official, Role.township_official, Role.admin)
RECORD_ROWS = 500
DEFAULT_TREND = "lending.npl_ratio"
Text = Annotated[str | None, Query(max_length=20)]


def area_of(caller: Principal, code: str | None) -> Region:
    top = city()
    area = check_area(code) if code else (top if caller.covers_region(top.code) else check_area(caller.region_code))
    if not caller.covers_region(area.code):
        raise SupervisionError.AREA_FORBIDDEN.error(area=area.code)
    return area


def _as_of(text: str | None, fallback: date) -> date:
    if not text:
        return fallback
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise SupervisionError.INVALID_AS_OF.error(as_of=text, today=today().isoformat()) from None
    return check_as_of(day)


def fmt(indicator: Indicator, value: Decimal) -> str:
    """A value as the page shows it: counts whole, money and areas with two decimals, ratios with a per cent."""
    if indicator.unit == "%":
        return f"{value:.2f}%"
    if indicator.measure == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def cell(indicator: Indicator, fig: Figure) -> dict[str, Any]:
    """One figure as a table cell: its text and whether it meets the target; a ratio over nothing is "—"."""
    if fig.denominator is not None and fig.denominator == 0:
        return {"indicator": indicator, "text": "—", "records": fig.records, "meets": None}
    return {"indicator": indicator, "text": fmt(indicator, fig.value), "records": fig.records,
            "meets": indicator.meets(fig.value)}


def figures_of(session: Session, period: Period, area: Region) -> tuple[date, bool, dict[tuple[str, str], Figure]]:
    """The figures of ``area`` and the areas below it: stored ones from the newest stored day, else live ones."""
    as_of = latest_as_of(session, period)
    indicators = in_force(as_of or today()).indicators
    codes = [area.code, *(r.code for r in sub_areas(area))]
    if as_of is None:
        live: dict[tuple[str, str], Figure] = {}
        for indicator in indicators:
            live |= {(indicator.code, a): f for a, f in compute(session, indicator, period, today(), area).items()}
        return today(), True, live
    rows = stored(session, period, as_of, codes)
    out = {}
    for indicator in indicators:
        for a in codes:
            v = rows.get((indicator.code, a))
            out[(indicator.code, a)] = figure(indicator, a, []) if v is None else Figure(
                indicator.code, a, v.value, v.numerator, v.denominator, v.records)
    return as_of, False, out


@router.get("/supervision/dashboard", response_class=Response)
def dashboard(request: Request, period: Text = None, area: Text = None, trend: str | None = Query(
        None, max_length=64), session: Session = Depends(get_session),
        principal: Principal | None = Depends(optional_principal)) -> Response:
    """Every indicator for an area and the areas below it, with bars by area and the trend of one indicator."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    chosen = parse_period(period or str(today().year))
    region = area_of(caller, area)
    as_of, live, figures = figures_of(session, chosen, region)
    indicators = in_force(as_of).indicators
    trend_indicator = in_force(as_of).get(trend or DEFAULT_TREND)
    below = sub_areas(region)

    def name(r: Region) -> str:
        return r.name if zh else (r.name_en or r.name)

    charts_svg: list[tuple[Indicator, str]] = []
    for indicator in indicators:
        unit = indicator.unit if zh else indicator.unit_en
        items = [(name(r), None if f.denominator == 0 else float(f.value))
                 for r in below for f in [figures[(indicator.code, r.code)]]]
        if items:
            charts_svg.append((indicator, charts.bars(
                indicator.name(zh), items, x_label="区域" if zh else "Area", y_label=unit,
                whole=indicator.measure == "count",
                target=float(indicator.target) if indicator.target is not None else None,
                target_label=("目标 " if zh else "target ") + (fmt(indicator, indicator.target)
                                                              if indicator.target is not None else ""))))
    points = [(v.as_of, float(v.value)) for v in series(session, trend_indicator.code, region.code, chosen)]
    trend_svg = charts.line(trend_indicator.name(zh), points, x_label="统计日" if zh else "As of",
                            y_label=trend_indicator.unit if zh else trend_indicator.unit_en)
    rows = [{"region": r, "name": name(r), "cells": [cell(i, figures[(i.code, r.code)]) for i in indicators]}
            for r in [region, *below]]
    return render(request, "supervision/dashboard.html", {
        "zh": zh, "period": chosen, "region": region, "region_name": name(region), "as_of": as_of, "live": live,
        "indicators": indicators, "rows": rows, "charts": charts_svg,
        "trend": trend_indicator, "trend_svg": trend_svg, "indicator_version": in_force(as_of).version})


def _records_context(session: Session, caller: Principal, indicator_code: str, area: str | None, period: str | None,
                     as_of: str | None) -> dict[str, Any]:
    chosen = parse_period(period or str(today().year))
    region = area_of(caller, area)
    day = _as_of(as_of, latest_as_of(session, chosen) or today())
    indicator = in_force(day).get(indicator_code)
    found = records(session, indicator, chosen, day, region.code)
    kept = stored(session, chosen, day, [region.code]).get((indicator.code, region.code))
    return {"indicator": indicator, "period": chosen, "region": region, "as_of": day, "records": found,
            "figure": figure(indicator, region.code, found), "stored": kept}


@router.get("/supervision/records", response_class=Response)
def records_page(request: Request, indicator: str = Query(max_length=64), area: Text = None,
                 period: Text = None, as_of: Text = None, session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """The records behind one figure, each linking to its page in the owning module (which shows its ledger
    events with proofs); the figure re-derived from them beside the stored value."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    context = _records_context(session, caller, indicator, area, period, as_of)
    region: Region = context["region"]
    ind: Indicator = context["indicator"]
    return render(request, "supervision/records.html", {
        **context, "zh": zh, "rows": context["records"][:RECORD_ROWS], "more": len(context["records"]) > RECORD_ROWS,
        "region_name": region.name if zh else (region.name_en or region.name), "fmt": fmt,
        "ratio": context["figure"].denominator is not None, "unit": ind.unit if zh else ind.unit_en})


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/supervision/export.csv", response_class=Response)
def export_figures(request: Request, period: Text = None, area: Text = None,
                   indicator: str | None = Query(None, max_length=64), session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """The dashboard's table as CSV (UTF-8 with BOM, for Excel): one row per indicator and area."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    chosen = parse_period(period or str(today().year))
    region = area_of(caller, area)
    as_of, live, figures = figures_of(session, chosen, region)
    indicator_set = in_force(as_of)
    chosen_indicators = [indicator_set.get(indicator)] if indicator else list(indicator_set.indicators)
    rows = [[r.code, r.name, i.code, i.name_zh, str(f.value), i.unit, str(f.numerator),
             "" if f.denominator is None else str(f.denominator), f.records, chosen.label, as_of.isoformat(),
             "live" if live else "stored", indicator_set.version]
            for i in chosen_indicators for r in [region, *sub_areas(region)]
            for f in [figures[(i.code, r.code)]]]
    header = ["area_code", "area_name", "indicator_code", "indicator_name", "value", "unit", "numerator",
              "denominator", "records", "period", "as_of", "source", "indicator_version"]
    return _csv(f"supervision-{region.code}-{chosen.label}.csv", header, rows)


@router.get("/supervision/records.csv", response_class=Response)
def export_records(request: Request, indicator: str = Query(max_length=64), area: Text = None,
                   period: Text = None, as_of: Text = None, session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """The records behind one figure as CSV."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    context = _records_context(session, caller, indicator, area, period, as_of)
    rows = [[r.module, r.record_id, r.label, r.region_code, str(r.numerator),
             "" if r.denominator is None else str(r.denominator), r.note, r.note_en] for r in context["records"]]
    return _csv(f"supervision-{indicator}-{context['region'].code}-{context['period'].label}.csv",
                ["module", "record_id", "label", "region_code", "numerator", "denominator", "note", "note_en"], rows)

"""The dashboard exported (issue #19 scope 2; P2, S2, S92): the figures as an XLSX workbook (openpyxl) and a
printable A4 PDF briefing (监管简报, WeasyPrint through ``kernel.documents``, CJK fonts as the other printed
documents). Both show exactly what the dashboard shows for the same area and period: the stored values of the
newest stored day, else live ones, with the indicator version; the briefing adds the bar charts by area and the
open anomaly follow-ups of the area. For the dashboard's readers only, limited to the areas they cover (the same
checks as the dashboard: ``supervision.invalid_period``, ``supervision.invalid_area``, ``supervision.area_forbidden``).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.cityprofile.loader import Region
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.documents import html_to_pdf, print_templates
from landbridge.supervision import anomalies, charts
from landbridge.supervision.indicators import Indicator, in_force
from landbridge.supervision.pages import READERS, Text, area_of, cell, figures_of, fmt
from landbridge.supervision.service import Figure, Period, parse_period, prefix, sub_areas, today
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
_env = print_templates(TEMPLATES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD = Font(bold=True)
FILL = PatternFill("solid", fgColor="EEF3F8")


def _load(session: Session, caller: Principal, period: str | None, area: str | None,
          ) -> tuple[Period, Region, list[Region], date, bool, list[Indicator], dict[tuple[str, str], Figure], str]:
    chosen = parse_period(period or str(today().year))
    region = area_of(caller, area)
    as_of, live, figures = figures_of(session, chosen, region)
    indicator_set = in_force(as_of)
    return (chosen, region, sub_areas(region), as_of, live, list(indicator_set.indicators), figures,
            indicator_set.version)


def workbook(period: Period, region: Region, below: list[Region], as_of: date, live: bool,
             indicators: list[Indicator], figures: dict[tuple[str, str], Figure], version: str) -> bytes:
    """The figures as an XLSX workbook: a sheet of figures (one row per indicator and area, numbers as numbers)
    and a sheet of the indicators' definitions."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标 Figures"
    sheet.append(["监管驾驶舱 Supervision dashboard", region.name, period.label,
                  f"统计日 as of {as_of.isoformat()}", "实时 live" if live else "入库 stored", f"指标版本 {version}"])
    header = ["区域代码 area_code", "区域 area", "指标代码 indicator", "指标 name", "值 value", "单位 unit",
              "分子 numerator", "分母 denominator", "记录数 records", "目标 target", "达标 meets"]
    sheet.append(header)
    for c in sheet[2]:
        c.font, c.fill = HEAD, FILL
    for indicator in indicators:
        for r in [region, *below]:
            f = figures[(indicator.code, r.code)]
            meets = cell(indicator, f)["meets"]
            sheet.append([r.code, r.name, indicator.code, indicator.name_zh,
                          None if f.denominator == 0 else float(f.value), indicator.unit, float(f.numerator),
                          None if f.denominator is None else float(f.denominator), f.records,
                          None if indicator.target is None else float(indicator.target),
                          "" if meets is None else ("是" if meets else "否")])
    for column, width in zip("ABCDEFGHIJK", (14, 16, 30, 30, 16, 8, 16, 16, 10, 10, 8), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    defs = book.create_sheet("定义 Definitions")
    defs.append(["指标代码 code", "指标 name_zh", "name_en", "计算 computation", "度量 measure", "类型 kind",
                 "单位 unit", "方向 direction", "目标 target", "责任单位 owner", "来源 source"])
    for c in defs[1]:
        c.font, c.fill = HEAD, FILL
    for i in indicators:
        defs.append([i.code, i.name_zh, i.name_en, i.computation, i.measure, i.kind, i.unit, i.direction,
                     None if i.target is None else str(i.target), i.owner_zh, i.source])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def briefing_html(session: Session, period: Period, region: Region, below: list[Region], as_of: date, live: bool,
                  indicators: list[Indicator], figures: dict[tuple[str, str], Figure], version: str) -> str:
    """The briefing's print HTML (zh-CN): the area's figures against targets, each indicator by the areas below
    (a table and a bar chart), and the open anomaly follow-ups by source."""
    totals = [cell(i, figures[(i.code, region.code)]) for i in indicators]
    sections: list[dict[str, Any]] = []
    for indicator in indicators:
        items = [(r.name, None if f.denominator == 0 else float(f.value))
                 for r in below for f in [figures[(indicator.code, r.code)]]]
        svg = charts.bars(indicator.name_zh, items, x_label="区域", y_label=indicator.unit,
                          whole=indicator.measure == "count",
                          target=None if indicator.target is None else float(indicator.target),
                          target_label="" if indicator.target is None else f"目标 {fmt(indicator, indicator.target)}"
                          ) if items else ""
        sections.append({"indicator": indicator, "svg": svg,
                         "rows": [(r.name, cell(indicator, figures[(indicator.code, r.code)])) for r in below]})
    queue = anomalies.queue(session, region_prefix=prefix(region.code))
    open_items = [i for i in queue if i.case is None or i.case.status == "assigned"]
    by_source = Counter(i.flag.source for i in open_items)
    return _env.get_template("supervision/briefing_print.html").render(
        period=period, region=region, as_of=as_of, live=live, version=version, totals=totals, sections=sections,
        by_source=sorted(by_source.items()), overdue=sum(1 for i in open_items if i.overdue),
        unassigned=sum(1 for i in open_items if i.case is None), printed=to_local(now()))


@router.get("/supervision/export.xlsx", response_class=Response)
def export_xlsx(request: Request, period: Text = None, area: Text = None, session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """The dashboard's figures as an XLSX workbook."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    loaded = _load(session, caller, period, area)
    name = f"supervision-{loaded[1].code}-{loaded[0].label}.xlsx"
    return Response(workbook(*loaded), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/supervision/briefing.pdf", response_class=Response)
def briefing_pdf(request: Request, period: Text = None, area: Text = None, session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """The printable briefing (监管简报) of the dashboard's area and period, as an A4 PDF."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    loaded = _load(session, caller, period, area)
    pdf = html_to_pdf(briefing_html(session, *loaded), TEMPLATES)
    name = f"supervision-briefing-{loaded[1].code}-{loaded[0].label}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})

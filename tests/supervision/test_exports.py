"""The dashboard exported (issue #19 scope 2; P2, S2, S92): the XLSX workbook holds the dashboard's figures as
numbers with the indicator definitions; the PDF briefing prints the same figures in zh-CN with embedded CJK fonts
and the charts; both for the dashboard's readers only and within the areas they cover (the permission matrix of
the new routes); bad filters typed."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from openpyxl import load_workbook

from landbridge.db import Database
from tests.supervision.conftest import CITY, GUIXI, YUJIANG, SupervisionWorld
from tests.supervision.test_pages import client_of, users  # noqa: F401 (fixture)

ROUTES = ("/supervision/export.xlsx", "/supervision/briefing.pdf")


def test_the_workbook_holds_the_dashboard_figures(db: Database, sw: SupervisionWorld, users: None) -> None:  # noqa: F811
    answer = client_of("sup").get("/supervision/export.xlsx?period=2026")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="supervision-360600000000-2026.xlsx"' in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    figures, definitions = book.worksheets
    rows = list(figures.iter_rows(min_row=3, values_only=True))
    npl = {r[0]: r[4] for r in rows if r[2] == "lending.npl_ratio"}
    assert npl == {CITY: 41.8605, "360602000000": None, YUJIANG: 66.6667, GUIXI: 0.0}  # 月湖区: a ratio over nothing
    price = next(r for r in rows if r[2] == "exchange.concluded_price" and r[0] == CITY)
    assert (price[4], price[8]) == (150000.0, 2)
    meets = next(r for r in rows if r[2] == "lending.npl_ratio" and r[0] == CITY)
    assert (meets[9], meets[10]) == (5.0, "否")  # 41.86 % against a target of at most 5 %
    codes = [r[0] for r in definitions.iter_rows(min_row=2, values_only=True)]
    assert "lending.npl_ratio" in codes and len(codes) == len({r[2] for r in rows})


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF's decompressed streams (to look for fonts and page count)."""
    out = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_the_briefing_is_a_pdf_with_cjk_fonts(db: Database, sw: SupervisionWorld, users: None) -> None:  # noqa: F811
    answer = client_of("sup").get(f"/supervision/briefing.pdf?period=2026&area={CITY}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    body = _pdf_text(answer.content)
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+(WenQuanYi|Noto)", body), "a CJK font is embedded"
    assert len(re.findall(rb"/Type\s*/Page\b", body)) >= 2


def test_the_briefing_html_has_the_figures(db: Database, sw: SupervisionWorld) -> None:
    from landbridge.supervision.exports import briefing_html
    from landbridge.supervision.indicators import in_force
    from landbridge.supervision.service import check_area, compute, parse_period, sub_areas, today

    period, region = parse_period("2026"), check_area(CITY)
    indicator_set = in_force(today())
    with db.transaction(readonly=True) as s:
        figures = {(i.code, a): f for i in indicator_set.indicators
                   for a, f in compute(s, i, period, today(), region).items()}
        html = briefing_html(s, period, region, sub_areas(region), today(), True, list(indicator_set.indicators),
                             figures, indicator_set.version)
    assert "监管简报" in html and "41.86%" in html and "未达标" in html and html.count("<svg") >= 4
    assert "余江区" in html and "66.67%" in html


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("user", "area", "status"), [
    (None, "", 303), ("villager", "", 403), ("sup", "", 200), ("sup", f"&area={GUIXI}", 200),
    ("guixi", "", 200), ("guixi", f"&area={GUIXI}", 200), ("guixi", f"&area={CITY}", 403),
    ("guixi", f"&area={YUJIANG}", 403),
])
def test_the_permission_matrix(db: Database, sw: SupervisionWorld, users: None, route: str,  # noqa: F811
                               user: str | None, area: str, status: int) -> None:
    answer = client_of(user).get(f"{route}?period=2026{area}", headers={"accept": "text/html"},
                                 follow_redirects=False)
    assert answer.status_code == status
    if status == 403 and user == "guixi":
        assert client_of(user).get(f"{route}?period=2026{area}").json()["code"] == "supervision.area_forbidden"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("query", "code"), [("period=2026-13", "supervision.invalid_period"),
                                             ("area=360603999999", "supervision.invalid_area"),
                                             ("period=" + "9" * 30, None)])
def test_bad_filters_are_typed(db: Database, sw: SupervisionWorld, users: None, route: str,  # noqa: F811
                               query: str, code: str | None) -> None:
    answer = client_of("sup").get(f"{route}?{query}")
    assert answer.status_code in (400, 422)
    if code is not None:
        assert answer.json()["code"] == code

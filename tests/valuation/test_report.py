"""Ratio-study report (issue #4 item 7): SVG figures well-formed and holding what they show, report tables,
the CLI's ``--report`` PDF (Chinese title in its text layer), and a run's report page, PDF and JSON with their
permissions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from landbridge.cli import app as cli_app
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.ratio.study import RatioInputError
from landbridge.valuation.report.build import (
    ChangeData,
    Segmenting,
    build_ratio_report,
    change_svg,
    histogram_svg,
    near_one_svg,
    scatter_svg,
    segments_svg,
)
from landbridge.valuation.report.pdf import render_report_pdf
from landbridge.web.charts import nice_ticks
from tests.registry.test_api import auth
from tests.valuation.test_mass_pages import pdf_text, small_world
from tests.web.test_pages import login

NS = "{http://www.w3.org/2000/svg}"


def sales(n: int = 400, seed: int = 1, spread: float = 0.12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = np.exp(rng.normal(12, 1, n))
    return s * np.exp(rng.normal(0, spread, n)), s


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.find(f"{NS}title") is not None
    return root


@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), st.integers(2, 8))
def test_nice_ticks_cover_the_range_evenly(low: float, span: float, count: int) -> None:
    assume(span > abs(low) * 1e-6)  # plotted ranges are never that narrow against their offset
    ticks = nice_ticks(low, low + span, count)
    assert ticks and all(low - 1e-6 * span <= t <= low + span * (1 + 1e-6) for t in ticks)
    steps = np.diff(ticks)
    assert len(ticks) <= 2 * count + 2 and (steps.size == 0 or np.allclose(steps, steps[0], rtol=1e-3))
    if steps.size:
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
        assert any(abs(mantissa - m) < 1e-3 for m in (1, 2, 2.5, 5, 10))


def test_scatter_draws_every_point_the_median_and_the_prb_trend() -> None:
    a, s = sales(300)
    root = parse(scatter_svg(s, a / s, median=1.0, prb=-0.08, level=(0.9, 1.1), max_points=1000))
    assert len(root.findall(f".//{NS}g/{NS}circle")) + int(
        re.search(r"另有 (\d+) 点", ET.tostring(root, encoding="unicode")).group(1)  # type: ignore[union-attr]
        if "另有" in ET.tostring(root, encoding="unicode") else 0) == 300
    assert root.find(f".//{NS}polyline") is not None  # the PRB trend
    text = "".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "PRB -0.080" in text and "中位数 1.000" in text and "成交价格" in text
    # at most max_points are drawn, the rest are named
    root = parse(scatter_svg(s, a / s, median=1.0, prb=None, level=(0.9, 1.1), max_points=50))
    assert len(root.findall(f".//{NS}g/{NS}circle")) <= 50 and root.find(f".//{NS}polyline") is None


def test_histogram_counts_every_ratio_and_marks_the_band() -> None:
    a, s = sales(500)
    r = a / s
    root = parse(histogram_svg(r, median=float(np.median(r)), level=(0.9, 1.1), bins=20, zh=False))
    bars = [x for x in root.iter(f"{NS}rect") if x.get("fill") == "#2f6f9f"]
    assert 5 <= len(bars) <= 20
    heights = np.array([float(b.get("height") or 0) for b in bars])
    assert heights.max() > 100  # the tallest bar fills most of the plot
    text = "".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "IAAO level 0.9–1.1" in text and "Ratio (appraised / sale)" in text


def test_segments_changes_and_near_one_figures() -> None:
    rows = [("月湖区", 1.01, 0.97, 1.05, 40), ("贵溪市", 1.2, 1.1, 1.3, 12), ("余江区", 0.95, None, None, 3)]
    root = parse(segments_svg(rows, level=(0.9, 1.1)))
    dots = root.findall(f".//{NS}circle")
    assert [d.get("fill") for d in dots][:3] == ["#1f4e79", "#b42318", "#1f4e79"]  # 1.2 is outside the range
    assert "贵溪市 (n=12)" in "".join(t.text or "" for t in root.iter(f"{NS}text"))
    root = parse(change_svg(np.full(10, 0.3), np.full(90, 0.02)))
    assert len(root.findall(f".//{NS}polyline")) == 2
    assert "已成交宗地 n=10" in "".join(t.text or "" for t in root.iter(f"{NS}text"))
    root = parse(near_one_svg(np.concatenate([np.full(40, 1.0), np.linspace(0.7, 1.3, 60)]), band=0.02))
    assert root.find(f".//{NS}polyline") is not None


def test_report_tables_verdicts_and_chasing() -> None:
    a, s = sales(400)
    rng = np.random.default_rng(5)
    district = rng.choice(["360602", "360603"], 400)
    use = rng.choice(["0702", "0601"], 400)
    change = ChangeData(np.full(500, 100.0), 100 * np.exp(rng.normal(0.02, 0.05, 500)), rng.random(500) < 0.3)
    rep = build_ratio_report(a, s, title="评估比率研究报告", segments=[
        Segmenting("区县", district, {"360602": "月湖区"}), Segmenting("用途", use, by_use=True)],
        property_class="rural", change=change, max_points=100)
    assert [f.key for f in rep.figures] == ["scatter", "histogram", "segments", "chasing"]
    for f in rep.figures:
        parse(f.svg)
    assert [t.title for t in rep.segments] == ["区县", "用途", "成交价格分档"]
    assert [x.label for x in rep.segments[0].lines] == ["月湖区", "360603"]
    assert [x.key for x in rep.segments[2].lines] == ["Q1", "Q2", "Q3", "Q4"]
    assert rep.passed and all(line.passed for line in rep.summary)
    assert "chasing_split" in rep.study and len(rep.chasing) == 3 and "拆分检验" in rep.chasing[2]
    # a regressive roll fails PRB and PRD and says so
    reg = s ** 0.8 * np.exp(2.4)
    bad = build_ratio_report(reg, s, title="x", price_band_count=0)
    assert not bad.passed and bad.summary[3].passed is False and bad.segments == []
    assert bad.figures[-1].key == "chasing" and "分布检验" in bad.chasing[1]
    with pytest.raises(RatioInputError):
        build_ratio_report([1.0], [1.0], title="x")
    with pytest.raises(RatioInputError):
        build_ratio_report(a, s, title="x", segments=[Segmenting("bad", ["a"])])


def test_pdf_has_the_chinese_title_and_the_tables() -> None:
    a, s = sales(120)
    rep = build_ratio_report(a, s, title="评估比率研究报告", subtitle="测试样本", max_points=200)
    text = pdf_text(render_report_pdf(rep, issued_on=date(2026, 3, 2)))
    assert "评估比率研究报告" in text and "离散系数COD" in text and "成交价格分档" in text and "2026年3月2日" in text


def test_cli_writes_the_report(tmp_path: Path) -> None:
    a, s = sales(80)
    csv = tmp_path / "sales.csv"
    csv.write_text("av,sp,district\n" + "".join(f"{x:.2f},{y:.2f},{'A' if i % 2 else 'B'}\n"
                                                for i, (x, y) in enumerate(zip(a, s, strict=True))))
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(cli_app, ["valuation", "ratio-study", "--input", str(csv), "--appraised", "av",
                                          "--sale", "sp", "--segment", "district", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "ratio study" in result.output and out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out.read_bytes())
    assert "评估比率研究报告" in text and "sales.csv" in text
    bad = CliRunner().invoke(cli_app, ["valuation", "ratio-study", "--input", str(csv), "--appraised", "av",
                                       "--sale", "sp", "--report", str(tmp_path / "no" / "dir" / "r.pdf")])
    assert bad.exit_code == 2 and "cannot write the report" in bad.output


def test_run_report_page_pdf_and_api(db: Database, clock: Clock) -> None:
    small_world(db)
    with db.transaction() as s:
        run = mass_service.revalue_parcels(s, valuation_date=date(2025, 6, 1), actor="user:nr", seed=3)
        run_id, run_no = run.id, run.run_no
    with db.transaction() as s:  # a later run of the same method: the report adds the split check
        later = mass_service.revalue_parcels(s, valuation_date=date(2026, 3, 1), actor="user:nr", seed=4)
        later_id = later.id
    with db.transaction(readonly=True) as s:
        before = current_size(s)
    client = TestClient(create_app())
    url = f"/api/v1/valuation/runs/{run_id}/ratio-study"
    for user, status in ((None, 401), ("registrar", 403), ("supervisor", 403), ("member", 403), ("bank", 200),
                         ("nr", 200)):
        r = client.get(url, headers=auth(client, user))
        assert r.status_code == status, (user, r.text)
    body = client.get(url, headers=auth(client, "nr")).json()
    assert body["run_id"] == run_id and body["figures"] == ["scatter", "histogram", "segments", "chasing"]
    assert [t["title"] for t in body["segments"]] == ["区县", "土地用途", "成交价格分档"]
    assert 0.9 * body["study"]["n_input"] < sum(line["n"] for line in body["segments"][1]["lines"]) <= body["study"]["n_input"]  # noqa: E501  (each use trimmed on its own)
    assert "chasing_split" not in body["study"]  # no earlier run
    later_body = client.get(f"/api/v1/valuation/runs/{later_id}/ratio-study", headers=auth(client, "nr")).json()
    assert "chasing_split" in later_body["study"] and "拆分检验" in later_body["chasing"][-1]
    assert client.get("/api/v1/valuation/runs/999999/ratio-study", headers=auth(client, "nr")).status_code == 404
    # the page: zh-CN with inline SVG, English on request; the run page links to it
    anon = TestClient(create_app())
    assert anon.get(f"/valuation/runs/{run_id}/ratio-report", follow_redirects=False).status_code == 303
    login(client, "nr")
    page = client.get(f"/valuation/runs/{run_id}/ratio-report")
    assert page.status_code == 200 and "评估比率研究报告" in page.text and page.text.count("<svg") == 4
    assert "追价检验" in page.text and run_no in page.text
    assert "Ratio study report" in client.get(f"/valuation/runs/{run_id}/ratio-report?lang=en").text
    client.get("/?lang=zh_CN")
    assert f"/valuation/runs/{run_id}/ratio-report" in client.get(f"/valuation/runs/{run_id}").text
    pdf = client.get(f"/valuation/runs/{run_id}/ratio-report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "评估比率研究报告" in text and run_no in text and "区县" in text
    registrar = TestClient(create_app())
    login(registrar, "registrar")
    assert registrar.get(f"/valuation/runs/{run_id}/ratio-report.pdf").status_code == 403
    with db.transaction(readonly=True) as s:
        assert current_size(s) == before  # reading a report changes nothing


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("bank", 403), ("registrar", 403), ("nr", 200),
                                              ("supervisor", 200)])
def test_uploaded_csv_report(db: Database, clock: Clock, user: str | None, status: int) -> None:
    from landbridge.auth import create_demo_accounts

    with db.transaction() as s:
        create_demo_accounts(s)
        before = current_size(s)
    a, s_ = sales(60)
    csv = "av,sp\n" + "".join(f"{x:.2f},{y:.2f}\n" for x, y in zip(a, s_, strict=True))
    client = TestClient(create_app())
    url = "/api/v1/valuation/ratio-study/report.pdf"
    r = client.post(url, files={"file": ("mine.csv", csv.encode())}, data={"appraised": "av", "sale": "sp"},
                    headers=auth(client, user))
    assert r.status_code == status, r.text
    if status == 200:
        assert r.headers["content-type"] == "application/pdf" and "mine.csv" in pdf_text(r.content)
        bad = client.post(url, files={"file": ("mine.csv", csv.encode())}, data={"appraised": "nope", "sale": "sp"},
                          headers=auth(client, user))
        assert (bad.status_code, bad.json()["code"]) == (422, "valuation.invalid_ratio_input")
        missing = client.post(url, data={"appraised": "av", "sale": "sp"}, headers=auth(client, user))
        assert missing.status_code == 422
    else:
        assert r.json()["code"].startswith("auth.")
    with db.transaction(readonly=True) as s:
        assert current_size(s) == before

"""Mass appraisal pages and the appraisal report PDF (issue #4 items 5, 7): the run list, a run's held-out ratio
study with IAAO badges, a parcel's value in words, the PDF's text layer, zh-CN and English, who may see them."""

from __future__ import annotations

import io
import re
from datetime import date

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.valuation.mass import jobs
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.appraisal_pdf import AppraisalReport, StudyRow, appraisal_report, render_appraisal_pdf
from landbridge.valuation.mass.models import MassRun, MassValue
from landbridge.valuation.mass.words import contribution_lines, feature_label, sentence, shown_value
from tests.web.test_pages import csrf_of, login

TODAY = date(2026, 3, 1)  # the test clock stands at 2026-03-02


def pdf_text(pdf: bytes) -> str:
    """The text layer of a PDF (every page), whitespace removed so CJK runs compare as written."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def small_world(db: Database) -> None:
    """Two villages of Yujiang (one rural, one urban) with their sales; a Guixi bank officer (wrong area)."""
    profile = get_profile()
    geo = build_geography(profile, seed=20260101)
    rural = next(c for c in sorted(geo.villages) if not geo.villages[c].urban and c.startswith("360603"))
    urban = next(c for c in sorted(geo.villages) if geo.villages[c].urban and c.startswith("360603"))
    build_world(db, profile, seed=7, today=TODAY, villages={rural: 300, urban: 150}, geography=geo)
    with db.transaction() as s:
        org = create_organisation(s, name="贵溪农商银行", kind=OrgKind.bank, region_code="360681000000")
        create_user(s, username="guixi_bank", password="demo", display_name="贵溪 信贷员", role=Role.bank_officer,
                    organisation_id=org.id, is_demo=True)


def test_words_of_contributions() -> None:
    assert feature_label("log_dist_road", zh=True) == "距最近道路距离"
    assert feature_label("log_dist_road", zh=False) == "Distance to the nearest road"
    assert feature_label("log_dist_school", zh=False) == "Distance to school"  # a layer without a label
    assert feature_label("mystery", zh=True) == "mystery"
    value = {"land_use_class": "0702", "region_code": "360603101001", "valuation_date": TODAY,
             "features": {"log_area": 5.0, "log_dist_road": 0.3, "plot_ratio": None},
             "explanation": {"contributions": [{"feature": "log_dist_road", "log": -0.1, "factor": 0.904837},
                                               {"feature": "district", "log": 0.2, "factor": 1.221403},
                                               {"feature": "log_area", "log": 0.0001, "factor": 1.0001},
                                               {"feature": "month", "log": 0.01, "factor": 1.01005}]}}
    assert shown_value("log_area", value, "2026-03-01", zh=True) == "148.4 m²"
    assert shown_value("log_dist_road", value, "2026-03-01", zh=True) == "0.35 km"
    assert shown_value("plot_ratio", value, "2026-03-01", zh=False) == "no data"
    assert shown_value("use", value, "2026-03-01", zh=True) == "0702 农村宅基地"
    lines = contribution_lines(value, zh=True)
    assert [x.sentence for x in lines] == [
        "距最近道路距离 0.35 km：使单价下调 9.5%", "所在区县 余江区 (360603)：使单价上调 22.1%",
        "宗地面积 148.4 m²：对单价基本无影响", "估价期日（市场时点） 2026-03：使单价上调 1.0%"]
    english = contribution_lines(value, zh=False)
    assert english[0].sentence == "Distance to the nearest road 0.35 km: lowers the value per m² by 9.5%"
    assert "Yujiang" in english[1].shown_value
    assert sentence("Plot ratio", "1.20", 0.04, zh=False) == "Plot ratio 1.20: hardly moves the value per m²"


def test_appraisal_pdf_from_plain_data_has_its_figures_in_the_text_layer() -> None:
    from decimal import Decimal
    report = AppraisalReport(
        report_no="MA2026-000007-42", parcel_code="360603101001JC00042", location="锦江村", region="锦江村",
        land_use="0702 农村宅基地", area_m2="180.00", rights=["宅基地使用权（长期）"], valuation_date=TODAY,
        value_per_m2_cny=Decimal("512.34"), value_cny=Decimal("92221.20"), method="梯度提升树模型",
        model_version="mass-lgbm-hedonic-1", run_no="MA2026-000007", sale_count=1234,
        contributions=["距最近道路距离 0.35 km：使单价下调 9.5%"], base_factor="480.00", rest_factor="×1.010",
        study=[StudyRow("全部留出样本", 250, [("中位数比率", "0.998", True), ("离散系数 COD", "9.87", True),
                                              ("价格相关差 PRD", "1.012", True), ("价格相关偏差 PRB", "+0.021", True)],
                        True),
               StudyRow("类别 住宅", 40, [("中位数比率", "0.870", False), ("离散系数 COD", "16.20", False),
                                          ("价格相关差 PRD", "1.040", False), ("价格相关偏差 PRB", "—", None)], False)],
        criteria="中位数比率 0.9–1.1，住宅 COD ≤ 15", issued_on=date(2026, 3, 2), issuer="鹰潭市自然资源主管部门",
        ledger_seq=77)
    pdf = render_appraisal_pdf(report)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for figure in ("宗地估价报告", "MA2026-000007-42", "360603101001JC00042", "512.34元/平方米", "92,221.20元",
                   "mass-lgbm-hedonic-1", "1234", "距最近道路距离0.35km：使单价下调9.5%", "0.998", "9.87", "1.012",
                   "+0.021", "16.20", "不符合", "宅基地使用权（长期）", "2026年3月1日", "声明", "未经实地查勘",
                   "序号77", "住宅COD≤15"):
        assert figure in text, figure


def _run(db: Database) -> tuple[int, int]:
    with db.transaction() as s:
        run = mass_service.revalue_parcels(s, valuation_date=TODAY, actor="user:nr", seed=5)
        pid = s.scalar(select(func.min(MassValue.parcel_id)).where(MassValue.run_id == run.id))
        assert pid is not None
        return run.id, pid


def test_pages_and_report_on_a_small_world(db: Database, clock: Clock) -> None:
    small_world(db)
    client = TestClient(create_app())
    # before any run: the list says so, a parcel page is a 404 page with the stable code
    login(client, "nr")
    assert "尚无批量评估批次" in client.get("/valuation/runs").text
    assert client.get("/valuation/parcels/1/mass").status_code == 404
    run_id, pid = _run(db)
    with db.transaction(readonly=True) as s:
        row = s.get(MassRun, run_id)
        assert row is not None
        run_no, model_version, parcel_count = row.run_no, row.model_version, row.parcel_count
        value = mass_service.parcel_value(s, pid)
        metrics = row.metrics
        size = current_size(s)
    paths = ("/valuation/runs", f"/valuation/runs/{run_id}", f"/valuation/parcels/{pid}/mass",
             f"/valuation/parcels/{pid}/report.pdf")
    # anonymous: to the login page; other roles: 403 page; the wrong area's bank: 403 on the parcel
    anonymous = TestClient(create_app())
    for path in paths:
        r = anonymous.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}", path
    for user in ("registrar", "member", "supervisor"):
        other = TestClient(create_app())
        login(other, user)
        for path in paths:
            r = other.get(path)
            assert r.status_code == 403 and "auth.forbidden_role" in r.text, (user, path)
    guixi = TestClient(create_app())
    login(guixi, "guixi_bank")
    assert guixi.get(f"/valuation/runs/{run_id}").status_code == 200
    for path in paths[2:]:
        assert guixi.get(path).status_code == 403
    # the run list and the run page (zh-CN default), with the held-out figures and IAAO badges
    page = client.get("/valuation/runs").text
    assert run_no in page and "发起批量评估" in page and f"{metrics['cod']:.2f}" in page
    page = client.get(f"/valuation/runs/{run_id}").text
    assert "留出样本比率分析" in page and f"{metrics['median']:.3f}" in page and f"{metrics['prd']:.3f}" in page
    assert page.count('class="badge valid"') + page.count('class="badge rejected"') >= 5
    assert "全部留出样本" in page and "农村宅基地" in page and model_version in page
    for name, study in metrics["property_classes"].items():
        if study:
            assert f"{study['cod']:.2f}" in page, name
    assert str(metrics["model"]["n_holdout"]) in page and str(parcel_count) in page
    english = client.get(f"/valuation/runs/{run_id}?lang=en").text
    assert "Held-out ratio study" in english and ("Meets IAAO" in english or "Does not meet IAAO" in english)
    assert client.get("/valuation/runs/999999").status_code == 404
    # the parcel page: value, model version, contributions in words, link to the PDF
    bank = TestClient(create_app())
    login(bank, "bank")
    page = bank.get(f"/valuation/parcels/{pid}/mass").text
    assert f"{value['value_per_m2_cny']:,.2f}" in page and f"{value['value_cny']:,.2f}" in page
    assert value["model_version"] in page and f"/valuation/parcels/{pid}/report.pdf" in page
    lines = contribution_lines(value, zh=True)
    assert len(lines) == 6 and all(line.sentence in page for line in lines)
    assert "使单价" in page and "估价依据" in page
    assert "发起批量评估" not in bank.get("/valuation/runs").text  # banks read, only the bureau starts
    refused = bank.post("/valuation/runs", data={"csrf": csrf_of(bank.get("/").text), "valuation_date": "2026-03-01"})
    assert refused.status_code == 403
    english = bank.get(f"/valuation/parcels/{pid}/mass?lang=en").text
    assert "Why this value" in english and contribution_lines(value, zh=False)[0].sentence in english
    assert bank.get(f"/valuation/parcels/{pid}/mass?run_id=999999").status_code == 404
    # the appraisal report: its figures in the PDF's text layer
    response = bank.get(f"/valuation/parcels/{pid}/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    with db.transaction(readonly=True) as s:
        data = appraisal_report(s, pid, issued_on=TODAY)
    for figure in (data.parcel_code, f"{value['value_per_m2_cny']:,.2f}元/平方米", f"{value['value_cny']:,.2f}元",
                   model_version, run_no, f"{metrics['median']:.3f}", f"{metrics['cod']:.2f}",
                   f"{metrics['prd']:.3f}", "声明", *(re.sub(r"\s+", "", line.sentence) for line in lines)):
        assert figure in text, figure
    assert data.rights and all(re.sub(r"\s+", "", r) in text for r in data.rights)
    with db.transaction(readonly=True) as s:
        assert current_size(s) == size  # pages and the report change nothing


def test_start_form_on_the_run_list(db: Database, clock: Clock) -> None:
    small_world(db)
    client = TestClient(create_app())
    login(client, "nr")
    page = client.get("/valuation/runs").text
    token = csrf_of(page)
    assert client.post("/valuation/runs", data={"csrf": "forged", "valuation_date": "2026-03-01"}).status_code == 403
    bad = client.post("/valuation/runs", data={"csrf": token, "valuation_date": "next week"})
    assert "估价期日格式应为" in bad.text  # back on the list with the message
    later = client.post("/valuation/runs", data={"csrf": token, "valuation_date": "2027-01-01"})
    assert "晚于今日" in later.text
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(MassRun)) == 0
    queued = client.post("/valuation/runs", data={"csrf": token, "valuation_date": "2026-03-01", "method": "hedonic"},
                         follow_redirects=False)
    assert queued.status_code == 303 and queued.headers["location"] == "/valuation/runs"
    page = client.get("/valuation/runs").text
    assert "已排队，后台执行" in page and 'role="progressbar"' in page
    again = client.post("/valuation/runs", data={"csrf": token, "valuation_date": "2026-03-01", "method": "hedonic"})
    assert "已有排队或进行中的批量评估任务" in again.text
    with db.transaction() as s:
        assert jobs.run_due(s) == 1  # the worker runs it
    page = client.get("/valuation/runs").text
    assert "已完成" in page and "特征价格模型" in page
    again = client.post("/valuation/runs", data={"csrf": token, "valuation_date": "2026-03-01", "method": "hedonic"})
    assert "已有批量评估批次" in again.text

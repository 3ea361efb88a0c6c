"""The ratio-study report of a mass appraisal run or of any sales table, as PDF (zh-CN) and HTML (L1, issue #4 item 7).

``run_report`` gathers a run's held-out sales (by district, use and price band) and, where an earlier run of
the same method and area exists, the sales-chasing split check of the parcels sold in between;
``table_report`` does the same for any two columns (the CLI). ``render_report_pdf`` prints a report with
WeasyPrint and the CJK fonts of the appraisal report.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from landbridge.cityprofile import get_profile
from landbridge.kernel.documents import html_to_pdf, print_templates
from landbridge.registry import land_use_label
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import MassRun, MassValue, RunStatus
from landbridge.valuation.ratio.study import RatioStandards
from landbridge.valuation.report.build import ChangeData, RatioReport, Segmenting, build_ratio_report
from landbridge.valuation.sales.queries import iter_sales
from landbridge.web.i18n import translator

TEMPLATES = Path(__file__).parents[1] / "templates"  # valuation/templates
_env = print_templates(TEMPLATES)
METHOD_NAMES = {"gbm": ("梯度提升树模型（LightGBM，单调约束）", "Gradient boosting (LightGBM, monotone)"),
                "hedonic": ("特征价格模型（对数线性回归）", "Hedonic regression (log-linear)")}
WORDS = {
    "summary": ("一、总体结论", "1. Summary"),
    "overall": ("按 IAAO 标准总体判定：", "Overall against the IAAO standard:"),
    "pass": ("合格", "pass"), "fail": ("不合格", "fail"), "na": ("不适用", "n/a"), "few": ("样本不足", "too few"),
    "judged_as": ("判定类别", "judged as"), "figure": ("指标", "Figure"), "value": ("数值", "Value"),
    "ci": ("95% 置信区间", "95% CI"), "criterion": ("标准", "Criterion"), "result": ("判定", "Result"),
    "criteria": ("判定标准（城市规则集 valuation）：", "Criteria (city rule set valuation): "),
    "by": ("分组：", "By "), "median": ("中位数", "Median"), "cod_limit": ("COD 上限", "COD limit"),
    "figures": ("二、图表", "2. Figures"), "chasing": ("三、追价检验", "3. Sales-chasing check"),
    "back": ("返回批量评估批次", "Back to the run"), "pdf": ("下载 PDF", "Download PDF"),
}


def words(zh: bool) -> dict[str, str]:
    """The report's fixed words in one language."""
    return {k: v[0 if zh else 1] for k, v in WORDS.items()}


def district_names(codes: np.ndarray) -> dict[str, str]:
    """County-level codes (6 digits) with their names from the city profile."""
    profile = get_profile()
    out: dict[str, str] = {}
    for code in np.unique(codes).tolist():
        region = profile.region(code) or profile.region(code.ljust(12, "0"))
        out[code] = f"{region.name}（{code}）" if region else code
    return out


def _previous_run(session: Session, run: MassRun) -> MassRun | None:
    stmt = select(MassRun).where(MassRun.status == RunStatus.completed.value, MassRun.method == run.method,
                                 MassRun.valuation_date < run.valuation_date, MassRun.id != run.id)
    stmt = stmt.where(MassRun.region_prefix.is_(None) if run.region_prefix is None
                      else MassRun.region_prefix == run.region_prefix)
    stmt = stmt.order_by(MassRun.valuation_date.desc(), MassRun.id.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def change_data(session: Session, run: MassRun, previous: MassRun) -> ChangeData | None:
    """Values per m² of the parcels both runs valued, and which sold between the two valuation dates (split check)."""
    sold_ids = {int(row["parcel_id"]) for row in iter_sales(session, region_prefix=run.region_prefix,
                                                            since=previous.valuation_date + timedelta(days=1),
                                                            until=run.valuation_date) if row["parcel_id"]}
    old = aliased(MassValue)
    rows = session.execute(
        select(MassValue.parcel_id, old.value_per_m2_cny, MassValue.value_per_m2_cny)
        .join(old, (old.parcel_id == MassValue.parcel_id) & (old.run_id == previous.id))
        .where(MassValue.run_id == run.id).execution_options(yield_per=50_000))
    ids: list[int] = []
    prev: list[float] = []
    cur: list[float] = []
    for pid, a, b in rows:
        if a and b and a > 0 and b > 0:
            ids.append(int(pid))
            prev.append(float(a))
            cur.append(float(b))
    if not ids:
        return None
    return ChangeData(np.asarray(prev), np.asarray(cur), np.isin(np.asarray(ids), np.asarray(sorted(sold_ids))))


def run_report(session: Session, run_id: int, *, zh: bool = True) -> RatioReport:
    """Gather the ratio-study report of a run's held-out sales (评估比率研究报告, L1).

    404 ``valuation.mass_run_not_found``; 404 ``valuation.report_no_holdout`` for a run that kept no held-out
    sales (runs stored before the held-out sales were kept).
    """
    run = mass_service.get_run(session, run_id)
    held = mass_service.holdout_sales(session, run.id)
    if not len(held["sale"]):
        raise ValuationError.REPORT_NO_HOLDOUT.error({"run": run}, run_id=run.id)
    tr = translator("zh_CN" if zh else "en")
    districts = np.array([c[:6] for c in held["region_code"].tolist()], dtype=str)
    uses = held["land_use_class"]
    previous = _previous_run(session, run)
    change = change_data(session, run, previous) if previous is not None else None
    metrics = run.metrics or {}
    model = metrics.get("model") or {}
    method = METHOD_NAMES.get(run.method, (run.method, run.method))[0 if zh else 1]
    facts = [(("批次" if zh else "Run"), run.run_no), (("估价期日" if zh else "Valuation date"),
                                                     run.valuation_date.isoformat()),
             (("评估方法" if zh else "Method"), method), (("模型版本" if zh else "Model version"), run.model_version),
             (("可用成交" if zh else "Sales used"), str(model.get("n_sales") or run.sale_count)),
             (("留出检验样本" if zh else "Held out"), str(len(held["sale"]))),
             (("评估宗地" if zh else "Parcels valued"), str(run.parcel_count)),
             (("追价拆分检验对照批次" if zh else "Split check against"),
              previous.run_no if previous is not None and change is not None else "—")]
    return build_ratio_report(
        held["appraised"], held["sale"], title="评估比率研究报告" if zh else "Ratio study report",
        subtitle=(f"批量评估批次 {run.run_no} 留出样本 · IAAO 评估比率研究标准（2013）" if zh
                  else f"Held-out sales of mass appraisal run {run.run_no} · IAAO Standard on Ratio Studies (2013)"),
        facts=facts, segments=[
            Segmenting("区县" if zh else "District", districts, district_names(districts)),
            Segmenting("土地用途" if zh else "Land use", uses,
                       {u: land_use_label(u, tr) for u in np.unique(uses).tolist()}, by_use=True)],
        property_class=str((metrics.get("verdict") or {}).get("property_class") or "other"), change=change,
        seed=run.seed, standards=RatioStandards.load(run.valuation_date), zh=zh)


def table_report(appraised: Any, sale: Any, *, source: str, segment: tuple[str, Any] | None = None,
                 property_class: str = "other", trim: str | None = "iqr", seed: int = 0) -> RatioReport:
    """The ratio-study report of any two columns of a sales table (the CLI's ``--report``) (L1)."""
    segments = [Segmenting(segment[0], np.asarray(segment[1]).astype(str))] if segment else []
    return build_ratio_report(appraised, sale, title="评估比率研究报告",
                              subtitle=f"{source} · IAAO 评估比率研究标准（2013）",
                              facts=[("数据来源", source), ("成交宗数", str(len(np.asarray(sale))))],
                              segments=segments, property_class=property_class, trim=trim, seed=seed)


def report_html(report: RatioReport, *, issued_on: date, zh: bool = True) -> str:
    """The report as print HTML (A4), used for the PDF."""
    issuer = f"{get_profile().name}自然资源主管部门 · 批量评估系统" if zh else "Mass appraisal system"
    return _env.get_template("valuation/ratio_report_print.html").render(
        r=report, t=words(zh), zh=zh, issuer=issuer,
        issued=(f"{issued_on.year}年{issued_on.month}月{issued_on.day}日" if zh else issued_on.isoformat()))


def render_report_pdf(report: RatioReport, *, issued_on: date, zh: bool = True) -> bytes:
    """Render a ratio-study report as an A4 PDF with Chinese text and its SVG figures (L1)."""
    return html_to_pdf(report_html(report, issued_on=issued_on, zh=zh), TEMPLATES)

"""The per-parcel appraisal report (宗地估价报告, PDF, zh-CN) of a mass appraisal run (L1, F1, issue #4 item 7).

The report prints the parcel and its rights, the valuation date, the value per m² and in total, the
method and model version, the top contributions in words, the run's held-out ratio study (overall,
for the parcel's property class and use, against the IAAO ranges) and a disclaimer. ``appraisal_report``
gathers the figures as plain values; ``render_appraisal_pdf`` draws them with WeasyPrint and the CJK
fonts the certificate uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.documents import html_to_pdf, print_templates
from landbridge.registry import RIGHT_TYPE_LABELS, land_use_label, parcel_detail
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.words import contribution_lines
from landbridge.valuation.ratio.study import RatioStandards
from landbridge.web.i18n import translator

TEMPLATES = Path(__file__).parents[1] / "templates"  # valuation/templates
_env = print_templates(TEMPLATES)
METHOD_NAMES = {"gbm": "梯度提升树模型（LightGBM，单调约束）", "hedonic": "特征价格模型（对数线性回归）"}
CHECKS = (("median", "level", "中位数比率"), ("cod", "cod", "COD"), ("prd", "prd", "PRD"), ("prb", "prb", "PRB"))


@dataclass(frozen=True)
class StudyRow:
    """One ratio study line of the report: the segment, its sales count, the figures and the verdicts."""

    segment: str
    n: int
    figures: list[tuple[str, str, bool | None]]  # (name, figure, passed; None when not judged)
    passed: bool


@dataclass(frozen=True)
class AppraisalReport:
    """Everything the appraisal report prints, as plain values (no database objects)."""

    report_no: str
    parcel_code: str
    location: str
    region: str
    land_use: str
    area_m2: str
    rights: list[str]
    valuation_date: date
    value_per_m2_cny: Decimal
    value_cny: Decimal
    method: str
    model_version: str
    run_no: str
    sale_count: int
    contributions: list[str]
    base_factor: str
    rest_factor: str
    study: list[StudyRow]
    criteria: str
    issued_on: date
    issuer: str
    ledger_seq: int | None = None
    remarks: list[str] = field(default_factory=list)


def _figure(name: str, value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if name in ("median", "prd") else f"{value:.2f}" if name == "cod" else f"{value:+.3f}"


def study_row(segment: str, study: dict[str, Any] | None) -> StudyRow | None:
    """A ratio study dict (with its ``verdict``) as a report line; None when the segment had too few sales."""
    if not study:
        return None
    verdict = study.get("verdict") or {}
    figures = [(label, _figure(key, study.get(key)), verdict.get(check)) for key, check, label in CHECKS]
    return StudyRow(segment, int(study["n"]), figures, bool(verdict.get("passed")))


def _term(right: dict[str, Any]) -> str:
    if not right.get("term_start") and not right.get("term_end"):
        return "长期"
    return f"{right.get('term_start') or ''} 至 {right.get('term_end') or '长期'}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


CLASS_NAMES = {"residential": "住宅", "rural": "农村土地", "vacant": "空闲地", "other": "其他"}


def criteria_text(std: RatioStandards) -> str:
    """The IAAO ranges of the rule set in words (the report's note under the ratio study)."""
    cods = "，".join(f"{CLASS_NAMES.get(k, k)} COD ≤ {v:g}" for k, v in std.cod_max.items())
    return (f"中位数比率 {std.median_range[0]:g}–{std.median_range[1]:g}，{cods}，"
            f"PRD {std.prd_range[0]:g}–{std.prd_range[1]:g}，|PRB| ≤ {std.prb_limit:g}")


def appraisal_report(session: Session, parcel_id: int, *, run_id: int | None = None,
                     issued_on: date) -> AppraisalReport:
    """Gather a parcel's appraisal report from its mass-appraised value in a run (default: the newest) (L1, F1)."""
    value = mass_service.parcel_value(session, parcel_id, run_id=run_id)
    run = mass_service.get_run(session, int(value["run_id"]))
    detail = parcel_detail(session, parcel_id)
    zh = translator("zh_CN")
    profile = get_profile()
    region = profile.region(str(detail["region_code"]))
    rights = [f"{zh(RIGHT_TYPE_LABELS.get(r['right_type'], r['right_type']))}（{_term(r)}）"
              for unit in detail["units"] for r in unit["rights"]]
    metrics = run.metrics or {}
    standards = RatioStandards.load(run.valuation_date)
    use = str(value["land_use_class"])
    klass = standards.property_class(use)
    rows = [study_row("全部留出样本", metrics),
            study_row(f"类别 {CLASS_NAMES.get(klass, klass)}", (metrics.get("property_classes") or {}).get(klass)),
            study_row(f"用途 {land_use_label(use, zh)}", (metrics.get("uses") or {}).get(use))]
    explanation = value["explanation"]
    return AppraisalReport(
        report_no=f"{run.run_no}-{parcel_id}", parcel_code=str(detail["parcel_code"]),
        location=str(detail.get("location") or (region.name if region else "")),
        region=region.name if region else str(detail["region_code"]), land_use=land_use_label(use, zh),
        area_m2=str(detail["area_m2"]), rights=rights, valuation_date=run.valuation_date,
        value_per_m2_cny=value["value_per_m2_cny"], value_cny=value["value_cny"],
        method=METHOD_NAMES.get(run.method, run.method), model_version=run.model_version, run_no=run.run_no,
        sale_count=run.sale_count, contributions=[line.sentence for line in contribution_lines(value, zh=True)],
        base_factor=f"{explanation['base_factor']:,.2f}", rest_factor=f"×{explanation['rest_factor']:.3f}",
        study=[r for r in rows if r is not None], criteria=criteria_text(standards), issued_on=issued_on,
        issuer=f"{profile.name}自然资源主管部门 · 批量评估系统", ledger_seq=run.ledger_seq)


def appraisal_html(data: AppraisalReport) -> str:
    """The appraisal report as print HTML (A4), used for the PDF."""
    return _env.get_template("valuation/mass_report_print.html").render(r=data, money=_money)


def render_appraisal_pdf(data: AppraisalReport) -> bytes:
    """Render an appraisal report as an A4 PDF with Chinese text (L1, F1)."""
    return html_to_pdf(appraisal_html(data), TEMPLATES)

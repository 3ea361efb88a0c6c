"""The ratio-study report of a mass appraisal run: page, PDF and JSON (评估比率研究报告, L1, issue #4 item 7).

The bureau and the banks read it (as the run pages); zh-CN by default, English with ``?lang=en``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal, require_roles
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.valuation.benchmark.views import studier, uploaded_file
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import MassRun
from landbridge.valuation.mass.pages import READERS, page_reader
from landbridge.valuation.ratio.study import RatioInputError, read_csv_columns
from landbridge.valuation.report.build import RatioReport
from landbridge.valuation.report.pdf import render_report_pdf, run_report, table_report, words
from landbridge.web.i18n import request_locale
from landbridge.web.render import render, render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
reader = require_roles(*READERS)


def report_json(report: RatioReport) -> dict[str, Any]:
    """A report's figures and tables as JSON values (no drawings)."""
    return {"title": report.title, "passed": report.passed, "property_class": report.property_class,
            "criteria": report.criteria, "study": report.study, "summary": [asdict(s) for s in report.summary],
            "segments": [asdict(t) for t in report.segments], "chasing": report.chasing,
            "figures": [f.key for f in report.figures]}


@router.get("/api/v1/valuation/runs/{run_id}/ratio-study", tags=["valuation"])
def run_ratio_study(run_id: int, principal: Principal = Depends(reader),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """A run's held-out ratio study by district, use and price band, with the sales-chasing checks (L1)."""
    return {"run_id": run_id, **report_json(run_report(session, run_id))}


def _report_for(request: Request, session: Session, principal: Principal | None, run_id: int,
                zh: bool) -> tuple[MassRun, RatioReport] | Response:
    """The run and its report if the caller may read them; else the login redirect or the error page."""
    who = page_reader(request, principal)
    if isinstance(who, Response):
        return who
    try:
        return mass_service.get_run(session, run_id), run_report(session, run_id, zh=zh)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())


@router.post("/api/v1/valuation/ratio-study/report.pdf", tags=["valuation"],
             response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
async def uploaded_report(request: Request, principal: Principal = Depends(studier)) -> Response:
    """The ratio-study report (PDF, zh-CN) of an uploaded CSV: form fields file, appraised, sale, segment (L1)."""
    form = await request.form()
    content = await uploaded_file(form)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    appraised, sale, segment = fields.get("appraised", ""), fields.get("sale", ""), fields.get("segment") or None
    upload = form.get("file")
    source = getattr(upload, "filename", None) or "upload.csv"
    if content is None or not appraised or not sale:
        raise _invalid("a CSV file in 'file' and the columns in 'appraised' and 'sale' are required")

    def work() -> bytes:
        data = read_csv_columns(content, [appraised, sale], [segment] if segment else [])
        report = table_report(data[appraised], data[sale], source=source,
                              segment=(segment, data[segment]) if segment else None)
        return render_report_pdf(report, issued_on=to_local(now()).date())

    try:
        pdf = await run_in_threadpool(work)
    except RatioInputError as exc:
        raise _invalid(str(exc)) from None
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="ratio-study.pdf"'})


def _invalid(message_en: str) -> DomainError:
    return ValuationError.INVALID_RATIO_INPUT.error({"message_en": message_en})


@router.get("/valuation/runs/{run_id}/ratio-report", include_in_schema=False)
def ratio_report_page(request: Request, run_id: int, session: Session = Depends(get_session),
                      principal: Principal | None = Depends(optional_principal)) -> Response:
    """A run's ratio-study report as a page with its figures (L1)."""
    zh = request_locale(request) == "zh_CN"
    found = _report_for(request, session, principal, run_id, zh)
    if isinstance(found, Response):
        return found
    run, report = found
    return render(request, "valuation/ratio_report.html", {"r": report, "t": words(zh), "run": run})


@router.get("/valuation/runs/{run_id}/ratio-report.pdf", include_in_schema=False)
def ratio_report_pdf(request: Request, run_id: int, session: Session = Depends(get_session),
                     principal: Principal | None = Depends(optional_principal)) -> Response:
    """Download a run's ratio-study report (PDF, zh-CN) (L1)."""
    found = _report_for(request, session, principal, run_id, True)
    if isinstance(found, Response):
        return found
    run, report = found
    pdf = render_report_pdf(report, issued_on=to_local(now()).date())
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="ratio-study-{run.run_no}.pdf"'})

"""Bureau pages of mass appraisal (批量评估, L1, F1): the runs, a run's held-out ratio study by segment against
the IAAO ranges, a parcel's mass-appraised value with its top contributions in words, and its appraisal report.

The natural-resources bureau and the banks read them; the bureau starts a run from the run list. zh-CN
by default, English with ``?lang=en`` (English source text, Chinese from the platform catalogue).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, check_region, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.registry import get_parcel, land_use_label
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.i18n import messages, words
from landbridge.valuation.mass import jobs
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.appraisal_pdf import appraisal_report, render_appraisal_pdf
from landbridge.valuation.mass.models import MassValue
from landbridge.valuation.mass.words import contribution_lines
from landbridge.valuation.ratio.study import RatioStandards
from landbridge.web.i18n import request_locale, translator
from landbridge.web.pages import PageKit
from landbridge.web.render import render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
READERS = (Role.nr_official, Role.bank_officer)
RUNS_PAGE = "/valuation/runs"
PAGE_ROWS = 30
JOB_ROWS = 8
SAMPLE_PARCELS = 12
CLASS_LABELS = {"residential": "Residential", "rural": "Rural land", "vacant": "Vacant land", "other": "Other"}
METHOD_LABELS = {"gbm": "Gradient boosting (LightGBM, monotone)", "hedonic": "Hedonic regression (log-linear)"}
CHECKS = (("median", "level", "Median ratio"), ("cod", "cod", "COD"), ("prd", "prd", "PRD"), ("prb", "prb", "PRB"))




def page_reader(request: Request, principal: Principal | None, roles: tuple[Role, ...] = READERS,
            ) -> Principal | Response:
    """The caller if their role may read these pages; else the login redirect or a 403 page."""
    return page_caller(request, principal, roles)


KIT = PageKit(words=messages("zh_CN", "mass"))
_page = KIT.page


def study_rows(metrics: dict[str, Any], request: Request) -> list[dict[str, Any]]:
    """A run's held-out ratio study as table rows: overall, by property class, by use; each check judged."""
    _ = translator(request_locale(request))
    rows: list[dict[str, Any]] = []
    segments: list[tuple[str, str, dict[str, Any] | None]] = [("overall", _("All held-out sales"), metrics)]
    for name, item in (metrics.get("property_classes") or {}).items():
        segments.append(("class", _(CLASS_LABELS.get(name, name)), item))
    for name, item in (metrics.get("uses") or {}).items():
        segments.append(("use", land_use_label(name, _), item))
    for kind, label, study in segments:
        if not study:
            rows.append({"kind": kind, "label": label, "n": 0, "checks": [], "passed": None})
            continue
        verdict = study.get("verdict") or {}
        checks = [{"key": key, "name": _(title), "value": study.get(key), "ci": study.get(f"{key}_ci"),
                   "ok": verdict.get(check)} for key, check, title in CHECKS]
        rows.append({"kind": kind, "label": label, "n": study.get("n", 0), "checks": checks,
                     "passed": verdict.get("passed"), "enough": verdict.get("enough_sales", True),
                     "cod_limit": verdict.get("cod_limit"), "trimmed": study.get("trimmed", 0)})
    return rows


@router.get(RUNS_PAGE)
def runs_page(request: Request, page: int = Query(1, ge=1, le=100_000), session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    """Mass appraisal runs, newest first, with their headline ratio study; the bureau may start one (L1)."""
    who = page_reader(request, principal)
    if isinstance(who, Response):
        return who
    runs, total = mass_service.list_runs(session, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
    return _page(request, "valuation/mass_runs.html", {
        "jobs": [jobs.job_summary(j) for j in jobs.list_jobs(session, limit=JOB_ROWS)],
        "runs": runs, "total": total, "page": page, "pages": max(1, -(-total // PAGE_ROWS)),
        "can_start": who.role == Role.nr_official, "today": to_local(now()).date().isoformat(),
        "methods": {k: translator(request_locale(request))(v) for k, v in METHOD_LABELS.items()}})


@router.post(RUNS_PAGE)
def start_run_form(request: Request, csrf: str = Form(""), valuation_date: str = Form(""), method: str = Form("gbm"),
                   session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """Queue a revaluation from the run list (bureau only); the list shows its progress (L1)."""
    who = page_reader(request, principal, (Role.nr_official,))
    if isinstance(who, Response):
        return who

    def queue() -> tuple[str, str]:
        try:
            day = date.fromisoformat(valuation_date)
        except ValueError:
            raise ValuationError.MASS_BAD_DATE.error() from None
        job = jobs.queue_revaluation(session, who, valuation_date=day, method=method)
        queued = "Job {job} is queued and runs in the background; its progress is below."
        return words("zh_CN", "mass")(queued, job=job.id), queued.format(job=job.id)

    return KIT.act(request, session, queue, RUNS_PAGE, csrf=csrf, refused=lambda exc: exc.http_status == 403)


@router.get("/valuation/jobs/{job_id}/status")
def job_status(request: Request, job_id: int, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """A revaluation job's progress as JSON for the run list's progress bar (polled by the page) (L1)."""
    who = page_reader(request, principal)
    if isinstance(who, Response):
        return who
    try:
        job = jobs.get_job(session, job_id)
    except DomainError as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    return JSONResponse(jobs.job_summary(job))


@router.get(RUNS_PAGE + "/{run_id}")
def run_page(request: Request, run_id: int, session: Session = Depends(get_session),
             principal: Principal | None = Depends(optional_principal)) -> Response:
    """One run: parameters, counts and the held-out ratio study by segment with IAAO pass/fail (L1)."""
    who = page_reader(request, principal)
    if isinstance(who, Response):
        return who
    try:
        run = mass_service.get_run(session, run_id)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    metrics = run.metrics or {}
    samples = session.execute(select(MassValue.parcel_id, MassValue.land_use_class, MassValue.value_per_m2_cny)
                              .where(MassValue.run_id == run.id).order_by(MassValue.parcel_id)
                              .limit(SAMPLE_PARCELS)).all()
    _ = translator(request_locale(request))
    return _page(request, "valuation/mass_run.html", {
        "run": run, "rows": study_rows(metrics, request), "model": metrics.get("model") or {},
        "method": _(METHOD_LABELS.get(run.method, run.method)), "standards": RatioStandards.load(run.valuation_date),
        "unvalued": [(land_use_label(k, _), v) for k, v in (run.parameters.get("unvalued_by_use") or {}).items()],
        "samples": [(p, land_use_label(u, _), v) for p, u, v in samples]})


class _Parcel(Protocol):
    """What the value pages read of a registry parcel (through ``registry.get_parcel``)."""

    @property
    def region_code(self) -> str: ...

    @property
    def land_use_class(self) -> str: ...


def _parcel_for(request: Request, session: Session, principal: Principal | None, parcel_id: int,
                ) -> _Parcel | Response:
    """The parcel if the caller may read its value (role, then the organisation's area); else the page to show."""
    who = page_reader(request, principal)
    if isinstance(who, Response):
        return who
    try:
        parcel = get_parcel(session, parcel_id)
        check_region(who, parcel.region_code)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    return parcel


@router.get("/valuation/parcels/{parcel_id}/mass")
def parcel_mass_page(request: Request, parcel_id: int, run_id: int | None = Query(None, ge=1),
                     session: Session = Depends(get_session),
                     principal: Principal | None = Depends(optional_principal)) -> Response:
    """A parcel's mass-appraised value with its top contributions in words and the model version (L1, F1)."""
    parcel = _parcel_for(request, session, principal, parcel_id)
    if isinstance(parcel, Response):
        return parcel
    try:
        value = mass_service.parcel_value(session, parcel_id, run_id=run_id)
        run = mass_service.get_run(session, int(value["run_id"]))
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    locale = request_locale(request)
    _ = translator(locale)
    return _page(request, "valuation/mass_parcel.html", {
        "parcel": parcel, "value": value, "run": run, "use": land_use_label(parcel.land_use_class, _),
        "method": _(METHOD_LABELS.get(run.method, run.method)),
        "lines": contribution_lines(value, zh=locale == "zh_CN"), "rows": study_rows(run.metrics or {}, request)[:1],
        "report": f"/valuation/parcels/{parcel_id}/report.pdf" + (f"?run_id={run_id}" if run_id else "")})


@router.get("/valuation/parcels/{parcel_id}/report.pdf")
def parcel_report_pdf(request: Request, parcel_id: int, run_id: int | None = Query(None, ge=1),
                      session: Session = Depends(get_session),
                      principal: Principal | None = Depends(optional_principal)) -> Response:
    """Download a parcel's appraisal report (PDF, zh-CN) from its mass-appraised value (L1, F1)."""
    parcel = _parcel_for(request, session, principal, parcel_id)
    if isinstance(parcel, Response):
        return parcel
    try:
        data = appraisal_report(session, parcel_id, run_id=run_id, issued_on=to_local(now()).date())
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    return Response(render_appraisal_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="appraisal-{data.report_no}.pdf"'})

"""Employment pages (就业服务, issue #20 item 4): ``/employment`` (the public list of published jobs; for a signed-in
resident their job-seeker profile with the consent, the jobs matched to them with reasons, their applications) and
``/employment/desk`` (an employer's postings, matches and applications; the officer's review queue). zh-CN by
default, English with ``?lang=en``. Forms post with the form token and go through the same service functions as the
API (``/api/v1/employment``); a refusal rolls back and flashes its message. No seeker data on anonymous pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, optional_principal, organisation_names
from landbridge.auth.pages import page_caller
from landbridge.employment import match, service
from landbridge.employment.errors import EmploymentError
from landbridge.employment.models import EmploymentJob, JobApplication, JobSeeker
from landbridge.employment.rules import JobStatus
from landbridge.employment.views import actor_of, audit, yuan
from landbridge.web.i18n import request_locale
from landbridge.web.pages import PageKit
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
kit = PageKit()
PAGE = 20
APPLICATIONS_SHOWN = 50  # per job on the employer's desk
STAFF = (Role.employer, Role.employment_officer)
REASONS = {"skills": ("技能匹配", "skills"), "township": ("同一乡镇", "same township"),
           "county": ("同一县区", "same county"), "industry": ("意向产业", "wanted industry"),
           "wage": ("薪资符合期望", "wage meets expectation")}
STATUS = {"submitted": ("待审核", "to review"), "published": ("招聘中", "open"), "rejected": ("不予发布", "rejected"),
          "closed": ("已关闭", "closed"), "expired": ("已过期", "expired"), "applied": ("已申请", "applied"),
          "shortlisted": ("入围", "shortlisted"), "hired": ("已录用", "hired"), "withdrawn": ("已撤回", "withdrawn")}


def _zh(request: Request) -> bool:
    return request_locale(request) == "zh_CN"


def _label(table: dict[str, tuple[str, str]], key: str, zh: bool) -> str:
    found = table.get(key)
    return (found[0] if zh else found[1]) if found else key


def _job(j: EmploymentJob, names: dict[int, str], zh: bool, industries: Mapping[str, str]) -> dict[str, Any]:
    return {"j": j, "employer": names.get(j.employer_id, "—"), "wage": f"{yuan(j.wage_min_fen)}–{yuan(j.wage_max_fen)}",
            "industry": industries.get(j.industry, j.industry),
            "status": _label(STATUS, j.status, zh)}


def _reasons(m: match.Match, zh: bool) -> str:
    return "；".join(f"{_label(REASONS, r.key, zh)}{'（' + r.detail + '）' if r.detail else ''} +{r.points}"
                    for r in m.reasons)


@router.get("/employment", response_class=Response)
def board(request: Request, page: int = Query(1, ge=1, le=10_000), industry: str = Query("", max_length=40),
          session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal)
          ) -> Response:
    """The published jobs (public); for a signed-in resident, their seeker profile, matches and applications."""
    zh = _zh(request)
    rules = service.employment_rules()
    stmt = select(EmploymentJob).where(EmploymentJob.status == JobStatus.published.value,
                                       EmploymentJob.closes_on >= service.today())
    if industry:
        stmt = stmt.where(EmploymentJob.industry == industry)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(EmploymentJob.id.desc()).limit(PAGE).offset((page - 1) * PAGE)))
    names = organisation_names(session, [j.employer_id for j in rows])
    context: dict[str, Any] = {"zh": zh, "jobs": [_job(j, names, zh, rules.industries) for j in rows], "page": page,
                               "pages": max(1, -(-total // PAGE)), "industry": industry,
                               "industries": list(rules.industries.items()), "principal": principal,
                               "seeker": None, "matches": [], "applications": []}
    if principal is not None:
        seeker = service.seeker_of(session, principal.user_id)
        context["seeker"] = seeker
        context["may_register"] = principal.party_id is not None
        if seeker is not None:
            if seeker.consent:
                found = match.jobs_for(session, seeker, limit=10)
                mnames = organisation_names(session, [m.job.employer_id for m in found])
                context["matches"] = [{**_job(m.job, mnames, zh, rules.industries), "score": m.score,
                                       "reasons": _reasons(m, zh)} for m in found]
            apps = list(session.scalars(select(JobApplication).where(JobApplication.seeker_id == seeker.id)
                                        .order_by(JobApplication.id.desc()).limit(50)))
            titles = {int(i): str(t) for i, t in session.execute(select(EmploymentJob.id, EmploymentJob.title).where(
                EmploymentJob.id.in_([a.job_id for a in apps])))}
            context["applications"] = [{"a": a, "title": titles.get(a.job_id, "—"),
                                        "status": _label(STATUS, a.status, zh)} for a in apps]
    return kit.page(request, "employment/board.html", context)


@router.post("/employment/seeker", response_class=Response)
def register(request: Request, csrf: str = Form(""), region_code: str = Form(""), industry: str = Form(""),
             skills: str = Form(""), wage_expect: str = Form(""), consent: str = Form(""),
             session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal)
             ) -> Response:
    """Register or update my job-seeker profile with my consent."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        service.register_seeker(session, actor=actor_of(caller), user_id=caller.user_id, party_id=caller.party_id,
                                region_code=region_code.strip(), industry=industry or None, skills=skills[:400],
                                wage_expect=wage_expect.strip()[:20] or None, consent=consent == "yes")
        return "求职登记已保存", "Job-seeker profile saved"
    return kit.act(request, session, action, "/employment", csrf=csrf)


@router.post("/employment/seeker/withdraw", response_class=Response)
def withdraw(request: Request, csrf: str = Form(""), session: Session = Depends(get_session),
             principal: Principal | None = Depends(optional_principal)) -> Response:
    """Withdraw my consent: hidden from employers and matching at once."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        service.withdraw_consent(session, actor=actor_of(caller), user_id=caller.user_id)
        return "已撤回授权，用人单位将看不到您的求职信息", "Consent withdrawn: employers no longer see your profile"
    return kit.act(request, session, action, "/employment", csrf=csrf)


@router.post("/employment/jobs/{job_id}/apply", response_class=Response)
def apply(request: Request, job_id: int, csrf: str = Form(""), session: Session = Depends(get_session),
          principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        service.apply(session, actor=actor_of(caller), user_id=caller.user_id, job_id=job_id)
        return "已提交求职申请", "Application sent"
    return kit.act(request, session, action, "/employment", csrf=csrf)


@router.get("/employment/desk", response_class=Response)
def desk(request: Request, session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The employer's postings with matches and applications; the officer's review queue."""
    caller = page_caller(request, principal, STAFF)
    if not isinstance(caller, Principal):
        return caller
    zh = _zh(request)
    stmt = select(EmploymentJob).order_by(EmploymentJob.id.desc()).limit(PAGE)
    if caller.role is Role.employer:
        stmt = stmt.where(EmploymentJob.employer_id == caller.organisation_id)
    else:
        stmt = stmt.where(EmploymentJob.status == JobStatus.submitted.value)
    rows = list(session.scalars(stmt))
    names = organisation_names(session, [j.employer_id for j in rows])
    rules = service.employment_rules()
    live = [j.id for j in rows if caller.role is Role.employer and j.status == JobStatus.published]
    # read once for every job on the page: the consenting pool, the applications, their consenting seekers
    pool = match.candidates(session) if live else []
    by_job: dict[int, list[JobApplication]] = {}
    for a in session.scalars(select(JobApplication).where(JobApplication.job_id.in_(live))
                             .order_by(JobApplication.id).limit(APPLICATIONS_SHOWN * len(live))):
        if len(by_job.setdefault(a.job_id, [])) < APPLICATIONS_SHOWN:
            by_job[a.job_id].append(a)
    consenting = {s.id: s for s in session.scalars(select(JobSeeker).where(
        JobSeeker.id.in_([a.seeker_id for apps in by_job.values() for a in apps]), JobSeeker.consent.is_(True)))}
    jobs = []
    shown: list[JobSeeker] = []
    for j in rows:
        item = _job(j, names, zh, rules.industries)
        if j.id in live:
            found = match.seekers_for(session, j, limit=5, rules=rules, pool=pool)
            shown += [m.seeker for m in found]
            item["matches"] = [{"seeker": m.seeker, "score": m.score, "reasons": _reasons(m, zh)} for m in found]
            apps = by_job.get(j.id, [])
            shown += [consenting[a.seeker_id] for a in apps if a.seeker_id in consenting]
            item["applications"] = [{"a": a, "seeker": consenting.get(a.seeker_id),
                                     "status": _label(STATUS, a.status, zh)} for a in apps]
        jobs.append(item)
    audit(session, caller, list({s.id: s for s in shown}.values()), "employment.desk")
    return kit.page(request, "employment/desk.html", {
        "zh": zh, "jobs": jobs, "employer": caller.role is Role.employer, "industries": list(rules.industries.items()),
        "region": caller.region_code, "max_days": rules.max_open_days})


@router.post("/employment/desk/jobs", response_class=Response)
def post_job(request: Request, csrf: str = Form(""), title: str = Form(""), industry: str = Form(""),
             description: str = Form(""), region_code: str = Form(""), wage_min: str = Form(""),
             wage_max: str = Form(""), headcount: int = Form(0, ge=-10**6, le=10**6), skills: str = Form(""),
             closes_on: str = Form(""), session: Session = Depends(get_session),
             principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, (Role.employer,))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        try:
            day = date.fromisoformat(closes_on[:10])
        except ValueError:
            day = service.today()  # refused by the closing rule with its typed message
        service.post_job(session, actor=actor_of(caller), employer_id=caller.organisation_id, title=title[:200],
                         industry=industry[:40], description=description[:4000], region_code=region_code.strip(),
                         wage_min=wage_min.strip()[:20], wage_max=wage_max.strip()[:20], headcount=headcount,
                         skills=skills[:400], closes_on=day)
        return "岗位已提交，等待审核", "Job submitted for review"
    return kit.act(request, session, action, "/employment/desk", csrf=csrf)


@router.post("/employment/desk/jobs/{job_id}/{step}", response_class=Response)
def job_step(request: Request, job_id: int, step: str, csrf: str = Form(""), reason: str = Form(""),
             session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal)
             ) -> Response:
    caller = page_caller(request, principal, STAFF)
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        actor = actor_of(caller)
        if step == "close":
            service.close_job(session, job_id, actor=actor,
                              employer_id=caller.organisation_id if caller.role is Role.employer else None)
            return "岗位已关闭", "Job closed"
        if caller.role is not Role.employment_officer or step not in ("publish", "reject"):
            raise EmploymentError.NOT_YOURS.error()
        if step == "publish":
            service.publish_job(session, job_id, actor=actor)
            return "岗位已发布", "Job published"
        service.reject_job(session, job_id, actor=actor, reason=reason[:600])
        return "岗位不予发布", "Job rejected"
    return kit.act(request, session, action, "/employment/desk", csrf=csrf)


@router.post("/employment/desk/applications/{application_id}/{step}", response_class=Response)
def decide(request: Request, application_id: int, step: str, csrf: str = Form(""),
           session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal)
           ) -> Response:
    caller = page_caller(request, principal, (Role.employer,))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        service.decide(session, application_id, step=step[:20], actor=actor_of(caller),
                       employer_id=caller.organisation_id)
        return "已处理求职申请", "Application decided"
    return kit.act(request, session, action, "/employment/desk", csrf=csrf)


@router.post("/employment/applications/{application_id}/withdraw", response_class=Response)
def withdraw_application(request: Request, application_id: int, csrf: str = Form(""),
                         session: Session = Depends(get_session),
                         principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        service.withdraw_application(session, application_id, actor=actor_of(caller), user_id=caller.user_id)
        return "已撤回申请", "Application withdrawn"
    return kit.act(request, session, action, "/employment", csrf=csrf)


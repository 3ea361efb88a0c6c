"""Employment JSON API (/api/v1/employment, issue #20 item 4, requirements E1, E2).

Permissions (the permission-matrix test in tests/employment/test_api.py):
- published jobs are public (``GET /jobs``, ``GET /jobs/{id}``), with no personal data;
- an ``employer`` (staff of an organisation with a valid USCC) posts jobs, closes its own, reads the matches and the
  applications of its own jobs and shortlists, hires or rejects (another employer: 403 ``employment.not_yours``);
- the ``employment_officer`` reviews (publishes or rejects) submitted jobs, closes any, reads matches, applications
  and a seeker's record; every read of a seeker's profile by an employer or the officer is recorded
  (``privacy.record_read``);
- any signed-in resident linked to a registry person registers as a seeker with consent, withdraws the consent,
  sees the jobs matched to them, applies and withdraws their own applications.
A seeker's profile is shown to an employer only while their consent holds. Anonymous callers get 401, other roles
403. Lists are paged (``limit``, ``offset``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.auth import Principal, Role, current_principal, organisation_names, require_roles
from landbridge.employment import match, service
from landbridge.employment.errors import EmploymentError
from landbridge.employment.models import EmploymentJob, JobApplication, JobSeeker
from landbridge.employment.rules import JobStatus
from landbridge.kernel.money import fen_to_yuan
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/employment", tags=["employment"], route_class=TransactionalRoute)

employer = require_roles(Role.employer)
officer = require_roles(Role.employment_officer)
staff = require_roles(Role.employer, Role.employment_officer)
PAGE_MAX = 100
Limit = Query(20, ge=1, le=PAGE_MAX)
Offset = Query(0, ge=0, le=10_000_000)


def actor_of(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


class JobIn(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    industry: str = Field(min_length=1, max_length=40)
    description: str = Field(min_length=1, max_length=2000)
    region_code: str = Field(pattern=r"^\d{12}$")
    wage_min: Decimal = Field(ge=0, le=10**9, max_digits=14, decimal_places=2)
    wage_max: Decimal = Field(ge=0, le=10**9, max_digits=14, decimal_places=2)
    headcount: int = Field(ge=-10**6, le=10**6)  # the rule set's bound is checked by the service (typed error)
    skills: list[str] = Field(default_factory=list, max_length=50)
    closes_on: date


class SeekerIn(BaseModel):
    region_code: str = Field(pattern=r"^\d{12}$")
    industry: str | None = Field(default=None, max_length=40)
    skills: list[str] = Field(default_factory=list, max_length=50)
    wage_expect: Decimal | None = Field(default=None, ge=0, le=10**9, max_digits=14, decimal_places=2)
    consent: bool = False


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class NoteIn(BaseModel):
    note: str | None = Field(default=None, max_length=300)


def yuan(fen: int | None) -> str | None:
    return None if fen is None else str(fen_to_yuan(fen))


def job_json(j: EmploymentJob, employers: dict[int, str]) -> dict[str, Any]:
    return {"id": j.id, "status": j.status, "title": j.title, "industry": j.industry, "description": j.description,
            "region_code": j.region_code, "employer_id": j.employer_id, "employer": employers.get(j.employer_id),
            "wage_min": yuan(j.wage_min_fen), "wage_max": yuan(j.wage_max_fen), "headcount": j.headcount,
            "skills": list(j.skills), "closes_on": j.closes_on.isoformat(), "reason": j.reason,
            "ledger_seq": j.ledger_seq}


def seeker_json(s: JobSeeker) -> dict[str, Any]:
    return {"id": s.id, "region_code": s.region_code, "industry": s.industry, "skills": list(s.skills),
            "wage_expect": yuan(s.wage_expect_fen), "consent": s.consent}


def application_json(a: JobApplication, seeker: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"id": a.id, "status": a.status, "job_id": a.job_id, "seeker_id": a.seeker_id, "note": a.note,
           "created_at": a.created_at.isoformat(), "ledger_seq": a.ledger_seq}
    if seeker is not None:
        out["seeker"] = seeker
    return out


def audit(session: Session, p: Principal, seekers: list[JobSeeker], purpose: str) -> None:
    """Record the reads of seekers' profiles shown to an employer or the officer."""
    if seekers:
        privacy.record_reads(session, reader=privacy.Reader(actor_of(p), p.role.value, p.organisation_id),
                             records=[(f"employment_job_seeker:{s.id}", s.party_id) for s in seekers],
                             purpose=purpose)


def _jobs_page(session: Session, stmt: Any, limit: int, offset: int) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(session.scalars(stmt.order_by(EmploymentJob.id.desc()).limit(limit).offset(offset)))
    names = organisation_names(session, [j.employer_id for j in rows])
    return {"items": [job_json(j, names) for j in rows], "total": total, "limit": limit, "offset": offset}


def own_job(session: Session, p: Principal, job_id: int) -> EmploymentJob:
    """A job its employer or the officer acts on; 403 for another employer."""
    job = service.get_job(session, job_id)
    if p.role is Role.employer and job.employer_id != p.organisation_id:
        raise EmploymentError.NOT_YOURS.error()
    return job


@router.get("/industries")
def industries() -> dict[str, Any]:
    """The plan's "2+3" industries (rule set ``employment``)."""
    return {"industries": dict(service.employment_rules().industries)}


@router.get("/jobs")
def public_jobs(industry: str | None = Query(None, max_length=40),
                region: str | None = Query(None, pattern=r"^\d{1,12}$"), limit: int = Limit,
                offset: int = Offset, session: Session = Depends(get_session)) -> dict[str, Any]:
    """The published, still open jobs (public; no personal data), newest first."""
    stmt = select(EmploymentJob).where(EmploymentJob.status == JobStatus.published.value,
                                       EmploymentJob.closes_on >= service.today())
    if industry:
        stmt = stmt.where(EmploymentJob.industry == industry)
    if region:
        stmt = stmt.where(EmploymentJob.region_code.startswith(region))
    return _jobs_page(session, stmt, limit, offset)


@router.get("/review")
def review_queue(limit: int = Limit, offset: int = Offset, p: Principal = Depends(officer),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """The jobs waiting for the officer's review."""
    return _jobs_page(session, select(EmploymentJob).where(EmploymentJob.status == JobStatus.submitted.value),
                      limit, offset)


@router.get("/employer/jobs")
def employer_jobs(limit: int = Limit, offset: int = Offset, p: Principal = Depends(employer),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """The employer's own jobs in every state."""
    return _jobs_page(session, select(EmploymentJob).where(EmploymentJob.employer_id == p.organisation_id),
                      limit, offset)


@router.post("/jobs", status_code=201)
def post_job(body: JobIn, p: Principal = Depends(employer), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The employer posts a job (待审核)."""
    j = service.post_job(session, actor=actor_of(p), employer_id=p.organisation_id, title=body.title,
                         industry=body.industry, description=body.description, region_code=body.region_code,
                         wage_min=body.wage_min, wage_max=body.wage_max, headcount=body.headcount,
                         skills=body.skills, closes_on=body.closes_on)
    return job_json(j, organisation_names(session, [j.employer_id]))


@router.get("/jobs/{job_id}")
def read_job(job_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    """A published job (public)."""
    j = service.get_job(session, job_id)
    if j.status != JobStatus.published:
        raise EmploymentError.JOB_NOT_FOUND.error()
    return job_json(j, organisation_names(session, [j.employer_id]))


@router.post("/jobs/{job_id}/publish")
def publish(job_id: int, p: Principal = Depends(officer), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The officer publishes a submitted job."""
    j = service.publish_job(session, job_id, actor=actor_of(p))
    return job_json(j, organisation_names(session, [j.employer_id]))


@router.post("/jobs/{job_id}/reject")
def reject(job_id: int, body: ReasonIn, p: Principal = Depends(officer),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The officer does not publish a submitted job, with a reason."""
    j = service.reject_job(session, job_id, actor=actor_of(p), reason=body.reason)
    return job_json(j, organisation_names(session, [j.employer_id]))


@router.post("/jobs/{job_id}/close")
def close(job_id: int, p: Principal = Depends(staff), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The employer closes its own job; the officer any."""
    j = service.close_job(session, job_id, actor=actor_of(p),
                          employer_id=p.organisation_id if p.role is Role.employer else None)
    return job_json(j, organisation_names(session, [j.employer_id]))


@router.get("/jobs/{job_id}/matches")
def job_matches(job_id: int, limit: int = Query(20, ge=1, le=50), p: Principal = Depends(staff),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """The consenting seekers for a job, best first, each with the reasons of its score (reads recorded)."""
    job = own_job(session, p, job_id)
    found = match.seekers_for(session, job, limit=limit)
    audit(session, p, [m.seeker for m in found], "employment.match")
    return {"job_id": job.id, "items": [{"seeker": seeker_json(m.seeker), "score": m.score,
                                         "reasons": [{"key": r.key, "points": r.points, "detail": r.detail}
                                                     for r in m.reasons]} for m in found]}


@router.get("/jobs/{job_id}/applications")
def job_applications(job_id: int, limit: int = Limit, offset: int = Offset, p: Principal = Depends(staff),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """A job's applications; the seeker's profile only while their consent holds (reads recorded)."""
    job = own_job(session, p, job_id)
    rows = list(session.scalars(select(JobApplication).where(JobApplication.job_id == job.id)
                                .order_by(JobApplication.id).limit(limit).offset(offset)))
    seekers = {s.id: s for s in session.scalars(select(JobSeeker).where(
        JobSeeker.id.in_([a.seeker_id for a in rows]), JobSeeker.consent.is_(True)))}
    audit(session, p, list(seekers.values()), "employment.applications")
    return {"items": [application_json(a, seeker_json(seekers[a.seeker_id]) if a.seeker_id in seekers else None)
                      for a in rows], "limit": limit, "offset": offset}


@router.post("/applications/{application_id}/{step}")
def decide(application_id: int, step: str, body: NoteIn | None = None, p: Principal = Depends(current_principal),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The employer's ``shortlist``, ``hire`` or ``reject``; the seeker's ``withdraw``."""
    if step == "withdraw":
        return application_json(service.withdraw_application(session, application_id, actor=actor_of(p),
                                                             user_id=p.user_id))
    if p.role is not Role.employer:
        raise EmploymentError.NOT_YOURS.error()
    if step not in ("shortlist", "hire", "reject"):
        raise EmploymentError.INVALID_STEP.error(status="-", step=step[:20])
    return application_json(service.decide(session, application_id, step=step, actor=actor_of(p),
                                           employer_id=p.organisation_id, note=body.note if body else None))


@router.put("/seeker")
def register(body: SeekerIn, p: Principal = Depends(current_principal),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Register or update my job-seeker profile with my consent (授权)."""
    s = service.register_seeker(session, actor=actor_of(p), user_id=p.user_id, party_id=p.party_id,
                                region_code=body.region_code, industry=body.industry, skills=body.skills,
                                wage_expect=body.wage_expect, consent=body.consent)
    return seeker_json(s)


@router.get("/seeker")
def my_profile(p: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> dict[str, Any]:
    """My job-seeker profile and my applications."""
    s = service.seeker_of(session, p.user_id)
    if s is None:
        raise EmploymentError.SEEKER_NOT_FOUND.error()
    apps = session.scalars(select(JobApplication).where(JobApplication.seeker_id == s.id)
                           .order_by(JobApplication.id.desc()).limit(PAGE_MAX))
    return {**seeker_json(s), "applications": [application_json(a) for a in apps]}


@router.post("/seeker/withdraw-consent")
def withdraw_consent(p: Principal = Depends(current_principal),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """Withdraw my consent: my profile is hidden from employers and matching at once."""
    return seeker_json(service.withdraw_consent(session, actor=actor_of(p), user_id=p.user_id))


@router.get("/seeker/matches")
def my_matches(limit: int = Query(20, ge=1, le=50), p: Principal = Depends(current_principal),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """The open jobs matched to me, best first, with their reasons."""
    s = service.seeker_of(session, p.user_id)
    if s is None:
        raise EmploymentError.SEEKER_NOT_FOUND.error()
    found = match.jobs_for(session, s, limit=limit)
    names = organisation_names(session, [m.job.employer_id for m in found])
    return {"items": [{"job": job_json(m.job, names), "score": m.score,
                       "reasons": [{"key": r.key, "points": r.points, "detail": r.detail} for r in m.reasons]}
                      for m in found]}


@router.post("/jobs/{job_id}/apply", status_code=201)
def apply(job_id: int, body: NoteIn | None = None, p: Principal = Depends(current_principal),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """Apply for a published job (a consenting seeker, once)."""
    return application_json(service.apply(session, actor=actor_of(p), user_id=p.user_id, job_id=job_id,
                                          note=body.note if body else None))


@router.get("/seekers/{seeker_id}")
def read_seeker(seeker_id: int, p: Principal = Depends(staff), session: Session = Depends(get_session)
                ) -> dict[str, Any]:
    """A seeker's record: the officer (always, read recorded); an employer only while the seeker consents and has
    applied to one of its jobs (read recorded)."""
    s = service.get_seeker(session, seeker_id)
    if p.role is Role.employer:
        applied = session.scalar(select(JobApplication.id).where(JobApplication.seeker_id == s.id,
                                                                 JobApplication.employer_id == p.organisation_id)
                                 .limit(1))
        if not s.consent or applied is None:
            raise EmploymentError.NO_CONSENT.error() if not s.consent else EmploymentError.NOT_YOURS.error()
    audit(session, p, [s], "employment.seeker")
    return seeker_json(s)

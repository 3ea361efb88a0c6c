"""The employment register's steps (就业服务, issue #20 item 4, requirements E1, E2; 就业促进法 art. 35,
人力资源市场暂行条例 art. 24).

An employer (用人单位: an organisation whose unified social credit code has a right check digit) posts a job; the
employment officer (人社就业服务) publishes or rejects it; the employer or the officer closes it; the worker expires
published jobs after their closing date. A resident linked to a registry person registers as a job seeker with an
explicit consent (授权) to show the profile to employers; withdrawing it hides the profile from employers and
matching at once (every read filters on ``consent``). The seeker applies; the employer shortlists, hires or rejects;
the seeker withdraws.

Each step is a named transition: the row is loaded (locked on PostgreSQL), the guard checked before anything is
written (a typed ``EmploymentError``), the row moved by a conditional UPDATE on the status and version read, and one
ledger event written in the caller's transaction. Ledger payloads carry ids, statuses and counts only (the private
part, ADR 0010); no skills, names or wages of a seeker. Nothing commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.auth.models import Organisation
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.employment import rules as er
from landbridge.employment.errors import EmploymentError
from landbridge.employment.models import EmploymentJob, JobApplication, JobSeeker
from landbridge.employment.rules import ApplicationStatus, EmploymentRules, JobStatus
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects

MODULE = "employment"
RULE_SET = "employment"
TITLE_MAX, TEXT_MAX, NOTE_MAX = 80, 2000, 300
EXPIRY_BATCH = 500


def today() -> date:
    return to_local(now()).date()


def employment_rules(day: date | None = None) -> EmploymentRules:
    """The rule set ``employment`` in force on ``day`` (today by default)."""
    try:
        version = get_profile().rules(RULE_SET).version_at(day or today())
    except (LookupError, KeyError):
        raise EmploymentError.NO_RULE_SET.error(day=str(day or today())) from None
    return EmploymentRules.from_values(version.values(), version.digest)


def _record(session: Session, row: Any, kind: str, event: str, actor: str, payload: dict[str, Any]) -> None:
    recorded = append_event(session, module=MODULE, event_type=event, subject=subjects.subject(kind, row.id),
                            actor=actor, payload=payload)
    row.ledger_seq = recorded.seq
    session.flush()


def _get(session: Session, model: Any, row_id: int, missing: EmploymentError, lock: bool) -> Any:
    stmt = select(model).where(model.id == row_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        raise missing.error()
    if lock:
        session.refresh(row)
    return row


def get_job(session: Session, job_id: int, *, lock: bool = False) -> EmploymentJob:
    job: EmploymentJob = _get(session, EmploymentJob, job_id, EmploymentError.JOB_NOT_FOUND, lock)
    return job


def get_application(session: Session, application_id: int, *, lock: bool = False) -> JobApplication:
    row: JobApplication = _get(session, JobApplication, application_id, EmploymentError.APPLICATION_NOT_FOUND, lock)
    return row


def seeker_of(session: Session, user_id: int) -> JobSeeker | None:
    return session.scalars(select(JobSeeker).where(JobSeeker.user_id == user_id)).first()


def get_seeker(session: Session, seeker_id: int) -> JobSeeker:
    seeker = session.get(JobSeeker, seeker_id)
    if seeker is None:
        raise EmploymentError.SEEKER_NOT_FOUND.error()
    return seeker


def verified_employer(session: Session, organisation_id: int) -> Organisation:
    """The employer (an organisation with a valid USCC), or a typed refusal."""
    org = session.get(Organisation, organisation_id)
    if org is None or not er.valid_uscc(org.uscc):
        raise EmploymentError.EMPLOYER_UNVERIFIED.error()
    return org


def _cas(session: Session, model: Any, row: Any, target: str, step: str, **values: Any) -> str:
    """The self-guarding change: only from the status and version read; returns the previous status."""
    done = session.execute(update(model).where(model.id == row.id, model.status == row.status,
                                               model.version == row.version)
                           .values(status=target, version=model.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise EmploymentError.INVALID_STEP.error(status=row.status, step=step)
    previous = str(row.status)
    session.refresh(row)
    return previous


def _job_payload(job: EmploymentJob) -> dict[str, Any]:
    return {"employer_id": job.employer_id, "industry": job.industry, "region_code": job.region_code,
            "headcount": job.headcount, "closes_on": job.closes_on.isoformat()}


# --- jobs (岗位) ------------------------------------------------------------------------------------

def post_job(session: Session, *, actor: str, employer_id: int, title: str, industry: str, description: str,
             region_code: str, wage_min: Decimal | str, wage_max: Decimal | str, headcount: int,
             skills: list[str] | str, closes_on: date) -> EmploymentJob:
    """An employer with a verified USCC posts a job; it waits for the officer's review (待审核)."""
    rules = employment_rules()
    verified_employer(session, employer_id)
    heading, body = er.text(title, "title", TITLE_MAX), er.text(description, "description", TEXT_MAX)
    low, high = rules.wage_range(wage_min, wage_max)
    job = EmploymentJob(status=JobStatus.submitted.value, region_code=er.region(region_code), employer_id=employer_id,
                        title=heading, industry=rules.industry(industry), description=body, wage_min_fen=low,
                        wage_max_fen=high, headcount=rules.headcount(headcount), skills=rules.skills(skills),
                        closes_on=rules.closing(closes_on, today()), rules_digest=rules.digest, version=1,
                        created_at=now(), created_by=actor)
    session.add(job)
    session.flush()
    _record(session, job, "employment_job", "job_posted", actor, {**_job_payload(job), "rules_digest": rules.digest})
    return job


def _job_move(session: Session, job_id: int, step: str, event: str, actor: str, *, employer_id: int | None = None,
              reason: str | None = None, **values: Any) -> EmploymentJob:
    job = get_job(session, job_id, lock=True)
    if employer_id is not None and job.employer_id != employer_id:  # whose first: a stranger learns no status
        raise EmploymentError.NOT_YOURS.error()
    target = er.job_step(job.status, step)
    why = None if reason is None else er.text(reason, "reason", NOTE_MAX)
    extra = {} if why is None else {"reason": why}
    previous = _cas(session, EmploymentJob, job, target.value, step, **extra, **values)
    _record(session, job, "employment_job", event, actor, {"from": previous, "to": job.status, **extra})
    return job


def publish_job(session: Session, job_id: int, *, actor: str) -> EmploymentJob:
    """The officer publishes a submitted job (审核发布)."""
    return _job_move(session, job_id, "publish", "job_published", actor, reviewed_by=actor[:80], reviewed_at=now())


def reject_job(session: Session, job_id: int, *, actor: str, reason: str) -> EmploymentJob:
    """The officer does not publish a submitted job (不予发布: false or discriminatory, art. 24), with a reason."""
    return _job_move(session, job_id, "reject", "job_rejected", actor, reason=reason, reviewed_by=actor[:80],
                     reviewed_at=now())


def close_job(session: Session, job_id: int, *, actor: str, employer_id: int | None = None) -> EmploymentJob:
    """The employer (its own job) or the officer (``employer_id`` None) closes a job."""
    return _job_move(session, job_id, "close", "job_closed", actor, employer_id=employer_id)


def expire_jobs(session: Session, *, batch: int = EXPIRY_BATCH) -> int:
    """The worker: a published job past its closing date expires (已过期); returns how many expired."""
    due = session.scalars(select(EmploymentJob).where(EmploymentJob.status == JobStatus.published.value,
                                                      EmploymentJob.closes_on < today())
                          .order_by(EmploymentJob.id).limit(batch)).all()
    fired = 0
    for job in due:
        try:
            previous = _cas(session, EmploymentJob, job, JobStatus.expired.value, "expire")
        except DomainError:  # moved meanwhile: the next tick sees it afresh
            continue
        _record(session, job, "employment_job", "job_expired", "system:worker", {"from": previous, "to": job.status})
        fired += 1
    return fired


# --- job seekers (求职者) ---------------------------------------------------------------------------

def register_seeker(session: Session, *, actor: str, user_id: int, party_id: int | None, region_code: str,
                    industry: str | None, skills: list[str] | str, wage_expect: Decimal | str | None,
                    consent: bool) -> JobSeeker:
    """A resident registers (or updates) their job-seeker profile with the explicit consent to share it with
    employers (授权). Without a linked person, or without the consent, nothing is written."""
    rules = employment_rules()
    if party_id is None:
        raise EmploymentError.PERSON_REQUIRED.error()
    if consent is not True:
        raise EmploymentError.CONSENT_REQUIRED.error()
    values = {"region_code": er.region(region_code), "industry": None if not industry else rules.industry(industry),
              "skills": rules.skills(skills), "wage_expect_fen": rules.wage_fen(wage_expect, required=False)}
    seeker = seeker_of(session, user_id)
    at = now()
    created = seeker is None
    if seeker is None:
        seeker = JobSeeker(user_id=user_id, party_id=party_id, consent=True, consent_at=at, version=1,
                           created_at=at, **values)
        try:
            with session.begin_nested():
                session.add(seeker)
                session.flush()
        except IntegrityError:  # registered meanwhile by another request: update that one
            seeker, created = seeker_of(session, user_id), False
            assert seeker is not None
    if not created:
        session.execute(update(JobSeeker).where(JobSeeker.id == seeker.id).values(
            consent=True, consent_at=at, withdrawn_at=None, version=JobSeeker.version + 1, **values)
            .execution_options(synchronize_session=False))
        session.refresh(seeker)
    _record(session, seeker, "employment_job_seeker", "seeker_registered", actor, {"consent": True})
    return seeker


def withdraw_consent(session: Session, *, actor: str, user_id: int) -> JobSeeker:
    """The seeker withdraws their consent (撤回授权): the profile is hidden from employers and matching at once."""
    seeker = seeker_of(session, user_id)
    if seeker is None:
        raise EmploymentError.SEEKER_NOT_FOUND.error()
    done = session.execute(update(JobSeeker).where(JobSeeker.id == seeker.id, JobSeeker.consent.is_(True))
                           .values(consent=False, withdrawn_at=now(), version=JobSeeker.version + 1)
                           .execution_options(synchronize_session=False))
    session.refresh(seeker)
    if getattr(done, "rowcount", 0) == 1:
        _record(session, seeker, "employment_job_seeker", "seeker_consent_withdrawn", actor, {"consent": False})
    return seeker


# --- applications (求职申请) -------------------------------------------------------------------------

def apply(session: Session, *, actor: str, user_id: int, job_id: int, note: str | None = None) -> JobApplication:
    """A consenting seeker applies for a published, still open job (once per job)."""
    seeker = seeker_of(session, user_id)
    if seeker is None:
        raise EmploymentError.SEEKER_NOT_FOUND.error()
    if not seeker.consent:
        raise EmploymentError.NO_CONSENT.error()
    job = get_job(session, job_id)
    if job.status != JobStatus.published or job.closes_on < today():
        raise EmploymentError.JOB_CLOSED.error()
    said = None if note is None or not note.strip() else er.text(note, "note", NOTE_MAX)
    row = JobApplication(status=ApplicationStatus.applied.value, job_id=job.id, seeker_id=seeker.id,
                         employer_id=job.employer_id, note=said, version=1, created_at=now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise EmploymentError.ALREADY_APPLIED.error() from None
    _record(session, row, "employment_application", "application_submitted", actor,
            {"job_id": job.id, "seeker_id": seeker.id, "employer_id": job.employer_id})
    return row


def decide(session: Session, application_id: int, *, step: str, actor: str, employer_id: int,
           note: str | None = None) -> JobApplication:
    """The employer's step on an application to its job: ``shortlist`` (入围), ``hire`` (录用) or ``reject``."""
    if step not in ("shortlist", "hire", "reject"):
        raise EmploymentError.INVALID_STEP.error(status="-", step=step[:20])
    row = get_application(session, application_id, lock=True)
    if row.employer_id != employer_id:  # whose first: another employer learns no seeker's outcome
        raise EmploymentError.NOT_YOURS.error()
    target = er.application_step(row.status, step)
    said = None if note is None or not note.strip() else er.text(note, "note", NOTE_MAX)
    previous = _cas(session, JobApplication, row, target.value, step, decided_at=now(),
                    **({"note": said} if said else {}))
    _record(session, row, "employment_application", f"application_{target.value}", actor,
            {"job_id": row.job_id, "from": previous, "to": row.status})
    return row


def withdraw_application(session: Session, application_id: int, *, actor: str, user_id: int) -> JobApplication:
    """The seeker withdraws their own live application (撤回)."""
    row = get_application(session, application_id, lock=True)
    seeker = seeker_of(session, user_id)
    if seeker is None or seeker.id != row.seeker_id:  # whose first: another user learns no outcome
        raise EmploymentError.NOT_YOURS.error()
    target = er.application_step(row.status, "withdraw")
    previous = _cas(session, JobApplication, row, target.value, "withdraw", decided_at=now())
    _record(session, row, "employment_application", "application_withdrawn", actor,
            {"job_id": row.job_id, "from": previous, "to": row.status})
    return row

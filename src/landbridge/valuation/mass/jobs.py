"""Mass appraisal as a background job (批量评估任务, L1, issue #4 item 5): queue, claim, progress, lease, resume.

The bureau queues a job; the checks that can be made at once (future date, area, method, an existing run
or job, too few sales) refuse it then. The worker claims the oldest queued job, or a running job whose
lease ran out (its worker died), by a conditional UPDATE: of two workers racing for one job exactly one
updates the row. The job then runs in short transactions: fitting reads only; the run is opened, valued
chunk by chunk and completed, each step committing the job's progress and renewing its lease, so the
run list shows a progress bar and a worker that stops writing loses the job to another. A taken-over
job discards the dead worker's unfinished run and runs again from the start. Lease and retry limits are
the ``valuation_jobs`` rule set.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from landbridge.auth import Principal
from landbridge.config import get_settings
from landbridge.db import Database, for_update, get_database
from landbridge.errors import DomainError, RuleViolation
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects
from landbridge.registry import count_current_parcels, iter_parcel_features
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass import runs as mass_runs
from landbridge.valuation.mass import service as mass_service
from landbridge.valuation.mass.models import HOLDOUT_SHARE, JobStatus, MassJob
from landbridge.valuation.sales.queries import iter_sales

MODULE = "valuation"
RULE_SET = "valuation_jobs"
ACTIVE = (JobStatus.queued.value, JobStatus.running.value)
WORKER_ID = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
log = logging.getLogger("landbridge.valuation.mass.jobs")


class JobLost(Exception):
    """This worker's claim on a job lapsed and another worker took it over: stop without writing more."""


def _lease() -> timedelta:
    return timedelta(seconds=get_settings().valuation_job_lease_seconds)


def _max_attempts() -> int:
    return get_settings().valuation_job_max_attempts


def usable_sales(session: Session, *, valuation_date: date, region_prefix: str | None) -> int:
    """How many sales up to the valuation date a revaluation could fit on (declared related parties left out)."""
    return sum(
        1
        for row in iter_sales(session, region_prefix=region_prefix, until=valuation_date)
        if not row["related_parties"]
    )


def queue_revaluation(
    session: Session,
    principal: Principal,
    *,
    valuation_date: date,
    method: str = "gbm",
    seed: int = 0,
    holdout: float = HOLDOUT_SHARE,
    region_prefix: str | None = None,
    threads: int = 2,
) -> MassJob:
    """Queue a revaluation for the worker (批量评估任务排队, L1), refusing at once what the job would refuse.

    Errors as ``mass_runs.start_revaluation`` (future date, area, method, ``valuation.mass_run_exists``,
    ``valuation.too_few_sales``) plus ``valuation.mass_job_exists`` (409) while a job for the same date
    and method is queued or running.
    """
    mass_runs.check_start(session, principal, valuation_date=valuation_date, method=method, region_prefix=region_prefix)
    active = session.execute(
        select(MassJob)
        .where(MassJob.valuation_date == valuation_date, MassJob.method == method, MassJob.status.in_(ACTIVE))
        .order_by(MassJob.id)
        .limit(1)
    ).scalar_one_or_none()
    if active is not None:
        raise ValuationError.MASS_JOB_EXISTS.error(
            {"valuation_date": valuation_date, "active": active, "method": method},
            job_id=active.id,
            status=active.status)
    refusal = mass_runs.too_few_sales(
        valuation_date, usable_sales(session, valuation_date=valuation_date, region_prefix=region_prefix), holdout
    )
    if refusal is not None:
        raise refusal
    job = MassJob(
        valuation_date=valuation_date,
        method=method,
        seed=seed,
        holdout=holdout,
        region_prefix=region_prefix,
        threads=threads,
        status=JobStatus.queued.value,
        stage="queued",
        done=0,
        total=0,
        attempts=0,
        actor=principal.actor,
        organisation_id=principal.organisation_id,
        requested_at=now(),
    )
    session.add(job)
    session.flush()
    append_event(
        session,
        module=MODULE,
        event_type="mass_job_queued",
        subject=subjects.mass_job(job.id),
        actor=principal.actor,
        payload={
            "job_id": job.id,
            "valuation_date": valuation_date,
            "method": method,
            "seed": seed,
            "holdout": f"{holdout:.4f}",
            "region_prefix": region_prefix,
        },
    )
    return job


def get_job(session: Session, job_id: int) -> MassJob:
    """Load a revaluation job or 404 ``valuation.mass_job_not_found`` (L1)."""
    job = session.get(MassJob, job_id)
    if job is None:
        raise ValuationError.MASS_JOB_NOT_FOUND.error({"job_id": job_id}, id=job_id)
    return job


def list_jobs(session: Session, *, active_only: bool = False, limit: int = 20) -> list[MassJob]:
    """Revaluation jobs, newest first (only queued and running ones when ``active_only``) (L1)."""
    stmt = select(MassJob).order_by(MassJob.id.desc()).limit(limit)
    if active_only:
        stmt = stmt.where(MassJob.status.in_(ACTIVE))
    return list(session.execute(stmt).scalars().all())


def job_summary(job: MassJob) -> dict[str, Any]:
    """A job's public fields: status, progress (stage, done, total, percent), error, who asked, the run."""
    percent = (
        100
        if job.status == JobStatus.done.value
        else (0 if not job.total else min(99, int(100 * job.done / job.total)))
    )
    return {
        "id": job.id,
        "valuation_date": job.valuation_date.isoformat(),
        "method": job.method,
        "seed": job.seed,
        "holdout": job.holdout,
        "region_prefix": job.region_prefix,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "percent": percent,
        "attempts": job.attempts,
        "error_code": job.error_code,
        "error_message": job.error_message,
        "actor": job.actor,
        "requested_at": job.requested_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "run_id": job.run_id,
    }


def _claimable(at: Any) -> Any:
    return or_(
        MassJob.status == JobStatus.queued.value,
        and_(MassJob.status == JobStatus.running.value, MassJob.lease_until < at),
    )


def claim_job(session: Session, *, worker: str = WORKER_ID) -> MassJob | None:
    """Claim the oldest queued job, or a running one whose lease lapsed, for ``worker`` (L1).

    The claim is one conditional UPDATE: a second worker racing for the same row updates nothing. A job
    whose workers died ``job_max_attempts`` times is failed (``valuation.mass_job_abandoned``) instead.
    """
    at = now()
    while True:
        job_id = session.execute(select(MassJob.id).where(_claimable(at)).order_by(MassJob.id).limit(1)).scalar()
        if job_id is None:
            return None
        claimed = session.execute(
            update(MassJob)
            .where(MassJob.id == job_id, _claimable(at))
            .values(
                status=JobStatus.running.value,
                worker=worker,
                lease_until=at + _lease(),
                started_at=at,
                heartbeat_at=at,
                attempts=MassJob.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None  # another worker claimed it first
        job = session.get(MassJob, job_id, populate_existing=True)
        assert job is not None
        if job.attempts > _max_attempts():
            _fail(
                session,
                job,
                ValuationError.MASS_JOB_ABANDONED.error(
                    {"job": job, "job_attempts_1": job.attempts - 1},
                    job_id=job.id),
            )
            continue
        resumed = job.attempts > 1
        if resumed and job.run_id is not None:
            run_id, job.run_id = job.run_id, None
            session.flush()
            mass_service.discard_run(session, run_id)  # the dead worker's unfinished run
        job.stage, job.done, job.total = "sales", 0, 0
        append_event(
            session,
            module=MODULE,
            event_type="mass_job_started",
            subject=subjects.mass_job(job.id),
            actor=job.actor,
            payload={"job_id": job.id, "attempt": job.attempts, "resumed": resumed, "worker": worker},
        )
        session.flush()
        return job


def _fail(session: Session, job: MassJob, exc: DomainError) -> None:
    job.status = JobStatus.failed.value
    job.error_code = exc.code
    job.error_message = f"{exc.message} / {exc.message_en}"
    job.finished_at = now()
    job.lease_until = None
    if job.run_id is not None:
        run_id, job.run_id = job.run_id, None
        session.flush()
        mass_service.discard_run(session, run_id)
    append_event(
        session,
        module=MODULE,
        event_type="mass_job_failed",
        subject=subjects.mass_job(job.id),
        actor=job.actor,
        payload={"job_id": job.id, "attempt": job.attempts, "error_code": exc.code},
    )
    session.flush()


def _own(session: Session, job_id: int, worker: str) -> MassJob:
    """The job, locked, if ``worker`` still holds it; else ``JobLost``."""
    stmt = select(MassJob).where(MassJob.id == job_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    job = session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
    if job.status != JobStatus.running.value or job.worker != worker:
        raise JobLost(job_id)
    return job


def record_progress(session: Session, job_id: int, *, worker: str, stage: str, done: int, total: int) -> None:
    """Write a job's progress and renew its lease, if ``worker`` still holds it (``JobLost`` otherwise)."""
    at = now()
    changed = session.execute(
        update(MassJob)
        .where(MassJob.id == job_id, MassJob.worker == worker, MassJob.status == JobStatus.running.value)
        .values(stage=stage, done=done, total=total, heartbeat_at=at, lease_until=at + _lease())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise JobLost(job_id)


def _parcel_total(session: Session, region_prefix: str | None) -> int:
    """Current parcels of the area: the progress bar's total (parcels of other layers make it an upper bound)."""
    return count_current_parcels(session, region_prefix)


def run_job(db: Database, job_id: int, *, worker: str = WORKER_ID) -> None:
    """Run a claimed job to its end in short transactions: fit, open the run, value chunk by chunk, complete (L1).

    A domain error fails the job with its code (and discards an unfinished run); losing the claim stops quietly.
    """

    def progress(stage: str, done: int, total: int) -> None:
        with db.transaction() as s:
            record_progress(s, job_id, worker=worker, stage=stage, done=done, total=total)

    with db.transaction(readonly=True) as s:
        job = get_job(s, job_id)
        s.expunge(job)  # its parameters are read after this transaction
    try:
        with db.transaction(readonly=True) as s:
            prepared = mass_service.prepare_revaluation(
                s,
                valuation_date=job.valuation_date,
                seed=job.seed,
                method=job.method,
                holdout=job.holdout,
                region_prefix=job.region_prefix,
                threads=job.threads,
                progress=progress,
            )
            total = _parcel_total(s, job.region_prefix)
        with db.transaction() as s:
            owned = _own(s, job_id, worker)
            run = mass_service.open_run(s, prepared, actor=job.actor)
            owned.run_id, owned.stage, owned.done, owned.total = run.id, "parcels", 0, total
        unvalued: dict[str, int] = {}
        done = 0
        with db.transaction(readonly=True) as reader:
            for chunk in iter_parcel_features(
                reader, region_prefix=job.region_prefix, chunk=prepared.settings.chunk_rows
            ):
                with db.transaction() as s:
                    _own(s, job_id, worker)
                    done += mass_service.value_chunk(s, run, prepared, chunk, unvalued)
                    record_progress(s, job_id, worker=worker, stage="parcels", done=done, total=max(total, done))
        with db.transaction() as s:
            owned = _own(s, job_id, worker)
            run = mass_service.get_run(s, run.id)
            mass_service.complete_run(s, run, prepared, valued=done, unvalued=unvalued)
            owned.status, owned.stage, owned.done, owned.total = JobStatus.done.value, "done", done, done
            owned.finished_at, owned.lease_until = now(), None
            append_event(
                s,
                module=MODULE,
                event_type="mass_job_done",
                subject=subjects.mass_job(job_id),
                actor=job.actor,
                payload={"job_id": job_id, "run_no": run.run_no, "parcels": done, "attempt": owned.attempts},
            )
    except JobLost:
        log.warning("mass appraisal job %s was taken over by another worker; %s stops", job_id, worker)
    except DomainError as exc:
        named = mass_runs.named_refusal(exc, job.valuation_date, job.holdout) if isinstance(exc, RuleViolation) else exc
        with db.transaction() as s:
            _fail(s, _own(s, job_id, worker), named)


def run_due(session: Session) -> int:
    """Worker job: claim one due revaluation job and run it to its end; returns 1 if one ran, else 0 (L1)."""
    job = claim_job(session)
    if job is None:
        return 0
    session.commit()  # the claim must be visible before the long run: this job owns its transactions
    run_job(get_database(), job.id)
    return 1

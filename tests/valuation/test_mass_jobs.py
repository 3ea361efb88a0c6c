"""Mass appraisal jobs (issue #4 item 5): claim by update (two workers, one job), progress, failure with its
code, lease expiry (a dead worker's job is taken over and its unfinished run discarded), abandonment after
the rule set's attempts, the run list's progress bar and the job status endpoint's permissions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import create_demo_accounts
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock, ensure_utc, now
from landbridge.ledger import current_size, verify_ledger
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.valuation.mass import jobs
from landbridge.valuation.mass.models import JobStatus, MassJob, MassRun, MassValue
from tests.registry.test_api import auth
from tests.valuation.test_mass_pages import small_world
from tests.web.test_pages import login

DAY = date(2026, 3, 1)


def _job(db: Database, **fields: object) -> int:
    """A job row as the queue writes it (the queue's own checks are tested through the API)."""
    with db.transaction() as s:
        job = MassJob(valuation_date=DAY, method="gbm", seed=1, holdout=0.2, region_prefix=None, threads=1,
                      status=JobStatus.queued.value, stage="queued", done=0, total=0, attempts=0, actor="user:nr",
                      requested_at=now())
        for k, v in fields.items():
            setattr(job, k, v)
        s.add(job)
        s.flush()
        return job.id


def _get(db: Database, job_id: int) -> MassJob:
    with db.transaction(readonly=True) as s:
        job = s.get(MassJob, job_id)
        assert job is not None
        s.expunge(job)  # read after the transaction ends
        return job


def _events(db: Database) -> list[str]:
    with db.transaction(readonly=True) as s:
        return [e.event_type for e in s.execute(select(LedgerEvent).order_by(LedgerEvent.seq)).scalars()]


def _claim(db: Database, worker: str) -> int | None:
    with db.transaction() as s:
        job = jobs.claim_job(s, worker=worker)
        return None if job is None else job.id


def test_two_workers_claim_one_job_once(db: Database, clock: Clock) -> None:
    job_id = _job(db)
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda w: _claim(db, w), ["worker-a", "worker-b"]))
    assert sorted(got, key=str) == [job_id, None] or sorted(got, key=str) == [None, job_id]
    assert got.count(job_id) == 1
    job = _get(db, job_id)
    assert job.status == "running" and job.attempts == 1 and job.worker in ("worker-a", "worker-b")
    assert job.lease_until is not None and ensure_utc(job.lease_until) > now()
    assert _claim(db, "worker-c") is None  # held, lease not lapsed
    assert _events(db) == ["mass_job_started"]
    # progress from the holder renews the lease; from anyone else it is refused
    clock.advance(timedelta(seconds=600))
    with db.transaction() as s:
        jobs.record_progress(s, job_id, worker=job.worker or "", stage="parcels", done=5, total=10)
    with db.transaction() as s, pytest.raises(jobs.JobLost):
        jobs.record_progress(s, job_id, worker="worker-c", stage="parcels", done=6, total=10)
    renewed = _get(db, job_id)
    assert (renewed.stage, renewed.done, renewed.total) == ("parcels", 5, 10)
    assert jobs.job_summary(renewed)["percent"] == 50
    assert renewed.lease_until is not None and job.lease_until is not None
    assert ensure_utc(renewed.lease_until) > ensure_utc(job.lease_until)


def test_a_job_without_sales_fails_with_its_code(db: Database, clock: Clock) -> None:
    job_id = _job(db)
    with db.transaction() as s:
        assert jobs.run_due(s) == 1
    job = _get(db, job_id)
    assert (job.status, job.error_code, job.run_id) == ("failed", "valuation.too_few_sales", None)
    assert job.error_message and "成交样本不足" in job.error_message and job.finished_at is not None
    assert _events(db) == ["mass_job_started", "mass_job_failed"]
    with db.transaction() as s:
        assert jobs.run_due(s) == 0  # a failed job is not taken again
        assert verify_ledger(s).ok
        assert s.scalar(select(func.count()).select_from(MassRun)) == 0


def test_lease_expiry_hands_over_and_discards_the_dead_workers_run(db: Database, clock: Clock) -> None:
    job_id = _job(db)
    assert _claim(db, "dead-worker") == job_id
    with db.transaction() as s:  # the dead worker had opened its run before it died
        run = MassRun(run_no="MA-dead", valuation_date=DAY, model_version="x", method="gbm", seed=1,
                      status="running", parameters={}, metrics={}, model_json="{}", sale_count=0, actor="user:nr",
                      created_at=now())
        s.add(run)
        s.flush()
        s.get(MassJob, job_id).run_id = run.id  # type: ignore[union-attr]
    lease = get_profile().rules("valuation_jobs").int("job_lease_seconds")
    clock.advance(timedelta(seconds=lease - 1))
    assert _claim(db, "second") is None
    clock.advance(timedelta(seconds=2))
    assert _claim(db, "second") == job_id
    job = _get(db, job_id)
    assert (job.worker, job.attempts, job.run_id, job.stage) == ("second", 2, None, "sales")
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(MassRun)) == 0  # the unfinished run is gone
    with db.transaction() as s, pytest.raises(jobs.JobLost):
        jobs.record_progress(s, job_id, worker="dead-worker", stage="parcels", done=1, total=2)
    # a job whose workers keep dying is given up after the rule set's attempts
    attempts = get_profile().rules("valuation_jobs").int("job_max_attempts")
    clock.advance(timedelta(seconds=lease + 1))
    for k in range(3, attempts + 1):
        assert _claim(db, f"w{k}") == job_id
        clock.advance(timedelta(seconds=lease + 1))
    assert _claim(db, "last") is None
    job = _get(db, job_id)
    assert (job.status, job.error_code) == ("failed", "valuation.mass_job_abandoned")
    assert _events(db)[-1] == "mass_job_failed"


def test_queue_run_resume_and_the_progress_bar(db: Database, clock: Clock) -> None:
    small_world(db)
    client = TestClient(create_app())
    r = client.post("/api/v1/valuation/runs", json={"valuation_date": DAY.isoformat(), "seed": 2},
                    headers=auth(client, "nr"))
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    # the run list shows the queued job with a progress bar that polls its status (zh-CN)
    login(client, "nr")
    page = client.get("/valuation/runs")
    assert page.status_code == 200 and "批量评估任务" in page.text and 'role="progressbar"' in page.text
    assert f'data-job="{job_id}"' in page.text and "排队中" in page.text
    assert "/valuation/jobs/\" + row.dataset.job + \"/status" in page.text
    status = client.get(f"/valuation/jobs/{job_id}/status")
    assert status.status_code == 200 and status.json()["status"] == "queued"
    # who may read the job: anonymous → login, wrong role → 403, missing job → 404
    anon = TestClient(create_app())
    assert anon.get(f"/valuation/jobs/{job_id}/status", follow_redirects=False).status_code == 303
    assert anon.get(f"/api/v1/valuation/jobs/{job_id}").status_code == 401
    assert anon.get(f"/api/v1/valuation/jobs/{job_id}", headers=auth(anon, "registrar")).status_code == 403
    assert client.get("/valuation/jobs/999999/status").status_code == 404
    # a worker claims it and dies; after the lease another worker resumes it from the start and finishes
    assert _claim(db, "dead-worker") == job_id
    clock.advance(timedelta(seconds=get_profile().rules("valuation_jobs").int("job_lease_seconds") + 1))
    with db.transaction() as s:
        assert jobs.run_due(s) == 1
    job = _get(db, job_id)
    assert (job.status, job.attempts, job.worker) == ("done", 2, jobs.WORKER_ID)
    with db.transaction(readonly=True) as s:
        run = s.get(MassRun, job.run_id)
        assert run is not None and run.status == "completed" and job.done == job.total == run.parcel_count > 300
        assert s.scalar(select(func.count()).select_from(MassValue)) == run.parcel_count
        assert verify_ledger(s).ok and current_size(s) == len(_events(db))
    assert _events(db)[-5:] == ["mass_job_queued", "mass_job_started", "mass_job_started", "mass_run_completed",
                                "mass_job_done"]
    done = client.get("/valuation/runs")
    assert f'href="/valuation/runs/{job.run_id}">已完成' in done.text


def test_queue_refusals_come_at_once(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
        before = current_size(s)
    client = TestClient(create_app())
    r = client.post("/api/v1/valuation/runs", json={"valuation_date": "2026-03-05"}, headers=auth(client, "nr"))
    assert (r.status_code, r.json()["code"]) == (422, "valuation.mass_future_date")
    r = client.post("/api/v1/valuation/runs", json={"valuation_date": "2026-03-01"}, headers=auth(client, "nr"))
    assert (r.status_code, r.json()["code"]) == (422, "valuation.too_few_sales")
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(MassJob)) == 0 and current_size(s) == before

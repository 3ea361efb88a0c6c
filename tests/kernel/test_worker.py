"""The worker: deadlines keep firing while a long job (a city's revaluation) runs in its own thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from landbridge import worker
from landbridge.db import Database
from landbridge.main import create_app


def test_a_long_job_does_not_hold_up_deadlines(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    long_started, release = threading.Event(), threading.Event()
    ticks: list[int] = []

    def long_job(_session: Session) -> int:
        long_started.set()
        release.wait(30)  # a revaluation that takes its time
        return 1

    def deadline_job(_session: Session) -> int:
        ticks.append(1)
        return 0

    monkeypatch.setattr(worker, "deadline_jobs", lambda: [("test:deadline_job", deadline_job)])
    monkeypatch.setattr(worker, "long_jobs", lambda: [("test:long_job", long_job)])
    stop = threading.Event()
    runner = threading.Thread(target=worker.run_forever, args=(0.01, stop), daemon=True)
    runner.start()
    try:
        assert long_started.wait(30)
        seen = len(ticks)
        for _ in range(3000):  # up to 30 s
            if len(ticks) >= seen + 5:
                break
            time.sleep(0.01)
        assert len(ticks) >= seen + 5  # deadlines fired while the long job was still running
        assert not release.is_set()
    finally:
        release.set()
        stop.set()
        runner.join(30)


def _wait(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_readiness_needs_the_database_and_a_running_worker(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """/api/v1/ready (issue #22 item 4): 503 while no worker runs the deadlines, 200 once one does."""
    monkeypatch.setattr(worker, "deadline_jobs", lambda: [])
    monkeypatch.setattr(worker, "long_jobs", lambda: [])
    client = TestClient(create_app())
    r = client.get("/api/v1/ready")
    assert r.status_code == 503 and r.json() == {"status": "not_ready", "database": "ok", "worker": "none"}
    stop = threading.Event()
    runner = threading.Thread(target=worker.run_forever, args=(0.01, stop), daemon=True)
    runner.start()
    try:
        assert _wait(lambda: client.get("/api/v1/ready").status_code == 200)
        assert client.get("/api/v1/ready").json() == {"status": "ready", "database": "ok", "worker": "running"}
    finally:
        stop.set()
        runner.join(30)
    assert client.get("/api/v1/ready").status_code == 503  # the worker stopped
    assert client.get("/api/v1/health").json()["status"] == "ok"  # liveness does not depend on it


def test_one_worker_leads_and_a_standby_takes_over(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #22 item 1: on PostgreSQL only the worker holding the advisory lock runs jobs; a standby runs nothing
    until the leader hands the lead back, then takes it at its next poll."""
    if db.is_sqlite:
        pytest.skip("leadership is PostgreSQL's (SQLite runs one in-process worker)")
    first, second = worker.Leadership(db), worker.Leadership(db)
    try:
        assert first.hold() and first.hold()  # taken, then confirmed
        assert not second.hold()
        with db.transaction(readonly=True) as s:
            assert worker.leader_present(s) is True
        fired: list[int] = []
        monkeypatch.setattr(worker, "deadline_jobs", lambda: [("test:job", lambda _s: fired.append(1) or 0)])
        monkeypatch.setattr(worker, "long_jobs", lambda: [])
        stop = threading.Event()
        standby = threading.Thread(target=worker.run_forever, args=(0.02, stop), kwargs={"leadership": second},
                                   daemon=True)
        standby.start()
        try:
            time.sleep(0.5)
            assert fired == []  # standing by while the first leads
            first.release()
            assert _wait(lambda: len(fired) >= 3)  # took over
            assert not first.hold()  # and now the first one stands by
        finally:
            stop.set()
            standby.join(30)
    finally:
        first.release()
        second.release()
    with db.transaction(readonly=True) as s:
        assert worker.leader_present(s) is False  # handed back on stop


LEADER = """
import sys, time
from landbridge.db import Database
from landbridge.worker import Leadership
lead = Leadership(Database(sys.argv[1]))
assert lead.hold()
print("leading", flush=True)
time.sleep(600)
"""


def test_a_killed_leader_hands_over(db: Database) -> None:
    """kill -9 of the leading worker process: PostgreSQL ends its session, the lock is free, a standby leads."""
    if db.is_sqlite:
        pytest.skip("leadership is PostgreSQL's")
    proc = subprocess.Popen([sys.executable, "-c", LEADER, db.url], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    standby = worker.Leadership(db)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "leading"
        assert not standby.hold()
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert _wait(standby.hold, 30)
    finally:
        if proc.poll() is None:
            proc.kill()
        standby.release()

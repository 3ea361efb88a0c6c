"""The worker: deadlines keep firing while a long job (a city's revaluation) runs in its own thread."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.orm import Session

from landbridge import worker
from landbridge.db import Database


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

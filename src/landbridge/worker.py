"""The deadline worker: runs each module's due-job function in its own transaction, idempotently.

Deadlines are stored on the records they govern; a job selects what is due *now* and applies a
self-guarding transition, so running it twice, or after a crash, fires each deadline once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from landbridge.db import get_database
from landbridge.kernel import modules

log = logging.getLogger("landbridge.worker")

# Each package's manifest declares its jobs as "module:function", taking (session) and returning the number of
# transitions fired. Deadline jobs: quick, every tick, in manifest order. Long jobs (a city's revaluation runs for
# minutes) loop in a thread of their own, so that no deadline (an auction's countdown end, a refund due) waits.
Job = Callable[[Session], int]


def deadline_jobs() -> list[tuple[str, Job]]:
    """The quick jobs every tick runs, as (name, function); a misspelled name is a ManifestError here."""
    return modules.jobs(long=False)


def long_jobs() -> list[tuple[str, Job]]:
    """The long jobs (a thread of their own), as (name, function)."""
    return modules.jobs(long=True)


def run_due_jobs(jobs: list[tuple[str, Job]] | None = None) -> int:
    """Run every job once (default: all declared); each in its own transaction. Returns the transitions fired."""
    fired = 0
    for name, job in deadline_jobs() + long_jobs() if jobs is None else jobs:
        try:
            with get_database().transaction() as session:
                fired += job(session)
        except Exception:
            log.exception("job %s failed; it will be retried", name)
    return fired


def _loop(jobs: list[tuple[str, Job]], interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        run_due_jobs(jobs)
        stop.wait(interval)


def run_forever(interval: float = 1.0, stop: threading.Event | None = None) -> None:
    """Poll for due work until stopped: deadlines in this thread, long jobs in a thread of their own."""
    stop = stop or threading.Event()
    quick, long = deadline_jobs(), long_jobs()  # resolved before any thread starts: a typo stops the worker here
    threading.Thread(target=_loop, args=(long, interval, stop), name="landbridge-long-jobs", daemon=True).start()
    _loop(quick, interval, stop)


def start_background_worker(interval: float = 1.0) -> threading.Event:
    """Start the worker in a daemon thread (used by ``serve``); returns its stop event."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(interval, stop), name="landbridge-worker", daemon=True).start()
    time.sleep(0)
    return stop

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
from landbridge.kernel.modules import import_optional

log = logging.getLogger("landbridge.worker")

# "module:function" names of jobs taking (session) and returning the number of transitions fired.
# Deadline jobs: quick, every tick, in order.
JOBS: tuple[str, ...] = ("landbridge.registry.jobs:run_due", "landbridge.collective.jobs:run_due",
                         "landbridge.exchange.jobs:run_due")
# Long jobs (a city's revaluation runs for minutes) loop in a thread of their own, so that no deadline
# (an auction's countdown end, a refund due) waits for them.
LONG_JOBS: tuple[str, ...] = ("landbridge.valuation.mass.jobs:run_due",)


def _resolve(name: str) -> Callable[[Session], int] | None:
    module_name, func = name.split(":")
    module = import_optional(module_name)
    if module is None:
        return None
    job: Callable[[Session], int] = getattr(module, func)
    return job


def run_due_jobs(names: tuple[str, ...] = JOBS + LONG_JOBS) -> int:
    """Run every job once; each in its own transaction. Returns the number of transitions fired."""
    fired = 0
    for name in names:
        job = _resolve(name)
        if job is None:
            continue
        try:
            with get_database().transaction() as session:
                fired += job(session)
        except Exception:
            log.exception("job %s failed; it will be retried", name)
    return fired


def _loop(names: tuple[str, ...], interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        run_due_jobs(names)
        stop.wait(interval)


def run_forever(interval: float = 1.0, stop: threading.Event | None = None) -> None:
    """Poll for due work until stopped: deadlines in this thread, long jobs in a thread of their own."""
    stop = stop or threading.Event()
    threading.Thread(target=_loop, args=(LONG_JOBS, interval, stop), name="landbridge-long-jobs", daemon=True).start()
    _loop(JOBS, interval, stop)


def start_background_worker(interval: float = 1.0) -> threading.Event:
    """Start the worker in a daemon thread (used by ``serve``); returns its stop event."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(interval, stop), name="landbridge-worker", daemon=True).start()
    time.sleep(0)
    return stop

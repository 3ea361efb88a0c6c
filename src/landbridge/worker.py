"""The deadline worker: runs each module's due-job function in its own transaction, idempotently.

Deadlines are stored on the records they govern; a job selects what is due *now* and applies a
self-guarding transition, so running it twice, or after a crash, fires each deadline once.

Leadership (issue #22 item 1): on PostgreSQL any number of workers may run (``landbridge worker`` processes, or
the in-process worker of each ``serve``), but only the one holding the session advisory lock ``LEADER_LOCK``
runs jobs; the others stand by and poll for it. The lock lives on a connection of its own: when the leader
stops, crashes or is killed (kill -9), PostgreSQL ends its session and releases the lock, and a standby takes
over at its next poll. On SQLite (the demo, one process) the worker always leads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from landbridge.db import Database, get_database
from landbridge.kernel import modules, tracing
from landbridge.kernel.metrics import JOB_FAILURES, JOB_FIRED, JOB_LAST_SUCCESS, JOB_SECONDS

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
        started = time.perf_counter()
        try:
            with tracing.job_span(name) as span, get_database().transaction() as session:
                done = job(session)
                if span is not None:
                    span.set_attribute("landbridge.job.fired", done)
        except Exception:
            JOB_FAILURES.labels(name).inc()
            log.exception("job %s failed; it will be retried", name)
        else:
            fired += done
            JOB_FIRED.labels(name).inc(done)
            JOB_LAST_SUCCESS.labels(name).set(time.time())
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    return fired


#: Set while this process runs a worker loop (the readiness check on SQLite, where the worker is in-process).
running = threading.Event()
#: The advisory lock key of the worker leader ("LBWK"): below 2**31, so pg_locks shows it as (classid 0, objid KEY).
LEADER_LOCK = 0x4C42574B


class Leadership:
    """Whether this worker may run jobs: on PostgreSQL while it holds ``LEADER_LOCK`` on a connection of its own
    (no pool: closing the connection ends the session and so the lock); on SQLite always."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._engine = None if database.is_sqlite else create_engine(database.url, poolclass=NullPool)
        self._conn: Connection | None = None

    def hold(self) -> bool:
        """Take the lead if it is free, or confirm it is still ours; False while another worker leads."""
        if self._engine is None:
            return True
        try:
            if self._conn is not None:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            conn = self._engine.connect()
            try:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}).scalar())
                conn.commit()
            except Exception:
                conn.close()
                raise
            if not got:
                conn.close()
                return False
            self._conn = conn
            log.info("worker leads (advisory lock %#x)", LEADER_LOCK)
            return True
        except Exception:  # the database went away: whatever we held is gone with our session
            log.exception("worker leadership check failed; standing by")
            self._drop()
            return False

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # pragma: no cover - a dead connection may fail to close
                log.debug("closing the leader connection failed", exc_info=True)

    def release(self) -> None:
        """Hand the lead back (graceful shutdown): a standby takes it at its next poll."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK})
                self._conn.commit()
            except Exception:  # closing the session releases it anyway
                log.debug("unlocking the leader lock failed", exc_info=True)
            self._drop()
        if self._engine is not None:
            self._engine.dispose()


def leader_present(session: Session) -> bool | None:
    """Whether some worker holds the lead (PostgreSQL, from pg_locks); None on SQLite, where the worker runs in
    the serving process."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return bool(session.execute(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :key AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),  # locks are per database
        {"key": LEADER_LOCK}).scalar())


def _loop(jobs: list[tuple[str, Job]], interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        run_due_jobs(jobs)
        stop.wait(interval)


def run_forever(interval: float = 1.0, stop: threading.Event | None = None, *,
                leadership: Leadership | None = None) -> None:
    """Poll for due work until stopped: deadlines in this thread, long jobs in a thread of their own, both only
    while this worker leads (standing by otherwise). On stop, or when the lead is lost, the long jobs finish
    their current batch before the lead is handed back."""
    stop = stop or threading.Event()
    quick, long = deadline_jobs(), long_jobs()  # resolved before any thread starts: a typo stops the worker here
    lead = leadership or Leadership(get_database())
    running.set()
    standing_by = False
    try:
        while not stop.is_set():
            if not lead.hold():
                if not standing_by:
                    log.info("worker stands by: another worker leads (advisory lock %#x)", LEADER_LOCK)
                    standing_by = True
                stop.wait(interval)
                continue
            standing_by = False
            term = threading.Event()
            longs = threading.Thread(target=_loop, args=(long, interval, term), name="landbridge-long-jobs",
                                     daemon=True)
            longs.start()
            try:
                while not stop.is_set() and lead.hold():
                    run_due_jobs(quick)
                    stop.wait(interval)
            finally:
                term.set()
                longs.join()
    finally:
        running.clear()
        lead.release()



def start_background_worker(interval: float = 1.0) -> threading.Event:
    """Start the worker in a daemon thread (used by ``serve``); returns its stop event."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(interval, stop), name="landbridge-worker", daemon=True).start()
    time.sleep(0)
    return stop

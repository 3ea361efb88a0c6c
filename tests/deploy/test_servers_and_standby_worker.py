"""Two app servers and two workers (one leading, one standing by on the advisory lock) behind the shipped nginx
routing, against one PostgreSQL (issue #22, "Done means"): real deadlines (registry advance notices) fire once
each; ``kill -9`` of the leading ``landbridge worker`` hands the lead to the standby, which fires the deadlines that
come due after it; requests through the proxy keep being answered, by both servers, the whole time.

Runs on PostgreSQL with nginx (CI's PostgreSQL pass installs nginx-light and sets LANDBRIDGE_REQUIRE_PROXY=1).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from landbridge.db import Database
from landbridge.registry import approve_application, create_party, lodge_advance_notice
from landbridge.worker import LEADER_LOCK
from tests import proxy
from tests.registry.conftest import ACTOR, register, resident_id, square

if proxy.nginx_binary() is None:
    if os.environ.get("LANDBRIDGE_REQUIRE_PROXY") == "1":
        pytest.fail("nginx is required here (scripts/sysdeps.sh proxy)")
    pytest.skip("nginx is not installed", allow_module_level=True)

DUE = "UPDATE registry_restriction SET expires_at = now() - interval '1 second' WHERE id = ANY(:ids)"
LEADER = ("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE "
          "l.locktype = 'advisory' AND l.classid = 0 AND l.objid = :key AND l.granted AND l.database = "
          "(SELECT oid FROM pg_database WHERE datname = current_database())")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


class Processes:
    """The platform's processes, each named by its PostgreSQL application_name (PGAPPNAME)."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url, self.logs = url, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PGAPPNAME": name}
        with (self.logs / f"{name}.log").open("wb") as log:
            self.procs[name] = subprocess.Popen([sys.executable, "-m", "landbridge.cli", *args, "--database",
                                                 self.url], env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)


@pytest.fixture
def processes(db: Database, tmp_path: Path) -> Iterator[Processes]:
    if db.is_sqlite:
        pytest.skip("worker leadership and several servers need PostgreSQL")
    p = Processes(db.url, tmp_path)
    yield p
    p.close()


def _leader(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(text(LEADER), {"key": LEADER_LOCK}).scalar()  # type: ignore[no-any-return]


def _lapsed(db: Database) -> tuple[int, int]:
    """restriction_lapsed events, and the restrictions they name (distinct subjects)."""
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT count(*), count(DISTINCT subject_ref) FROM ledger_event "
                                "WHERE event_type = 'restriction_lapsed'")).one()
    return int(row[0]), int(row[1])


def _served(port: int) -> float:
    """How many requests a server has answered, its metrics aside (its own /metrics, loopback only)."""
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("landbridge_request_seconds_count{") and 'route="/metrics"' not in line)


class Traffic(threading.Thread):
    """Requests through the proxy, one after another, until stopped: health checks and reads of 40 lots (each
    hashed to one server by its id, so both servers get some); every answer counted by status, every failed
    connection too."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.stop, self.answers = base, threading.Event(), Counter[str]()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                path = "/api/v1/health" if i % 2 else f"/api/v1/exchange/lots/{i % 40 + 1}"
                try:
                    self.answers[str(client.get(self.base + path).status_code)] += 1
                except httpx.HTTPError as exc:
                    self.answers[type(exc).__name__] += 1
                time.sleep(0.01)


def test_two_servers_and_a_standby_worker_behind_the_proxy(db: Database, processes: Processes,
                                                           tmp_path: Path) -> None:
    ports = [_free_port(), _free_port()]
    for name, port in zip(("server-a", "server-b"), ports, strict=True):
        processes.start(name, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port))
    processes.start("worker-a", "worker")
    # (they start while the deadlines are made: importing the platform takes seconds per process, more under load)
    with db.transaction() as s:  # six real deadlines: advance notices, made due three at a time below
        owner = create_party(s, kind="person", name="村民甲", id_number=resident_id(1), actor=ACTOR).id
        holder = create_party(s, kind="person", name="村民乙", id_number=resident_id(2), actor=ACTOR).id
        for col in range(6):
            unit = register(s, square(col), [(owner, "1")])
            app = lodge_advance_notice(s, actor=ACTOR, unit_id=unit, holder_party_id=holder)
            approve_application(s, application_id=app.id, actor=ACTOR)
        notices = list(s.execute(text("SELECT id FROM registry_restriction ORDER BY id")).scalars())
    assert len(notices) == 6
    for name, port in zip(("server-a", "server-b"), ports, strict=True):
        assert _wait(lambda p=port: _answers(p), 240), processes.log(name)
    assert _wait(lambda: _leader(db) == "worker-a", 240), processes.log("worker-a")
    processes.start("worker-b", "worker")  # the standby: it polls for the lock every second
    nginx_port = _free_port()
    nginx = proxy.start(tmp_path / "nginx", nginx_port, [f"127.0.0.1:{p}" for p in ports], wait_path="/api/v1/health")
    base = f"http://127.0.0.1:{nginx_port}"
    traffic = Traffic(base)
    try:
        assert httpx.get(f"{base}/api/v1/ready", timeout=10).json() == {"status": "ready", "database": "ok",
                                                                         "worker": "running"}
        assert _wait(lambda: "worker stands by" in processes.log("worker-b"), 240), processes.log("worker-b")
        assert processes.procs["worker-b"].poll() is None and _leader(db) == "worker-a"
        traffic.start()

        with db.engine.begin() as conn:  # three deadlines come due: the leader fires each once
            conn.execute(text(DUE), {"ids": notices[:3]})
        assert _wait(lambda: _lapsed(db) == (3, 3), 30), processes.log("worker-a")
        assert _leader(db) == "worker-a"

        before = [_served(p) for p in ports]
        processes.procs["worker-a"].send_signal(signal.SIGKILL)  # the leader dies mid-flight
        killed = time.monotonic()
        processes.procs["worker-a"].wait(10)
        with db.engine.begin() as conn:  # and three more come due while nobody leads
            conn.execute(text(DUE), {"ids": notices[3:]})
        assert _wait(lambda: _leader(db) == "worker-b", 30), processes.log("worker-b")
        handover = time.monotonic() - killed
        assert handover < 10  # PostgreSQL ends the dead session at once; the standby polls every second
        assert _wait(lambda: _lapsed(db) == (6, 6), 30), processes.log("worker-b")
        assert httpx.get(f"{base}/api/v1/ready", timeout=10).status_code == 200

        time.sleep(1)  # the requests go on after the hand-over
        traffic.stop.set()
        traffic.join(30)
        after = [_served(p) for p in ports]
    finally:
        traffic.stop.set()
        proxy.stop(nginx)
    with db.engine.connect() as conn:  # every deadline fired exactly once, and its restriction is historic
        assert conn.execute(text("SELECT count(*) FROM registry_restriction WHERE status = 'current'")).scalar() == 0
    assert _lapsed(db) == (6, 6)
    answered = sum(n for status, n in traffic.answers.items() if status.isdigit())
    assert set(traffic.answers) <= {"200", "404"}, traffic.answers  # no 5xx, no refused or dropped connection
    assert answered > 20 and traffic.answers["200"] > 10
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)  # both servers kept serving
    print(f"hand-over {handover:.2f} s; requests {dict(traffic.answers)}; per server {before} -> {after}")


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False

"""A real streaming replica (issue #22 item 3): a hot standby of the test cluster (scripts/pg_standby.sh,
pg_basebackup -R on loopback) behind LANDBRIDGE_REPLICA_DATABASE_URL. Anonymous reads come from the standby (with
its replay paused they see the standby's older ledger, a signed-in caller the primary's newer one), the lag
reading is the standby's own, a write on the primary reaches the standby, a standby that lags past the limit or
is stopped is passed over. Runs in the PostgreSQL pass of CI (tests/kernel/test_replica.py checks the routing
against read-only connections to one cluster on every pass)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from landbridge import db as db_module
from landbridge.db import Database, get_database, set_database
from landbridge.kernel.metrics import REPLICA_LAG
from landbridge.ledger import append_event
from landbridge.main import create_app

ROOT = Path(__file__).resolve().parents[2]
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))

pytestmark = pytest.mark.skipif(
    not os.environ.get("LANDBRIDGE_TEST_DATABASE_URL") or not (PGBIN / "pg_basebackup").exists(),
    reason="runs in the PostgreSQL pass (needs PostgreSQL 15 binaries and a cluster to copy)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


class Standby:
    def __init__(self, primary_url: str) -> None:
        primary = make_url(primary_url)
        # its own directory: the postgres user cannot enter pytest's root-only tmp_path
        self.root = Path(tempfile.mkdtemp(prefix="lbstandby."))
        self.root.chmod(0o711)  # the postgres user passes through to its data directory
        port = _free_port()
        run = subprocess.run([str(ROOT / "scripts" / "pg_standby.sh"), str(self.root / "pg"), str(port),
                              str(primary.port or 5432), primary.host or "127.0.0.1", primary.username or "postgres"],
                             capture_output=True, text=True, timeout=120)
        if run.returncode:
            self.remove()
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.stdout.strip() == f"127.0.0.1:{port}"
        self.url = primary.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        self.admin: Engine = create_engine(self.url, poolclass=NullPool)  # superuser, for pausing the replay

    def sql(self, statement: str) -> object:
        with self.admin.connect() as conn:
            return conn.execute(text(statement)).scalar()

    def stop(self) -> None:
        if hasattr(self, "admin"):
            self.admin.dispose()
        subprocess.run([str(ROOT / "scripts" / "pg_stop.sh"), str(self.root / "pg")], capture_output=True,
                       timeout=60)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def standby(db: Database) -> Iterator[Standby]:
    if db.is_sqlite:
        pytest.skip("a streaming replica needs PostgreSQL")
    s = Standby(db.url)
    try:
        yield s
    finally:
        s.remove()


def _size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT size FROM ledger_state")).scalar_one())


def _append(database: Database, n: int = 1) -> None:
    with database.transaction() as s:
        for i in range(n):
            append_event(s, module="test", event_type="replica.e", subject=f"t:{i}", actor="a", payload={"i": i})


def test_reads_come_from_a_streaming_standby_and_a_stale_or_stopped_one_is_passed_over(
        db: Database, standby: Standby, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "REPLICA_CHECK_INTERVAL_S", 0.0)
    both = Database(db.url, replica_url=standby.url, replica_max_lag_s=60.0)
    previous = get_database()
    set_database(both)
    assert both.replica_engine is not None
    try:
        assert standby.sql("SELECT pg_is_in_recovery()") is True  # a standby, streaming from the primary
        assert _wait(lambda: standby.sql("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")
                     == 1)
        # a write on the primary becomes visible on the standby
        _append(both, 3)
        assert _size(both.engine) == 3
        assert _wait(lambda: _size(both.replica_engine) == 3), "the write did not reach the standby"  # type: ignore[arg-type]
        # caught up: what it received is replayed (other tests write on the same primary meanwhile, so the
        # reading is the age of the last replay while more WAL streams in: small, never exactly zero then)
        assert _wait(lambda: (lag := both.replica_lag()) is not None and lag < 5.0)
        assert both.replica_usable()
        direct = Database(standby.url)
        with pytest.raises(Exception, match=r"read-only|recovery"):  # the standby takes no writes
            _append(direct)
        direct.dispose()

        # replay paused: the standby keeps receiving but stays behind; its lag is the age of its last replay
        standby.sql("SELECT pg_wal_replay_pause()")
        assert _wait(lambda: standby.sql("SELECT pg_get_wal_replay_pause_state()") == "paused")
        _append(both, 2)
        assert _wait(lambda: (both.replica_lag() or 0.0) > 0.3), "no lag while the standby's replay is paused"
        lag = both.replica_lag()
        assert lag is not None and 0.3 < lag < 60
        assert both.replica_usable() and 0.3 < REPLICA_LAG._value.get() < 60  # the metric is the standby's reading
        client = TestClient(create_app())
        anonymous = client.get("/api/v1/ledger/head")
        assert anonymous.status_code == 200 and anonymous.json()["tree_size"] == 3  # the standby's (older) ledger
        signed_in = client.get("/api/v1/ledger/head", headers={"Authorization": "Bearer not-a-token"})
        assert signed_in.status_code == 200 and signed_in.json()["tree_size"] == 5  # the primary: what was written

        both.replica_max_lag_s = 0.2  # now it lags past the limit: anonymous reads go to the primary
        assert not both.replica_usable()
        assert client.get("/api/v1/ledger/head").json()["tree_size"] == 5

        standby.sql("SELECT pg_wal_replay_resume()")  # it catches up and is used again
        both.replica_max_lag_s = 60.0
        assert _wait(lambda: (lag := both.replica_lag()) is not None and lag < 5.0 and _size(both.replica_engine) == 5)  # type: ignore[arg-type]
        assert both.replica_usable() and 0.0 <= REPLICA_LAG._value.get() <= both.replica_max_lag_s  # its reading
        assert client.get("/api/v1/ledger/head").json()["tree_size"] == 5

        standby.stop()  # a stopped standby: passed over, reads still answered by the primary
        assert both.replica_lag() is None and not both.replica_usable() and REPLICA_LAG._value.get() == -1
        _append(both)
        answer = client.get("/api/v1/ledger/head")
        assert answer.status_code == 200 and answer.json()["tree_size"] == 6
    finally:
        set_database(previous)
        both.dispose()

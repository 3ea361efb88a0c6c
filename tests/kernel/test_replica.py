"""Reads routed to a read replica (issue #22 item 3): anonymous reads and lag-tolerant routes go to the replica
while it is fresh; a signed-in caller's reads and every write stay on the primary; a lagging or silent replica is
passed over. On PostgreSQL the "replica" is the test database behind read-only connections: what is checked is
the routing and the read-only guarantee, not streaming itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from landbridge import db as db_module
from landbridge.config import Settings
from landbridge.db import Database, get_database, set_database
from landbridge.kernel.metrics import REPLICA_LAG
from landbridge.ledger import append_event
from landbridge.main import create_app


def test_sqlite_has_no_replica_and_replica_reads_fall_back(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the SQLite case")
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        Database("sqlite://", replica_url="sqlite://")
    assert not db.replica_usable() and db.replica_lag() is None
    with db.session(replica=True) as s:  # read-only on the primary (a deferred transaction, no write lock)
        bind = s.get_bind()
        assert bind.url == db.engine.url and bind.get_execution_options()["sqlite_begin"] == "DEFERRED"


@pytest.fixture
def replicated(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    if db.is_sqlite:
        pytest.skip("a read replica needs PostgreSQL")
    monkeypatch.setattr(db_module, "REPLICA_CHECK_INTERVAL_S", 0.0)
    both = Database(settings.database_url, replica_url=settings.database_url)
    yield both
    both.dispose()


def test_replica_sessions_are_read_only_and_lag_decides(replicated: Database,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert replicated.replica_lag() == 0.0 and replicated.replica_usable()
    with replicated.session(readonly=True, replica=True) as s:
        assert s.get_bind() is replicated.replica_engine
        assert s.execute(text("SELECT size FROM ledger_state")).scalar() == 0
        with pytest.raises(DBAPIError, match="read-only transaction"):
            s.execute(text("UPDATE ledger_state SET size = size"))
    with replicated.session() as s:  # writes never go to the replica
        assert s.get_bind() is replicated.engine
    monkeypatch.setattr(replicated, "replica_lag", lambda: 7.5)  # lagging past replica_max_lag_s (5)
    assert not replicated.replica_usable() and REPLICA_LAG._value.get() == 7.5
    with replicated.session(replica=True) as s:
        assert s.get_bind() is replicated.engine
    monkeypatch.setattr(replicated, "replica_lag", lambda: 0.4)
    assert replicated.replica_usable()


def test_a_replica_behind_with_no_replayed_transaction_has_an_unknown_lag_and_is_not_used(
        replicated: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # the lag query's answer when WAL has arrived but no transaction was replayed yet (no replay timestamp)
    monkeypatch.setattr(db_module, "REPLICA_LAG_SQL", text("SELECT CAST(NULL AS float)"))
    assert replicated.replica_lag() is None
    assert not replicated.replica_usable() and REPLICA_LAG._value.get() == -1
    with replicated.session(replica=True) as s:
        assert s.get_bind() is replicated.engine


def test_a_silent_replica_is_passed_over_until_the_next_check(db: Database, settings: Settings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    if db.is_sqlite:
        pytest.skip("a read replica needs PostgreSQL")
    dead = settings.database_url.replace(settings.database_url.split("@")[1].split("/")[0], "127.0.0.1:1")
    silent = Database(settings.database_url, replica_url=dead)
    try:
        assert silent.replica_lag() is None
        assert not silent.replica_usable() and REPLICA_LAG._value.get() == -1
        calls: list[bool] = []
        monkeypatch.setattr(silent, "replica_lag", lambda: calls.append(True) or 0.0)
        assert not silent.replica_usable() and calls == []  # not asked again within the check interval
        with silent.session(replica=True) as s:
            assert s.get_bind() is silent.engine
    finally:
        silent.dispose()


def test_requests_anonymous_reads_on_the_replica_the_rest_on_the_primary(replicated: Database) -> None:
    previous = get_database()
    set_database(replicated)
    seen: dict[str, int] = {"replica": 0, "primary": 0}

    def count(name: str) -> Any:
        def listener(*_: Any) -> None:
            seen[name] += 1
        return listener

    assert replicated.replica_engine is not None
    event.listen(replicated.replica_engine, "before_cursor_execute", count("replica"))
    event.listen(replicated.engine, "before_cursor_execute", count("primary"))
    try:
        with replicated.transaction() as s:
            append_event(s, module="test", event_type="e", subject="t:1", actor="a", payload={})
        client = TestClient(create_app())
        seen.update(replica=0, primary=0)
        assert client.get("/api/v1/ledger/head").status_code == 200
        assert seen["replica"] > 0 and seen["primary"] == 0  # anonymous: the replica
        seen.update(replica=0, primary=0)
        client.get("/api/v1/ledger/head", headers={"Authorization": "Bearer not-a-token"})
        assert seen["replica"] == 0 and seen["primary"] > 0  # a signed-in caller reads what it wrote
        seen.update(replica=0, primary=0)
        assert client.get("/").status_code == 200  # the public map page: a lag-tolerant route
        assert seen["replica"] > 0 and seen["primary"] == 0
    finally:
        set_database(previous)

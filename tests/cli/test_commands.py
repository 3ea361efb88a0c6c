"""``landbridge`` itself, by command names: help, ``db upgrade``, ``ledger head``/``verify``, ``worker --once``,
``serve`` (without serving forever) and ``demo``'s refusals (issue #14 item 8)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from landbridge import collective
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import append_event
from landbridge.schema import alembic_config, load_models
from tests.cli.conftest import landbridge
from tests.collective.conftest import ACTOR, build_village

GROUPS = ("serve", "demo", "worker", "db", "ledger", "import", "export", "privacy", "valuation", "rules")


def _fill(db: Database, n: int) -> None:
    with db.transaction() as s:
        for i in range(n):
            append_event(s, module="test", event_type="cli", subject=f"t:{i}", actor="cli-test", payload={"i": i})


def test_help_lists_every_command_group_and_no_arguments_shows_help() -> None:
    shown = landbridge("--help")
    assert shown.code == 0
    for name in GROUPS:
        assert f" {name} " in shown.out, name
    bare = landbridge()
    assert bare.code == 2 and "Usage" in bare.out  # no_args_is_help: help, and a usage exit code
    unknown = landbridge("nope")
    assert unknown.code == 2 and "No such command 'nope'" in unknown.err


@pytest.mark.parametrize(("group", "commands"), [
    ("db", ["upgrade"]), ("ledger", ["verify", "head"]), ("import", ["parcels"]), ("export", ["parcels"]),
    ("privacy", ["rotate-keys"]), ("rules", ["show", "check", "diff", "workdays", "lock"]),
    ("valuation", ["ratio-study", "mass-appraise", "benchmark-import", "benchmark-publish", "benchmark-export",
                   "learn-coefficients"]),
])
def test_each_group_lists_its_commands(group: str, commands: list[str]) -> None:
    shown = landbridge(group, "--help")
    assert shown.code == 0
    for name in commands:
        assert f" {name} " in shown.out, (group, name)


def test_db_upgrade_builds_a_fresh_database_to_the_head_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = landbridge("db", "upgrade", "--database", url)
    assert first.code == 0, first.err
    assert "schema up to date" in first.out and "fresh.db" in first.out.replace("\n", "")  # rich wraps the URL
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(load_models().tables) <= tables  # every model's table is there
    again = landbridge("db", "upgrade", "--database", url)
    assert again.code == 0 and "schema up to date" in again.out


def test_ledger_head_is_null_when_empty_then_the_signed_head(db: Database, settings: Settings) -> None:
    empty = landbridge("ledger", "head", "--database", settings.database_url)
    assert empty.code == 0 and json.loads(empty.out) is None
    _fill(db, 5)
    head = json.loads(landbridge("ledger", "head", "--database", settings.database_url).out)
    assert head["tree_size"] == 5
    assert len(bytes.fromhex(head["root_hash"])) == 32 and len(bytes.fromhex(head["signature"])) == 64


def test_ledger_verify_json_and_its_bad_arguments(db: Database, settings: Settings) -> None:
    _fill(db, 4)
    url = settings.database_url
    ok = landbridge("ledger", "verify", "--database", url, "--json", "--no-progress", "--layers", "public")
    assert ok.code == 0, ok.err
    report = json.loads(ok.out)
    assert report["ok"] is True and report["size"] == 4 and report["layers"] == ["public"]
    text_ok = landbridge("ledger", "verify", "--database", url, "--no-progress")
    assert text_ok.code == 0 and "ledger OK" in text_ok.out and "4 events" in text_ok.out
    layers = landbridge("ledger", "verify", "--database", url, "--layers", "some")
    assert layers.code == 2 and "--layers must be public, both or auto" in layers.err
    key = landbridge("ledger", "verify", "--database", url, "--public-key", "not-hex")
    assert key.code == 2 and "--public-key must be 32 bytes of hex" in key.err
    other = landbridge("ledger", "verify", "--database", url, "--no-progress", "--json", "--public-key", "00" * 32)
    assert other.code == 1 and json.loads(other.out)["ok"] is False  # heads signed by another key do not verify


def test_worker_once_fires_what_is_due_exactly_once(db: Database, settings: Settings, clock: Clock) -> None:
    closes = datetime(2026, 3, 2, 2, tzinfo=UTC)
    with db.transaction() as s:
        village = build_village(s)
        for m in village.members[:3]:
            collective.appoint_seat(s, collective_id=village.collective_id, member_id=m, body="board",
                                    started_on=date(2021, 1, 1), actor=ACTOR)
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="board", title="理事会",
                                             scheduled_at=datetime(2026, 3, 2, tzinfo=UTC), actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="年度预算", text="",
                                          kind="board_resolution", actor=ACTOR)
        collective.open_vote(s, motion_id=motion.id, actor=ACTOR, closes_at=closes)
    early = landbridge("worker", "--once", "--database", settings.database_url)
    assert early.code == 0 and "fired 0 due transitions" in early.out
    clock.advance(timedelta(hours=1))
    due = landbridge("worker", "--once", "--database", settings.database_url)
    assert due.code == 0 and "fired 1 due transitions" in due.out
    again = landbridge("worker", "--once", "--database", settings.database_url)
    assert "fired 0 due transitions" in again.out


def test_serve_builds_the_app_and_hands_it_to_uvicorn(db: Database, settings: Settings,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from landbridge import worker

    served: dict[str, Any] = {}
    started: list[bool] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: served.update(app=application, **kw))
    monkeypatch.setattr(worker, "start_background_worker", lambda: started.append(True))
    quiet = landbridge("serve", "--no-worker", "--port", "8123", "--database", settings.database_url)
    assert quiet.code == 0, quiet.err
    assert served["port"] == 8123 and served["host"] == "127.0.0.1" and not started
    paths = TestClient(served["app"]).get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/ledger/head" in paths
    with_worker = landbridge("serve", "--database", settings.database_url)
    assert with_worker.code == 0 and started == [True]
    assert served["log_level"] == "info" and "log_config" not in served  # uvicorn's own text logs
    from landbridge.web import observability

    configured: list[str] = []  # not the real thing: it would point the root logger at pytest's captured stderr
    monkeypatch.setattr(observability, "configure_logging", lambda fmt: configured.append(fmt))
    as_json = landbridge("serve", "--no-worker", "--log-format", "json", "--database", settings.database_url)
    assert as_json.code == 0 and served["log_config"] is None and served["access_log"] is False
    assert configured == ["json"]
    assert served["forwarded_allow_ips"] is None  # uvicorn's default: only a proxy on loopback is believed
    behind = landbridge("serve", "--no-worker", "--forwarded-allow-ips", "10.0.0.5", "--database",
                        settings.database_url)
    assert behind.code == 0 and served["forwarded_allow_ips"] == "10.0.0.5"
    refused = landbridge("serve", "--no-worker", "--log-format", "xml", "--database", settings.database_url)
    assert refused.code == 2 and "unknown log format" in refused.out


def test_demo_refuses_an_unknown_scale_before_touching_anything(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDBRIDGE_VAR_DIR", str(tmp_path))
    refused = landbridge("demo", "--scale", "galaxy", "--no-serve")
    assert refused.code == 2 and "unknown scale 'galaxy'" in refused.out
    assert list(tmp_path.iterdir()) == []

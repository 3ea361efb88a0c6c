"""Migration 0018 (issue #12 item 1): a v1 ledger whose bodies were public becomes envelopes + private parts, the
tree is rebuilt and re-signed, a public ``ledger_reanchored`` event links the old final head, and the downgrade
restores the very same v1 rows. On SQLite, and on PostgreSQL when the tests run there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from landbridge.db import Database
from landbridge.ledger import get_event, list_events, merkle, verify_ledger
from landbridge.ledger.canonical import canonical_json
from landbridge.ledger.keys import key_id, load_signing_key
from landbridge.ledger.service import subject_reference, tree_head_bytes
from landbridge.schema import alembic_config, upgrade
from tests.scratch import scratch_database

REVISION, PREVIOUS = "0018", "0017"
ID_NUMBER = "36060219900101123X"


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database, migrated to the revision before 0018."""
    with scratch_database(tmp_path, "ledger_migration") as url:
        upgrade(url, PREVIOUS)
        yield url


def _v1_ledger(url: str, n: int) -> list[dict[str, Any]]:
    """Write n events exactly as the v1 ledger did (whole body public, leaf over the body), as rows."""
    key = load_signing_key()
    frontier = merkle.Frontier()
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    rows, nodes = [], []
    for seq in range(1, n + 1):
        subject = f"party:{seq}" if seq % 2 else f"certificate:{seq}"
        recorded_at = at + timedelta(minutes=seq)
        body = canonical_json({"seq": seq, "recorded_at": recorded_at, "module": "registry", "event_type": "e",
                               "subject": subject, "actor": "user:3:registrar",
                               "payload": {"name": "张三丰", "id_number": ID_NUMBER, "i": seq}})
        leaf = merkle.leaf_hash(body.encode())
        nodes += [{"level": lv, "index": ix, "hash": h} for lv, ix, h in frontier.append(leaf)]
        root = frontier.root()
        rows.append({"seq": seq, "recorded_at": recorded_at, "module": "registry", "event_type": "e",
                     "subject": subject, "actor": "user:3:registrar", "body": body, "leaf_hash": leaf,
                     "tree_root": root, "signature": key.sign(tree_head_bytes(seq, recorded_at, root)),
                     "key_id": key_id(key)})
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger_event (seq, recorded_at, module, event_type, subject, actor, body, "
                          "leaf_hash, tree_root, signature, key_id) VALUES (:seq, :recorded_at, :module, "
                          ":event_type, :subject, :actor, :body, :leaf_hash, :tree_root, :signature, :key_id)"), rows)
        conn.execute(text('INSERT INTO ledger_node (level, "index", hash) VALUES (:level, :index, :hash)'), nodes)
        conn.execute(text("DELETE FROM ledger_state"))
        conn.execute(text("INSERT INTO ledger_state (id, size, frontier) VALUES (1, :n, :f)"),
                     {"n": n, "f": json.dumps([h.hex() for h in frontier.hashes])})
    engine.dispose()
    return rows


def _v1_rows(url: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(text(
            "SELECT seq, subject, actor, body, leaf_hash, tree_root, signature FROM ledger_event ORDER BY seq"))]
    engine.dispose()
    return found


def test_upgrade_then_downgrade_a_small_ledger(fresh_url: str) -> None:
    n = 11
    before = _v1_ledger(fresh_url, n)
    upgrade(fresh_url, REVISION)
    db = Database(fresh_url)
    try:
        with db.transaction(readonly=True) as s:
            report = verify_ledger(s)
            assert report.ok and report.size == n + 1, report
            events = list_events(s, limit=100)
            for old, new in zip(before, events, strict=False):
                assert new.seq == old["seq"] and new.subject == old["subject"] and new.actor == old["actor"]
                assert new.payload == json.loads(old["body"])["payload"]
                assert new.private["v1_leaf_hash"] == old["leaf_hash"].hex()  # the holder links old and new leaf
                assert ID_NUMBER not in new.envelope and "张三丰" not in new.envelope
                assert new.public_subject == (old["subject"] if old["subject"].startswith("certificate:") else None)
            anchor = get_event(s, n + 1)
            assert anchor.event_type == "ledger_reanchored" and anchor.module == "ledger"
            assert anchor.payload["v1_tree_size"] == n
            assert anchor.payload["v1_root_hash"] == before[-1]["tree_root"].hex()
            assert anchor.payload["v1_signature"] == before[-1]["signature"].hex()
            # the new tree's events keep their sequence numbers (other tables point at them) and history by subject
            assert get_event(s, 3).subject_ref == subject_reference("party:3")  # found by subject (index: 0025)
    finally:
        db.dispose()
    command.downgrade(alembic_config(fresh_url), PREVIOUS)
    after = _v1_rows(fresh_url)
    assert after[:n] == [{k: r[k] for k in ("seq", "subject", "actor", "body", "leaf_hash", "tree_root",
                                            "signature")} for r in before]  # the very same v1 log
    assert json.loads(after[n]["body"])["event_type"] == "ledger_reanchored"
    leaves = [merkle.leaf_hash(r["body"].encode()) for r in after]
    assert merkle.root_from_leaves(leaves) == after[-1]["tree_root"]
    upgrade(fresh_url, REVISION)  # and forward again
    db = Database(fresh_url)
    try:
        with db.transaction(readonly=True) as s:
            assert verify_ledger(s).ok
    finally:
        db.dispose()


def test_upgrade_of_an_empty_ledger(fresh_url: str) -> None:
    upgrade(fresh_url, REVISION)
    db = Database(fresh_url)
    try:
        with db.transaction(readonly=True) as s:
            assert verify_ledger(s).ok and list_events(s) == []
    finally:
        db.dispose()
    command.downgrade(alembic_config(fresh_url), PREVIOUS)


def test_models_and_migration_agree_on_the_ledger_tables(fresh_url: str) -> None:
    """After the migration, the ledger tables are exactly what the models declare (columns, types, indexes, keys)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from landbridge.schema import load_models

    upgrade(fresh_url)  # head: later revisions add ledger tables too (0025: ledger_subject)
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), load_models())
    finally:
        engine.dispose()

    def table_of(diff: Any) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if name and str(name).startswith("ledger_"):
                return str(name)
        return str(item[2]) if len(item) > 2 and isinstance(item[2], str) else ""

    ledger = [d for d in diffs if table_of(d).startswith("ledger_")]
    assert ledger == []

"""`landbridge ledger verify` exits non-zero and names the first bad sequence number (P2)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.ledger import append_event, merkle
from landbridge.main import create_app


def _fill(db: Database, n: int) -> None:
    with db.transaction() as s:
        for i in range(n):
            append_event(s, module="test", event_type="e", subject=f"t:{i}", actor="a", payload={"i": i})


def test_verify_command_ok_then_tampered(db: Database, settings: Settings) -> None:
    _fill(db, 9)
    runner = CliRunner()
    ok = runner.invoke(app, ["ledger", "verify", "--database", settings.database_url])
    assert ok.exit_code == 0, ok.output
    assert "9 events" in ok.output
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_private SET body = replace(body, :a, :b) WHERE seq = 6"),
                     {"a": '"actor":"a"', "b": '"actor":"user:666:mallory"'})
    bad = runner.invoke(app, ["ledger", "verify", "--database", settings.database_url])
    assert bad.exit_code == 1
    assert "seq 6" in bad.output


def test_ledger_api_proofs_verify_offline(db: Database) -> None:
    _fill(db, 21)
    client = TestClient(create_app())
    head = client.get("/api/v1/ledger/head").json()
    assert head["tree_size"] == 21
    proof = client.get("/api/v1/ledger/proofs/inclusion/8", params={"tree_size": 21}).json()
    event = client.get("/api/v1/ledger/events/8").json()
    assert merkle.leaf_hash(event["envelope"].encode()).hex() == proof["leaf_hash"]
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 7, 21,
                                   [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(head["root_hash"]))
    cons = client.get("/api/v1/ledger/proofs/consistency", params={"first": 10, "second": 21}).json()
    assert merkle.verify_consistency(10, 21, bytes.fromhex(cons["first_head"]["root_hash"]),
                                     bytes.fromhex(head["root_hash"]), [bytes.fromhex(h) for h in cons["proof"]])
    from datetime import datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from landbridge.kernel.clock import ensure_utc
    from landbridge.ledger.service import tree_head_bytes

    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(head["public_key"]))
    signed_at = ensure_utc(datetime.fromisoformat(head["timestamp"]))
    key.verify(bytes.fromhex(head["signature"]), tree_head_bytes(21, signed_at, bytes.fromhex(head["root_hash"])))
    assert client.get("/api/v1/ledger/events/99").status_code == 404
    assert client.get("/api/v1/ledger/proofs/inclusion/30", params={"tree_size": 21}).json()["code"] == \
        "ledger.bad_sequence"
    assert client.get("/api/v1/ledger/proofs/consistency", params={"first": 5, "second": 50}).status_code == 422

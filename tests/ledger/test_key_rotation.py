"""Rotating the ledger signing key (issue #22 item 6; P2): heads signed before a rotation still verify with the
retired public key, the API publishes every key, and a retired key signing again after the rotation is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.config import Settings, get_settings
from landbridge.db import Database
from landbridge.ledger import append_event, verify_ledger
from landbridge.ledger.keys import key_id, load_signing_key, public_key_bytes
from landbridge.main import create_app


def _fill(db: Database, start: int, n: int) -> None:
    with db.transaction() as s:
        for i in range(start, start + n):
            append_event(s, module="test", event_type="e", subject=f"t:{i}", actor="a", payload={"i": i})


@pytest.fixture
def rotation(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings changed by a test are undone (and the cached settings dropped) after it."""
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"LANDBRIDGE_{name}", value)
    get_settings.cache_clear()


def test_rotate_then_verify_publish_and_refuse_the_old_key(db: Database, settings: Settings, tmp_path: Path,
                                                          rotation: pytest.MonkeyPatch) -> None:
    old = load_signing_key()
    _fill(db, 0, 5)
    runner = CliRunner()
    new_path = tmp_path / "keys" / "ledger-2027.pem"
    made = runner.invoke(app, ["ledger", "new-key", str(new_path)])
    assert made.exit_code == 0, made.output
    assert new_path.stat().st_mode & 0o777 == 0o600
    retired = re.search(r"LANDBRIDGE_LEDGER_RETIRED_PUBLIC_KEYS='(.+)'", made.output)
    assert retired is not None and json.loads(retired.group(1)) == [public_key_bytes(old).hex()]
    again = runner.invoke(app, ["ledger", "new-key", str(new_path)])
    assert again.exit_code == 2 and "never overwritten" in again.output

    _configure(rotation, LEDGER_SIGNING_KEY_FILE=str(new_path), LEDGER_RETIRED_PUBLIC_KEYS=retired.group(1))
    new = load_signing_key()
    assert key_id(new) != key_id(old)
    _fill(db, 5, 4)
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok  # both keys from the deployment's ring
        only_new = verify_ledger(s, new.public_key())
        assert not only_new.ok and only_new.first_bad_seq == 1 and "unknown key" in (only_new.reason or "")
        assert verify_ledger(s, [old.public_key(), new.public_key()]).ok
    client = TestClient(create_app())
    published = client.get("/api/v1/ledger/keys").json()
    assert published == [{"key_id": key_id(old), "public_key": public_key_bytes(old).hex(), "status": "retired"},
                         {"key_id": key_id(new), "public_key": public_key_bytes(new).hex(), "status": "current"}]
    early = client.get("/api/v1/ledger/events/3").json()
    assert early["key_id"] == key_id(old)
    assert client.get("/api/v1/ledger/head").json()["public_key"] == public_key_bytes(new).hex()
    ok = runner.invoke(app, ["ledger", "verify", "--database", settings.database_url, "--layers", "public",
                             "--json", "--no-progress", "--public-key", public_key_bytes(old).hex(),
                             "--public-key", public_key_bytes(new).hex()])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["size"] == 9

    # the old key file signs again (stolen, or a server left unconfigured): refused from that event on
    _configure(rotation, LEDGER_SIGNING_KEY_FILE=str(settings.signing_key_path()),
               LEDGER_RETIRED_PUBLIC_KEYS=json.dumps([public_key_bytes(new).hex()]))
    _fill(db, 9, 1)
    _configure(rotation, LEDGER_SIGNING_KEY_FILE=str(new_path), LEDGER_RETIRED_PUBLIC_KEYS=retired.group(1))
    with db.transaction(readonly=True) as s:
        late = verify_ledger(s)
    assert not late.ok and late.first_bad_seq == 10 and "rotated out" in (late.reason or "")
    bad = runner.invoke(app, ["ledger", "verify", "--database", settings.database_url, "--layers", "public",
                              "--no-progress"])
    assert bad.exit_code == 1 and "seq 10" in bad.output


def test_a_retired_key_must_be_hex(rotation: pytest.MonkeyPatch) -> None:
    _configure(rotation, LEDGER_RETIRED_PUBLIC_KEYS=json.dumps(["not-a-key"]))
    with pytest.raises(ValueError, match="32 bytes of hex"):
        get_settings()

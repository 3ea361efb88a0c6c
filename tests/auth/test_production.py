"""The production guard lives in the app factory (issue #12 item 5): demo accounts, default or missing secrets and
missing keys refuse to start with a clear message; ``admin``/``demo`` never logs in in production."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landbridge.auth import OrgKind, authenticate, create_demo_accounts, create_organisation, create_user
from landbridge.auth.models import Role
from landbridge.config import Mode, Settings, get_settings, production_problems
from landbridge.db import Database
from landbridge.errors import Conflict, RuleViolation, Unauthorized
from landbridge.kernel.clock import Clock
from landbridge.main import StartupRefused, create_app


def production(tmp_path: Path, **overrides: object) -> Settings:
    """Production settings over the test database, every secret and key given unless overridden."""
    key_file = tmp_path / "ledger.pem"
    key_file.write_text("-----BEGIN PRIVATE KEY-----\n")
    values: dict[str, object] = {
        "mode": Mode.production, "database_url": get_settings().database_url, "var_dir": tmp_path,
        "secret_key": "k" * 24 + "-production-secret-0123456789", "ledger_signing_key_file": key_file,
        "privacy_data_keys": "k1=" + base64.b64encode(b"\x01" * 32).decode(),
        "privacy_index_key": base64.b64encode(b"\x02" * 32).decode(),
        "exchange_bank_secret": "bank-shared-secret-of-this-deployment",
        "exchange_reserve_key": base64.b64encode(b"\x03" * 32).decode(),
    }
    values.update(overrides)
    return Settings.model_construct(**values)  # as a process might build them, bypassing the validator


def test_production_app_starts_when_ready(db: Database, tmp_path: Path) -> None:
    settings = production(tmp_path)
    assert production_problems(settings) == []
    app = create_app(settings)
    assert TestClient(app).get("/api/v1/health").json()["status"] == "ok"


def test_production_app_refuses_demo_accounts(db: Database, tmp_path: Path) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    with pytest.raises(StartupRefused, match="demo accounts"):
        create_app(production(tmp_path))
    create_app(production(tmp_path, mode=Mode.demo))  # the demo itself starts


@pytest.mark.parametrize(("overrides", "message"), [
    ({"secret_key": None}, "LANDBRIDGE_SECRET_KEY is missing"),
    ({"secret_key": "changeme"}, "LANDBRIDGE_SECRET_KEY is a default"),
    ({"secret_key": "short-but-not-default"}, "shorter than 32"),
    ({"ledger_signing_key_file": None}, "LANDBRIDGE_LEDGER_SIGNING_KEY_FILE is missing"),
    ({"ledger_signing_key_file": Path("/nonexistent/ledger.pem")}, "does not exist"),
    ({"privacy_index_key": None}, "LANDBRIDGE_PRIVACY_INDEX_KEY"),
    ({"exchange_bank_secret": "landbridge-dev-bank-secret"}, "LANDBRIDGE_EXCHANGE_BANK_SECRET"),
    ({"exchange_reserve_key": None}, "LANDBRIDGE_EXCHANGE_RESERVE_KEY"),
])
def test_production_app_refuses_missing_or_default_secrets(db: Database, tmp_path: Path,
                                                           overrides: dict[str, object], message: str) -> None:
    with pytest.raises(StartupRefused, match=message) as refused:
        create_app(production(tmp_path, **overrides))
    assert "生产模式拒绝启动" in str(refused.value)


def test_production_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    with pytest.raises(StartupRefused, match="db upgrade"):
        create_app(production(tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}"))


def test_demo_account_never_logs_in_in_production(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    with pytest.raises(Unauthorized) as refused, db.transaction() as s:
        authenticate(s, username="admin", password="demo", address="192.0.2.1", mode=Mode.production)
    assert refused.value.code == "auth.invalid_credentials"
    with db.transaction() as s:
        assert authenticate(s, username="admin", password="demo", address="192.0.2.1", mode=Mode.demo).role \
            is Role.admin


def test_production_refuses_demo_accounts_and_weak_passwords_at_creation(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = production(tmp_path)
    monkeypatch.setattr("landbridge.auth.service.get_settings", lambda: settings)
    with db.transaction() as s:
        with pytest.raises(Conflict) as demo:
            create_demo_accounts(s)
        assert demo.value.code == "auth.demo_accounts_in_production"
    with db.transaction() as s:
        org = create_organisation(s, name="鹰潭市不动产登记中心", kind=OrgKind.registration_centre,
                                  region_code="360600000000")
        with pytest.raises(RuleViolation) as weak:
            create_user(s, username="wang", password="wang2024", display_name="王", role=Role.registrar,
                        organisation_id=org.id)
        assert weak.value.code == "auth.weak_password"
        create_user(s, username="wang", password="Registry-Desk-7", display_name="王", role=Role.registrar,
                    organisation_id=org.id)


def test_serve_command_refuses_production_with_demo_accounts(db: Database, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from landbridge.cli import app

    with db.transaction() as s:
        create_demo_accounts(s)
    for name, value in production(tmp_path).model_dump().items():
        if value is not None and name not in ("database_url", "var_dir"):
            text = json.dumps(value) if isinstance(value, dict | list) else str(value)  # complex settings are JSON
            monkeypatch.setenv(f"LANDBRIDGE_{name.upper()}", text)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--no-worker"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())  # as printed, wrapped to the terminal
    assert "demo accounts exist" in output and "生产模式拒绝启动" in output

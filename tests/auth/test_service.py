"""Auth: password login, throttling, API tokens, demo accounts, production refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import (
    OrgKind,
    Role,
    authenticate,
    create_demo_accounts,
    create_organisation,
    create_user,
    demo_accounts_present,
)
from landbridge.auth.models import User
from landbridge.cityprofile import get_profile
from landbridge.config import Mode, Settings
from landbridge.db import Database
from landbridge.errors import Conflict, RuleViolation, TooManyRequests, Unauthorized
from landbridge.kernel.clock import Clock
from landbridge.ledger import verify_ledger
from landbridge.main import create_app


def test_demo_accounts_one_per_role(db: Database) -> None:
    with db.transaction() as s:
        created = create_demo_accounts(s)
    assert {role for _, _, role in created} == set(Role)
    with db.transaction() as s:
        again = create_demo_accounts(s)  # idempotent
        assert len(again) == len(created)
        assert s.scalar(select(func.count()).select_from(User)) == len(Role)
        assert demo_accounts_present(s)
    with db.transaction() as s:  # a login is checked in transactions of its own: the accounts must be committed
        principal = authenticate(s, username="registrar", password="demo")
        assert principal.role is Role.registrar
        assert principal.covers_region("360603101001")
        assert verify_ledger(s).ok


def test_organisation_and_user_validation(db: Database) -> None:
    with db.transaction() as s:
        with pytest.raises(RuleViolation) as bad_region:
            create_organisation(s, name="x", kind=OrgKind.bank, region_code="3606")
        assert bad_region.value.code == "auth.invalid_region_code"
        with pytest.raises(RuleViolation):
            create_organisation(s, name="y", kind=OrgKind.bank, region_code="360600000000", uscc="123")
        org = create_organisation(s, name="锦江村股份经济合作社", kind=OrgKind.collective, region_code="360603101001")
        with pytest.raises(Conflict):
            create_organisation(s, name="锦江村股份经济合作社", kind=OrgKind.collective, region_code="360603101001")
        create_user(s, username="c1", password="s3cret-pass", display_name="C", role=Role.collective_clerk,
                    organisation_id=org.id)
        with pytest.raises(Conflict):
            create_user(s, username="c1", password="s3cret-pass", display_name="C", role=Role.collective_clerk,
                        organisation_id=org.id)
    with db.transaction() as s:
        principal = authenticate(s, username="c1", password="s3cret-pass")
        assert principal.covers_region("360603101001")
        assert not principal.covers_region("360603101002")


def test_login_throttling_locks_then_unlocks(db: Database, clock: Clock) -> None:
    rules = get_profile().rules("auth")
    with db.transaction() as s:
        create_demo_accounts(s)
    for _ in range(rules.int("login_max_failures")):
        with pytest.raises(Unauthorized), db.transaction() as s:
            authenticate(s, username="bank", password="wrong")  # counted although this transaction rolls back
    with pytest.raises(TooManyRequests), db.transaction() as s:
        authenticate(s, username="bank", password="demo")
    clock.advance(timedelta(minutes=rules.int("login_lockout_minutes") + 1))
    with db.transaction() as s:
        assert authenticate(s, username="bank", password="demo").username == "bank"


def test_token_endpoint_and_me(db: Database) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    client = TestClient(create_app())
    bad = client.post("/api/v1/auth/token", json={"username": "supervisor", "password": "nope"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "auth.invalid_credentials"
    assert bad.json()["message"] and bad.json()["message_en"]
    token = client.post("/api/v1/auth/token", json={"username": "supervisor", "password": "demo"}).json()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["role"] == "supervisor"
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer forged"}).json()["code"] == \
        "auth.invalid_token"
    invalid = client.post("/api/v1/auth/token", json={"username": ""})
    assert invalid.status_code == 422 and invalid.json()["code"] == "request.invalid"


def test_production_requires_secrets() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(mode=Mode.production)


def test_production_refuses_demo_accounts(db: Database) -> None:
    from landbridge.auth import check_startup_safety

    with db.transaction() as s:
        check_startup_safety(s, Mode.production)  # no demo accounts yet: fine
        create_demo_accounts(s)
        check_startup_safety(s, Mode.demo)
        with pytest.raises(Conflict) as refused:
            check_startup_safety(s, Mode.production)
        assert refused.value.code == "auth.demo_accounts_in_production"

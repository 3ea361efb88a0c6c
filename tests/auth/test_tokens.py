"""API tokens (issue #12 item 5): listed and revoked by their owner and an admin, refused once revoked or
expired, only hashes stored; the permission matrix of the token endpoints with nothing changed on denial."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from landbridge.auth.models import ApiToken, User
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from tests.auth.conftest import USER_HOME, auth_state, bearer, client_at, token_of, whoami


def _user_id(db: Database, username: str) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.execute(select(User.id).where(User.username == username)).scalar_one())


def test_owner_lists_and_revokes_a_token(accounts: Database, clock: Clock) -> None:
    client = client_at(USER_HOME)
    first, second = token_of(client, "bidder"), token_of(client, "bidder")
    listed = client.get("/api/v1/auth/tokens", headers=bearer(second))
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 2 and [r["current"] for r in rows] == [True, False]
    assert first not in listed.text and second not in listed.text and "hash" not in listed.text
    first_id = rows[1]["id"]
    revoked = client.delete(f"/api/v1/auth/tokens/{first_id}", headers=bearer(second))
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    refused = client.get("/api/v1/auth/me", headers=bearer(first))
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
    assert whoami(client, bearer(second)) == 200
    again = client.delete(f"/api/v1/auth/tokens/{first_id}", headers=bearer(second))  # idempotent
    assert again.status_code == 200
    with accounts.transaction(readonly=True) as s:
        events = [e for e in list_events(s, module="auth", limit=1000) if e.event_type == "api_token_revoked"]
        assert [e.subject for e in events] == [f"token:{first_id}"]
        stored = s.execute(select(ApiToken.token_hash).order_by(ApiToken.id)).scalars().all()
        assert stored == [hashlib.sha256(first.encode()).digest(), hashlib.sha256(second.encode()).digest()]


def test_expired_token_is_refused(accounts: Database, clock: Clock) -> None:
    client = client_at(USER_HOME)
    token = token_of(client, "bank")
    clock.advance(timedelta(hours=get_profile().rules("auth").int("api_token_hours")) + timedelta(seconds=1))
    assert whoami(client, bearer(token)) == 401
    assert client.get("/api/v1/auth/tokens", headers=bearer(token)).status_code == 401


def test_admin_lists_and_revokes_another_users_token(accounts: Database, clock: Clock) -> None:
    client = client_at(USER_HOME)
    victim, admin = token_of(client, "bank"), token_of(client, "admin")
    bank_id = _user_id(accounts, "bank")
    listed = client.get(f"/api/v1/auth/tokens?user_id={bank_id}", headers=bearer(admin))
    assert listed.status_code == 200 and [r["user_id"] for r in listed.json()] == [bank_id]
    token_id = listed.json()[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(admin)).status_code == 200
    assert whoami(client, bearer(victim)) == 401
    assert client.get("/api/v1/auth/tokens?user_id=999999", headers=bearer(admin)).status_code == 404


def test_token_endpoints_permission_matrix(accounts: Database, clock: Clock) -> None:
    client = client_at(USER_HOME)
    owner = token_of(client, "clerk")
    wrong_role = token_of(client, "supervisor")  # reads everything elsewhere, but not others' tokens
    wrong_org = token_of(client, "township")  # the clerk's own township: still not the clerk's tokens
    owner_id = _user_id(accounts, "clerk")
    with accounts.transaction(readonly=True) as s:
        token_id = s.execute(select(ApiToken.id).where(ApiToken.user_id == owner_id)).scalar_one()
    before = auth_state(accounts)
    anonymous_list = client.get(f"/api/v1/auth/tokens?user_id={owner_id}")
    anonymous_delete = client.delete(f"/api/v1/auth/tokens/{token_id}")
    assert (anonymous_list.status_code, anonymous_delete.status_code) == (401, 401)
    assert anonymous_delete.json()["code"] == "auth.login_required"
    for other in (wrong_role, wrong_org):
        listed = client.get(f"/api/v1/auth/tokens?user_id={owner_id}", headers=bearer(other))
        assert listed.status_code == 403 and listed.json()["code"] == "auth.forbidden_role"
        deleted = client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(other))
        assert deleted.status_code == 404 and deleted.json()["code"] == "auth.token_not_found"  # no existence oracle
        own = client.get("/api/v1/auth/tokens", headers=bearer(other))
        assert own.status_code == 200 and all(r["user_id"] != owner_id for r in own.json())
    huge = client.delete(f"/api/v1/auth/tokens/{2**63}", headers=bearer(owner))
    assert huge.status_code == 422 and huge.json()["code"] == "request.invalid"  # every route's bound (item 7)
    assert client.get(f"/api/v1/auth/tokens?user_id={2**63}", headers=bearer(owner)).status_code == 422
    assert auth_state(accounts) == before  # nothing changed by any denial
    assert whoami(client, bearer(owner)) == 200
    mine = client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(owner))  # the right caller
    assert mine.status_code == 200 and whoami(client, bearer(owner)) == 401

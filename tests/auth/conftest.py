"""Auth test helpers: demo accounts, clients at given addresses, logins by API and by the web form."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import create_demo_accounts
from landbridge.auth.models import ApiToken, LoginThrottle, User, WebSession
from landbridge.db import Database
from landbridge.main import create_app

ATTACKER = "203.0.113.7"
USER_HOME = "198.51.100.20"


@pytest.fixture
def accounts(db: Database) -> Database:
    """The demo accounts (password ``demo``), committed."""
    with db.transaction() as s:
        create_demo_accounts(s)
    return db


def client_at(address: str) -> TestClient:
    """A client whose requests come from ``address``."""
    return TestClient(create_app(), client=(address, 50000))


def api_login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    return response.status_code, response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(client: TestClient, username: str, password: str = "demo") -> str:
    status, body = api_login(client, username, password)
    assert status == 200, body
    return str(body["access_token"])


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def web_login(client: TestClient, username: str, password: str) -> int:
    """Log in through the form; the response status (303 on success, without following it)."""
    response = client.post("/login", data={"username": username, "password": password, "csrf": csrf_of(client),
                                           "next": "/"}, follow_redirects=False)
    return response.status_code


def whoami(client: TestClient, headers: dict[str, str] | None = None) -> int:
    return client.get("/api/v1/auth/me", headers=headers or {}).status_code


def auth_state(db: Database) -> tuple[object, ...]:
    """Everything auth keeps about users, sessions and tokens (to assert that a denial changed nothing)."""
    with db.transaction(readonly=True) as s:
        users = s.execute(select(User.id, User.password_hash, User.session_version).order_by(User.id)).all()
        tokens = s.execute(select(ApiToken.id, ApiToken.revoked, ApiToken.revoked_at).order_by(ApiToken.id)).all()
        sessions = s.execute(select(WebSession.id, WebSession.revoked_at).order_by(WebSession.id)).all()
        return (tuple(users), tuple(tokens), tuple(sessions))


def throttle_rows(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(LoginThrottle)) or 0)

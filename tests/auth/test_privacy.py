"""Usernames, roles and organisations are not public (issue #12 item 5): auth's ledger events carry no username,
actor strings carry the user id only, and identity is shown to the user themselves."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from landbridge.auth import link_user_party
from landbridge.auth.models import User
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from tests.auth.conftest import USER_HOME, bearer, client_at, token_of


def test_auth_events_and_actors_name_no_username(accounts: Database, clock: Clock) -> None:
    with accounts.transaction() as s:
        link_user_party(s, username="member", party_id=4242, actor="system")
    client = client_at(USER_HOME)
    token = token_of(client, "exchange")
    token_id = client.get("/api/v1/auth/tokens", headers=bearer(token)).json()[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(token)).status_code == 200
    with accounts.transaction(readonly=True) as s:
        exchange_id = s.execute(select(User.id).where(User.username == "exchange")).scalar_one()
        events = [(e.seq, e.event_type, e.actor, e.body) for e in list_events(s, module="auth", limit=1000)]
    assert {e[1] for e in events} >= {"user_created", "user_party_linked", "api_token_revoked"}
    anonymous = client_at("203.0.113.9")
    for seq, _type, actor, body in events:
        public = anonymous.get(f"/api/v1/ledger/events/{seq}").text
        # (demo usernames such as "admin" or "township" are also names of roles and kinds: check the structure)
        assert "username" not in json.loads(body)["payload"] and "username" not in public, body
        assert re.fullmatch(r"system|user:\d+", actor), actor
    revoked = next(e for e in events if e[1] == "api_token_revoked")
    assert revoked[2] == f"user:{exchange_id}"


def test_identity_is_for_the_user_themselves(accounts: Database, clock: Clock) -> None:
    client = client_at(USER_HOME)
    assert client.get("/api/v1/auth/me").status_code == 401
    me = client.get("/api/v1/auth/me", headers=bearer(token_of(client, "clerk"))).json()
    assert me["username"] == "clerk" and me["role"] == "collective_clerk"

"""Auth at the depth of the other modules (issue #14 item 8): pure rules under hypothesis (region coverage,
throttle resets, the password policy's bounds), the service (organisations, roles, party links, bulk token
look-up, inactive users) and the permission matrix of every auth route, each denial changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.auth.models import User
from landbridge.auth.rules import (
    PasswordPolicy,
    ThrottlePolicy,
    ThrottleState,
    lockout_duration,
    password_problems,
    record_failure,
    record_success,
)
from landbridge.auth.service import (
    Principal,
    get_user,
    issue_token,
    link_user_party,
    list_tokens,
    organisation_names,
    principal_for,
    principal_from_token,
    principals_from_tokens,
    region_prefix,
    revoke_token,
)
from landbridge.db import Database
from landbridge.errors import Conflict, NotFound
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, verify_ledger
from landbridge.main import create_app
from tests.auth.conftest import auth_state, bearer, token_of

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
YUJIANG = "360603000000"


# --- pure rules ------------------------------------------------------------------------------------------

@st.composite
def region_codes(draw: st.DrawFn) -> tuple[str, int]:
    """A 12-digit region code whose significant part is ``width`` digits (the rest zeros, the last kept digit
    not zero), and that width."""
    width = draw(st.sampled_from([2, 4, 6, 9, 12]))
    head = draw(st.text(alphabet="0123456789", min_size=width - 1, max_size=width - 1))
    last = draw(st.sampled_from("123456789"))
    return head + last + "0" * (12 - width), width


@given(region_codes(), st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_an_organisation_covers_exactly_the_codes_under_its_prefix(org: tuple[str, int], other: str) -> None:
    code, width = org
    assert region_prefix(code) == code[:width]
    principal = Principal(1, "u", "U", Role.registrar, 1, "org", code)
    assert principal.covers_region(code)
    assert principal.covers_region(code[:width] + other[width:])
    assert principal.covers_region(other) == other.startswith(code[:width])


@given(st.integers(min_value=1, max_value=20), st.integers(min_value=0, max_value=40))
def test_a_success_forgets_the_streak_and_the_back_off(max_failures: int, failures: int) -> None:
    policy = ThrottlePolicy(max_failures=max_failures, base=timedelta(minutes=1), ceiling=timedelta(hours=1))
    state = ThrottleState()
    for i in range(failures):
        state = record_failure(state, T0 + timedelta(seconds=i), policy)
    assert record_success(state) == ThrottleState()
    assert not record_success(state).locked_at(T0)


@given(st.integers(min_value=1, max_value=600))
def test_a_lock_ends_exactly_at_its_end(minutes: int) -> None:
    state = ThrottleState(locked_until=T0 + timedelta(minutes=minutes))
    assert state.locked_at(T0) and state.locked_at(T0 + timedelta(minutes=minutes, microseconds=-1))
    assert not state.locked_at(T0 + timedelta(minutes=minutes))


@given(st.integers(max_value=0), st.integers(min_value=1, max_value=10))
def test_no_lock_out_lasts_nothing_and_a_zero_base_means_the_ceiling(lockouts: int, n: int) -> None:
    assert lockout_duration(lockouts, timedelta(minutes=5), timedelta(hours=1)) == timedelta(0)
    assert lockout_duration(n, timedelta(0), timedelta(hours=1)) == timedelta(hours=1)


@given(st.integers(min_value=8, max_value=40), st.integers(min_value=1, max_value=60))
def test_a_password_over_the_maximum_is_refused(max_length: int, extra: int) -> None:
    policy = PasswordPolicy(min_length=4, min_classes=1, max_length=max_length)
    long = ("Ab3-" * 50)[:max_length + extra]
    assert "too_long" in password_problems(long, "wang", policy)
    assert "too_long" not in password_problems(long[:max_length], "wang", policy)


# --- the service -----------------------------------------------------------------------------------------

def _user(s: Session, username: str, role: Role, org_id: int) -> User:
    return create_user(s, username=username, password="secret-1", display_name=username, role=role,
                       organisation_id=org_id)


def test_organisations_users_and_their_principals(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        county = create_organisation(s, name="余江区不动产登记中心", kind=OrgKind.registration_centre,
                                     region_code=YUJIANG)
        bank = create_organisation(s, name="某银行余江支行", kind=OrgKind.bank, region_code="360603000000")
        with pytest.raises(Conflict) as twice:
            create_organisation(s, name="余江区不动产登记中心", kind=OrgKind.bank, region_code=YUJIANG)
        assert twice.value.code == "auth.organisation_exists"
        user = _user(s, "li", Role.registrar, county.id)
        with pytest.raises(Conflict) as taken:
            _user(s, "li", Role.bank_officer, bank.id)
        assert taken.value.code == "auth.username_taken"
        with pytest.raises(NotFound) as no_org:
            _user(s, "zhao", Role.bank_officer, 10**6)
        assert no_org.value.code == "auth.organisation_not_found"
        principal = principal_for(s, user)
        assert (principal.role, principal.organisation_name, principal.actor) == (
            Role.registrar, "余江区不动产登记中心", f"user:{user.id}")
        assert principal.covers_region("360603101001") and not principal.covers_region("360602001001")
        assert organisation_names(s, [bank.id, county.id, bank.id]) == {
            county.id: "余江区不动产登记中心", bank.id: "某银行余江支行"}
        assert organisation_names(s, []) == {}
        with pytest.raises(NotFound):
            get_user(s, 10**6)
        assert verify_ledger(s).ok


def test_a_party_links_to_one_account_and_moves_its_session_version(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        org = create_organisation(s, name="个人用户", kind=OrgKind.individual, region_code="360600000000")
        first, second = _user(s, "a", Role.member, org.id), _user(s, "b", Role.member, org.id)
        before = first.session_version
        linked = link_user_party(s, username="a", party_id=77, display_name="村民 甲")
        assert (linked.party_id, linked.display_name, linked.session_version) == (77, "村民 甲", before + 1)
        size = current_size(s)
        with pytest.raises(Conflict) as taken:
            link_user_party(s, username="b", party_id=77)
        assert taken.value.code == "auth.party_taken" and second.party_id is None and current_size(s) == size
        with pytest.raises(NotFound):
            link_user_party(s, username="nobody", party_id=78)


def test_tokens_are_looked_up_in_bulk_and_die_with_revocation_expiry_or_an_inactive_user(
        db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        org = create_organisation(s, name="鹰潭市农业农村局", kind=OrgKind.nr_bureau, region_code="360600000000")
        users = [_user(s, name, Role.nr_official, org.id) for name in ("u1", "u2", "u3")]
        principals = [principal_for(s, u) for u in users]
        t1, t2, t3 = (issue_token(s, p)[0] for p in principals)
        id2 = list_tokens(s, user_id=users[1].id)[0].id
    with db.transaction() as s:
        found = principals_from_tokens(s, [t1, t2, t3, "not-a-token"])
        assert {t: p.username for t, p in found.items()} == {t1: "u1", t2: "u2", t3: "u3"}
        assert principals_from_tokens(s, []) == {}
        revoke_token(s, token_id=id2, principal=principals[1])
        s.execute(update(User).where(User.username == "u3").values(is_active=False))
    with db.transaction() as s:
        assert set(principals_from_tokens(s, [t1, t2, t3])) == {t1}
        with pytest.raises(NotFound):  # someone else's token does not exist for them
            revoke_token(s, token_id=id2, principal=principals[0])
    clock.advance(timedelta(days=400))
    with db.transaction() as s:
        assert principal_from_token(s, t1) is None


# --- the API permission matrix ---------------------------------------------------------------------------

def test_auth_routes_permission_matrix(accounts: Database, clock: Clock) -> None:
    client = TestClient(create_app())
    registrar = token_of(client, "registrar")
    admin = token_of(client, "admin")
    with accounts.transaction(readonly=True) as s:
        registrar_id = s.execute(select(User.id).where(User.username == "registrar")).scalar_one()
        officer_id = s.execute(select(User.id).where(User.username == "nr")).scalar_one()
    officer = token_of(client, "nr")
    officer_token_id = client.get("/api/v1/auth/tokens", headers=bearer(officer)).json()[0]["id"]
    before = auth_state(accounts)
    denied = [
        ("anonymous me", client.get("/api/v1/auth/me"), 401, "auth.login_required"),
        ("forged token", client.get("/api/v1/auth/me", headers=bearer("forged")), 401, "auth.invalid_token"),
        ("anonymous tokens", client.get("/api/v1/auth/tokens"), 401, "auth.login_required"),
        ("wrong role lists another's tokens",
         client.get("/api/v1/auth/tokens", params={"user_id": officer_id}, headers=bearer(registrar)), 403,
         "auth.forbidden_role"),
        ("anonymous revoke", client.delete(f"/api/v1/auth/tokens/{officer_token_id}"), 401, "auth.login_required"),
        ("wrong user revokes", client.delete(f"/api/v1/auth/tokens/{officer_token_id}", headers=bearer(registrar)),
         404, "auth.token_not_found"),
        ("a token that does not exist", client.delete(f"/api/v1/auth/tokens/{10**6}", headers=bearer(admin)), 404,
         "auth.token_not_found"),
        ("admin names a user who does not exist",
         client.get("/api/v1/auth/tokens", params={"user_id": 10**6}, headers=bearer(admin)), 404,
         "auth.user_not_found"),
        ("anonymous password change",
         client.post("/api/v1/auth/password", json={"current_password": "demo", "new_password": "Long-enough-9"}),
         401, "auth.login_required"),
    ]
    for name, response, status, code in denied:
        assert (response.status_code, response.json()["code"]) == (status, code), name
    assert auth_state(accounts) == before  # no denial changed a user, token or session
    me = client.get("/api/v1/auth/me", headers=bearer(registrar)).json()
    assert (me["user_id"], me["role"], me["username"]) == (registrar_id, "registrar", "registrar")
    own = client.get("/api/v1/auth/tokens", params={"user_id": registrar_id}, headers=bearer(registrar))
    assert own.status_code == 200 and [t["current"] for t in own.json()] == [True]
    listed = client.get("/api/v1/auth/tokens", params={"user_id": officer_id}, headers=bearer(admin))
    assert listed.status_code == 200 and [t["id"] for t in listed.json()] == [officer_token_id]
    revoked = client.delete(f"/api/v1/auth/tokens/{officer_token_id}", headers=bearer(admin))
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert client.get("/api/v1/auth/me", headers=bearer(officer)).status_code == 401

"""Sessions and passwords (issue #12 item 5): a copied cookie is dead after logout, sessions end after
auth.session_hours, a password change revokes the user's other sessions and tokens; the password policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from landbridge.auth.models import WebSession
from landbridge.auth.service import check_password
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.errors import RuleViolation
from landbridge.kernel.clock import Clock
from tests.auth.conftest import (
    USER_HOME,
    api_login,
    auth_state,
    bearer,
    client_at,
    csrf_of,
    token_of,
    web_login,
    whoami,
)

NEW_PASSWORD = "Kx7-harbour-lantern"


def test_copied_cookie_is_dead_after_logout(accounts: Database, clock: Clock) -> None:
    browser = client_at(USER_HOME)
    assert web_login(browser, "registrar", "demo") == 303
    assert whoami(browser) == 200
    stolen = dict(browser.cookies)  # a copy of the session cookie, e.g. taken from the browser
    thief = client_at("203.0.113.50")
    thief.cookies.update(stolen)
    assert whoami(thief) == 200
    csrf = csrf_of(browser, "/")  # the logout form's token, from the page header
    assert browser.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert whoami(browser) == 401
    thief.cookies.clear()
    thief.cookies.update(stolen)
    assert whoami(thief) == 401  # the copy is dead: the session was revoked on the server
    assert "/login" in thief.get("/registrar/queue", follow_redirects=False).headers.get("location", "/login")
    with accounts.transaction(readonly=True) as s:
        row = s.execute(select(WebSession)).scalar_one()
        assert row.revoked_at is not None
        assert len(row.sid_hash) == 32 and row.sid_hash.hex() not in str(stolen)  # only a hash is stored


def test_session_lives_auth_session_hours(accounts: Database, clock: Clock) -> None:
    hours = get_profile().rules("auth").int("session_hours")
    browser = client_at(USER_HOME)
    assert web_login(browser, "clerk", "demo") == 303
    clock.advance(timedelta(hours=hours) - timedelta(minutes=1))
    assert whoami(browser) == 200
    clock.advance(timedelta(minutes=2))
    assert whoami(browser) == 401


def test_logout_with_a_bad_form_token_changes_nothing(accounts: Database, clock: Clock) -> None:
    browser = client_at(USER_HOME)
    assert web_login(browser, "clerk", "demo") == 303
    before = auth_state(accounts)
    assert browser.post("/logout", data={"csrf": "forged"}, follow_redirects=False).status_code == 403
    assert auth_state(accounts) == before and whoami(browser) == 200


def test_password_change_revokes_the_other_sessions_and_tokens(accounts: Database, clock: Clock) -> None:
    laptop, phone, script = client_at(USER_HOME), client_at("198.51.100.21"), client_at("198.51.100.22")
    assert web_login(laptop, "exchange", "demo") == 303
    assert web_login(phone, "exchange", "demo") == 303
    other_token = token_of(script, "exchange")
    this_token = token_of(script, "exchange")
    response = script.post("/api/v1/auth/password", headers=bearer(this_token),
                           json={"current_password": "demo", "new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.json()
    assert response.json()["revoked"] == 3  # two browser sessions and the other token
    assert whoami(laptop) == 401 and whoami(phone) == 401
    assert whoami(script, bearer(other_token)) == 401
    assert whoami(script, bearer(this_token)) == 200  # the credential that made the change stays
    assert api_login(script, "exchange", "demo")[0] == 401
    assert api_login(script, "exchange", NEW_PASSWORD)[0] == 200


def test_password_change_page_keeps_this_session_only(accounts: Database, clock: Clock) -> None:
    laptop, phone = client_at(USER_HOME), client_at("198.51.100.21")
    assert laptop.get("/password", follow_redirects=False).status_code == 303  # anonymous: to the login page
    assert web_login(laptop, "township", "demo") == 303
    assert web_login(phone, "township", "demo") == 303
    page = laptop.get("/password")
    assert page.status_code == 200 and "修改密码" in page.text
    csrf = csrf_of(laptop, "/password")
    mismatch = laptop.post("/password", data={"csrf": csrf, "current_password": "demo", "new_password": NEW_PASSWORD,
                                              "repeat_password": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    done = laptop.post("/password", data={"csrf": csrf, "current_password": "demo", "new_password": NEW_PASSWORD,
                                          "repeat_password": NEW_PASSWORD})
    assert done.status_code == 200 and "密码已修改" in done.text
    assert whoami(laptop) == 200 and whoami(phone) == 401
    english = laptop.get("/password?lang=en")
    assert "Change password" in english.text


@pytest.mark.parametrize(("current", "new", "status", "code"), [
    ("demo", "short1A", 422, "auth.weak_password"),
    ("demo", "alllowercaseletters", 422, "auth.weak_password"),
    ("demo", "Password123!", 422, "auth.weak_password"),  # a common password with decorations
    ("demo", "member-Garden-42", 422, "auth.weak_password"),  # contains the username
    ("wrong", NEW_PASSWORD, 401, "auth.invalid_credentials"),
])
def test_refused_password_change_changes_nothing(accounts: Database, clock: Clock, current: str, new: str,
                                                 status: int, code: str) -> None:
    browser, script = client_at(USER_HOME), client_at("198.51.100.22")
    assert web_login(browser, "member", "demo") == 303
    token = token_of(script, "member")
    before = auth_state(accounts)
    response = script.post("/api/v1/auth/password", headers=bearer(token),
                           json={"current_password": current, "new_password": new})
    assert response.status_code == status and response.json()["code"] == code
    assert auth_state(accounts) == before
    assert whoami(browser) == 200 and api_login(script, "member", "demo")[0] == 200


def test_password_change_needs_a_login(accounts: Database, clock: Clock) -> None:
    before = auth_state(accounts)
    response = client_at(USER_HOME).post("/api/v1/auth/password",
                                         json={"current_password": "demo", "new_password": NEW_PASSWORD})
    assert response.status_code == 401 and response.json()["code"] == "auth.login_required"
    assert auth_state(accounts) == before


def test_wrong_current_password_is_throttled(accounts: Database, clock: Clock) -> None:
    script = client_at(USER_HOME)
    token = token_of(script, "nr")
    statuses = [script.post("/api/v1/auth/password", headers=bearer(token),
                            json={"current_password": f"guess-{i}", "new_password": NEW_PASSWORD}).status_code
                for i in range(8)]
    limit = get_profile().rules("auth").int("login_max_failures")
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}


def test_policy_reasons() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_password("admin", "admin")
    assert set(refused.value.details["problems"]) >= {"too_short", "too_few_classes", "contains_username", "common"}
    check_password(NEW_PASSWORD, "someone")

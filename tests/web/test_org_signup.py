"""An organisation signs up by its USCC and an authorised agent (issue #20 item 2; R1): checked against the registry,
reviewed by a platform administrator, opened as an organisation with its own administrator's login; every refusal
typed and changing nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import link_user_party
from landbridge.auth.models import Organisation, User
from landbridge.db import Database
from landbridge.main import create_app
from landbridge.notices.models import Notice
from landbridge.registry.org_signup import OrgSignup
from tests.web.test_bounds import bearer
from tests.web.test_pages import csrf_of, login
from tests.web.world import World, org_uscc

SIGNUPS = "/api/v1/signup/organisations"
PASSWORD = "Rural-Bank-2026"


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app())


@pytest.fixture
def agent(db: Database, world: World) -> str:
    """The demo member, linked to 周建国 (holder_a), acts as the bank's agent."""
    with db.transaction() as s:
        user = s.scalars(select(User).where(User.username == "member")).one()
        if user.party_id != world.holder_a:
            link_user_party(s, username="member", party_id=world.holder_a)
    return "member"


def body(**changes: str) -> dict[str, str]:
    return {"uscc": org_uscc(1), "name": "鹰潭农商银行", "kind": "bank", "letter_ref": "授字2026第18号",
            "username": "ruralbank.admin", "password": PASSWORD, **changes}


def count(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(OrgSignup)) or 0)


def test_the_agent_signs_up_the_bank_and_the_administrator_opens_it(client: TestClient, db: Database,
                                                                    world: World, agent: str) -> None:
    head = bearer(client, agent)
    sent = client.post(SIGNUPS, headers=head, json=body())
    assert sent.status_code == 201 and sent.json()["status"] == "pending" and "password" not in str(sent.json())
    again = client.post(SIGNUPS, headers=head, json=body(username="other.admin"))
    assert again.status_code == 409 and again.json()["code"] == "registry.signup_org_pending"
    admin = bearer(client, "admin")
    queue = client.get("/api/v1/admin/org-signups", headers=admin).json()["items"]
    assert [(r["organisation"], r["kind"], r["letter_ref"]) for r in queue] == [
        ("鹰潭农商银行", "bank", "授字2026第18号")]
    assert client.get("/api/v1/admin/org-signups", headers=head).status_code == 403
    decided = client.post(f"/api/v1/admin/org-signups/{queue[0]['id']}/decision", headers=admin,
                          json={"approve": True})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    with db.transaction(readonly=True) as s:
        org = s.scalars(select(Organisation).where(Organisation.uscc == org_uscc(1))).one()
        login_row = s.scalars(select(User).where(User.username == "ruralbank.admin")).one()
        assert org.kind == "bank" and login_row.role == "org_admin" and login_row.organisation_id == org.id
        assert s.get_one(OrgSignup, queue[0]["id"]).password_hash == ""  # moved to the login, cleared here
        agent_id = s.scalars(select(User.id).where(User.username == agent)).one()
        assert s.scalars(select(Notice.kind).where(Notice.user_id == agent_id)).all() == [
            "registry.org_signup_approved"]
    # the agent's chosen password opens the administrator's login, which manages the bank's staff
    token = client.post("/api/v1/auth/token", json={"username": "ruralbank.admin", "password": PASSWORD})
    assert token.status_code == 200
    twice = client.post(f"/api/v1/admin/org-signups/{queue[0]['id']}/decision", headers=admin, json={"approve": True})
    assert twice.status_code == 409 and twice.json()["code"] == "registry.signup_org_decided"
    opened = client.post(SIGNUPS, headers=head, json=body(username="third.admin"))
    assert opened.status_code == 409 and opened.json()["code"] == "registry.signup_org_exists"


def test_refusals_are_typed_and_change_nothing(client: TestClient, db: Database, world: World, agent: str) -> None:
    head = bearer(client, agent)
    for changes, code in (({"name": "别的银行"}, "registry.signup_org_not_verified"),
                          ({"uscc": org_uscc(7)}, "registry.signup_org_not_verified"),
                          ({"kind": "court"}, "registry.signup_org_kind"),
                          ({"username": "x"}, "registry.signup_bad_username"),
                          ({"username": "registrar"}, "auth.username_taken")):
        r = client.post(SIGNUPS, headers=head, json=body(**changes))
        assert r.status_code in (409, 422) and r.json()["code"] == code, (changes, r.json())
    unverified = client.post(SIGNUPS, headers=bearer(client, "bank"), json=body())  # a login linked to no person
    assert unverified.status_code == 403 and unverified.json()["code"] == "registry.signup_agent_not_verified"
    assert client.post(SIGNUPS, json=body()).status_code == 401
    assert count(db) == 0
    sent = client.post(SIGNUPS, headers=head, json=body()).json()
    admin = bearer(client, "admin")
    no_reason = client.post(f"/api/v1/admin/org-signups/{sent['id']}/decision", headers=admin, json={"approve": False})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "registry.signup_reason_required"
    refused = client.post(f"/api/v1/admin/org-signups/{sent['id']}/decision", headers=admin,
                          json={"approve": False, "reason": "授权委托书未加盖公章"})
    assert refused.json()["status"] == "refused" and refused.json()["reason"] == "授权委托书未加盖公章"
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Organisation).where(Organisation.uscc == org_uscc(1))) == 0
    missing = client.post("/api/v1/admin/org-signups/999999/decision", headers=admin, json={"approve": True})
    assert missing.status_code == 404


def test_the_pages_and_the_administrators_hall(db: Database, world: World, agent: str) -> None:
    client = TestClient(create_app(), headers={"Accept": "text/html"})
    login(client, agent)
    form = client.get("/signup/organisation")
    assert form.status_code == 200 and "统一社会信用代码" in form.text and "授权委托书编号" in form.text
    wrong = client.post("/signup/organisation", data={**body(name="别的银行"), "csrf": csrf_of(form.text)})
    assert wrong.status_code == 422 and "无法核验机构" in wrong.text and count(db) == 0
    sent = client.post("/signup/organisation", data={**body(), "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert sent.status_code == 303 and count(db) == 1
    login(client, "admin")
    hall = client.get("/hall").text
    assert "审核机构注册：鹰潭农商银行" in hall and 'href="/admin/org-signups"' in hall
    queue = client.get("/admin/org-signups").text
    row = re.search(r'id="org-signup-(\d+)"', queue)
    assert row and "授字2026第18号" in queue
    done = client.post(f"/admin/org-signups/{row.group(1)}/decision",
                       data={"csrf": csrf_of(queue), "decision": "approve"}, follow_redirects=False)
    assert done.status_code == 303 and "暂无待审核的机构注册" in client.get("/admin/org-signups").text
    login(client, "ruralbank.admin", password=PASSWORD)
    assert "仅本机构账号" in client.get("/admin/users").text

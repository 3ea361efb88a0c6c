"""Account administration (issue #20 item 2): administrators list, create, link, re-role, deactivate and reactivate
login accounts through the API and the page; every change is a ledger event; every refusal is typed and changes
nothing; no other role may do any of it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth.models import Organisation, User
from landbridge.db import Database
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from tests.web.test_bounds import bearer
from tests.web.test_pages import csrf_of, login
from tests.web.world import World

API = "/api/v1/admin/users"


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app())


def events(db: Database, kind: str) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.event_type == kind)) or 0)


def user(db: Database, username: str) -> User:
    with db.transaction(readonly=True) as s:
        found = s.scalars(select(User).where(User.username == username)).one()
        s.expunge(found)
        return found


def some_organisation(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalars(select(Organisation.id).order_by(Organisation.id)).first() or 0)


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("registrar", 403), ("supervisor", 403), ("member", 403)])
def test_only_administrators_administer_accounts(client: TestClient, world: World, who: str | None,
                                                 status: int) -> None:
    headers = bearer(client, who) if who else {}
    assert client.get(API, headers=headers).status_code == status
    assert client.post(f"{API}/1/deactivation", headers=headers).status_code == status
    assert client.post(API, headers=headers, json={"username": "x_user", "display_name": "x", "role": "member",
                                                   "organisation_id": 1, "password": "a-long-pass"}).status_code \
        == status


def test_create_link_change_deactivate_and_reactivate(client: TestClient, db: Database, world: World) -> None:
    admin = bearer(client, "admin")
    listed = client.get(API, params={"role": "registrar"}, headers=admin).json()
    assert listed["total"] == 1 and listed["items"][0]["username"] == "registrar"
    made = client.post(API, headers=admin, json={"username": "li.xiuying", "display_name": "李秀英",
                                                 "role": "member", "organisation_id": some_organisation(db),
                                                 "password": "Tr1cky-Pass"})
    assert made.status_code == 201, made.text
    uid = made.json()["id"]
    before = events(db, "user_party_linked")
    linked = client.post(f"{API}/{uid}/party", headers=admin, json={"party_id": world.holder_b})
    assert linked.status_code == 200 and linked.json()["party_id"] == world.holder_b
    assert events(db, "user_party_linked") == before + 1
    role = client.post(f"{API}/{uid}/role", headers=admin, json={"role": "bidder"})
    assert role.status_code == 200 and role.json()["role"] == "bidder" and events(db, "user_role_changed") == 1
    assert client.post(f"{API}/{uid}/deactivation", headers=admin).json()["is_active"] is False
    assert events(db, "user_deactivated") == 1
    token = client.post("/api/v1/auth/token", json={"username": "li.xiuying", "password": "Tr1cky-Pass"})
    assert token.status_code == 401  # a deactivated account cannot log in
    assert client.post(f"{API}/{uid}/reactivation", headers=admin).json()["is_active"] is True
    assert client.post("/api/v1/auth/token", json={"username": "li.xiuying", "password": "Tr1cky-Pass"}) \
        .status_code == 200


def test_refusals_are_typed_and_change_nothing(client: TestClient, db: Database, world: World) -> None:
    admin = bearer(client, "admin")
    me = user(db, "admin").id
    bank = user(db, "bank")
    size = events(db, "user_role_changed") + events(db, "user_deactivated") + events(db, "user_party_linked")
    cases = [
        (client.post(f"{API}/{me}/deactivation", headers=admin), 409, "auth.self_administration"),
        (client.post(f"{API}/{me}/role", headers=admin, json={"role": "member"}), 409, "auth.self_administration"),
        (client.post(f"{API}/{bank.id}/role", headers=admin, json={"role": bank.role}), 409,
         "auth.account_unchanged"),
        (client.post(f"{API}/{bank.id}/reactivation", headers=admin), 409, "auth.account_unchanged"),
        (client.post(f"{API}/999999/deactivation", headers=admin), 404, "auth.user_not_found"),
        (client.post(f"{API}/{bank.id}/party", headers=admin, json={"party_id": 999999}), 404,
         "registry.party_not_found"),
        (client.post(API, headers=admin, json={"username": "bank", "display_name": "x", "role": "member",
                                               "organisation_id": bank.organisation_id, "password": "Tr1cky-Pass"}),
         409, "auth.username_taken"),
        (client.post(API, headers=admin, json={"username": "new.one", "display_name": "x", "role": "member",
                                               "organisation_id": 999999, "password": "Tr1cky-Pass"}),
         404, "auth.organisation_not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status and response.json()["code"] == code, response.text
    taken = client.post(f"{API}/{bank.id}/party", headers=admin, json={"party_id": world.holder_a})
    assert taken.status_code == 200  # holder_a is free: linked
    other = user(db, "registrar")
    refused = client.post(f"{API}/{other.id}/party", headers=admin, json={"party_id": world.holder_a})
    assert refused.status_code == 409 and refused.json()["code"] == "auth.party_taken"
    assert client.post(API, headers=admin, json={"username": "a b", "display_name": "x", "role": "member",
                                                 "organisation_id": 1, "password": "x"}).status_code == 422
    after = events(db, "user_role_changed") + events(db, "user_deactivated") + events(db, "user_party_linked")
    assert after == size + 1 and user(db, "registrar").party_id is None and user(db, "bank").role == bank.role


def test_the_accounts_page(client: TestClient, db: Database, world: World) -> None:
    login(client, "registrar")
    assert client.get("/admin/users").status_code == 403
    login(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "账号管理" in page.text and "<code>registrar</code>" in page.text
    assert '<a href="/admin/users"' in page.text  # in the administrator's menu
    bank = user(db, "bank")
    done = client.post(f"/admin/users/{bank.id}/deactivation", data={"csrf": csrf_of(page.text)},
                       follow_redirects=True)
    assert done.status_code == 200 and "已保存" in done.text and not user(db, "bank").is_active
    row = re.search(rf'<tr id="user-{bank.id}">(.*?)</tr>', done.text, re.S)
    assert row and "已停用" in row.group(1)
    refused = client.post(f"/admin/users/{bank.id}/role", data={"csrf": csrf_of(done.text), "role": "nobody"},
                          follow_redirects=True)
    assert "没有这个角色" in refused.text and user(db, "bank").role == bank.role
    forged = client.post(f"/admin/users/{bank.id}/reactivation", data={"csrf": "forged"})
    assert forged.status_code == 403 and not user(db, "bank").is_active
    assert "本人账号" in client.get("/admin/users?q=admin").text


def test_an_organisations_administrator_manages_its_own_staff_only(client: TestClient, db: Database,
                                                                   world: World) -> None:
    """Issue #20 item 2 (organisation administrators): the bank's administrator sees and manages the bank's logins
    alone, grants only bank staff roles, and never links a login to a person; every refusal changes nothing."""
    own = user(db, "bank").organisation_id
    head = bearer(client, "bankadmin")
    listed = client.get(API, headers=head).json()
    assert {u["username"] for u in listed["items"]} == {"bank", "bankadmin"} and listed["total"] == 2
    created = client.post(API, headers=head, json={"username": "bank.teller2", "display_name": "信贷员 钱多",
                                                   "role": "bank_officer", "organisation_id": own,
                                                   "password": "Loan-Desk-2026"})
    assert created.status_code == 201 and created.json()["organisation_id"] == own
    before = events(db, "user_created")
    for role, org, code in (("registrar", own, "auth.role_not_grantable"), ("admin", own, "auth.role_not_grantable"),
                            ("bank_officer", some_organisation(db) if some_organisation(db) != own else own + 1,
                             "auth.organisation_not_found")):
        r = client.post(API, headers=head, json={"username": f"x_{role}", "display_name": "x", "role": role,
                                                 "organisation_id": org, "password": "Loan-Desk-2026"})
        assert r.json()["code"] == code and r.status_code in (403, 404)
    assert events(db, "user_created") == before
    teller = user(db, "bank.teller2").id
    assert client.post(f"{API}/{teller}/deactivation", headers=head).json()["is_active"] is False
    registrar = user(db, "registrar").id  # another organisation's login reads as missing
    assert client.post(f"{API}/{registrar}/deactivation", headers=head).json()["code"] == "auth.user_not_found"
    assert user(db, "registrar").is_active
    promote = client.post(f"{API}/{teller}/role", headers=head, json={"role": "supervisor"})
    assert promote.status_code == 403 and user(db, "bank.teller2").role == "bank_officer"
    assert client.post(f"{API}/{teller}/party", headers=head, json={"party_id": world.holder_a}).status_code == 403
    # the page: its own accounts, the bank's role alone in the forms, no party link
    login(client, "bankadmin")
    page = client.get("/admin/users", headers={"Accept": "text/html"}).text
    assert "仅本机构账号" in page and "bank.teller2" in page and "registrar" not in page
    assert 'action="/admin/users/' in page and "/party" not in page
    assert re.findall(r'<option value="([a-z_]+)"', page.split("新建账号")[1].split("</form>")[0]) == ["bank_officer"]
    made = client.post("/admin/users", data={"csrf": csrf_of(page), "username": "bank.teller3", "display_name": "孙",
                                             "role": "bank_officer", "password": "Loan-Desk-2026"},
                       follow_redirects=False)
    assert made.status_code == 303 and user(db, "bank.teller3").organisation_id == own

"""Lending API: the journey application → disbursement over HTTP, and the permission matrix (anonymous, wrong role,
wrong organisation, right role), each denial changing nothing (issue #17)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from landbridge import registry
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.ledger import current_size
from landbridge.lending.models import Loan
from landbridge.main import create_app
from tests.lending.conftest import World
from tests.registry.conftest import ACTOR

USERS = {"farmer": Role.member, "neighbour": Role.member, "bank1": Role.bank_officer, "bank2": Role.bank_officer,
         "guarantor": Role.guarantor_officer, "fund": Role.fund_manager, "insurer": Role.insurer_officer,
         "supervisor": Role.supervisor, "registrar": Role.registrar}


@dataclass
class Api:
    client: TestClient
    world: World
    bank2_org: int


@pytest.fixture
def api(db: Database, world: World) -> Iterator[Api]:
    with db.transaction() as s:
        orgs = {"bank2": create_organisation(s, name="邮储银行", kind=OrgKind.bank, region_code="360600000000").id,
                "people": create_organisation(s, name="村民", kind=OrgKind.individual, region_code="360600000000").id,
                "guarantor": create_organisation(s, name="融资担保", kind=OrgKind.guarantor,
                                                 region_code="360600000000").id,
                "fund": create_organisation(s, name="风险补偿基金", kind=OrgKind.fund, region_code="360600000000").id,
                "insurer": create_organisation(s, name="人保", kind=OrgKind.insurer, region_code="360600000000").id,
                "supervisor": create_organisation(s, name="金融监管", kind=OrgKind.supervisor,
                                                  region_code="360600000000").id,
                "registrar": create_organisation(s, name="登记中心", kind=OrgKind.registration_centre,
                                                 region_code="360600000000").id}
        org_of = {"farmer": orgs["people"], "neighbour": orgs["people"], "bank1": world.bank_org,
                  "bank2": orgs["bank2"], "guarantor": orgs["guarantor"], "fund": orgs["fund"],
                  "insurer": orgs["insurer"], "supervisor": orgs["supervisor"], "registrar": orgs["registrar"]}
        party = {"farmer": world.borrower, "neighbour": world.other}
        for name, role in USERS.items():
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org_of[name],
                        party_id=party.get(name), is_demo=True)
    with TestClient(create_app()) as c:
        yield Api(c, world, orgs["bank2"])


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def state(db: Database) -> tuple[int, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), s.scalar(select(func.count()).select_from(Loan)) or 0,
                *(s.scalar(select(Loan.version).where(Loan.id == 1)) or 0,))


def body(api: Api) -> dict[str, object]:
    return {"right_id": api.world.right, "product_code": "two_rights", "principal_cny": "300000",
            "annual_rate": "0.0435", "months": 24, "method": "equal_principal", "start": "2026-03-15",
            "bank_organisation_id": api.world.bank_org}


def test_public_products_and_schedule(api: Api) -> None:
    r = api.client.get("/api/v1/lending/products")
    assert r.status_code == 200 and {p["code"] for p in r.json()} == {"two_rights", "share_pledge"}
    r = api.client.get("/api/v1/lending/schedule", params={"principal": "100000", "annual_rate": "0.0435",
                                                           "months": 36, "method": "annuity", "start": "2027-01-31"})
    assert r.status_code == 200 and r.json()["instalments"][0]["due_date"] == "2027-02-28"
    r = api.client.get("/api/v1/lending/schedule", params={"principal": "x", "annual_rate": "0.0435",
                                                           "months": 36, "start": "2027-01-31"})
    assert r.status_code == 422 and r.json()["code"] == "lending.invalid_amount"


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("bank1", 403), ("supervisor", 403)])
def test_apply_denied(api: Api, db: Database, user: str | None, status: int) -> None:
    before = state(db)
    r = api.client.post("/api/v1/lending/loans", json=body(api), headers=auth(api.client, user))
    assert r.status_code == status
    assert state(db) == before


def test_journey_and_matrix(api: Api, db: Database) -> None:
    c = api.client
    r = c.post("/api/v1/lending/loans", json=body(api), headers=auth(c, "farmer"))
    assert r.status_code == 201, r.text
    loan_id = r.json()["id"]
    # who may read it
    for user, code in ((None, 401), ("neighbour", 403), ("bank2", 403), ("registrar", 403), ("farmer", 200),
                       ("bank1", 200), ("supervisor", 200), ("guarantor", 403), ("fund", 403), ("insurer", 403)):
        assert c.get(f"/api/v1/lending/loans/{loan_id}", headers=auth(c, user)).status_code == code, user
    # who may decide it: nothing changes on denial
    decision = {"approve": True, "mortgagee_party_id": api.world.bank_party}
    for user, code in ((None, 401), ("farmer", 403), ("bank2", 403), ("fund", 403)):
        before = state(db)
        assert c.post(f"/api/v1/lending/loans/{loan_id}/decision", json=decision,
                      headers=auth(c, user)).status_code == code
        assert state(db) == before
    bank = auth(c, "bank1")
    r = c.post(f"/api/v1/lending/loans/{loan_id}/decision", json=decision, headers=bank)
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    # the risk share is now bound: the guarantor and the fund see the loan, the insurer (not bound) does not
    for user, code in (("guarantor", 200), ("fund", 200), ("insurer", 403)):
        assert c.get(f"/api/v1/lending/loans/{loan_id}", headers=auth(c, user)).status_code == code, user
    r = c.post(f"/api/v1/lending/loans/{loan_id}/lien", headers=bank)
    assert r.status_code == 200 and r.json()["status"] == "lien_lodged"
    before = state(db)
    r = c.post(f"/api/v1/lending/loans/{loan_id}/disburse", headers=bank)
    assert r.status_code == 409 and r.json()["code"] == "lending.lien_not_registered"
    assert state(db) == before
    with db.transaction() as s:
        registry.approve_application(s, application_id=r.json().get("application_id") or
                                     s.scalar(select(Loan.lien_application_id).where(Loan.id == loan_id)),
                                     actor=ACTOR)
    assert c.post(f"/api/v1/lending/loans/{loan_id}/lien/confirm", headers=bank).json()["status"] == "lien_registered"
    r = c.post(f"/api/v1/lending/loans/{loan_id}/disburse", headers=bank)
    assert r.status_code == 200 and r.json()["outstanding_cny"] == "300000.00"
    r = c.post(f"/api/v1/lending/loans/{loan_id}/repayments", json={"amount_cny": "13587.50", "paid_on": "2026-04-15"},
               headers=bank)
    assert r.status_code == 201 and r.json()["to_principal_cny"] == "12500.00", r.text
    assert c.get("/api/v1/lending/loans", headers=auth(c, "neighbour")).json()["total"] == 0
    assert c.get("/api/v1/lending/loans", headers=auth(c, "farmer")).json()["total"] == 1
    r = c.get("/api/v1/lending/portfolio", headers=auth(c, "supervisor"))
    assert r.status_code == 200 and r.json()["district"][0]["outstanding_cny"] == "287500.00"
    assert c.get("/api/v1/lending/portfolio", headers=auth(c, "bank1")).status_code == 403
    assert c.get("/api/v1/lending/fund", headers=auth(c, "fund")).status_code == 200
    assert c.get("/api/v1/lending/fund", headers=auth(c, "farmer")).status_code == 403


def test_list_paginates_in_the_database_with_the_total(api: Api, db: Database) -> None:
    """Three applications, two approved (their risk share binds the fund): each reader's list counts and pages in
    SQL, the sharer's visibility included."""
    c = api.client
    ids = []
    for _ in range(3):
        r = c.post("/api/v1/lending/loans", json=body(api), headers=auth(c, "farmer"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    decision = {"approve": True, "mortgagee_party_id": api.world.bank_party}
    for loan_id in ids[1:]:
        assert c.post(f"/api/v1/lending/loans/{loan_id}/decision", json=decision,
                      headers=auth(c, "bank1")).status_code == 200
    headers = {user: auth(c, user) for user in ("fund", "guarantor", "insurer", "supervisor", "farmer", "bank2")}
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM lending_loan" in statement:
            statements.append(statement.upper())

    event.listen(Engine, "before_cursor_execute", count)  # every engine: the app's may not be the fixture's
    try:
        page = c.get("/api/v1/lending/loans", params={"limit": 1, "offset": 1}, headers=headers["fund"]).json()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert page["total"] == 2 and [x["id"] for x in page["items"]] == [ids[2]]
    assert any("COUNT(" in x for x in statements) and any("LIMIT" in x and "OFFSET" in x for x in statements)
    lists = {user: c.get("/api/v1/lending/loans", params={"limit": 2, "offset": 1}, headers=h).json()
             for user, h in headers.items()}
    assert {u: (x["total"], [i["id"] for i in x["items"]]) for u, x in lists.items()} == {
        "fund": (2, [ids[2]]), "guarantor": (2, [ids[2]]), "insurer": (0, []), "supervisor": (3, ids[1:]),
        "farmer": (3, ids[1:]), "bank2": (0, [])}
    r = c.get("/api/v1/lending/loans", params={"status": "approved"}, headers=headers["farmer"])
    assert r.json()["total"] == 2 and [x["id"] for x in r.json()["items"]] == ids[1:]

"""Credit API: my file and objection, the bank's view only with an authorisation on record (read recorded),
public designations, and the permission matrix per role (issue #18)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge import credit, registry
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.ledger import current_size
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.privacy.models import PersonalRead
from tests.credit.conftest import World
from tests.registry.conftest import ACTOR, VILLAGE, resident_id

USERS = {"farmer": Role.member, "neighbour": Role.member, "bank1": Role.bank_officer, "bank2": Role.bank_officer,
         "supervisor": Role.supervisor, "registrar": Role.registrar}


@dataclass
class Api:
    client: TestClient
    world: World


@pytest.fixture
def api(db: Database, world: World) -> Iterator[Api]:
    with db.transaction() as s:
        region = "360600000000"
        orgs = {"bank2": create_organisation(s, name="邮储银行", kind=OrgKind.bank, region_code=region).id,
                "people": create_organisation(s, name="村民", kind=OrgKind.individual, region_code=region).id,
                "supervisor": create_organisation(s, name="金融监管", kind=OrgKind.supervisor, region_code=region).id,
                "registrar": create_organisation(s, name="登记中心", kind=OrgKind.registration_centre,
                                                 region_code=region).id}
        org_of = {"farmer": orgs["people"], "neighbour": orgs["people"], "bank1": world.bank_org,
                  "bank2": orgs["bank2"], "supervisor": orgs["supervisor"], "registrar": orgs["registrar"]}
        party = {"farmer": world.borrower, "neighbour": world.other}
        for name, role in USERS.items():
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org_of[name],
                        party_id=party.get(name), is_demo=True)
        credit.grade_parties(s, [world.borrower, world.other], actor=ACTOR)
    with TestClient(create_app()) as c:
        yield Api(c, world)


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def ledger_size(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return current_size(s)


def test_my_file_with_reasons_and_an_objection_upheld(api: Api, db: Database) -> None:
    farmer = auth(api.client, "farmer")
    r = api.client.get("/api/v1/credit/me", headers=farmer)
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["grade"]["grade"] == "AAA" and mine["grade"]["points"] == "81.00"
    assert {line["indicator"]: line["points"] for line in mine["grade"]["lines"]}["assets"] == "15.00"
    assert mine["grade"]["raises"][0] == {"indicator": "repayment", "action": "repay_overdue", "gain": "14.00",
                                          "grade": "AAA"}
    record = mine["records"][0]
    assert (record["kind"], record["value"], record["source"]) == ("rights_held", 2, "registry")
    r = api.client.post("/api/v1/credit/me/objections", headers=farmer,
                        json={"record_id": record["id"], "reason": "还有一项林权未计入", "claimed_value": 3})
    assert r.status_code == 201, r.text
    objection = r.json()
    assert date.fromisoformat(objection["due_on"]) - date.fromisoformat(objection["filed_on"]) == timedelta(days=20)
    # the neighbour may not object to the farmer's record; a bank may not decide
    r = api.client.post("/api/v1/credit/me/objections", headers=auth(api.client, "neighbour"),
                        json={"record_id": record["id"], "reason": "x"})
    assert r.status_code == 403 and r.json()["code"] == "credit.not_your_record"
    decision = {"uphold": True, "note": "登记簿核实：三项权利"}
    before = ledger_size(db)
    r = api.client.post(f"/api/v1/credit/objections/{objection['id']}/decision", headers=auth(api.client, "bank1"),
                        json=decision)
    assert r.status_code == 403 and ledger_size(db) == before
    r = api.client.post(f"/api/v1/credit/objections/{objection['id']}/decision",
                        headers=auth(api.client, "supervisor"), json=decision)
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    again = api.client.get("/api/v1/credit/me", headers=farmer).json()
    assert again["grade"]["points"] == "86.00"  # three rights: assets 20 (+5)
    assert again["records"][0]["corrected"] is True


def test_the_bank_reads_only_with_the_households_authorisation_and_the_read_is_recorded(api: Api,
                                                                                       db: Database) -> None:
    path = f"/api/v1/credit/parties/{api.world.borrower}"
    bank1 = auth(api.client, "bank1")
    r = api.client.get(path, headers=bank1)
    assert r.status_code == 403 and r.json()["code"] == "credit.not_authorised"
    r = api.client.post("/api/v1/credit/me/authorisations", headers=auth(api.client, "farmer"),
                        json={"organisation_id": api.world.bank_org, "purpose": "贷款审查",
                              "valid_until": "2027-12-31"})
    assert r.status_code == 201, r.text
    r = api.client.get(path, headers=bank1)
    assert r.status_code == 200 and r.json()["grade"]["grade"] == "AAA"
    assert api.client.get(path, headers=auth(api.client, "bank2")).status_code == 403  # another bank
    with db.transaction(readonly=True) as s:
        reads = s.scalars(select(PersonalRead).where(PersonalRead.party_id == api.world.borrower)).all()
        assert [(x.record, x.purpose) for x in reads] == [(f"credit_file:{api.world.borrower}", "credit_assessment")]


def test_a_revoked_authorisation_lets_the_bank_read_no_more(api: Api, db: Database) -> None:
    path = f"/api/v1/credit/parties/{api.world.borrower}"
    farmer, bank1 = auth(api.client, "farmer"), auth(api.client, "bank1")
    r = api.client.post("/api/v1/credit/me/authorisations", headers=farmer,
                        json={"organisation_id": api.world.bank_org, "purpose": "贷款审查",
                              "valid_until": "2027-12-31"})
    granted = r.json()["id"]
    assert api.client.get(path, headers=bank1).status_code == 200
    # only the household itself withdraws it: another member's attempt finds no such authorisation
    other = api.client.post(f"/api/v1/credit/me/authorisations/{granted}/revocation",
                            headers=auth(api.client, "neighbour"))
    assert other.status_code == 404 and other.json()["code"] == "credit.authorisation_not_found"
    assert api.client.get(path, headers=bank1).status_code == 200
    r = api.client.post(f"/api/v1/credit/me/authorisations/{granted}/revocation", headers=farmer)
    assert r.status_code == 200 and r.json()["revoked_at"]
    refused = api.client.get(path, headers=bank1)
    assert refused.status_code == 403 and refused.json()["code"] == "credit.not_authorised"
    again = api.client.post(f"/api/v1/credit/me/authorisations/{granted}/revocation", headers=farmer)
    assert again.status_code == 409 and again.json()["code"] == "credit.invalid_transition"
    # each message in its own language: the Chinese one carried the English action code before
    assert again.json()["message"] == "状态为 revoked 的授权不能撤回"
    assert again.json()["message_en"] == "a revoked authorisation cannot be revoked"
    assert api.client.post("/api/v1/credit/me/authorisations/0/revocation", headers=farmer).status_code == 422
    with db.transaction(readonly=True) as s:
        revoked = s.scalars(select(LedgerEvent).where(LedgerEvent.event_type == "credit.authorisation_revoked")).all()
        assert len(revoked) == 1 and "party_id" not in revoked[0].envelope  # the public envelope names no party


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("get", "/api/v1/credit/me", {"farmer", "neighbour"}),
    ("post", "/api/v1/credit/grading", {"supervisor"}),
    ("post", "/api/v1/credit/listings", {"supervisor"}),
    ("get", "/api/v1/credit/parties/1", set()),  # no authorisation on record: every bank is refused too
])
def test_permission_matrix(api: Api, db: Database, method: str, path: str, allowed: set[str]) -> None:
    body = {"party_id": api.world.other, "court": "余江区人民法院", "case_no": "(2026)执2号", "listed_on": "2026-03-01"}
    for user in (None, *USERS):
        before = ledger_size(db)
        r = getattr(api.client, method)(path, headers=auth(api.client, user),
                                        **({"json": body} if method == "post" else {}))
        if user is None:
            assert r.status_code == 401
        elif user in allowed:
            assert r.status_code in (200, 201), (user, r.text)
        else:
            assert r.status_code == 403, (user, r.status_code)
            assert ledger_size(db) == before


def test_designations_are_public(api: Api, db: Database) -> None:
    with db.transaction() as s:
        party = registry.create_party(s, kind="person", name="村民丙", id_number=resident_id(77), region_code=VILLAGE,
                                      actor=ACTOR).id
        credit.grade_party(s, party, actor=ACTOR)
        credit.designate(s, year=2026, actor=ACTOR)
    r = api.client.get("/api/v1/credit/designations", params={"year": 2026})
    assert r.status_code == 200
    assert [(d["level"], d["region_code"], d["status"]) for d in r.json()] == [
        ("township", VILLAGE[:9], "designated"), ("village", VILLAGE, "designated")]
    assert api.client.get("/api/v1/credit/designations", params={"year": 2025}).json() == []
    assert api.client.post("/api/v1/credit/designations", json={"year": 2026}).status_code == 401

"""Party scope, masked names, audited reads and "who read my record" (issue #12 item 4), through the HTTP API
and pages, as a matrix of roles and organisations."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import link_user_party
from landbridge.db import Database
from landbridge.privacy.models import PersonalRead
from landbridge.registry import create_party, get_unit
from landbridge.registry.models import Party
from tests.registry import test_api
from tests.registry.conftest import ACTOR, register, resident_id, square

client = test_api.client  # the app with the demo accounts (one per role)
auth = test_api.auth

CLERK_VILLAGE = "360603101001"  # the demo clerk's collective (锦江村), 锦江镇
TOWNSHIP_VILLAGE = "360603101002"  # 锦江镇, another village
OTHER_COUNTY_VILLAGE = "360681100001"  # 贵溪市
USERS = ("registrar", "supervisor", "admin", "clerk", "township", "nr", "bank", "exchange", "member", "bidder")


@dataclass
class World:
    own: int  # a villager of the clerk's village, linked to the demo member account
    township: int  # a villager of another village of the same township
    far: int  # a villager of another county
    holder: int  # no registered region, holds a right in the clerk's village
    parcel: int


@pytest.fixture
def world(client: TestClient, db: Database) -> World:
    with db.transaction() as s:
        own = create_party(s, kind="person", name="周建国", id_number=resident_id(41), phone="13812345678",
                           region_code=CLERK_VILLAGE, actor=ACTOR).id
        township = create_party(s, kind="person", name="钱多多", id_number=resident_id(42),
                                region_code=TOWNSHIP_VILLAGE, actor=ACTOR).id
        far = create_party(s, kind="person", name="孙远方", id_number=resident_id(43),
                           region_code=OTHER_COUNTY_VILLAGE, actor=ACTOR).id
        holder = create_party(s, kind="person", name="李持有", id_number=resident_id(44), actor=ACTOR).id
        unit = register(s, square(0), [(holder, "1")], region=CLERK_VILLAGE)
        link_user_party(s, username="member", party_id=own)
        parcel = get_unit(s, unit).parcel_id
    return World(own, township, far, holder, parcel)


ROLE_OF = {"registrar": "registrar", "supervisor": "supervisor", "admin": "admin", "clerk": "collective_clerk",
           "township": "township_official", "member": "member"}


def reads(db: Database) -> list[PersonalRead]:
    with db.session() as s:
        return list(s.scalars(select(PersonalRead).order_by(PersonalRead.id)))


# who may read which party whole: (user, party attribute) -> HTTP status
SCOPE = {
    "registrar": {"own": 200, "township": 200, "far": 200, "holder": 200},
    "supervisor": {"own": 200, "township": 200, "far": 200, "holder": 200},
    "admin": {"own": 200, "township": 200, "far": 200, "holder": 200},
    "clerk": {"own": 200, "township": 404, "far": 404, "holder": 200},
    "township": {"own": 200, "township": 200, "far": 404, "holder": 200},
    "member": {"own": 200, "township": 403, "far": 403, "holder": 403},
    "bidder": {"own": 403, "township": 403, "far": 403, "holder": 403},
    "nr": {"own": 403, "township": 403, "far": 403, "holder": 403},
    "bank": {"own": 403, "township": 403, "far": 403, "holder": 403},
    None: {"own": 401, "township": 401, "far": 401, "holder": 401},
}


@pytest.mark.parametrize("user", list(SCOPE))
def test_party_read_scope_matrix(client: TestClient, db: Database, world: World, user: str | None) -> None:
    headers = auth(client, user)
    for attr, status in SCOPE[user].items():
        before = len(reads(db))
        pid = getattr(world, attr)
        r = client.get(f"/api/v1/parties/{pid}", headers=headers)
        assert r.status_code == status, (user, attr, r.text)
        after = reads(db)
        if status == 200:
            body = r.json()
            assert body["name"] in ("周建国", "钱多多", "孙远方", "李持有")  # whole to those in scope
            assert len(after) == before + 1
            assert (after[-1].party_id, after[-1].purpose, after[-1].reader_role, after[-1].record) == \
                (pid, "registry.party_read", ROLE_OF[user], f"party:{pid}")
        else:
            assert len(after) == before  # a refused read leaves no trace and shows nothing
        if status == 404:  # out of scope reads exactly as an id that does not exist: no existence oracle
            missing = client.get("/api/v1/parties/99999", headers=headers)
            assert missing.status_code == 404 and r.json()["code"] == missing.json()["code"]
            assert set(r.json()) == set(missing.json())


def test_ids_and_phones_whole_only_to_registrar_admin_and_self(client: TestClient, world: World) -> None:
    for user, whole in (("registrar", True), ("admin", True), ("member", True), ("supervisor", False),
                        ("clerk", False), ("township", False)):
        body = client.get(f"/api/v1/parties/{world.own}", headers=auth(client, user)).json()
        assert (body["id_number"] == resident_id(41)) is whole, user
        assert (body["phone"] == "13812345678") is whole, user
        if not whole:
            assert body["phone"] == "138****5678" and body["address"] is None


def test_duplicate_id_409_reveals_no_party(client: TestClient, world: World, db: Database) -> None:
    r = client.post("/api/v1/parties", json={"kind": "person", "name": "冒名者", "id_number": resident_id(43)},
                    headers=auth(client, "clerk"))
    assert r.status_code == 409 and r.json()["code"] == "registry.party_exists"
    assert str(world.far) not in r.text.replace("409", "") and "孙远方" not in r.text and "孙*方" not in r.text
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Party)) == 4


def test_party_created_by_clerk_is_in_its_area(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/parties", json={"kind": "person", "name": "新村民", "id_number": resident_id(45)},
                    headers=auth(client, "clerk"))
    assert r.status_code == 201 and r.json()["region_code"] == CLERK_VILLAGE
    assert client.get(f"/api/v1/parties/{r.json()['id']}", headers=auth(client, "clerk")).status_code == 200


# names of holders on the parcel (API and page): whole in scope, masked otherwise
NAMES = {None: False, "nr": False, "bank": False, "bidder": False, "member": False, "clerk": True,
         "township": True, "registrar": True, "supervisor": True, "admin": True}


@pytest.mark.parametrize("user", list(NAMES))
def test_holder_names_masked_by_role(client: TestClient, db: Database, world: World, user: str | None) -> None:
    headers = auth(client, user)
    before = len(reads(db))
    detail = client.get(f"/api/v1/parcels/{world.parcel}", headers=headers)
    assert detail.status_code == 200
    names = {h["name"] for u in detail.json()["units"] for r in u["rights"] for h in r["holders"]}
    page = client.get(f"/parcels/{world.parcel}", headers=headers)
    assert page.status_code == 200
    if NAMES[user]:
        assert names == {"李持有"} and "李持有" in page.text
        new = reads(db)[before:]
        assert {(r.party_id, r.purpose) for r in new} == {(world.holder, "registry.parcel_detail"),
                                                          (world.holder, "registry.parcel_page")}
    else:
        assert names == {"李*有"} and "李持有" not in page.text and "李*有" in page.text
        assert len(reads(db)) == before


def test_supervisor_lists_reads_filtered_and_paged(client: TestClient, db: Database, world: World) -> None:
    for user in ("registrar", "clerk", "registrar"):
        assert client.get(f"/api/v1/parties/{world.own}", headers=auth(client, user)).status_code == 200
    client.get(f"/api/v1/parties/{world.far}", headers=auth(client, "registrar"))
    sup = auth(client, "supervisor")
    r = client.get(f"/api/v1/privacy/reads?party_id={world.own}", headers=sup)
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["reader_role"] for i in items] == ["registrar", "collective_clerk", "registrar"]
    assert all(i["record"] == f"party:{world.own}" and i["purpose"] == "registry.party_read" for i in items)
    first = client.get(f"/api/v1/privacy/reads?party_id={world.own}&limit=2", headers=sup).json()
    assert len(first["items"]) == 2 and first["next_before_id"] is not None
    rest = client.get(f"/api/v1/privacy/reads?party_id={world.own}&limit=2&before_id={first['next_before_id']}",
                      headers=sup).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in items]
    by_role = client.get("/api/v1/privacy/reads?reader_role=collective_clerk", headers=sup).json()["items"]
    assert [i["party_id"] for i in by_role] == [world.own]
    page = client.get(f"/privacy/reads?party_id={world.own}", headers=sup)
    assert page.status_code == 200 and page.text.count(f"party:{world.own}") == 3
    assert "锦江村股份经济合作社" in page.text and "集体经济组织经办人" in page.text  # organisation and role by name
    for user, status in ((None, 401), ("clerk", 403), ("registrar", 403), ("member", 403)):
        assert client.get("/api/v1/privacy/reads", headers=auth(client, user)).status_code == status
    assert client.get("/privacy/reads", headers=auth(client, "clerk")).status_code == 403
    assert client.get("/api/v1/privacy/reads?party_id=99999999999999999999", headers=sup).status_code == 422


def test_person_sees_who_read_their_record(client: TestClient, db: Database, world: World) -> None:
    client.get(f"/api/v1/parties/{world.own}", headers=auth(client, "registrar"))
    client.get(f"/api/v1/parties/{world.own}", headers=auth(client, "clerk"))
    client.get(f"/api/v1/parties/{world.far}", headers=auth(client, "registrar"))  # someone else's record
    member = auth(client, "member")
    mine = client.get("/api/v1/me/record-reads", headers=member)
    assert mine.status_code == 200
    items = mine.json()["items"]
    assert [(i["reader_role"], i["reader_organisation"]) for i in items] == [
        ("collective_clerk", "锦江村股份经济合作社"), ("registrar", "鹰潭市不动产登记中心")]
    assert "registrar" not in {k for i in items for k in i}  # no username field
    page = client.get("/me/record-reads", headers=member)
    assert page.status_code == 200 and "鹰潭市不动产登记中心" in page.text and "谁查阅了我的信息" in page.text
    assert "user:" not in page.text
    english = client.get("/me/record-reads?lang=en", headers=member)
    assert "Who read my record" in english.text
    unlinked = client.get("/api/v1/me/record-reads", headers=auth(client, "bidder"))
    assert unlinked.status_code == 200 and unlinked.json()["items"] == []
    assert client.get("/api/v1/me/record-reads").status_code == 401
    assert client.get("/me/record-reads", follow_redirects=False).status_code == 303


def test_lookup_by_id_number_is_scoped_and_recorded(client: TestClient, db: Database, world: World) -> None:
    def lookup(user: str | None, n: int) -> tuple[int, dict[str, object]]:
        r = client.post("/api/v1/parties/lookup", json={"id_number": resident_id(n)}, headers=auth(client, user))
        return r.status_code, r.json()

    status, body = lookup("clerk", 41)
    assert status == 200 and body["id"] == world.own and body["name"] == "周建国"
    assert reads(db)[-1].purpose == "registry.party_lookup" and reads(db)[-1].party_id == world.own
    out_of_scope, unknown = lookup("clerk", 43), lookup("clerk", 99)
    assert out_of_scope[0] == unknown[0] == 404 and out_of_scope[1] == unknown[1]  # no existence oracle
    assert lookup("registrar", 43)[1]["id"] == world.far
    assert lookup("bidder", 41)[0] == 403 and lookup(None, 41)[0] == 401
    assert len(reads(db)) == 2

"""Registry JSON API: the permission matrix (nothing changes on denial), GeoJSON, error codes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping
from sqlalchemy import func, select

from landbridge.auth import create_demo_accounts
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.registry.models import Application, Party, Restriction
from tests.registry.conftest import People, register, resident_id, square

CLERK_VILLAGE = "360603101001"  # the demo clerk's collective (锦江村)
TOWNSHIP_VILLAGE = "360603101002"  # same township (锦江镇), another village
OTHER_COUNTY_VILLAGE = "360681100001"


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.transaction() as s:
        create_demo_accounts(s)
    with TestClient(create_app()) as c:
        yield c


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def counts(db: Database) -> tuple[int, int, int, int]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), s.scalar(select(func.count()).select_from(Application)) or 0,
                s.scalar(select(func.count()).select_from(Party)) or 0,
                s.scalar(select(func.count()).select_from(Restriction)) or 0)


def feature(people: People, region: str, col: int = 0, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(square(col, row=5)),
            "properties": {"region_code": region, "land_use_class": "0101", "right_type": "land_contract_right",
                           "holders": [{"party_id": people.a, "share": "1/2"}, {"party_id": people.b, "share": "1/2"}],
                           **props}}


@pytest.mark.parametrize(("user", "region", "status"), [
    (None, TOWNSHIP_VILLAGE, 401),
    ("member", TOWNSHIP_VILLAGE, 403),
    ("bank", TOWNSHIP_VILLAGE, 403),
    ("supervisor", TOWNSHIP_VILLAGE, 403),
    ("admin", TOWNSHIP_VILLAGE, 403),
    ("clerk", TOWNSHIP_VILLAGE, 403),        # right role, another village
    ("township", OTHER_COUNTY_VILLAGE, 403),  # right role, another county
    ("clerk", CLERK_VILLAGE, 201),
    ("township", TOWNSHIP_VILLAGE, 201),
    ("registrar", OTHER_COUNTY_VILLAGE, 201),
])
def test_lodge_parcel_permissions(client: TestClient, db: Database, people: People, user: str | None, region: str,
                                  status: int) -> None:
    before = counts(db)
    r = client.post("/api/v1/parcels", json=feature(people, region), headers=auth(client, user))
    assert r.status_code == status, r.text
    after = counts(db)
    if status >= 400:
        assert after == before
        assert r.json()["code"].startswith("auth.")
    else:
        body = r.json()
        assert body["status"] == "lodged" and body["kind"] == "first"
        assert body["payload"]["unit_code"].startswith(region + "JD")
        assert after[1] == before[1] + 1 and after[0] > before[0]


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("township", 403), ("clerk", 403), ("supervisor", 403),
                                               ("registrar", 200)])
def test_approve_permissions(client: TestClient, db: Database, people: People, user: str | None, status: int) -> None:
    lodged = client.post("/api/v1/parcels", json=feature(people, TOWNSHIP_VILLAGE), headers=auth(client, "township"))
    app_id = lodged.json()["id"]
    before = counts(db)
    r = client.post(f"/api/v1/applications/{app_id}/approve", headers=auth(client, user))
    assert r.status_code == status, r.text
    if status == 200:
        body = r.json()
        assert body["status"] == "approved" and len(body["certificates"]) == 1
        again = client.post(f"/api/v1/applications/{app_id}/approve", headers=auth(client, "registrar"))
        assert again.status_code == 409 and again.json()["code"] == "registry.application_not_lodged"
    else:
        assert counts(db) == before


def test_parcels_geojson_public_and_paged(client: TestClient, db: Database, people: People) -> None:
    with db.transaction() as s:
        for col in range(3):
            register(s, square(col), [(people.a, "1")])
    r = client.get("/api/v1/parcels", params={"bbox": "116.8,28.1,117.0,28.3", "limit": 2, "offset": 0})
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["total"] == 3 and len(body["features"]) == 2
    props = body["features"][0]["properties"]
    assert set(props) == {"id", "parcel_code", "unit_codes", "right_types", "land_use_class", "area_m2",
                          "region_code"}
    assert isinstance(props["area_m2"], str)
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert client.get("/api/v1/parcels", params={"bbox": "0,0,1,1"}).json()["total"] == 0
    assert client.get("/api/v1/parcels", params={"bbox": "a,b"}).status_code == 422
    detail = client.get(f"/api/v1/parcels/{props['id']}").json()
    holder = detail["units"][0]["rights"][0]["holders"][0]
    assert holder["name"] == "村*1"  # masked (张*明 shape, issue #12) for the public
    official = client.get(f"/api/v1/parcels/{props['id']}", headers=auth(client, "registrar")).json()
    assert official["units"][0]["rights"][0]["holders"][0]["name"] == "村民1"


def test_error_codes(client: TestClient, db: Database, people: People) -> None:
    h = auth(client, "registrar")
    bad_id = resident_id(20)[:-1] + ("0" if resident_id(20)[-1] != "0" else "1")
    r = client.post("/api/v1/parties", json={"kind": "person", "name": "王五", "id_number": bad_id}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "registry.invalid_id_number"
    bowtie = {"type": "Polygon", "coordinates": [[[116.90, 28.20], [116.901, 28.201], [116.901, 28.20],
                                                  [116.90, 28.201], [116.90, 28.20]]]}
    f = feature(people, TOWNSHIP_VILLAGE)
    r = client.post("/api/v1/parcels", json={**f, "geometry": bowtie}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "registry.invalid_geometry"
    r = client.post("/api/v1/parcels", json={**f, "geometry": {"type": "Polygon", "coordinates": "x"}}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "registry.invalid_geometry"
    for odd in ({"type": "Nope", "coordinates": []}, {"type": "GeometryCollection"}, {}):  # never a 500
        r = client.post("/api/v1/parcels", json={**f, "geometry": odd}, headers=h)
        assert r.status_code == 422, (odd, r.status_code)
    r = client.post("/api/v1/parcels", json=feature(people, TOWNSHIP_VILLAGE, holders=[
        {"party_id": people.a, "share": "1/2"}, {"party_id": people.b, "share": "1/3"}]), headers=h)
    assert r.status_code == 422 and r.json()["code"] == "registry.shares_not_one"
    first = client.post("/api/v1/parcels", json=f, headers=h)
    assert first.status_code == 201
    r = client.post("/api/v1/parcels", json=f, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "registry.parcel_overlap"
    assert r.json()["details"]["parcel_codes"] == [first.json()["payload"]["parcel_code"]]


def test_transfer_blocked_names_restriction(client: TestClient, db: Database, people: People) -> None:
    h = auth(client, "registrar")
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
    r = client.post("/api/v1/registrations/seizure", json={"unit_id": unit_id, "document_no": "(2026)赣0603执9号"},
                    headers=h)
    assert r.status_code == 201
    restriction_id = r.json()["payload"]["restriction_ids"][0]
    assert client.post(f"/api/v1/applications/{r.json()['id']}/approve", headers=h).status_code == 200
    before = counts(db)
    r = client.post("/api/v1/registrations/transfer", json={"unit_id": unit_id, "reason": "买卖",
                                                            "holders": [{"party_id": people.b, "share": "1"}]},
                    headers=auth(client, "township"))
    assert r.status_code == 409
    assert r.json()["code"] == "registry.transfer_blocked"
    assert r.json()["details"]["restriction_id"] == restriction_id
    assert r.json()["details"]["restriction_kind"] == "seizure"
    assert counts(db) == before
    # a township official may not record a seizure
    r = client.post("/api/v1/registrations/seizure", json={"unit_id": unit_id, "document_no": "x"},
                    headers=auth(client, "township"))
    assert r.status_code == 403


def test_mortgage_flow_and_certificate_verification(client: TestClient, db: Database, people: People) -> None:
    h = auth(client, "registrar")
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
    r = client.post("/api/v1/registrations/mortgage", json={"unit_id": unit_id, "mortgagee_party_id": people.bank,
                                                            "secured_amount": "200000.00"},
                    headers=auth(client, "township"))
    assert r.status_code == 201, r.text
    approved = client.post(f"/api/v1/applications/{r.json()['id']}/approve", headers=h).json()
    (cert,) = approved["certificates"]
    assert cert["kind"] == "encumbrance"
    v = client.get(f"/api/v1/certificates/verify/{cert['verify_token']}")
    assert v.status_code == 200
    body = v.json()
    assert body["status"] == "valid" and body["restriction_kind"] == "mortgage"
    assert body["inclusion_proof"] == f"/api/v1/ledger/proofs/inclusion/{cert['ledger_seq']}"
    assert body["holders"] == ["鹰****行"]  # the 张*明 mask shape (issue #12)
    assert client.get(body["inclusion_proof"]).status_code == 200
    assert client.get("/api/v1/certificates/verify/nope").status_code == 404
    full = client.get(f"/api/v1/certificates/{cert['id']}", headers=auth(client, "supervisor"))
    assert full.status_code == 200 and full.json()["unit_code"].endswith("W00000000")
    assert client.get(f"/api/v1/certificates/{cert['id']}").status_code == 401
    assert client.get(f"/api/v1/certificates/{cert['id']}", headers=auth(client, "bank")).status_code == 403


def test_party_id_masked_unless_registrar(client: TestClient, db: Database, people: People) -> None:
    r = client.post("/api/v1/parties", json={"kind": "person", "name": "赵六", "id_number": resident_id(30),
                                             "phone": "13800138000"}, headers=auth(client, "clerk"))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert "*" in r.json()["id_number"]
    assert client.get(f"/api/v1/parties/{pid}", headers=auth(client, "registrar")).json()["id_number"] == \
        resident_id(30)
    masked = client.get(f"/api/v1/parties/{pid}", headers=auth(client, "supervisor")).json()
    assert masked["id_number"] != resident_id(30) and masked["phone"] == "138****8000"
    assert client.get(f"/api/v1/parties/{pid}").status_code == 401
    assert client.get(f"/api/v1/parties/{pid}", headers=auth(client, "bidder")).status_code == 403
    dup = client.post("/api/v1/parties", json={"kind": "person", "name": "赵六", "id_number": resident_id(30)},
                      headers=auth(client, "clerk"))
    assert dup.status_code == 409 and dup.json()["code"] == "registry.party_exists"


def test_applications_list_scoped_to_region(client: TestClient, db: Database, people: People) -> None:
    reg = auth(client, "registrar")
    assert client.post("/api/v1/parcels", json=feature(people, TOWNSHIP_VILLAGE), headers=reg).status_code == 201
    assert client.post("/api/v1/parcels", json=feature(people, OTHER_COUNTY_VILLAGE, col=3),
                       headers=reg).status_code == 201
    assert client.get("/api/v1/applications", headers=reg).json()["total"] == 2
    town = client.get("/api/v1/applications", params={"status": "lodged"}, headers=auth(client, "township")).json()
    assert town["total"] == 1 and town["items"][0]["region_code"] == TOWNSHIP_VILLAGE
    other = client.get("/api/v1/applications", headers=reg).json()["items"]
    far = next(a for a in other if a["region_code"] == OTHER_COUNTY_VILLAGE)
    assert client.get(f"/api/v1/applications/{far['id']}", headers=auth(client, "township")).status_code == 403
    assert client.get("/api/v1/applications", headers=auth(client, "member")).status_code == 403
    r = client.post(f"/api/v1/applications/{far['id']}/reject", json={"reason": "材料不全"}, headers=reg)
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_document_upload(client: TestClient, db: Database, people: People) -> None:
    h = auth(client, "township")
    app_id = client.post("/api/v1/parcels", json=feature(people, TOWNSHIP_VILLAGE), headers=h).json()["id"]
    r = client.post(f"/api/v1/applications/{app_id}/documents",
                    files={"file": ("合同.pdf", b"%PDF-1.4", "application/pdf")}, data={"kind": "contract"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == hashlib.sha256(b"%PDF-1.4").hexdigest() and r.json()["size"] == 8
    before = counts(db)
    r = client.post(f"/api/v1/applications/{app_id}/documents", files={"file": ("a.pdf", b"x", "application/pdf")},
                    headers=auth(client, "bank"))
    assert r.status_code == 403 and counts(db) == before
    w = client.post(f"/api/v1/applications/{app_id}/withdraw", headers=h)
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"


def test_parcel_history_as_of_and_objection_suit(client: TestClient, db: Database, people: People,
                                                 clock: Clock) -> None:
    from datetime import timedelta

    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
    registered_at = clock.now()
    clock.advance(timedelta(days=2))
    h = auth(client, "registrar")  # tokens expire: log in after moving the clock
    t = client.post("/api/v1/registrations/transfer", json={"unit_id": unit_id, "reason": "赠与",
                                                            "holders": [{"party_id": people.b, "share": "1"}]},
                    headers=h)
    assert t.status_code == 201, t.text
    assert client.post(f"/api/v1/applications/{t.json()['id']}/approve", headers=h).status_code == 200
    parcel_id = client.get("/api/v1/parcels", params={"bbox": "116.8,28.1,117.0,28.3"}).json()["features"][0]["id"]
    now_view = client.get(f"/api/v1/parcels/{parcel_id}", headers=h).json()
    assert now_view["units"][0]["rights"][0]["holders"][0]["party_id"] == people.b
    then = (registered_at + timedelta(days=1)).isoformat()
    old_view = client.get(f"/api/v1/parcels/{parcel_id}", params={"as_of": then}, headers=h).json()
    assert old_view["units"][0]["rights"][0]["holders"][0]["party_id"] == people.a
    assert [x["status"] for x in old_view["history"] if x["object"] == "right"] == ["historic", "current"]
    o = client.post("/api/v1/registrations/objection", json={"unit_id": unit_id, "objector_party_id": people.a,
                                                             "reason": "赠与无效"}, headers=h)
    assert o.status_code == 201
    assert client.post(f"/api/v1/applications/{o.json()['id']}/approve", headers=h).status_code == 200
    rid = o.json()["payload"]["restriction_ids"][0]
    assert client.post(f"/api/v1/restrictions/{rid}/suit", json={"case_no": "(2026)赣0603民初7号"},
                       headers=auth(client, "township")).status_code == 403
    r = client.post(f"/api/v1/restrictions/{rid}/suit", json={"case_no": "(2026)赣0603民初7号"}, headers=h)
    assert r.status_code == 200 and r.json()["suit_filed_at"] is not None
    again = client.post(f"/api/v1/restrictions/{rid}/suit", json={"case_no": "x"}, headers=h)
    assert again.status_code == 409

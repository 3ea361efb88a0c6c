"""Land quota API: the journey project → works → acceptance (credit) → allocation → consumption over HTTP, the
permission matrix (anonymous 401, wrong role 403), and refusals typed and changing nothing (issue #16)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.auth.models import Organisation
from landbridge.db import Database
from landbridge.land_quota.models import QuotaEntry, ReclamationProject
from landbridge.ledger import current_size
from landbridge.main import create_app
from tests.land_quota.conftest import COUNTY, QuotaWorld, boundary, build_world

USERS = {"bureau": (Role.nr_official, OrgKind.nr_bureau), "clerk": (Role.collective_clerk, OrgKind.collective),
         "farmer": (Role.member, OrgKind.individual), "bank": (Role.bank_officer, OrgKind.bank)}


@pytest.fixture
def w(db: Database) -> QuotaWorld:
    with db.transaction() as s:  # the clerk's organisation keeps the collective (its clerk registers its projects)
        clerk_org = create_organisation(s, name="clerk org", kind=OrgKind.collective, region_code=COUNTY.ljust(12, "0"))
        return build_world(s, organisation_id=clerk_org.id)


@pytest.fixture
def client(db: Database, w: QuotaWorld) -> Iterator[TestClient]:
    PROJECT["collective_id"] = w.collective_id
    with db.transaction() as s:
        for name, (role, kind) in USERS.items():
            org = s.scalars(select(Organisation).where(Organisation.name == f"{name} org")).first() \
                or create_organisation(s, name=f"{name} org", kind=kind, region_code=COUNTY.ljust(12, "0"))
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)
    with TestClient(create_app()) as c:
        yield c


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def state(db: Database) -> tuple[int, int, int]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), s.scalar(select(func.count()).select_from(ReclamationProject)) or 0,
                s.scalar(select(func.count()).select_from(QuotaEntry)) or 0)


PROJECT: dict[str, object] = {"county_code": COUNTY, "collective_id": 1, "kind": "homestead",
                              "plan_ref": "余江复垦方案1", "planned_area_m2": "300", "boundary": boundary(1, 1)}
PLAN = {"county_code": COUNTY, "year": 2026,
        "lines": [{"land_use": "industrial", "quarter": 2, "quota_m2": "250", "parcels": 2}]}


def test_the_journey_over_http(db: Database, client: TestClient, w: QuotaWorld) -> None:
    bureau, clerk = auth(client, "bureau"), auth(client, "clerk")
    r = client.post("/api/v1/quota/projects", json=PROJECT, headers=clerk)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["status"] == "planned"
    early = client.post(f"/api/v1/quota/projects/{pid}/acceptance", headers=bureau,
                        json={"accepted_area_m2": "280.5", "quality_grade": 7, "accepted_on": "2026-06-30"})
    assert early.status_code == 409 and early.json()["code"] == "land_quota.invalid_transition"
    assert client.post(f"/api/v1/quota/projects/{pid}/works", headers=bureau).json()["status"] == "works"
    r = client.post(f"/api/v1/quota/projects/{pid}/acceptance", headers=bureau,
                    json={"accepted_area_m2": "280.5", "quality_grade": 7, "accepted_on": "2026-06-30"})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "credit" and r.json()["amount_m2"] == "280.50" and r.json()["year"] == 2026
    overlap = client.post("/api/v1/quota/projects", json=PROJECT, headers=clerk)
    assert overlap.status_code == 409 and overlap.json()["code"] == "land_quota.project_overlap"
    r = client.post("/api/v1/quota/plans", headers=bureau, json=PLAN)
    assert r.status_code == 201 and r.json()["status"] == "draft", r.text
    alloc = {"county_code": COUNTY, "year": 2026, "land_use": "industrial", "quarter": 2}
    early = client.post("/api/v1/quota/allocations", headers=bureau,
                        json=alloc | {"parcel_id": w.parcels[0], "amount_m2": "1"})
    assert early.status_code == 409 and early.json()["code"] == "land_quota.plan_not_approved"
    r = client.post(f"/api/v1/quota/plans/{COUNTY}/2026/approval", headers=bureau, json={"approved_on": "2026-01-15"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = client.post("/api/v1/quota/allocations", headers=bureau,
                    json=alloc | {"parcel_id": w.parcels[0], "amount_m2": "200"})
    assert r.status_code == 201 and r.json()["amount_m2"] == "200.00", r.text
    over = client.post("/api/v1/quota/allocations", headers=bureau,
                       json=alloc | {"parcel_id": w.parcels[1], "amount_m2": "80.51"})
    assert over.status_code == 409 and over.json()["code"] == "land_quota.over_allocation"
    beyond_plan = client.post("/api/v1/quota/allocations", headers=bureau,
                              json=alloc | {"parcel_id": w.parcels[1], "amount_m2": "50.01"})
    assert beyond_plan.status_code == 409 and beyond_plan.json()["code"] == "land_quota.over_plan"
    missing = client.post("/api/v1/quota/allocations", headers=bureau,
                          json=alloc | {"parcel_id": 99999, "amount_m2": "1"})
    assert missing.status_code == 404 and missing.json()["code"] == "land_quota.parcel_not_found"
    r = client.get(f"/api/v1/quota/plans/{COUNTY}/2026", headers=clerk)
    assert r.status_code == 200 and r.json()["lines"][0]["allocated_m2"] == "200.00"
    r = client.post("/api/v1/quota/consumptions", headers=bureau,
                    json={"parcel_id": w.parcels[0], "year": 2026, "amount_m2": "150"})
    assert r.status_code == 201 and r.json()["kind"] == "consumption"
    r = client.get(f"/api/v1/quota/balances/{COUNTY}/2026", headers=clerk)
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("accepted_m2", "allocated_m2", "consumed_m2", "unallocated_m2")} == {
        "accepted_m2": "280.50", "allocated_m2": "200.00", "consumed_m2": "150.00", "unallocated_m2": "80.50"}


@pytest.mark.parametrize("who, status", [(None, 401), ("farmer", 403), ("bank", 403), ("clerk", 403)])
def test_only_the_bureau_accepts_allocates_and_consumes(db: Database, client: TestClient, who: str | None,
                                                        status: int) -> None:
    pid = client.post("/api/v1/quota/projects", json=PROJECT, headers=auth(client, "clerk")).json()["id"]
    client.post(f"/api/v1/quota/projects/{pid}/works", headers=auth(client, "bureau"))
    before = state(db)
    headers = auth(client, who)
    calls = [("post", f"/api/v1/quota/projects/{pid}/acceptance",
              {"accepted_area_m2": "10", "quality_grade": 7, "accepted_on": "2026-06-30"}),
             ("post", "/api/v1/quota/allocations", {"county_code": COUNTY, "year": 2026, "parcel_id": 1,
                                                    "amount_m2": "1", "land_use": "industrial", "quarter": 2}),
             ("post", "/api/v1/quota/plans", PLAN),
             ("post", f"/api/v1/quota/projects/{pid}/rejection", {"reason": "不符合规划"}),
             ("post", "/api/v1/quota/consumptions", {"parcel_id": 1, "year": 2026, "amount_m2": "1"})]
    for method, url, body in calls:
        r = client.request(method, url, json=body, headers=headers)
        assert r.status_code == status, (url, r.text)
    assert state(db) == before


@pytest.mark.parametrize("who, status", [(None, 401), ("farmer", 403), ("bank", 403)])
def test_strangers_neither_register_nor_read(db: Database, client: TestClient, who: str | None, status: int) -> None:
    headers = auth(client, who)
    before = state(db)
    assert client.post("/api/v1/quota/projects", json=PROJECT, headers=headers).status_code == status
    assert client.get(f"/api/v1/quota/balances/{COUNTY}/2026", headers=headers).status_code == status
    assert state(db) == before


def test_quota_lots_and_holdings_over_http(db: Database, client: TestClient, w: QuotaWorld) -> None:
    from datetime import date

    from tests.land_quota.conftest import credited

    with db.transaction() as s:
        credited(s, w, "500", on=date(2026, 6, 1))
    bureau, clerk = auth(client, "bureau"), auth(client, "clerk")
    body = {"county_code": COUNTY, "year": 2026, "amount_m2": "200", "title": "余江区建设用地指标",
            "start_price": "50000.00", "starts_at": "2027-03-01T02:00:00Z"}
    assert client.post("/api/v1/quota/lots", json=body, headers=clerk).status_code == 403
    r = client.post("/api/v1/quota/lots", json=body, headers=bureau)
    assert r.status_code == 201 and r.json()["status"] == "listed", r.text
    qid = r.json()["id"]
    early = client.post(f"/api/v1/quota/lots/{qid}/settlement", headers=bureau)
    assert early.status_code == 409 and early.json()["code"] == "land_quota.lot_not_decided"
    over = client.post("/api/v1/quota/lots", json=body | {"amount_m2": "300.01"}, headers=bureau)
    assert over.status_code == 409 and over.json()["code"] == "land_quota.over_allocation"
    r = client.get(f"/api/v1/quota/balances/{COUNTY}/2026", headers=clerk)
    assert r.json()["allocated_m2"] == "200.00"
    missing = client.post("/api/v1/quota/holdings/allocations", headers=bureau,
                          json={"party_id": 1, "county_code": COUNTY, "year": 2026, "parcel_id": w.parcels[0],
                                "amount_m2": "1"})
    assert missing.status_code == 404 and missing.json()["code"] == "land_quota.holding_not_found"
    assert client.get("/api/v1/quota/holdings/1", headers=clerk).json() == {"party_id": 1, "holdings": []}


def reserve_users(db: Database) -> None:
    """The county's land reserve centre (L4) and one of another county."""
    with db.transaction() as s:
        for name, region in (("reserve", "360603000000"), ("far_reserve", "360681000000")):
            org = create_organisation(s, name=f"{name} centre", kind=OrgKind.reserve_centre, region_code=region)
            create_user(s, username=name, password="demo", display_name=name, role=Role.reserve_officer,
                        organisation_id=org.id, is_demo=True)


def test_land_banking_over_http(db: Database, client: TestClient, w: QuotaWorld) -> None:
    """L4: the land reserve centre banks land and supplies it by the plan; every step is the county's reserve
    officer's alone (anonymous 401; the bureau, the clerk, a member, a bank and a reserve centre elsewhere 403),
    each denial changing nothing."""
    from datetime import date

    from landbridge.land_quota import plan

    with db.transaction() as s:
        plan.draft_plan(s, actor="user:1:x", county_code=COUNTY, year=2026, lines=PLAN["lines"])  # type: ignore[arg-type]
        plan.approve_plan(s, actor="user:1:x", county_code=COUNTY, year=2026, approved_on=date(2026, 1, 15))
    reserve_users(db)
    centre = auth(client, "reserve")
    others = {name: auth(client, name) for name in (None, "bureau", "clerk", "farmer", "bank", "far_reserve")}

    def only_the_centre(path: str, body: dict[str, object], expect: int = 200) -> dict[str, object]:
        before = state(db)
        for name, headers in others.items():
            r = client.post(path, json=body, headers=headers)
            assert r.status_code == (401 if name is None else 403), (name, path, r.status_code)
            assert state(db) == before, (name, path)
        r = client.post(path, json=body, headers=centre)
        assert r.status_code == expect, r.text
        return dict(r.json())

    body = {"county_code": COUNTY, "parcel_id": w.parcels[0], "compensation_cny": "880000.50"}
    case = only_the_centre("/api/v1/quota/reserves", body, 201)
    assert case["compensation_cny"] == "880000.50"
    rid = case["id"]
    dup = client.post("/api/v1/quota/reserves", json=body, headers=centre)
    assert dup.status_code == 409 and dup.json()["code"] == "land_quota.reserve_exists"
    case = only_the_centre(f"/api/v1/quota/reserves/{rid}/acquisition", {"acquired_on": "2026-04-01"})
    assert case["status"] == "held"
    case = only_the_centre(f"/api/v1/quota/reserves/{rid}/supply",
                           {"year": 2026, "land_use": "industrial", "quarter": 2, "supplied_on": "2026-05-01"})
    assert case["status"] == "supplied"
    other = only_the_centre("/api/v1/quota/reserves", {**body, "parcel_id": w.parcels[1]}, 201)
    cancelled = only_the_centre(f"/api/v1/quota/reserves/{other['id']}/cancellation", {"reason": "规划调整"})
    assert cancelled["status"] == "cancelled"
    # the centre reads the county's plan and balance it supplies by; the bureau keeps the quota steps
    assert client.get(f"/api/v1/quota/plans/{COUNTY}/2026", headers=centre).status_code == 200
    assert client.post("/api/v1/quota/allocations", headers=centre, json={
        "county_code": COUNTY, "year": 2026, "parcel_id": w.parcels[2], "amount_m2": "1", "land_use": "industrial",
        "quarter": 2}).status_code == 403


def test_a_bureau_acts_for_its_own_county_only(db: Database, client: TestClient, w: QuotaWorld) -> None:
    """L4, L5: another county's bureau may not register, accept, plan, allocate, consume or list this county's
    quota (403 ``auth.forbidden_region``), and each refusal changes nothing."""
    with db.transaction() as s:
        org = create_organisation(s, name="贵溪市自然资源局", kind=OrgKind.nr_bureau, region_code="360681000000")
        create_user(s, username="far_bureau", password="demo", display_name="far", role=Role.nr_official,
                    organisation_id=org.id, is_demo=True)
    far, clerk = auth(client, "far_bureau"), auth(client, "clerk")
    pid = client.post("/api/v1/quota/projects", headers=clerk, json=PROJECT).json()["id"]
    before = state(db)
    for path, body in ((f"/api/v1/quota/projects/{pid}/works", None),
                       (f"/api/v1/quota/projects/{pid}/acceptance",
                        {"accepted_area_m2": "300", "quality_grade": 6, "accepted_on": "2026-03-01"}),
                       ("/api/v1/quota/projects", PROJECT), ("/api/v1/quota/plans", PLAN),
                       ("/api/v1/quota/allocations", {"county_code": COUNTY, "year": 2026, "parcel_id": w.parcels[0],
                                                      "amount_m2": "100", "land_use": "industrial", "quarter": 2})):
        r = client.post(path, headers=far, json=body)
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden_region", (path, r.json())
        assert state(db) == before, path
    assert client.post(f"/api/v1/quota/projects/{pid}/works", headers=auth(client, "bureau")).status_code == 200


def test_a_clerk_registers_its_own_collectives_projects_only(db: Database, client: TestClient,
                                                             w: QuotaWorld) -> None:
    """L5: another collective's clerk may not register a project on this collective's land (403
    ``land_quota.not_your_collective``), and nothing changes; the collective's own clerk may."""
    with db.transaction() as s:
        other_org = create_organisation(s, name="other clerk org", kind=OrgKind.collective,
                                        region_code=COUNTY.ljust(12, "0"))
        build_world(s, seed=1, organisation_id=other_org.id)
        create_user(s, username="other_clerk", password="demo", display_name="x", role=Role.collective_clerk,
                    organisation_id=other_org.id, is_demo=True)
    before = state(db)
    r = client.post("/api/v1/quota/projects", headers=auth(client, "other_clerk"), json=PROJECT)
    assert r.status_code == 403 and r.json()["code"] == "land_quota.not_your_collective" and state(db) == before
    assert client.post("/api/v1/quota/projects", headers=auth(client, "clerk"), json=PROJECT).status_code == 201

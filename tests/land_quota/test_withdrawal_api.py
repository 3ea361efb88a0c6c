"""Homestead withdrawal API (/api/v1/quota/withdrawals, /api/v1/quota/homestead-fees): the case over HTTP with the
permission matrix at every step — anonymous 401; every other role, a member of another household, a clerk of
another collective and officials outside the region 403 — each denial changing nothing (issue #16 part 5)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge import registry
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.land_quota.models import ReclamationProject
from landbridge.land_quota.withdrawal_models import HomesteadFee, HomesteadWithdrawal
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.registry.models import Application
from tests.land_quota.homestead_world import REGISTRAR, HomesteadWorld, build, council, vote

# username: (role, organisation kind, region, party of the world or None)
USERS: dict[str, tuple[Role, OrgKind, str]] = {
    "household": (Role.member, OrgKind.individual, "360603101001"),
    "neighbour": (Role.member, OrgKind.individual, "360603101001"),
    "clerk": (Role.collective_clerk, OrgKind.collective, "360603101001"),
    "other_clerk": (Role.collective_clerk, OrgKind.collective, "360603101002"),
    "township": (Role.township_official, OrgKind.township, "360603101000"),
    "far_township": (Role.township_official, OrgKind.township, "360681100000"),
    "bureau": (Role.nr_official, OrgKind.nr_bureau, "360603000000"),
    "far_bureau": (Role.nr_official, OrgKind.nr_bureau, "360681000000"),
    "supervisor": (Role.supervisor, OrgKind.supervisor, "360600000000"),
    "bank": (Role.bank_officer, OrgKind.bank, "360600000000"),
}


@dataclass
class Api:
    client: TestClient
    world: HomesteadWorld
    headers: dict[str, dict[str, str]]


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        orgs = {name: create_organisation(s, name=f"{name} org", kind=kind, region_code=region).id
                for name, (_, kind, region) in USERS.items()}
        w = build(s, organisation_id=orgs["clerk"])
        parties = {"household": w.member, "neighbour": w.only_member}
        for name, (role, _, _) in USERS.items():
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=orgs[name],
                        is_demo=True, party_id=parties.get(name))
    with TestClient(create_app()) as c:
        headers = {}
        for name in USERS:
            r = c.post("/api/v1/auth/token", json={"username": name, "password": "demo"})
            assert r.status_code == 200, r.text
            headers[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield Api(c, w, headers)


def state(db: Database) -> tuple[Any, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s),
                tuple(s.execute(select(HomesteadWithdrawal.id, HomesteadWithdrawal.status, HomesteadWithdrawal.version)
                                .order_by(HomesteadWithdrawal.id)).all()),
                tuple(s.execute(select(HomesteadFee.id, HomesteadFee.status, HomesteadFee.version)).all()),
                s.scalar(select(func.count()).select_from(Application)),
                s.scalar(select(func.count()).select_from(ReclamationProject)))


def step(api: Api, db: Database, allowed: str, method: str, url: str, body: dict[str, Any] | None = None,
         expect: int = 200) -> dict[str, Any]:
    """Everyone but ``allowed`` is refused (401 anonymous, 403 the rest) and changes nothing; then ``allowed``."""
    before = state(db)
    for name in [None, *USERS]:
        if name == allowed:
            continue
        r = api.client.request(method, url, json=body, headers=api.headers[name] if name else {})
        assert r.status_code == (401 if name is None else 403), (name, url, r.status_code, r.text)
        assert state(db) == before, (name, url)
    r = api.client.request(method, url, json=body, headers=api.headers[allowed])
    assert r.status_code == expect, r.text
    return dict(r.json())


def test_the_case_over_http_with_the_permission_matrix(db: Database, api: Api) -> None:
    w = api.world
    case = step(api, db, "household", "POST", "/api/v1/quota/withdrawals",
                {"right_id": w.spare, "collective_id": w.village.collective_id, "household_size": 2}, expect=201)
    cid, number = case["id"], case["number"]
    assert case["status"] == "applied" and case["area_m2"] == str(w.spare_area)
    only = api.client.post("/api/v1/quota/withdrawals", headers=api.headers["neighbour"],
                           json={"right_id": w.only, "collective_id": w.village.collective_id, "household_size": 2})
    assert only.status_code == 409 and only.json()["code"] == "land_quota.only_homestead"
    for name in ("household", "clerk", "township", "bureau", "supervisor"):
        assert api.client.get(f"/api/v1/quota/withdrawals/{cid}", headers=api.headers[name]).status_code == 200
    for name in ("neighbour", "other_clerk", "far_township", "far_bureau", "bank"):
        assert api.client.get(f"/api/v1/quota/withdrawals/{cid}", headers=api.headers[name]).status_code == 403
    with db.transaction() as s:
        meeting, motion = council(s, w, number), vote(s, w, number)
    case = step(api, db, "clerk", "POST", f"/api/v1/quota/withdrawals/{cid}/decision",
                {"council_meeting_id": meeting, "motion_id": motion})
    assert case["status"] == "approved"
    case = step(api, db, "township", "POST", f"/api/v1/quota/withdrawals/{cid}/valuation",
                {"house_structure": "earth_wood", "house_floor_m2": "60"})
    assert case["status"] == "valued" and case["house"] == "4800.00"
    bad = api.client.post(f"/api/v1/quota/withdrawals/{cid}/payment", headers=api.headers["clerk"],
                          json={"amount": "0.01", "payment_ref": "x", "paid_on": "2026-03-02"})
    assert bad.status_code == 409 and bad.json()["code"] == "land_quota.payment_mismatch"
    case = step(api, db, "clerk", "POST", f"/api/v1/quota/withdrawals/{cid}/payment",
                {"amount": case["total"], "payment_ref": "农商行 20260302-17", "paid_on": "2026-03-02"})
    assert case["status"] == "paid"
    case = step(api, db, "township", "POST", f"/api/v1/quota/withdrawals/{cid}/cancellation")
    assert case["status"] == "cancelling"
    early = api.client.post(f"/api/v1/quota/withdrawals/{cid}/hand-over", headers=api.headers["bureau"],
                            json={"plan_ref": "余江复垦方案〔2026〕9号"})
    assert early.status_code == 409 and early.json()["code"] == "land_quota.cancellation_not_registered"
    with db.transaction() as s:
        registry.approve_application(s, application_id=case["cancellation_application_ids"][0], actor=REGISTRAR)
    case = step(api, db, "bureau", "POST", f"/api/v1/quota/withdrawals/{cid}/hand-over",
                {"plan_ref": "余江复垦方案〔2026〕9号"})
    assert case["status"] == "handed_over" and case["project_id"] is not None
    with db.transaction(readonly=True) as s:
        project = s.get(ReclamationProject, case["project_id"])
        assert project is not None and (project.status, project.kind, str(project.planned_area_m2)) == (
            "planned", "homestead", case["area_m2"])


def test_the_fee_over_http_with_the_permission_matrix(db: Database, api: Api) -> None:
    w = api.world
    fee = step(api, db, "clerk", "POST", "/api/v1/quota/homestead-fees",
               {"right_id": w.only, "collective_id": w.village.collective_id, "household_size": 2, "year": 2026},
               expect=201)
    assert fee["status"] == "assessed" and fee["standard_m2"] == "100.00"
    fee = step(api, db, "clerk", "POST", f"/api/v1/quota/homestead-fees/{fee['id']}/payment",
               {"payment_ref": "收据 2026-001"})
    assert fee["status"] == "paid"

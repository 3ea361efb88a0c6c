"""The quota overview page (建设用地指标, issue #16 item 6) and the quota to-dos in the service hall (issue #20): the
bureau of the county sees its balance, the year's plan, the projects and the quota ledger; a bureau elsewhere sees
nothing of it; other roles are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge import land_quota
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.land_quota.models import ReclamationProject
from landbridge.main import create_app
from tests.land_quota.conftest import ACTOR, QuotaWorld, allocate, approved_plan, build_world, credited, project
from tests.web.test_pages import login


@pytest.fixture
def w(db: Database, clock: Clock) -> QuotaWorld:
    clock.set(datetime(2026, 7, 1, 2, tzinfo=UTC))
    with db.transaction() as s:
        world = build_world(s)
        for name, role, region in (("bureau", Role.nr_official, "360603000000"),
                                   ("faraway", Role.nr_official, "360681000000"),
                                   ("villager", Role.member, "360603101001"),
                                   ("centre", Role.reserve_officer, "360603000000")):
            org = create_organisation(s, name=f"{name} org", kind=OrgKind.nr_bureau, region_code=region)
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)
        credited(s, world, "500", col=0)
        approved_plan(s)
        allocate(s, world.parcels[0], "120")
        in_works = project(s, world, col=2, planned="80")
        land_quota.start_works(s, in_works, actor=ACTOR)
    return world


def test_the_bureau_reads_its_countys_quota(db: Database, w: QuotaWorld) -> None:
    client = TestClient(create_app())
    assert client.get("/quota", follow_redirects=False).status_code == 303  # log in first
    login(client, "villager")
    assert client.get("/quota").status_code == 403
    login(client, "bureau")
    page = client.get("/quota?year=2026")
    assert page.status_code == 200 and "建设用地指标 · 2026" in page.text
    balance = re.search(r'<section id="balances">(.*?)</section>', page.text, re.S)
    assert balance and "360603" in balance.group(1) and "500.00" in balance.group(1) and "380.00" in balance.group(1)
    plan = re.search(r'<section id="plan">(.*?)</section>', page.text, re.S)
    assert plan and "工业" in plan.group(1) and "Q2" in plan.group(1) and "120.00" in plan.group(1)
    with db.transaction(readonly=True) as s:
        numbers = list(s.scalars(select(ReclamationProject.project_no)))
    assert all(n in page.text for n in numbers) and "施工中" in page.text and "已验收" in page.text
    entries = re.search(r'<section id="entries">(.*?)</section>', page.text, re.S)
    assert entries and "入库" in entries.group(1) and "分配" in entries.group(1)
    assert "Construction-land quota" in client.get("/quota?lang=en").text
    hall = client.get("/hall?lang=zh_CN").text
    assert "竣工验收" in hall and re.search(r'href="/quota/projects/\d+"', hall)
    login(client, "centre")  # the land reserve centre (L4) reads the county's quota desk too
    centre = client.get("/quota?year=2026")
    assert centre.status_code == 200 and '<section id="reserve">' in centre.text and "500.00" in centre.text
    login(client, "faraway")
    other = client.get("/quota?year=2026").text
    assert "本年度尚无入库指标" in other and not any(n in other for n in numbers)
    assert "竣工验收" not in client.get("/hall").text


def test_the_public_map_shows_reclaimed_plots_and_quota_flows_without_personal_data(db: Database,
                                                                                   w: QuotaWorld) -> None:
    client = TestClient(create_app())
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(ReclamationProject.project_no, ReclamationProject.minx,
                                ReclamationProject.miny)).all()
    numbers = {r[0] for r in rows}
    west = min(r[1] for r in rows) - 0.05
    south = min(r[2] for r in rows) - 0.05
    fc = client.get("/api/v1/quota/map", params={"bbox": f"{west},{south},{west + 0.2},{south + 0.2}"}).json()
    layers = {f["properties"]["layer"] for f in fc["features"]}
    assert layers == {"reclaimed", "flow"}
    reclaimed = [f["properties"] for f in fc["features"] if f["properties"]["layer"] == "reclaimed"]
    assert {p["project_no"] for p in reclaimed} == numbers
    flow = next(f for f in fc["features"] if f["properties"]["layer"] == "flow")
    assert flow["geometry"]["type"] == "LineString" and flow["properties"]["allocated_m2"] == "120.00"
    keys = {k for f in fc["features"] for k in f["properties"]}
    assert not keys & {"collective_id", "party_id", "buyer_party_id", "holder", "compensation_fen", "actor"}
    empty = client.get("/api/v1/quota/map", params={"bbox": "100,20,100.01,20.01"}).json()
    assert empty["features"] == []
    for bad in ("1,2,3", "a,b,c,d", "10,10,5,5", "nan,1,2,3"):
        refused = client.get("/api/v1/quota/map", params={"bbox": bad})
        assert refused.status_code == 422 and refused.json()["code"] == "land_quota.invalid_bbox"

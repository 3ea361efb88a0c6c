"""Maintenance API and pages: the journey register → hand-over → inspection → repair → closure over HTTP, the
permission matrix (anonymous 401, wrong role 403, outside the area 403, not the maintainer 403), typed refusals
changing nothing, the public map layer (no personal data, legend keys and colours as the map page draws them) and
the pages (issue #20 item 5)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.maintenance.overlay import LEGEND, PUBLIC_PROPERTIES
from tests.maintenance.conftest import VILLAGE, World, build, road, state
from tests.registry.conftest import square
from tests.web.test_pages import csrf_of

PASSWORD = "demo"


@pytest.fixture
def w(db: Database, clock: Clock) -> World:
    with db.transaction() as s:
        return build(s)


@pytest.fixture
def client(db: Database, w: World) -> Iterator[TestClient]:
    with db.transaction() as s:
        users = {"town": (Role.township_official, w.township_org), "clerk": (Role.collective_clerk, w.clerk_org),
                 "water": (Role.member, w.company_org)}
        for name, (role, org) in users.items():
            create_user(s, username=name, password=PASSWORD, display_name=name, role=role, organisation_id=org,
                        is_demo=True)
        others = {"farmer": (Role.member, OrgKind.individual, VILLAGE),
                  "bank": (Role.bank_officer, OrgKind.bank, "360600000000"),
                  "far_town": (Role.township_official, OrgKind.township, "360602001000")}
        for name, (role, kind, region) in others.items():
            org = create_organisation(s, name=f"{name} org", kind=kind, region_code=region)
            create_user(s, username=name, password=PASSWORD, display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)
    with TestClient(create_app()) as c:
        yield c


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def asset_body(w: World, maintainer: bool = True) -> dict[str, object]:
    body: dict[str, object] = {"kind": "road", "name": "锦江村通组公路", "region_code": VILLAGE, "location": road(),
                               "duties": "路面保洁、坑槽修补", "standard": "优良路率≥80%", "funding_source": "fiscal"}
    if maintainer:
        body |= {"maintainer_kind": "organisation", "maintainer_id": w.company_org}
    return body


def test_journey_and_permission_matrix(db: Database, client: TestClient, w: World) -> None:
    town, clerk, water = auth(client, "town"), auth(client, "clerk"), auth(client, "water")
    before = state(db)
    for who, status in ((None, 401), ("farmer", 403), ("clerk", 403), ("bank", 403), ("far_town", 403)):
        r = client.post("/api/v1/maintenance/assets", json=asset_body(w), headers=auth(client, who))
        assert r.status_code == status, (who, r.text)
    assert state(db) == before
    bare = client.post("/api/v1/maintenance/assets", json=asset_body(w, maintainer=False), headers=town)
    assert bare.status_code == 201
    refused = client.post(f"/api/v1/maintenance/assets/{bare.json()['id']}/acceptance",
                          json={"accepted_on": "2026-03-01"}, headers=town)
    assert refused.status_code == 409 and refused.json()["code"] == "maintenance.maintainer_required"
    r = client.post("/api/v1/maintenance/assets", json=asset_body(w), headers=town)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    for who, status in ((None, 401), ("clerk", 403), ("water", 403), ("far_town", 403)):
        r = client.post(f"/api/v1/maintenance/assets/{aid}/acceptance", json={"accepted_on": "2026-03-01"},
                        headers=auth(client, who))
        assert r.status_code == status, (who, r.text)
    r = client.post(f"/api/v1/maintenance/assets/{aid}/acceptance", json={"accepted_on": "2026-03-01"}, headers=town)
    assert r.status_code == 200 and r.json()["status"] == "in_service"
    inspection = {"inspected_on": "2026-03-02", "findings": "路面两处坑槽",
                  "defects": [{"severity": "major", "description": "K0+120 坑槽"}]}
    for who, status in ((None, 401), ("bank", 403), ("water", 403), ("far_town", 403)):
        r = client.post(f"/api/v1/maintenance/assets/{aid}/inspections", json=inspection, headers=auth(client, who))
        assert r.status_code == status, (who, r.text)
    r = client.post(f"/api/v1/maintenance/assets/{aid}/inspections", json=inspection, headers=clerk)
    assert r.status_code == 201 and r.json()["defects"] == 1
    defect = client.get(f"/api/v1/maintenance/assets/{aid}", headers=town).json()["defects"][0]
    assert defect["status"] == "open" and defect["due_on"] > "2026-03-02"
    repair = {"repaired_on": "2026-03-02", "note": "冷补料修补"}
    for who, status in ((None, 401), ("farmer", 403), ("clerk", 403), ("far_town", 403)):
        r = client.post(f"/api/v1/maintenance/defects/{defect['id']}/repair", json=repair, headers=auth(client, who))
        assert r.status_code == status, (who, r.text)
    r = client.post(f"/api/v1/maintenance/defects/{defect['id']}/repair", json=repair, headers=water)
    assert r.status_code == 200 and r.json()["status"] == "repaired"
    for who, status in (("water", 403), ("clerk", 403)):
        r = client.post(f"/api/v1/maintenance/defects/{defect['id']}/closure", json={"closed_on": "2026-03-02"},
                        headers=auth(client, who))
        assert r.status_code == status
    r = client.post(f"/api/v1/maintenance/defects/{defect['id']}/closure", json={"closed_on": "2026-03-02"},
                    headers=town)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    for who, status in ((None, 401), ("farmer", 403), ("bank", 403)):
        assert client.get("/api/v1/maintenance/assets", headers=auth(client, who)).status_code == status
        assert client.get("/api/v1/maintenance/overdue", headers=auth(client, who)).status_code == status
    assert client.get("/api/v1/maintenance/assets", headers=clerk).json()["total"] == 2
    assert client.get("/api/v1/maintenance/assets?kind=water_supply", headers=clerk).json()["total"] == 0
    assert client.get("/api/v1/maintenance/assets", headers=auth(client, "far_town")).json()["total"] == 0
    assert client.get(f"/api/v1/maintenance/assets/{aid}", headers=auth(client, "far_town")).status_code == 403


def test_map_layer_is_public_without_personal_data_and_matches_the_legend(client: TestClient, w: World) -> None:
    town = auth(client, "town")
    point = dict(mapping(square(4).centroid))
    ids = [client.post("/api/v1/maintenance/assets", json=asset_body(w) | extra, headers=town).json()["id"]
           for extra in ({}, {"kind": "lighting", "location": point},
                         {"kind": "waste", "location": dict(mapping(square(6)))})]
    client.post(f"/api/v1/maintenance/assets/{ids[1]}/acceptance", json={"accepted_on": "2026-03-01"}, headers=town)
    r = client.get("/api/v1/maintenance/map?bbox=116.8,28.1,117.0,28.3")
    assert r.status_code == 200
    features = r.json()["features"]
    assert len(features) == 3
    for f in features:
        assert set(f["properties"]) <= set(PUBLIC_PROPERTIES)
        assert f["properties"]["legend"] in LEGEND
    assert sorted(f["properties"]["legend"] for f in features) == ["lighting", "registered", "registered"]
    text = json.dumps(features, ensure_ascii=False)
    assert "user:" not in text and "town" not in text  # no account or actor of any step
    assert client.get("/api/v1/maintenance/map?bbox=1,2,3").status_code == 422
    page = client.get("/").text
    config = json.loads(re.search(r'<script id="maintenance-config" type="application/json">(.*?)</script>', page,
                                  re.S).group(1))  # type: ignore[union-attr]
    legend = re.search(r'<details id="maintenance-legend">(.*?)</details>', page, re.S).group(1)  # type: ignore[union-attr]
    swatches = dict(re.findall(r'<li data-legend="([a-z_]+)"><span class="swatch" style="background: (#[0-9a-f]{6})"',
                               legend))  # this layer's legend only (the industry layer has its own beside it)
    assert set(config["colours"]) == set(LEGEND) == set(swatches)
    assert swatches == config["colours"]


def test_pages_and_forms(db: Database, client: TestClient, w: World) -> None:
    assert client.get("/maintenance", follow_redirects=False).status_code == 303
    login = client.post("/login", data={"username": "town", "password": PASSWORD, "next": "/maintenance",
                                        "csrf": csrf_of(client.get("/login").text)}, follow_redirects=False)
    assert login.status_code in (302, 303)
    page = client.get("/maintenance/new")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"csrf": csrf, "kind": "sewage", "name": "锦江村污水处理站", "region_code": VILLAGE,
            "location": json.dumps(dict(mapping(square(2)))), "duties": "设备运行维护", "standard": "出水达标",
            "funding_source": "collective", "maintainer_kind": "", "maintainer_id": ""}
    r = client.post("/maintenance/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    href = r.headers["location"]
    before = state(db)
    r = client.post(href + "/acceptance", data={"csrf": csrf, "accepted_on": "2026-03-01"})
    assert r.status_code == 409 and "maintenance.maintainer_required" in r.text
    assert state(db) == before
    client.post(href + "/maintainer", data={"csrf": csrf, "maintainer_kind": "collective",
                                            "maintainer_id": str(w.collective_id)})
    r = client.post(href + "/acceptance", data={"csrf": csrf, "accepted_on": "2026-03-01"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(href + "/inspections", data={"csrf": csrf, "inspected_on": "2026-03-02", "findings": "格栅堵塞",
                                                 "severity": "urgent", "description": "格栅堵塞溢流"})
    detail = client.get(href)
    assert detail.status_code == 200 and "格栅堵塞溢流" in detail.text and "maintenance_asset_accepted" in detail.text
    listing = client.get("/maintenance?kind=sewage")
    assert listing.status_code == 200 and "锦江村污水处理站" in listing.text
    assert "锦江村污水处理站" not in client.get("/maintenance?kind=road").text
    assert client.get("/maintenance/overdue").status_code == 200


def test_a_maintainer_organisations_user_opens_its_own_asset_only(client: TestClient, w: World) -> None:
    town = auth(client, "town")
    mine = client.post("/api/v1/maintenance/assets", json=asset_body(w), headers=town).json()["id"]
    other = client.post("/api/v1/maintenance/assets", json=asset_body(w) | {
        "maintainer_kind": "collective", "maintainer_id": w.collective_id}, headers=town).json()["id"]
    login = client.post("/login", data={"username": "water", "password": PASSWORD, "next": "/",
                                        "csrf": csrf_of(client.get("/login").text)}, follow_redirects=False)
    assert login.status_code in (302, 303)
    page = client.get(f"/maintenance/assets/{mine}")
    assert page.status_code == 200 and "锦江村通组公路" in page.text
    assert client.get(f"/maintenance/assets/{other}").status_code == 403
    assert client.get("/maintenance").status_code == 403

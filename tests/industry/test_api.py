"""Industry information API and pages (issue #19 item 5; P1, S3): the permission matrix of every editing step
(anonymous 401, every role but the editors 403), the public reads (published only, no personal data), the map layer
and the investors' pages in zh-CN and English."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping

from landbridge.auth import Role, create_demo_accounts
from landbridge.db import Database
from landbridge.industry.overlay import LEGEND
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.industry.conftest import TOWN, IndustryWorld, build
from tests.registry.conftest import square
from tests.registry.test_api import auth

USERS = {Role.admin: "admin", Role.registrar: "registrar", Role.nr_official: "nr", Role.township_official: "township",
         Role.collective_clerk: "clerk", Role.member: "member", Role.exchange_operator: "exchange",
         Role.bidder: "bidder", Role.bank_officer: "bank", Role.guarantor_officer: "guarantor",
         Role.insurer_officer: "insurer", Role.fund_manager: "fund", Role.supervisor: "supervisor",
         Role.org_admin: "bankadmin", Role.reserve_officer: "reserve", Role.labour_inspector: "inspector",
         Role.employer: "employer", Role.employment_officer: "jobs", Role.hotline_operator: "hotline"}
EDITORS = {Role.nr_official, Role.admin}


def test_every_role_is_named() -> None:
    assert set(USERS) == set(Role)


@pytest.fixture
def w(db: Database, clock: Clock) -> IndustryWorld:
    with db.transaction() as s:
        create_demo_accounts(s)
        return build(s)


@pytest.fixture
def client(w: IndustryWorld) -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def place_body() -> dict[str, object]:
    return {"kind": "village", "name": "灵溪村", "region_code": TOWN, "summary": "美丽乡村旅游创新点（S85）",
            "industries": ["rural_tourism"], "boundary": dict(mapping(square(0, row=40, size_m=300)))}


@pytest.mark.parametrize("role", [None, *Role])
def test_editing_permission_matrix(client: TestClient, w: IndustryWorld, role: Role | None) -> None:
    headers = auth(client, None if role is None else USERS[role])
    calls = [("/api/v1/industry/places", place_body()),
             ("/api/v1/industry/projects", {"place_id": w.place_id, "name": "x", "nature": "operating",
                                            "description": "x", "revenue_cny": "10"}),
             ("/api/v1/industry/projects/1/funding", {"source": "loan", "amount_cny": "1", "reference": "x"}),
             ("/api/v1/industry/bundles", {"name": "x", "operating_project_id": 1, "welfare_project_ids": [2]}),
             (f"/api/v1/industry/places/{w.place_id}/withdraw", {"reason": "test"})]
    for path, body in calls:
        r = client.post(path, json=body, headers=headers)
        if role is None:
            assert r.status_code == 401, (path, r.text)
        elif role not in EDITORS:
            assert r.status_code == 403, (path, r.text)
            assert r.json()["code"] == "auth.forbidden_role"
        else:
            assert r.status_code in (200, 201, 404, 409, 422), (path, r.text)


def test_journey_and_public_reads(client: TestClient, w: IndustryWorld) -> None:
    nr = auth(client, "nr")
    created = client.post("/api/v1/industry/places", json=place_body(), headers=nr)
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    assert client.get(f"/api/v1/industry/places/{draft}").status_code == 404  # a draft is not public
    assert client.get(f"/api/v1/industry/places/{draft}", headers=auth(client, "supervisor")).status_code == 200
    r = client.post("/api/v1/industry/projects", headers=nr, json={
        "place_id": w.place_id, "name": "精密元件标准厂房", "nature": "operating", "description": "招商项目",
        "revenue_cny": "3000000.50"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert client.post(f"/api/v1/industry/projects/{pid}/funding", headers=nr, json={
        "source": "special_bond", "amount_cny": "1000000", "reference": "2026年专项债券"}).status_code == 201
    assert client.post(f"/api/v1/industry/projects/{pid}/funding", headers=nr, json={
        "source": "lottery", "amount_cny": "1", "reference": "x"}).json()["code"] == "industry.invalid_funding"
    assert client.post(f"/api/v1/industry/projects/{pid}/funding", headers=nr, json={
        "source": "loan", "amount_cny": "1.234", "reference": "x"}).status_code == 422
    assert client.post(f"/api/v1/industry/projects/{pid}/publish", headers=nr).status_code == 200
    assert client.post(f"/api/v1/industry/projects/{pid}/advance", headers=nr,
                       json={"target": "under_construction"}).json()["status"] == "under_construction"
    places = client.get("/api/v1/industry/places").json()
    assert [p["id"] for p in places["items"]] == [w.place_id]
    assert places["items"][0]["figures"]["quota_available_m2"] == "1350.00"
    detail = client.get(f"/api/v1/industry/places/{w.place_id}").json()
    assert detail["projects"][0]["funding"] == {"special_bond": "1000000.00"}
    projects = client.get("/api/v1/industry/projects").json()
    assert projects["total"] == 1 and projects["items"][0]["revenue_cny"] == "3000000.50"
    text = json.dumps([places, detail, projects], ensure_ascii=False)
    assert "user:" not in text and "actor" not in text  # no account or person in the public reads


def test_map_layer_and_pages(client: TestClient, w: IndustryWorld) -> None:
    r = client.get("/api/v1/industry/map", params={"bbox": "116.0,27.5,117.8,28.8"})
    assert r.status_code == 200
    features = r.json()["features"]
    assert features and {f["properties"]["legend"] for f in features} <= set(LEGEND)
    assert client.get("/api/v1/industry/map", params={"bbox": "x"}).json()["code"] == "industry.invalid_bbox"
    page = client.get("/industry")
    assert page.status_code == 200 and "锦江精密元件小镇" in page.text and "1,350" in page.text
    en = client.get(f"/industry/places/{w.place_id}?lang=en")
    assert en.status_code == 200 and "Quota allocated" in en.text
    assert client.get("/industry/places/999999").status_code == 404


def test_public_map_draws_the_layer(client: TestClient) -> None:
    """The public map loads the layer's script (served locally) with a legend swatch for every legend key."""
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="/static/js/industry_layer.js">' in page.text and "https://" not in page.text.split(
        'id="industry-config"')[1].split("</script>")[0]
    for key in LEGEND:
        assert f'data-legend="{key}"' in page.text
    assert client.get("/static/js/industry_layer.js").status_code == 200


def test_editor_advances_a_project_on_the_page(client: TestClient, w: IndustryWorld) -> None:
    """The bureau's official publishes and advances a project from the place's page; a member is refused."""
    from tests.web.test_pages import csrf_of, login

    nr = auth(client, "nr")
    pid = client.post("/api/v1/industry/projects", headers=nr, json={
        "place_id": w.place_id, "name": "冷链物流中心", "nature": "operating", "description": "x",
        "revenue_cny": "1"}).json()["id"]
    login(client, "nr", next_url=f"/industry/places/{w.place_id}")
    page = client.get(f"/industry/places/{w.place_id}")
    assert "冷链物流中心" in page.text and f"/industry/projects/{pid}/advance" in page.text
    token = csrf_of(page.text)
    r = client.post(f"/industry/projects/{pid}/advance", data={"target": "under_construction", "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/industry/projects/{pid}/advance", data={"target": "planned", "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 409
    assert client.post(f"/industry/projects/{pid}/publish", data={"csrf": "bad"}).status_code == 403
    client.cookies.clear()
    login(client, "member")
    r = client.post(f"/industry/projects/{pid}/publish", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get(f"/api/v1/industry/places/{w.place_id}").json()["projects"] == []  # unpublished: not public


def test_bundle_over_http(client: TestClient, w: IndustryWorld) -> None:
    """A bundle refused over HTTP is a typed 422 and writes nothing; a covered one is read by the supervisor."""
    nr = auth(client, "nr")

    def project(nature: str, revenue: str) -> int:
        return int(client.post("/api/v1/industry/projects", headers=nr, json={
            "place_id": w.place_id, "name": nature, "nature": nature, "description": "S96",
            "revenue_cny": revenue}).json()["id"])

    op, pw = project("operating", "1100"), project("public_welfare", "0")
    assert client.post(f"/api/v1/industry/projects/{pw}/funding", headers=nr, json={
        "source": "special_bond", "amount_cny": "1001", "reference": "专项债"}).status_code == 201
    body = {"name": "打捆", "operating_project_id": op, "welfare_project_ids": [pw]}
    refused = client.post("/api/v1/industry/bundles", headers=nr, json=body)
    assert refused.status_code == 422 and refused.json()["code"] == "industry.bundle_not_covered"
    assert client.get("/api/v1/industry/bundles/1", headers=nr).json()["code"] == "industry.bundle_not_found"
    assert client.post(f"/api/v1/industry/projects/{op}/funding", headers=nr, json={
        "source": "special_fund", "amount_cny": "99999", "reference": "专项资金"}).status_code == 201
    pw2 = project("public_welfare", "0")
    assert client.post(f"/api/v1/industry/projects/{pw2}/funding", headers=nr, json={
        "source": "loan", "amount_cny": "1000", "reference": "贷款"}).status_code == 201
    made = client.post("/api/v1/industry/bundles", headers=nr, json={**body, "welfare_project_ids": [pw2]})
    assert made.status_code == 201, made.text
    bid = made.json()["id"]
    assert client.get(f"/api/v1/industry/bundles/{bid}").status_code == 401
    read = client.get(f"/api/v1/industry/bundles/{bid}", headers=auth(client, "supervisor")).json()
    assert (read["revenue_cny"], read["financing_cny"]) == ("1100.00", "1000.00")

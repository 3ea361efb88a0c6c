"""Assessment and task-board API and pages (issue #19 scope 4): the permission matrix (the supervisor and the admin
manage; a task's owner updates it; the public sees published results only; anonymous 401 where a login is needed),
the journey score → adjust → review → publish over HTTP, and the pages in zh-CN and English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.main import create_app
from tests.supervision.conftest import SupervisionWorld

PASSWORD = "demo"
TOWN = "360603101000"


@pytest.fixture
def client(db: Database, sw: SupervisionWorld) -> Iterator[TestClient]:
    with db.transaction() as s:
        for name, role, kind, region in (("sup", Role.supervisor, OrgKind.supervisor, "360600000000"),
                                         ("adm", Role.admin, OrgKind.supervisor, "360600000000"),
                                         ("owner", Role.township_official, OrgKind.township, TOWN),
                                         ("other", Role.township_official, OrgKind.township, "360602001000"),
                                         ("bank", Role.bank_officer, OrgKind.bank, "360600000000")):
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


def org_of(client: TestClient, username: str) -> int:
    return int(client.get("/api/v1/auth/me", headers=auth(client, username)).json()["organisation_id"])


def test_assessment_permission_matrix_and_journey(client: TestClient) -> None:
    h = {u: auth(client, u) for u in ("sup", "adm", "owner", "bank")} | {None: {}}
    body = {"year": 2026, "subject_kind": "county"}
    for user, status in ((None, 401), ("owner", 403), ("bank", 403)):
        assert client.post("/api/v1/assessment/runs", json=body, headers=h[user]).status_code == status
    r = client.post("/api/v1/assessment/runs", json=body, headers=h["sup"])
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    assert {s["subject"]: s["final"] for s in r.json()["scores"]}["360603000000"] == "32.75"
    url = f"/api/v1/assessment/runs/{run_id}"
    for user, status in ((None, 404), ("owner", 404), ("bank", 404), ("sup", 200), ("adm", 200)):
        assert client.get(url, headers=h[user]).status_code == status, user
    assert client.get("/api/v1/assessment/results").json() == []
    assert client.get("/api/v1/assessment/runs").json()["total"] == 0
    adjust = {"score": "40", "reason": "不良贷款已核销"}
    for user, status in ((None, 401), ("owner", 403)):
        assert client.post(f"{url}/scores/360603000000/adjust", json=adjust, headers=h[user]).status_code == status
        assert client.post(f"{url}/review", headers=h[user]).status_code == status
        assert client.post(f"{url}/publish", headers=h[user]).status_code == status
    assert client.post(f"{url}/scores/360603000000/adjust", json={"score": "40", "reason": ""},
                       headers=h["sup"]).status_code == 422
    assert client.post(f"{url}/scores/360603000000/adjust", json=adjust, headers=h["sup"]).json()["final"] == "40.00"
    assert client.post(f"{url}/publish", headers=h["adm"]).json()["code"] == "assessment.invalid_transition"
    assert client.post(f"{url}/review", headers=h["adm"]).status_code == 200
    assert client.post(f"{url}/publish", headers=h["sup"]).status_code == 200
    public = client.get(url).json()
    assert public["status"] == "published" and public["scores"][0]["reason"] is None  # 贵溪 54.83 first
    assert [x["id"] for x in client.get("/api/v1/assessment/results").json()] == [run_id]
    # open data publishes it (issue #19 item 6): final scores (the adjustment included), ranks within the kind
    opened = client.get("/api/v1/open-data/assessment-results").json()
    assert opened["available"] is True
    ranked = [(r["subject"], r["score"], r["rank"]) for r in opened["results"]]
    assert ranked == [("贵溪市", "54.83", "1"), ("余江区", "40.00", "2"), ("月湖区", "15.00", "3")]
    assert {r["subject_kind"] for r in opened["results"]} == {"county"} and opened["results"][0]["year"] == "2026"
    assert "贵溪市" in client.get("/open-data").text
    assert client.get("/api/v1/assessment/sets").status_code == 200
    page = client.get(f"/assessment/runs/{run_id}")
    assert page.status_code == 200 and "不良贷款已核销" in page.text and "余江区" in page.text
    assert "Published" in client.get("/assessment?lang=en").text


def test_unpublished_run_page_is_not_public(client: TestClient) -> None:
    r = client.post("/api/v1/assessment/runs", json={"year": 2026, "subject_kind": "township"},
                    headers=auth(client, "sup"))
    assert client.get(f"/assessment/runs/{r.json()['id']}").status_code == 404
    assert "锦江镇" not in client.get("/assessment").text


def test_task_permission_matrix(client: TestClient) -> None:
    h = {u: auth(client, u) for u in ("sup", "adm", "owner", "other")} | {None: {}}
    body = {"title": "农村宅基地确权颁证扫尾", "owner_org_id": org_of(client, "owner"), "region_code": "360603101001",
            "deadline": date(2026, 12, 30).isoformat(), "lon": 116.95, "lat": 28.2,
            "milestones": [{"title": "摸底调查", "workdays": 10}, {"title": "组织实施", "workdays": 30}]}
    for user, status in ((None, 401), ("owner", 403), ("other", 403)):
        assert client.post("/api/v1/tasks", json=body, headers=h[user]).status_code == status
    r = client.post("/api/v1/tasks", json=body, headers=h["sup"])
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["milestones"][-1]["due_on"] == "2026-12-30" and task["flag"] == "on_track"
    url = f"/api/v1/tasks/{task['id']}"
    for user, status in ((None, 401), ("other", 403), ("owner", 200), ("adm", 200)):
        assert client.get(url, headers=h[user]).status_code == status, user
    progress = {"progress": 40, "note": "已完成入户调查"}
    assert client.post(f"{url}/progress", json=progress, headers=h["other"]).json()["code"] == "assessment.not_owner"
    assert client.post(f"{url}/progress", json=progress, headers=h["owner"]).json()["status"] == "in_progress"
    assert client.post(f"{url}/progress", json={"progress": 100, "note": "x"}, headers=h["owner"]).status_code == 422
    first = task["milestones"][0]["id"]
    assert client.post(f"/api/v1/tasks/milestones/{first}/done", headers=h["other"]).status_code == 403
    assert client.post(f"/api/v1/tasks/milestones/{first}/done", headers=h["owner"]).status_code == 200
    assert client.post(f"{url}/done", headers=h["owner"]).json()["code"] == "assessment.milestones_open"
    assert client.get("/api/v1/tasks", headers=h["other"]).json()["total"] == 0
    assert client.get("/api/v1/tasks", headers=h["owner"]).json()["total"] == 1
    layer = client.get("/api/v1/tasks/map", headers=h["sup"]).json()
    assert layer["features"][0]["properties"]["flag"] == "on_track"
    assert client.get("/api/v1/tasks/map").status_code == 401
    assert client.get("/tasks", follow_redirects=False).status_code in (302, 303)
    board = client.get("/tasks", headers=h["owner"])
    assert board.status_code == 200 and "农村宅基地确权颁证扫尾" in board.text and "task_board.js" in board.text
    detail = client.get(f"/tasks/{task['id']}?lang=en", headers=h["sup"])
    assert detail.status_code == 200 and "Milestones" in detail.text
    assert client.get(f"/tasks/{task['id']}", headers=h["other"]).status_code == 403

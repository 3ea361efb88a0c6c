"""Employment over HTTP (/api/v1/employment, issue #20 item 4) with the permission matrix at every step — anonymous
401, every other role 403, another employer 403 — each denial changing nothing; seekers shown only with consent,
never to anonymous callers; reads of seekers recorded; the pages and the hall's to-dos."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.employment.models import EmploymentJob, JobApplication, JobSeeker
from landbridge.employment.todos import todos
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.privacy.models import PersonalRead
from tests.employment.world import ACCOUNTS, EmploymentWorld, build, job_body, seeker_body
from tests.web.test_pages import csrf_of, login


@dataclass
class Api:
    client: TestClient
    world: EmploymentWorld
    headers: dict[str, dict[str, str]]


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        w = build(s)
    with TestClient(create_app()) as c:
        headers = {}
        for name in ACCOUNTS:
            r = c.post("/api/v1/auth/token", json={"username": name, "password": "demo"})
            assert r.status_code == 200, r.text
            headers[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield Api(c, w, headers)


def state(db: Database) -> tuple[Any, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s),
                tuple(s.execute(select(EmploymentJob.id, EmploymentJob.status, EmploymentJob.version)
                                .order_by(EmploymentJob.id)).all()),
                tuple(s.execute(select(JobApplication.id, JobApplication.status).order_by(JobApplication.id)).all()),
                tuple(s.execute(select(JobSeeker.id, JobSeeker.consent).order_by(JobSeeker.id)).all()))


def step(api: Api, db: Database, allowed: str, method: str, url: str, body: dict[str, Any] | None = None,
         expect: int = 200, others: tuple[str, ...] = ("township", "supervisor", "worker2")) -> dict[str, Any]:
    """Anonymous 401 and the ``others`` 403, changing nothing; then ``allowed``."""
    before = state(db)
    for name in [None, *others]:
        r = api.client.request(method, url, json=body, headers=api.headers[name] if name else {})
        assert r.status_code == (401 if name is None else 403), (name, url, r.status_code, r.text)
        assert state(db) == before, (name, url)
    r = api.client.request(method, url, json=body, headers=api.headers[allowed])
    assert r.status_code == expect, r.text
    return dict(r.json())


def reads(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(PersonalRead)) or 0)


def test_the_whole_loop_with_permissions(db: Database, api: Api) -> None:
    job = step(api, db, "acme", "POST", "/api/v1/employment/jobs", job_body(), 201,
               others=("township", "supervisor", "worker", "jobs"))
    assert job["status"] == "submitted" and job["wage_min"] == "4500.00"
    shady = api.client.post("/api/v1/employment/jobs", json=job_body(), headers=api.headers["shady"])
    assert shady.status_code == 403 and shady.json()["code"] == "employment.employer_unverified"
    assert api.client.get("/api/v1/employment/jobs").json()["total"] == 0  # not published yet
    queue = step(api, db, "jobs", "GET", "/api/v1/employment/review", others=("township", "acme", "worker"))
    assert [j["id"] for j in queue["items"]] == [job["id"]]
    step(api, db, "jobs", "POST", f"/api/v1/employment/jobs/{job['id']}/publish", others=("township", "acme", "worker"))
    public = api.client.get("/api/v1/employment/jobs?limit=1&offset=0").json()
    assert public["total"] == 1 and public["items"][0]["title"] == job["title"]
    assert api.client.get(f"/api/v1/employment/jobs/{job['id']}").status_code == 200

    # seekers: consent required, person required
    r = api.client.put("/api/v1/employment/seeker", json=seeker_body(consent=False), headers=api.headers["worker"])
    assert r.status_code == 422 and r.json()["code"] == "employment.consent_required"
    r = api.client.put("/api/v1/employment/seeker", json=seeker_body(), headers=api.headers["nobody"])
    assert r.status_code == 422 and r.json()["code"] == "employment.person_required"
    assert api.client.put("/api/v1/employment/seeker", json=seeker_body()).status_code == 401
    me = api.client.put("/api/v1/employment/seeker", json=seeker_body(), headers=api.headers["worker"]).json()
    mine = api.client.get("/api/v1/employment/seeker/matches", headers=api.headers["worker"]).json()
    assert mine["items"][0]["job"]["id"] == job["id"] and mine["items"][0]["score"] == 80

    # matches: the job's employer and the officer; another employer 403; reads recorded
    before = reads(db)
    found = step(api, db, "acme", "GET", f"/api/v1/employment/jobs/{job['id']}/matches",
                 others=("township", "supervisor", "worker", "rival"))
    assert found["items"][0]["seeker"]["id"] == me["id"]
    assert {r["key"] for r in found["items"][0]["reasons"]} == {"skills", "township", "industry", "wage"}
    assert reads(db) == before + 1
    api.client.get(f"/api/v1/employment/seekers/{me['id']}", headers=api.headers["jobs"])
    assert reads(db) == before + 2
    r = api.client.get(f"/api/v1/employment/seekers/{me['id']}", headers=api.headers["acme"])
    assert r.status_code == 403  # not applied to acme yet

    app = step(api, db, "worker", "POST", f"/api/v1/employment/jobs/{job['id']}/apply", None, 201, others=())
    assert app["status"] == "applied"
    apps = step(api, db, "acme", "GET", f"/api/v1/employment/jobs/{job['id']}/applications",
                others=("township", "worker", "rival"))
    assert apps["items"][0]["seeker"]["skills"] == ["焊工", "电工"]
    for who in ("rival", "jobs", "worker"):
        r = api.client.post(f"/api/v1/employment/applications/{app['id']}/shortlist", headers=api.headers[who])
        assert r.status_code == 403
    ok = api.client.post(f"/api/v1/employment/applications/{app['id']}/shortlist", headers=api.headers["acme"])
    assert ok.json()["status"] == "shortlisted"
    bad = api.client.post(f"/api/v1/employment/applications/{app['id']}/promote", headers=api.headers["acme"])
    assert bad.status_code == 409 and bad.json()["code"] == "employment.invalid_step"

    # withdrawing consent hides the profile from the employer at once
    api.client.post("/api/v1/employment/seeker/withdraw-consent", headers=api.headers["worker"])
    apps = api.client.get(f"/api/v1/employment/jobs/{job['id']}/applications", headers=api.headers["acme"]).json()
    assert "seeker" not in apps["items"][0]
    assert api.client.get(f"/api/v1/employment/jobs/{job['id']}/matches", headers=api.headers["acme"]).json()[
        "items"] == []
    r = api.client.get(f"/api/v1/employment/seekers/{me['id']}", headers=api.headers["acme"])
    assert r.status_code == 403 and r.json()["code"] == "employment.no_consent"
    done = api.client.post(f"/api/v1/employment/applications/{app['id']}/hire", headers=api.headers["acme"])
    assert done.json()["status"] == "hired"
    step(api, db, "acme", "POST", f"/api/v1/employment/jobs/{job['id']}/close",
         others=("township", "supervisor", "worker"))
    assert api.client.get(f"/api/v1/employment/jobs/{job['id']}").status_code == 404


def test_bounded_input_is_a_typed_4xx(api: Api) -> None:
    h = api.headers["acme"]
    for body in (job_body(wage_min="-1"), job_body(headcount=10**7), job_body(closes_on="2026-13-01"),
                 job_body(skills=["a"] * 51), job_body(industry="x" * 41), job_body(wage_min="1.234")):
        r = api.client.post("/api/v1/employment/jobs", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    r = api.client.post("/api/v1/employment/jobs", json=job_body(headcount=501), headers=h)
    assert r.json()["code"] == "employment.invalid_headcount"
    assert api.client.get("/api/v1/employment/jobs?limit=101").status_code == 422
    assert api.client.get("/api/v1/employment/jobs/999").status_code == 404


def test_pages_and_todos(db: Database, api: Api) -> None:
    job = api.client.post("/api/v1/employment/jobs", json=job_body(), headers=api.headers["acme"]).json()
    c = api.client
    assert login(c, "jobs").status_code == 303
    desk = c.get("/employment/desk")
    assert desk.status_code == 200 and job_body()["title"] in desk.text
    with db.transaction(readonly=True) as s:
        class P:  # the officer as the hall passes them
            role, organisation_id, user_id = "employment_officer", api.world.orgs["jobs"], api.world.users["jobs"]
        assert [t.kind for t in todos(s, P())] == ["employment.review"]
    token = csrf_of(desk.text)
    r = c.post(f"/employment/desk/jobs/{job['id']}/publish", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.clear()
    board = c.get("/employment")
    assert board.status_code == 200 and job_body()["title"] in board.text and "seeker-form" not in board.text
    assert login(c, "worker").status_code == 303
    page = c.get("/employment")
    r = c.post("/employment/seeker", data={"csrf": csrf_of(page.text), "region_code": "360603101001",
                                           "industry": "copper", "skills": "电工、焊工", "wage_expect": "5000",
                                           "consent": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/employment")
    assert "matches" in page.text and "withdraw-consent" in page.text
    r = c.post(f"/employment/jobs/{job['id']}/apply", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.clear()
    assert login(c, "acme").status_code == 303
    desk = c.get("/employment/desk")
    assert "application-" in desk.text and "电工" in desk.text
    assert c.get("/employment/desk?lang=en").status_code == 200
    assert login(c, "township").status_code == 303
    assert c.get("/employment/desk").status_code == 403

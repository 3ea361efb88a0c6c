"""Skills training (技能培训, issue #20 item 4, requirement E2): the officer opens a course, residents enrol within
its capacity (a full course refuses, nothing written), attendance per session, the certificate once the attendance
reaches the rule set's share, its public check without personal data; the API's permissions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from landbridge.db import Database
from landbridge.employment import training
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from tests.employment.world import ACCOUNTS, TOWN, EmploymentWorld, build

OFFICER = "user:4:employment_officer"


@pytest.fixture
def world(session: Session, clock: Clock) -> EmploymentWorld:
    return build(session)


def course(s: Session, **more: Any) -> Any:
    args: dict[str, Any] = {"title": "铜加工技能培训班", "industry": "copper", "region_code": TOWN, "sessions": 5,
                            "capacity": 1, "starts_on": date(2026, 3, 9), **more}
    return training.create_course(s, actor=OFFICER, **args)


def refused(s: Session, code: str, fn: Any, **kwargs: Any) -> None:
    before = current_size(s)
    with pytest.raises(DomainError) as e:
        fn(s, **kwargs)
    assert e.value.code == code
    assert current_size(s) == before


def test_capacity_attendance_and_certificate(session: Session, world: EmploymentWorld) -> None:
    refused(session, "employment.invalid_course", training.create_course, actor=OFFICER, title="x",
            industry="copper", region_code=TOWN, sessions=0, capacity=1, starts_on=date(2026, 3, 9))
    c = course(session)
    refused(session, "employment.person_required", training.enrol, actor="a", course_id=c.id,
            user_id=world.users["nobody"], party_id=None)
    e = training.enrol(session, actor="a", course_id=c.id, user_id=world.users["worker"], party_id=9001)
    refused(session, "employment.course_full", training.enrol, actor="b", course_id=c.id,
            user_id=world.users["worker2"], party_id=9002)
    session.refresh(c)
    assert c.enrolled == 1
    refused(session, "employment.invalid_session", training.record_attendance, actor=OFFICER, course_id=c.id,
            session_no=6, enrolment_ids=[e.id])
    for n in (1, 2, 3):
        assert training.record_attendance(session, actor=OFFICER, course_id=c.id, session_no=n,
                                          enrolment_ids=[e.id]) == 1
    assert training.record_attendance(session, actor=OFFICER, course_id=c.id, session_no=3, enrolment_ids=[e.id]) == 0
    refused(session, "employment.attendance_short", training.certify, actor=OFFICER, enrolment_id=e.id)  # 3 < 4
    training.record_attendance(session, actor=OFFICER, course_id=c.id, session_no=4, enrolment_ids=[e.id])
    done = training.certify(session, actor=OFFICER, enrolment_id=e.id)
    assert done.certificate_no == f"PX2026-{c.id:04d}-{e.id:06d}"
    refused(session, "employment.already_certified", training.certify, actor=OFFICER, enrolment_id=e.id)
    checked = training.verify_certificate(session, done.certificate_no)
    assert checked["valid"] and checked["course"] == "铜加工技能培训班" and "party_id" not in checked


def test_second_enrolment_refused(session: Session, world: EmploymentWorld) -> None:
    c = course(session, capacity=3)
    training.enrol(session, actor="a", course_id=c.id, user_id=world.users["worker"], party_id=9001)
    refused(session, "employment.already_enrolled", training.enrol, actor="a", course_id=c.id,
            user_id=world.users["worker"], party_id=9001)
    session.refresh(c)
    assert c.enrolled == 1  # the seat taken by the refused enrolment was given back


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    with db.transaction() as s:
        build(s)
    with TestClient(create_app()) as c:
        headers = {}
        for name in ACCOUNTS:
            token = c.post("/api/v1/auth/token", json={"username": name, "password": "demo"}).json()["access_token"]
            headers[name] = {"Authorization": f"Bearer {token}"}
        yield c, headers


def test_training_api_permissions(client: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, h = client
    body = {"title": "眼镜装配培训", "industry": "eyewear", "region_code": TOWN, "sessions": 2, "capacity": 10,
            "starts_on": "2026-03-09"}
    assert c.post("/api/v1/employment/courses", json=body).status_code == 401
    for who in ("acme", "worker", "township", "supervisor"):
        assert c.post("/api/v1/employment/courses", json=body, headers=h[who]).status_code == 403
    made = c.post("/api/v1/employment/courses", json=body, headers=h["jobs"])
    assert made.status_code == 201
    cid = made.json()["id"]
    assert c.get("/api/v1/employment/courses").json()["total"] == 1
    assert c.post(f"/api/v1/employment/courses/{cid}/enrol").status_code == 401
    assert c.post(f"/api/v1/employment/courses/{cid}/enrol", headers=h["nobody"]).status_code == 422
    e = c.post(f"/api/v1/employment/courses/{cid}/enrol", headers=h["worker"]).json()
    for who in (None, "acme", "worker", "township"):
        r = c.get(f"/api/v1/employment/courses/{cid}/roll", headers=h[who] if who else {})
        assert r.status_code == (401 if who is None else 403)
        r = c.post(f"/api/v1/employment/courses/{cid}/attendance", json={"session_no": 1, "enrolment_ids": [e["id"]]},
                   headers=h[who] if who else {})
        assert r.status_code == (401 if who is None else 403)
    for n in (1, 2):
        r = c.post(f"/api/v1/employment/courses/{cid}/attendance", json={"session_no": n,
                                                                       "enrolment_ids": [e["id"]]}, headers=h["jobs"])
        assert r.json() == {"new": 1}
    assert c.get(f"/api/v1/employment/courses/{cid}/roll", headers=h["jobs"]).json()["items"][0]["attended"] == 2
    assert c.post(f"/api/v1/employment/enrolments/{e['id']}/certify", headers=h["worker"]).status_code == 403
    cert = c.post(f"/api/v1/employment/enrolments/{e['id']}/certify", headers=h["jobs"]).json()["certificate_no"]
    check = c.get(f"/api/v1/employment/certificates/{cert}")
    assert check.status_code == 200 and check.json()["valid"] is True
    assert c.get("/api/v1/employment/certificates/PX0000-0000-000000").status_code == 404

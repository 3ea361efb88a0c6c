"""Training pages (issue #20 item 4, E2): the officer opens a course from the page, a resident linked to a person
enrols, the officer records attendance on the roll (reads of the roll recorded) and issues the certificate, anyone
checks its number; other roles get 403 on the officer's pages and a refused form changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.employment.models import TrainingAttendance, TrainingCourse, TrainingEnrolment
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.privacy.models import PersonalRead
from tests.employment.world import TOWN, build
from tests.web.test_pages import alert_of, csrf_of, login


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.transaction() as s:
        build(s)
    with TestClient(create_app()) as c:
        yield c


def count(db: Database, model: type) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_course_enrolment_attendance_certificate_through_the_pages(client: TestClient, db: Database) -> None:
    c = client
    assert c.get("/employment/training").status_code == 200  # public, empty
    assert "/employment/training" in c.get("/employment").text
    r = c.post("/employment/training/courses", data={"csrf": "x", "title": "t", "industry": "copper",
                                                     "region_code": TOWN, "sessions": "2", "capacity": "5",
                                                     "starts_on": "2026-03-09"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")  # anonymous
    assert login(c, "worker").status_code == 303
    page = c.get("/employment/training")
    assert "course-form" not in page.text
    r = c.post("/employment/training/courses", data={"csrf": csrf_of(page.text), "title": "t", "industry": "copper",
                                                     "region_code": TOWN, "sessions": "2", "capacity": "5",
                                                     "starts_on": "2026-03-09"})
    assert r.status_code == 403 and count(db, TrainingCourse) == 0
    c.cookies.clear()
    assert login(c, "jobs").status_code == 303
    page = c.get("/employment/training")
    assert "course-form" in page.text
    bad = {"csrf": csrf_of(page.text), "title": "铜加工技能培训班", "industry": "copper", "region_code": TOWN,
           "sessions": "0", "capacity": "5", "starts_on": "2026-03-09"}
    r = c.post("/employment/training/courses", data=bad, follow_redirects=True)
    assert r.status_code == 200 and alert_of(r.text) and count(db, TrainingCourse) == 0  # refused, nothing kept
    r = c.post("/employment/training/courses", data={**bad, "sessions": "2"}, follow_redirects=True)
    assert "已开设培训班" in r.text and count(db, TrainingCourse) == 1
    with db.transaction(readonly=True) as s:
        course_id = int(s.scalar(select(TrainingCourse.id)) or 0)
    c.cookies.clear()
    assert login(c, "worker").status_code == 303
    page = c.get("/employment/training")
    assert f"/employment/training/courses/{course_id}/enrol" in page.text
    assert c.get(f"/employment/training/courses/{course_id}").status_code == 403  # the roll is the officer's
    r = c.post(f"/employment/training/courses/{course_id}/enrol", data={"csrf": csrf_of(page.text)},
               follow_redirects=True)
    assert "报名成功" in r.text and 'id="my-enrolments"' in r.text
    r = c.post(f"/employment/training/courses/{course_id}/enrol", data={"csrf": csrf_of(r.text)},
               follow_redirects=True)
    assert alert_of(r.text) and count(db, TrainingEnrolment) == 1  # a second enrolment is refused
    with db.transaction(readonly=True) as s:
        enrolment_id = int(s.scalar(select(TrainingEnrolment.id)) or 0)
    c.cookies.clear()
    assert login(c, "jobs").status_code == 303
    reads = count(db, PersonalRead)
    roll = c.get(f"/employment/training/courses/{course_id}")
    assert roll.status_code == 200 and f'value="{enrolment_id}"' in roll.text and count(db, PersonalRead) > reads
    assert c.get("/employment/training/courses/999999").status_code == 404
    for n in ("1", "2"):
        roll = c.post(f"/employment/training/courses/{course_id}/attendance",
                      data={"csrf": csrf_of(roll.text), "session_no": n, "enrolment_id": str(enrolment_id)},
                      follow_redirects=True)
        assert "出勤 1 人" in roll.text
    roll = c.post(f"/employment/training/courses/{course_id}/attendance",
                  data={"csrf": csrf_of(roll.text), "session_no": "9", "enrolment_id": str(enrolment_id)},
                  follow_redirects=True)
    assert alert_of(roll.text) and count(db, TrainingAttendance) == 2  # no session 9: refused
    assert f"certify-{enrolment_id}" in roll.text
    r = c.post(f"/employment/training/enrolments/{enrolment_id}/certify",
               data={"csrf": csrf_of(roll.text), "course_id": str(course_id)}, follow_redirects=True)
    assert "已发放培训合格证书" in r.text
    with db.transaction(readonly=True) as s:
        number = str(s.scalar(select(TrainingEnrolment.certificate_no)))
    c.cookies.clear()
    checked = c.get(f"/employment/training?number={number}&lang=en")
    assert checked.status_code == 200 and "Valid" in checked.text and "铜加工技能培训班" in checked.text
    assert 'id="certificate-result"' in c.get("/employment/training?number=PX0000-0000-000000").text

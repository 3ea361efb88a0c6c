"""Training JSON API (/api/v1/employment/courses and /certificates, issue #20 item 4, requirement E2).

Permissions (tests/employment/test_training.py): the ``employment_officer`` opens courses, records attendance,
reads a course's roll (each trainee's read recorded) and issues certificates; a signed-in resident linked to a
registry person enrols; the course list and the certificate check are public and hold no personal data. Anonymous
callers get 401, other roles 403."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.auth import Principal, Role, current_principal, require_roles
from landbridge.employment import training
from landbridge.employment.models import TrainingCourse, TrainingEnrolment
from landbridge.employment.views import PAGE_MAX, actor_of
from landbridge.kernel.bounds import Id
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/employment", tags=["employment"], route_class=TransactionalRoute)
officer = require_roles(Role.employment_officer)


class CourseIn(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    industry: str = Field(min_length=1, max_length=40)
    region_code: str = Field(pattern=r"^\d{12}$")
    sessions: int = Field(ge=-10**6, le=10**6)
    capacity: int = Field(ge=-10**6, le=10**6)
    starts_on: date


class AttendanceIn(BaseModel):
    session_no: int = Field(ge=-10**6, le=10**6)
    enrolment_ids: list[Id] = Field(min_length=1, max_length=500)


def course_json(c: TrainingCourse) -> dict[str, Any]:
    return {"id": c.id, "status": c.status, "title": c.title, "industry": c.industry, "region_code": c.region_code,
            "sessions": c.sessions, "capacity": c.capacity, "enrolled": c.enrolled,
            "starts_on": c.starts_on.isoformat(), "ledger_seq": c.ledger_seq}


def enrolment_json(e: TrainingEnrolment, attended: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": e.id, "course_id": e.course_id, "certificate_no": e.certificate_no,
                           "ledger_seq": e.ledger_seq}
    if attended is not None:
        out["attended"] = attended
    return out


@router.get("/courses")
def courses(limit: int = Query(20, ge=1, le=PAGE_MAX), offset: int = Query(0, ge=0, le=10_000_000),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The courses (public: no trainee in it), newest first."""
    total = session.scalar(select(func.count()).select_from(TrainingCourse))
    rows = session.scalars(select(TrainingCourse).order_by(TrainingCourse.id.desc()).limit(limit).offset(offset))
    return {"items": [course_json(c) for c in rows], "total": total, "limit": limit, "offset": offset}


@router.post("/courses", status_code=201)
def create_course(body: CourseIn, p: Principal = Depends(officer),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """The officer opens a course."""
    return course_json(training.create_course(session, actor=actor_of(p), title=body.title, industry=body.industry,
                                              region_code=body.region_code, sessions=body.sessions,
                                              capacity=body.capacity, starts_on=body.starts_on))


@router.post("/courses/{course_id}/enrol", status_code=201)
def enrol(course_id: int, p: Principal = Depends(current_principal),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """Enrol myself (a login linked to a registered person)."""
    return enrolment_json(training.enrol(session, actor=actor_of(p), course_id=course_id, user_id=p.user_id,
                                         party_id=p.party_id))


@router.get("/courses/{course_id}/roll")
def roll(course_id: int, p: Principal = Depends(officer), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The course's trainees with their attendance (the officer; each read recorded)."""
    course = training.get_course(session, course_id)
    rows = training.roll(session, course, privacy.Reader(actor_of(p), p.role.value, p.organisation_id))
    return {"course": course_json(course),
            "items": [{**enrolment_json(e, attended), "party_id": e.party_id} for e, attended in rows]}


@router.post("/courses/{course_id}/attendance")
def attendance(course_id: int, body: AttendanceIn, p: Principal = Depends(officer),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """The officer records a session's attendance."""
    return {"new": training.record_attendance(session, actor=actor_of(p), course_id=course_id,
                                              session_no=body.session_no, enrolment_ids=body.enrolment_ids)}


@router.post("/enrolments/{enrolment_id}/certify")
def certify(enrolment_id: int, p: Principal = Depends(officer),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The officer issues the completion certificate (attendance at least the rule set's share)."""
    return enrolment_json(training.certify(session, actor=actor_of(p), enrolment_id=enrolment_id))


@router.get("/certificates/{number}")
def verify(number: str, session: Session = Depends(get_session)) -> dict[str, Any]:
    """Anyone checks a certificate by its number (no name in the answer)."""
    return training.verify_certificate(session, number[:40])

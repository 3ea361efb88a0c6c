"""Training pages (技能培训, issue #20 item 4, requirement E2): ``/employment/training`` lists the courses for the
plan's "2+3" industries with the seats left (public), lets a signed-in resident linked to a registry person enrol
and see their attendance and certificate, lets anyone check a certificate number (no name), and gives the
employment officer a form to open a course; ``/employment/training/courses/{id}`` is the officer's roll: the
trainees (by registry party id, each read recorded), an attendance form per session and the certificate button.

Forms post with the form token and go through the same functions as the API (``training``); a refusal rolls back and
flashes its message. zh-CN by default, English with ``?lang=en``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.employment import service, training
from landbridge.employment.errors import EmploymentError
from landbridge.employment.models import TrainingCourse, TrainingEnrolment
from landbridge.employment.pages import kit
from landbridge.employment.views import actor_of
from landbridge.errors import DomainError
from landbridge.web.i18n import request_locale
from landbridge.web.pages import refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE = 20
BACK = "/employment/training"


def _course(c: TrainingCourse, industries: Mapping[str, str]) -> dict[str, Any]:
    return {"c": c, "industry": industries.get(c.industry, c.industry), "left": max(0, c.capacity - c.enrolled)}


@router.get("/employment/training", response_class=Response)
def courses(request: Request, page: int = Query(1, ge=1, le=10_000), number: str = Query("", max_length=40),
            session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal)
            ) -> Response:
    """The courses (public), my enrolments, the certificate check and, for the officer, the form to open one."""
    zh = request_locale(request) == "zh_CN"
    rules = service.employment_rules()
    total = int(session.scalar(select(func.count()).select_from(TrainingCourse)) or 0)
    rows = list(session.scalars(select(TrainingCourse).order_by(TrainingCourse.id.desc())
                                .limit(PAGE).offset((page - 1) * PAGE)))
    mine: list[dict[str, Any]] = []
    if principal is not None:
        enrolments = list(session.scalars(select(TrainingEnrolment).where(TrainingEnrolment.user_id ==
                                                                          principal.user_id)
                                          .order_by(TrainingEnrolment.id.desc()).limit(50)))
        titles = {c.id: c for c in session.scalars(select(TrainingCourse).where(
            TrainingCourse.id.in_([e.course_id for e in enrolments])))}
        counts = training.attended_counts(session, [e.id for e in enrolments])
        mine = [{"e": e, "course": titles.get(e.course_id), "attended": counts.get(e.id, 0)} for e in enrolments]
    checked: dict[str, Any] | None = None
    if number.strip():
        try:
            checked = training.verify_certificate(session, number.strip())
        except DomainError as exc:
            checked = {"valid": False, "message": exc.message if zh else exc.message_en}
    return kit.page(request, "employment/training.html", {
        "zh": zh, "courses": [_course(c, rules.industries) for c in rows], "page": page,
        "pages": max(1, -(-total // PAGE)),
        "principal": principal, "mine": mine, "number": number.strip(), "checked": checked,
        "officer": principal is not None and principal.role is Role.employment_officer,
        "industries": list(rules.industries.items()), "max_sessions": rules.max_sessions,
        "max_capacity": rules.max_capacity, "today": service.today().isoformat()})


@router.post("/employment/training/courses", response_class=Response)
def open_course(request: Request, csrf: str = Form(""), title: str = Form("", max_length=200),
                industry: str = Form("", max_length=40), region_code: str = Form("", max_length=20),
                sessions: int = Form(0, ge=-10**6, le=10**6), capacity: int = Form(0, ge=-10**6, le=10**6),
                starts_on: date = Form(...), session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """The officer opens a course."""
    caller = page_caller(request, principal, (Role.employment_officer,))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        course = training.create_course(session, actor=actor_of(caller), title=title, industry=industry,
                                        region_code=region_code.strip(), sessions=sessions, capacity=capacity,
                                        starts_on=starts_on)
        return f"已开设培训班：{course.title}", f"Course opened: {course.title}"
    return kit.act(request, session, action, BACK, csrf=csrf)


@router.post("/employment/training/courses/{course_id}/enrol", response_class=Response)
def enrol(request: Request, course_id: int, csrf: str = Form(""), session: Session = Depends(get_session),
          principal: Principal | None = Depends(optional_principal)) -> Response:
    """Enrol myself (a login linked to a registered person)."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        training.enrol(session, actor=actor_of(caller), course_id=course_id, user_id=caller.user_id,
                       party_id=caller.party_id)
        return "报名成功", "Enrolled"
    return kit.act(request, session, action, BACK, csrf=csrf)


@router.get("/employment/training/courses/{course_id}", response_class=Response)
def roll(request: Request, course_id: int, session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The officer's roll of one course: trainees, attendance, certificates (each trainee's read recorded)."""
    caller = page_caller(request, principal, (Role.employment_officer,))
    if not isinstance(caller, Principal):
        return caller
    try:
        course = training.get_course(session, course_id)
    except DomainError as exc:
        return refuse(request, exc)
    rows = training.roll(session, course, privacy.Reader(actor_of(caller), caller.role.value, caller.organisation_id))
    rules = service.employment_rules()
    return kit.page(request, "employment/course.html", {
        "zh": request_locale(request) == "zh_CN", "course": _course(course, rules.industries),
        "needed": rules.needed_sessions(course.sessions), "trainees": [{"e": e, "attended": n} for e, n in rows]})


@router.post("/employment/training/courses/{course_id}/attendance", response_class=Response)
async def attendance(request: Request, course_id: int, session: Session = Depends(get_session),
                     principal: Principal | None = Depends(optional_principal)) -> Response:
    """The officer records who attended a session (the ticked trainees)."""
    caller = page_caller(request, principal, (Role.employment_officer,))
    if not isinstance(caller, Principal):
        return caller
    form = await request.form()
    back = f"{BACK}/courses/{course_id}"
    raw_no = str(form.get("session_no", ""))
    ids = [int(str(v)) for v in form.getlist("enrolment_id")[:training.ROLL_MAX]
           if str(v).isdigit() and len(str(v)) < 10]

    def action() -> tuple[str, str]:
        if not ids:
            raise EmploymentError.ENROLMENT_NOT_FOUND.error()
        session_no = int(raw_no) if raw_no.isdigit() and len(raw_no) < 7 else 0
        new = training.record_attendance(session, actor=actor_of(caller), course_id=course_id,
                                         session_no=session_no, enrolment_ids=ids)
        return f"已记录第 {session_no} 次课出勤 {new} 人", f"Session {session_no}: {new} attendance(s) recorded"
    return kit.act(request, session, action, back, csrf=str(form.get("csrf", "")))


@router.post("/employment/training/enrolments/{enrolment_id}/certify", response_class=Response)
def certify(request: Request, enrolment_id: int, csrf: str = Form(""), course_id: int = Form(0, ge=0, le=10**9),
            session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal)
            ) -> Response:
    """The officer issues a trainee's completion certificate."""
    caller = page_caller(request, principal, (Role.employment_officer,))
    if not isinstance(caller, Principal):
        return caller

    def action() -> tuple[str, str]:
        row = training.certify(session, actor=actor_of(caller), enrolment_id=enrolment_id)
        return f"已发放培训合格证书 {row.certificate_no}", f"Certificate {row.certificate_no} issued"
    return kit.act(request, session, action, f"{BACK}/courses/{course_id}" if course_id else BACK, csrf=csrf)

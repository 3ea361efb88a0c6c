"""Skills training for the plan's "2+3" industries (技能培训, issue #20 item 4, requirement E2; research/services.md
§2.2): the employment officer opens a course (industry, sessions, capacity); residents linked to a registry person
enrol, the capacity guarded by a conditional UPDATE (no check-then-act); attendance is recorded per session; the
completion certificate (培训合格证书) is issued with its number once the attendance reaches the rule set's share
(``certificate_attendance_share``), and anyone verifies a number (no personal data).

Each step writes one ledger event in the caller's transaction (ids and counts only); nothing commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.employment import rules as er
from landbridge.employment.errors import EmploymentError
from landbridge.employment.models import TrainingAttendance, TrainingCourse, TrainingEnrolment
from landbridge.employment.service import TITLE_MAX, _record, employment_rules, today
from landbridge.kernel.clock import now, to_local

OPEN, CLOSED = "open", "closed"


def get_course(session: Session, course_id: int) -> TrainingCourse:
    course = session.get(TrainingCourse, course_id)
    if course is None:
        raise EmploymentError.COURSE_NOT_FOUND.error()
    return course


def get_enrolment(session: Session, enrolment_id: int) -> TrainingEnrolment:
    row = session.get(TrainingEnrolment, enrolment_id)
    if row is None:
        raise EmploymentError.ENROLMENT_NOT_FOUND.error()
    return row


def create_course(session: Session, *, actor: str, title: str, industry: str, region_code: str, sessions: int,
                  capacity: int, starts_on: date) -> TrainingCourse:
    """The officer opens a course for one of the "2+3" industries."""
    rules = employment_rules()
    for value, top in ((sessions, rules.max_sessions), (capacity, rules.max_capacity)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise EmploymentError.INVALID_COURSE.error(max_sessions=rules.max_sessions,
                                                       max_capacity=rules.max_capacity)
    course = TrainingCourse(status=OPEN, region_code=er.region(region_code), title=er.text(title, "title", TITLE_MAX),
                            industry=rules.industry(industry), sessions=sessions, capacity=capacity, enrolled=0,
                            starts_on=starts_on, version=1, created_at=now(), created_by=actor)
    session.add(course)
    session.flush()
    _record(session, course, "employment_training_course", "course_opened", actor,
            {"industry": course.industry, "sessions": sessions, "capacity": capacity, "region_code": region_code})
    return course


def enrol(session: Session, *, actor: str, course_id: int, user_id: int, party_id: int | None) -> TrainingEnrolment:
    """A resident enrols: the seat is taken by ``enrolled = enrolled + 1 WHERE enrolled < capacity`` and the
    enrolment inserted in one savepoint, so a full course or a second enrolment leaves nothing written."""
    if party_id is None:
        raise EmploymentError.PERSON_REQUIRED.error()
    course = get_course(session, course_id)
    row = TrainingEnrolment(course_id=course.id, user_id=user_id, party_id=party_id, created_at=now())
    try:
        with session.begin_nested():
            took = session.execute(update(TrainingCourse).where(
                TrainingCourse.id == course.id, TrainingCourse.status == OPEN,
                TrainingCourse.enrolled < TrainingCourse.capacity)
                .values(enrolled=TrainingCourse.enrolled + 1, version=TrainingCourse.version + 1)
                .execution_options(synchronize_session=False))
            if getattr(took, "rowcount", 0) != 1:
                raise EmploymentError.COURSE_FULL.error()
            session.add(row)
            session.flush()
    except IntegrityError:
        raise EmploymentError.ALREADY_ENROLLED.error() from None
    session.refresh(course)
    _record(session, row, "employment_training_enrolment", "trainee_enrolled", actor,
            {"course_id": course.id, "enrolled": course.enrolled})
    return row


def record_attendance(session: Session, *, actor: str, course_id: int, session_no: int,
                      enrolment_ids: Iterable[int]) -> int:
    """The officer records who attended session ``session_no``; a repeated record is ignored. Returns how many
    attendances were new."""
    course = get_course(session, course_id)
    if isinstance(session_no, bool) or not 1 <= session_no <= course.sessions:
        raise EmploymentError.INVALID_SESSION.error(sessions=course.sessions)
    ids = sorted(set(enrolment_ids))
    known = set(session.scalars(select(TrainingEnrolment.id).where(TrainingEnrolment.id.in_(ids),
                                                                  TrainingEnrolment.course_id == course.id)))
    if known != set(ids):
        raise EmploymentError.ENROLMENT_NOT_FOUND.error()
    have = set(session.scalars(select(TrainingAttendance.enrolment_id).where(
        TrainingAttendance.enrolment_id.in_(ids), TrainingAttendance.session_no == session_no)))
    new: list[int] = []
    for i in (i for i in ids if i not in have):
        try:
            with session.begin_nested():
                session.add(TrainingAttendance(enrolment_id=i, session_no=session_no, recorded_by=actor[:80],
                                               created_at=now()))
                session.flush()
            new.append(i)
        except IntegrityError:  # recorded meanwhile by another request
            continue
    _record(session, course, "employment_training_course", "attendance_recorded", actor,
            {"session_no": session_no, "attended": len(ids), "new": len(new)})
    return len(new)


def attended(session: Session, enrolment_id: int) -> int:
    return attended_counts(session, [enrolment_id]).get(enrolment_id, 0)


def attended_counts(session: Session, enrolment_ids: Iterable[int]) -> dict[int, int]:
    """Sessions attended by each enrolment, in one query (a roll's trainees)."""
    ids = list(enrolment_ids)
    return {int(e): int(n) for e, n in session.execute(
        select(TrainingAttendance.enrolment_id, func.count()).where(TrainingAttendance.enrolment_id.in_(ids))
        .group_by(TrainingAttendance.enrolment_id))} if ids else {}


ROLL_MAX = 500  # trainees listed on a roll (a course's capacity is at most the rule's, far below)


def roll(session: Session, course: TrainingCourse, reader: privacy.Reader) -> list[tuple[TrainingEnrolment, int]]:
    """The officer's roll of ``course``: each trainee's enrolment with the sessions attended; the read of each
    trainee's record is recorded (the API's and the page's roll share it)."""
    rows = list(session.scalars(select(TrainingEnrolment).where(TrainingEnrolment.course_id == course.id)
                                .order_by(TrainingEnrolment.id).limit(ROLL_MAX)))
    if rows:
        privacy.record_reads(session, reader=reader,
                             records=[(f"employment_training_enrolment:{e.id}", e.party_id) for e in rows],
                             purpose="employment.training_roll")
    counts = attended_counts(session, [e.id for e in rows])
    return [(e, counts.get(e.id, 0)) for e in rows]


def certify(session: Session, *, actor: str, enrolment_id: int) -> TrainingEnrolment:
    """Issue the completion certificate once the trainee attended the rule set's share of the sessions; its number
    is ``PX<year>-<course>-<enrolment>``, set by a conditional UPDATE (issued once)."""
    row = get_enrolment(session, enrolment_id)
    if row.certificate_no is not None:
        raise EmploymentError.ALREADY_CERTIFIED.error()
    course = get_course(session, row.course_id)
    needed, done = employment_rules().needed_sessions(course.sessions), attended(session, row.id)
    if done < needed:
        raise EmploymentError.ATTENDANCE_SHORT.error(attended=done, needed=needed)
    number = f"PX{today():%Y}-{course.id:04d}-{row.id:06d}"
    moved = session.execute(update(TrainingEnrolment).where(TrainingEnrolment.id == row.id,
                                                            TrainingEnrolment.certificate_no.is_(None))
                            .values(certificate_no=number, certified_at=now())
                            .execution_options(synchronize_session=False))
    if getattr(moved, "rowcount", 0) != 1:
        raise EmploymentError.ALREADY_CERTIFIED.error()
    session.refresh(row)
    _record(session, row, "employment_training_enrolment", "certificate_issued", actor,
            {"course_id": course.id, "certificate_no": number, "attended": done, "sessions": course.sessions})
    return row


def verify_certificate(session: Session, number: str) -> dict[str, Any]:
    """What anyone may check of a certificate by its number: the course, its industry and the issue date (no
    name)."""
    row = session.scalar(select(TrainingEnrolment).where(TrainingEnrolment.certificate_no == number[:32]))
    if row is None or row.certified_at is None:
        raise EmploymentError.CERTIFICATE_NOT_FOUND.error()
    course = get_course(session, row.course_id)
    return {"certificate_no": row.certificate_no, "valid": True, "course": course.title, "industry": course.industry,
            "sessions": course.sessions, "issued_on": to_local(row.certified_at).date().isoformat()}

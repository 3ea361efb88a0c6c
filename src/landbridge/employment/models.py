"""The employment register's tables (就业服务, ``employment`` in the glossary; issue #20 item 4, requirements E1, E2):
jobs (岗位, ``job``) an employer posts, job seekers (求职者, ``job_seeker``) a resident registers with their consent,
and applications of a seeker to a job.

A seeker's skills, place and expectations are personal data: shown to employers and matching only while
``consent`` holds (授权), to the employment officer with each read recorded (``privacy.record_read``), never on
anonymous pages nor in a ledger payload beyond ids. Wages are integer fen (yuan as ``Decimal`` in code)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, LedgerSeq, RegionCode, RowVersion, Status


class EmploymentJob(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """One job posting (岗位) of an employer with a verified USCC (人力资源市场暂行条例 art. 24 fields)."""

    __tablename__ = "employment_job"
    __table_args__ = (
        CheckConstraint("wage_min_fen >= 0 AND wage_min_fen <= wage_max_fen", name="wage"),
        CheckConstraint("headcount >= 1", name="headcount"),
        Index("ix_employment_job_employer", "employer_id", "status"),
    )

    employer_id: Mapped[int] = mapped_column(Integer)  # auth_organisation.id (with a valid USCC)
    title: Mapped[str] = mapped_column(String(80))
    industry: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(2000))
    wage_min_fen: Mapped[int] = mapped_column(Integer)
    wage_max_fen: Mapped[int] = mapped_column(Integer)
    headcount: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(JSON)
    closes_on: Mapped[date] = mapped_column(Date)
    rules_digest: Mapped[str] = mapped_column(String(64))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(300))


class JobSeeker(IdPk, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """One resident registered as a job seeker (求职登记), linked to their login and registry person."""

    __tablename__ = "employment_job_seeker"

    user_id: Mapped[int] = mapped_column(Integer, unique=True)
    party_id: Mapped[int] = mapped_column(Integer, index=True)
    industry: Mapped[str | None] = mapped_column(String(40))
    skills: Mapped[list[str]] = mapped_column(JSON)
    wage_expect_fen: Mapped[int | None] = mapped_column(Integer)
    consent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobApplication(IdPk, Status, RowVersion, CreatedAt, LedgerSeq, Base):
    """A seeker's application to a job and its outcome (入围 / 录用 / 未录用 / 撤回)."""

    __tablename__ = "employment_application"
    __table_args__ = (UniqueConstraint("job_id", "seeker_id", name="uq_employment_application_job_seeker"),
                      Index("ix_employment_application_job", "job_id", "status"))

    job_id: Mapped[int] = mapped_column(Integer)
    seeker_id: Mapped[int] = mapped_column(Integer, index=True)
    employer_id: Mapped[int] = mapped_column(Integer, index=True)
    note: Mapped[str | None] = mapped_column(String(300))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TrainingCourse(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """A skills-training course (技能培训) for one of the "2+3" industries, with its sessions and capacity; ``enrolled``
    is raised only by a conditional UPDATE below ``capacity`` (no check-then-act)."""

    __tablename__ = "employment_training_course"
    __table_args__ = (CheckConstraint("enrolled >= 0 AND enrolled <= capacity", name="capacity"),
                      CheckConstraint("sessions >= 1", name="sessions"))

    title: Mapped[str] = mapped_column(String(80))
    industry: Mapped[str] = mapped_column(String(40))
    sessions: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date] = mapped_column(Date)


class TrainingEnrolment(IdPk, CreatedAt, LedgerSeq, Base):
    """A resident's enrolment in a course, and the completion certificate (培训合格证书) once earned."""

    __tablename__ = "employment_training_enrolment"
    __table_args__ = (UniqueConstraint("course_id", "user_id", name="uq_employment_training_enrolment_course_user"),)

    course_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    party_id: Mapped[int] = mapped_column(Integer)
    certificate_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    certified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TrainingAttendance(IdPk, CreatedAt, Base):
    """One enrolment's attendance at one session of its course (考勤)."""

    __tablename__ = "employment_training_attendance"
    __table_args__ = (UniqueConstraint("enrolment_id", "session_no", name="uq_employment_training_attendance_session"),)

    enrolment_id: Mapped[int] = mapped_column(Integer, index=True)
    session_no: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(80))

"""Assessment's tables (issue #19 scope 4): a scoring run per year and subject kind with its subjects' scores, and
the task board's tasks with their milestones. Assessment reads supervision's figures through its public functions;
it owns these tables only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import (
    ACTOR_LENGTH,
    CreatedAt,
    CreatedBy,
    IdPk,
    LedgerSeq,
    RegionCode,
    RowVersion,
    Status,
)


class AssessmentRun(IdPk, Status, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """One year's assessment of one kind of subject (county, township, department): scored with the set version
    and digest and the code version named here from the supervision figures as of ``as_of``; then reviewed
    (``scored`` → ``reviewed``) and published (→ ``published``: public from then on)."""

    __tablename__ = "assessment_run"
    __table_args__ = (Index("uq_assessment_run", "year", "subject_kind", "set_version", unique=True),)

    year: Mapped[int] = mapped_column(Integer)
    subject_kind: Mapped[str] = mapped_column(String(16))
    set_version: Mapped[str] = mapped_column(String(40))
    set_digest: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(60))
    as_of: Mapped[date] = mapped_column(Date)
    reviewed_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    published_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AssessmentScore(IdPk, Base):
    """One subject's score in a run: the computed total, and an adjusted total with its written reason when the
    reviewer changed it. ``details`` holds each indicator's value, target, weight and score."""

    __tablename__ = "assessment_score"
    __table_args__ = (Index("uq_assessment_score", "run_id", "subject_code", unique=True),)

    run_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    computed: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    adjusted: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    reason: Mapped[str | None] = mapped_column(String(500))
    adjusted_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    details: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)


class BoardTask(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """A task of the plan on the board (挂图作战): its owner organisation (责任单位), its place (a region and a
    point), its final deadline and progress. ``planned`` → ``in_progress`` → ``done``."""

    __tablename__ = "assessment_task"

    title: Mapped[str] = mapped_column(String(200))
    owner_org_id: Mapped[int] = mapped_column(Integer, index=True)
    owner_name: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    starts_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(500))
    done_on: Mapped[date | None] = mapped_column(Date)


class BoardMilestone(IdPk, Base):
    """One milestone of a task, its due day counted backwards from the task's deadline (倒排工期) from its duration
    in working days; done on a day, or alerted once when overdue."""

    __tablename__ = "assessment_milestone"
    __table_args__ = (Index("uq_assessment_milestone", "task_id", "seq", unique=True),
                      Index("ix_assessment_milestone_due", "done_on", "due_on"))

    task_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    workdays: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

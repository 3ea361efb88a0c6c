"""Credit tables (issue #18): the credit file's records with their provenance, corrections, objections (异议),
court listings (失信被执行人), each party's current grade, designations and the household's authorisations of a
bank to read its file. Times UTC; dates are the city's calendar days."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, Status


class CreditRecord(IdPk, Status, CreatedAt, Base):
    """信用信息: one fact on a party's credit file (``kind`` is a grade fact: loans_overdue, seizures, listed ...)
    with its provenance: the source module or list, the source's reference, the day, the evidence and the expiry.
    Only facts that differ from a clean file are recorded; a gathering run refreshes those it finds."""

    __tablename__ = "credit_record"
    __table_args__ = (Index("uq_credit_record_party_kind_source", "party_id", "kind", "source", unique=True),)

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))  # lending | exchange | registry | court_list
    source_ref: Mapped[str | None] = mapped_column(String(120))
    recorded_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(String(300))
    expires_on: Mapped[date | None] = mapped_column(Date)
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)  # an upheld objection set its value


class CreditCorrection(IdPk, Actor, CreatedAt, Base):
    """更正: a record's value changed by an upheld objection (or by the source), old and new value kept."""

    __tablename__ = "credit_correction"

    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("credit_objection.id"))
    old_value: Mapped[int] = mapped_column(Integer)
    new_value: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))


class CreditObjection(IdPk, Status, CreatedAt, Base):
    """异议: a party disputes one of its records; decided (upheld or rejected) by ``due_on`` (征信业管理条例
    art. 25); the worker flags one left open past it."""

    __tablename__ = "credit_objection"

    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    filed_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(500))
    claimed_value: Mapped[int | None] = mapped_column(Integer)  # what the party says the value is
    filed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(String(500))


class CourtListing(IdPk, Status, CreatedAt, Base):
    """失信被执行人: a party the court listed, from ``listed_on`` to ``ends_on`` (2 years, extendable 1–3 by the
    rule set); each period is an entry on the exchange's bar list (``bar_ids``), which credit feeds."""

    __tablename__ = "credit_court_listing"

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    court: Mapped[str] = mapped_column(String(120))
    case_no: Mapped[str] = mapped_column(String(80))
    listed_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    extended_years: Mapped[int] = mapped_column(Integer, default=0)
    bar_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    listed_by: Mapped[str] = mapped_column(String(120))


class CreditGrade(IdPk, Base):
    """信用等级: a party's current indicator grade, the facts it was computed on (canonical JSON: the explanation is
    recomputed from them and the rule-set version, ``service.explain``) and that version's digest."""

    __tablename__ = "credit_grade"

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), unique=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    grade: Mapped[str] = mapped_column(String(8))
    facts: Mapped[str] = mapped_column(String(300))
    rules_digest: Mapped[str] = mapped_column(String(64))
    graded_on: Mapped[date] = mapped_column(Date)
    borrowing: Mapped[bool] = mapped_column(Boolean, default=False)
    on_time: Mapped[bool] = mapped_column(Boolean, default=True)
    outstanding_fen: Mapped[int] = mapped_column(Integer, default=0)
    non_performing_fen: Mapped[int] = mapped_column(Integer, default=0)
    # the household scorecard's reading on the same facts (scorecard.households), when a model was registered
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    score_reasons: Mapped[str | None] = mapped_column(String(200))  # the reason codes: feature names, comma-separated
    score_model: Mapped[int | None] = mapped_column(Integer)  # the model registry's version that scored it


class GradingRun(IdPk, Status, CreatedAt, Base):
    """评级批次: one yearly grading run (every party): who started it, how many were graded and scored, by grade,
    and the household model that scored them (None: graded only, no household model registered). ``status`` is
    ``completed`` (graded and scored) or ``graded_only``; a run that fails rolls back and leaves no row."""

    __tablename__ = "credit_grading_run"

    started_by: Mapped[str] = mapped_column(String(120))
    graded_on: Mapped[date] = mapped_column(Date)
    graded: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    score_model: Mapped[int | None] = mapped_column(Integer)
    by_grade: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    rules_digest: Mapped[str] = mapped_column(String(64))
    seconds: Mapped[Decimal] = mapped_column(Numeric(8, 2))


class Designation(IdPk, Status, Base):
    """信用村 / 信用乡镇: a village's or township's yearly review, with the ratios it was judged by; ``status``
    designated, not_designated or revoked (designated the year before, failing now)."""

    __tablename__ = "credit_designation"
    __table_args__ = (Index("uq_credit_designation", "level", "region_code", "year", unique=True),)

    level: Mapped[str] = mapped_column(String(12))  # village | township
    region_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    share: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    on_time: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    npl: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    households: Mapped[int] = mapped_column(Integer)
    failed: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_on: Mapped[date] = mapped_column(Date)
    rules_digest: Mapped[str] = mapped_column(String(64))


class Authorisation(IdPk, CreatedAt, Base):
    """A party's authorisation of an organisation (a bank) to read its credit file, until a day (个人信息保护法
    art. 13-14: consent for a purpose); revoked at any time."""

    __tablename__ = "credit_authorisation"

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("auth_organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(80))
    valid_until: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(120))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Mass appraisal tables (批量评估, L1, F1): valuation runs and the parcel values each run wrote."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, Status
from landbridge.kernel.money import MoneyColumn

HOLDOUT_SHARE = 0.2
"""Share of the sales held out of the fit for the ratio study when the caller names none (L1).

A choice of method, not a policy number: no rule or standard fixes it (IAAO asks for a held-out study, not
its size), the bureau may ask for any share from 0.05 to 0.5 per run, and the run and job record the share
used. So it lives here, once, as the default of every entry point (API, CLI, jobs, service), not in the
city profile.
"""

class RunStatus(StrEnum):
    """State of a valuation run: values are being written, or the run is complete."""

    running = "running"
    completed = "completed"


class MassRun(IdPk, Status, Actor, CreatedAt, LedgerSeq, Base):
    """批量评估批次: one revaluation of the city's parcels from the sales record, with its model and ratio study."""

    __tablename__ = "valuation_mass_run"

    run_no: Mapped[str] = mapped_column(String(24), unique=True)
    valuation_date: Mapped[date] = mapped_column(Date)
    model_version: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    region_prefix: Mapped[str | None] = mapped_column(String(12))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rule_digest: Mapped[str | None] = mapped_column(String(64))  # the valuation_mass rules it used (issue #13)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_json: Mapped[str] = mapped_column(Text)
    sale_count: Mapped[int] = mapped_column(Integer)
    parcel_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MassValue(Base):
    """A parcel's mass-appraised value in one run (元/m² at the use's basis term and in total), with its features."""

    __tablename__ = "valuation_mass_value"

    run_id: Mapped[int] = mapped_column(ForeignKey("valuation_mass_run.id"), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("registry_parcel.id"), primary_key=True, index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    land_use_class: Mapped[str] = mapped_column(String(8))
    value_per_m2_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    value_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    # the model's input row (float64), so an explanation recomputes exactly the value stored
    features: Mapped[bytes] = mapped_column(LargeBinary)


class MassHoldout(Base):
    """A held-out sale of a run's ratio study: its district and use, sale price and the value the model gave it."""

    __tablename__ = "valuation_mass_holdout"

    run_id: Mapped[int] = mapped_column(ForeignKey("valuation_mass_run.id"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12))
    land_use_class: Mapped[str] = mapped_column(String(8))
    sale_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    appraised_cny: Mapped[Decimal] = mapped_column(MoneyColumn())


class JobStatus(StrEnum):
    """State of a queued revaluation: waiting for a worker, being run, done (run linked) or failed (error code)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class MassJob(IdPk, Status, Actor, Base):
    """批量评估任务: the bureau's request to revalue, run by the worker with progress and a lease (L1)."""

    __tablename__ = "valuation_mass_job"

    valuation_date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    holdout: Mapped[float] = mapped_column(Float)
    region_prefix: Mapped[str | None] = mapped_column(String(12))
    threads: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error_code: Mapped[str | None] = mapped_column(String(80))
    error_message: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("valuation_mass_run.id"))

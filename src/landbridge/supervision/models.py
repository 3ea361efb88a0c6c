"""Supervision's own table (issue #19 scope 1): the indicator time series. Supervision owns this table only; it
reads every other module through their public read functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, IdPk


class IndicatorValue(IdPk, CreatedAt, Base):
    """One indicator's value for one area and period as of one day, with what produced it: the indicator set's
    version and the digest of its definitions, and the code version (package version and computation revision).
    Written once by the scheduled computation and never updated (a re-run for the same key keeps the first row)."""

    __tablename__ = "supervision_indicator_value"
    __table_args__ = (
        Index("uq_supervision_value", "indicator_code", "area_code", "period", "as_of", unique=True),
        Index("ix_supervision_value_period", "period", "as_of"),
    )

    indicator_code: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(7))
    as_of: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    numerator: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    denominator: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    records: Mapped[int] = mapped_column(Integer)
    indicator_version: Mapped[str] = mapped_column(String(20))
    definition_digest: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(40))


class AnomalyCase(IdPk, CreatedAt, Base):
    """The follow-up of one flag raised by a module (issue #19 scope 3): who it is assigned to, by when, and its
    outcome. ``flag_key`` names the flag in its module (``exchange:<flag id>``); one case per flag. Assigned, then
    closed with an outcome; each change is a ledger event in the same transaction."""

    __tablename__ = "supervision_anomaly"
    __table_args__ = (Index("uq_supervision_anomaly_flag", "flag_key", unique=True),)

    flag_key: Mapped[str] = mapped_column(String(160))
    source: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    assignee: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    closed_by: Mapped[str | None] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    ledger_seq: Mapped[int | None] = mapped_column(Integer)

"""Tables of learned benchmark coefficient tables (差别化地价修正, L1): a learning run and its learned cells.

A run learns, for one benchmark system and one window of validated market sales, what each zone's base
price and each factor table's grade should be (``valuation.learn``); the cells keep the official value,
the learned one, n and the flags, so the run reads back exactly as it was computed. Runs never change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq
from landbridge.kernel.money import MoneyColumn


class LearnRun(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """一次差别化地价修正测算: the sales window, counts, rule values and who ran it, sealed by a ledger event."""

    __tablename__ = "valuation_learn_run"

    system_id: Mapped[int] = mapped_column(ForeignKey("valuation_benchmark_system.id"), index=True)
    system_code: Mapped[str] = mapped_column(String(40))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    sale_count: Mapped[int] = mapped_column(Integer)  # validated market sales used
    # counts of sales left out (flagged, related parties, no location, no zone, unusable) and the rule values used
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)


class LearnedBasePrice(IdPk, Base):
    """A zone's market base price at the system's basis (元/m², median with its interval) next to the official one."""

    __tablename__ = "valuation_learned_base"
    __table_args__ = (Index("ix_valuation_learned_base_run", "run_id", "id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("valuation_learn_run.id"))
    zone_code: Mapped[str] = mapped_column(String(40))
    use: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    n: Mapped[int] = mapped_column(Integer)
    official_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    learned_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn(), nullable=True)
    ci_low_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn(), nullable=True)
    ci_high_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn(), nullable=True)
    diff_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn(), nullable=True)
    diff_pct: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    too_few: Mapped[bool] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean)


class LearnedFactorGrade(IdPk, Base):
    """One grade of a factor table: official and learned coefficient (percent, or a multiplier), n and flags."""

    __tablename__ = "valuation_learned_factor"
    __table_args__ = (Index("ix_valuation_learned_factor_run", "run_id", "id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("valuation_learn_run.id"))
    use: Mapped[str] = mapped_column(String(24))
    zone_grade: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    grade: Mapped[int] = mapped_column(Integer)
    grade_label: Mapped[str] = mapped_column(String(60))
    n: Mapped[int] = mapped_column(Integer)
    official: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    learned: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    diff: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    diff_pct: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    anchor: Mapped[bool] = mapped_column(Boolean)
    identified: Mapped[bool] = mapped_column(Boolean)  # linked to the anchor through shared zones (learn.py)
    too_few: Mapped[bool] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean)

"""The wage-arrears tables (欠薪案件, ``wage_arrears_case`` in the glossary; issue #20 item 4, requirement E1/E2): one
row per complaint from its filing to its close, with the order to pay (a date, working days from the rule set
``wage_arrears``), the escalation level reached and the amounts in integer fen; one row per payment or employer's
payment claim.

The worker is a registry person (``worker_party_id``; the name stays in the registry); ledger events carry the case's
facts only in their private part (ADR 0010), read by the inspectors; the public sees aggregates only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, LedgerSeq, RegionCode, RowVersion, Status


class WageArrearsCase(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """One complaint of unpaid wages (欠薪投诉) as the county's labour inspection handles it."""

    __tablename__ = "wage_arrears_case"
    __table_args__ = (
        CheckConstraint("owed_fen > 0", name="owed_positive"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= owed_fen", name="paid_bounded"),
        CheckConstraint("workers >= 1", name="workers_positive"),
        CheckConstraint("escalation >= 0 AND escalation <= 9", name="escalation"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 10)", name="rating"),
        Index("ix_wage_arrears_case_employer_status", "employer_uscc", "status"),
    )

    number: Mapped[str] = mapped_column(String(24), unique=True)
    worker_party_id: Mapped[int] = mapped_column(Integer, index=True)
    filed_by_user_id: Mapped[int] = mapped_column(Integer)
    employer_uscc: Mapped[str] = mapped_column(String(18))
    employer_name: Mapped[str] = mapped_column(String(200))
    project: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    owed_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    workers: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(String(2000))
    rules_digest: Mapped[str] = mapped_column(String(64))
    decide_due: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(300))
    pay_due: Mapped[date | None] = mapped_column(Date)
    ordered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(Integer)


class WageArrearsPayment(IdPk, Status, CreatedAt, CreatedBy, Base):
    """A payment of a case: recorded by the inspector (confirmed at once) or claimed by the employer (pending until
    the inspector confirms or refuses it)."""

    __tablename__ = "wage_arrears_payment"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    case_id: Mapped[int] = mapped_column(Integer, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    by_employer: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Homestead withdrawal tables (宅基地自愿有偿退出, issue #16 part 5): the case, and the yearly over-standard fee of a
household that keeps its homestead (超标准有偿使用费). Money is integer fen in storage, areas ``Numeric(14, 2)``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.land_quota.models import Area


class HomesteadWithdrawal(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """One household's withdrawal of one homestead, from the application to the hand-over to reclamation."""

    __tablename__ = "land_quota_withdrawal"
    __table_args__ = (
        CheckConstraint("land_fen IS NULL OR (land_fen >= 0 AND house_fen >= 0 AND total_fen = land_fen + house_fen)",
                        name="compensation"),
    )

    number: Mapped[str] = mapped_column(String(24), unique=True)
    collective_id: Mapped[int] = mapped_column(Integer, index=True)
    household_party_id: Mapped[int] = mapped_column(Integer, index=True)  # the registry party holding the right
    applicant_party_id: Mapped[int] = mapped_column(Integer)              # the member applying for the household
    right_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    parcel_id: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[Decimal] = mapped_column(Area())                      # registered area of the parcel
    household_size: Mapped[int] = mapped_column(Integer)
    rules_digest: Mapped[str] = mapped_column(String(64))                 # the homestead rule set applied
    council_meeting_id: Mapped[int | None] = mapped_column(Integer)
    motion_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    house_structure: Mapped[str | None] = mapped_column(String(24))
    house_floor_m2: Mapped[Decimal | None] = mapped_column(Area())
    land_fen: Mapped[int | None] = mapped_column(BigInteger)
    house_fen: Mapped[int | None] = mapped_column(BigInteger)
    total_fen: Mapped[int | None] = mapped_column(BigInteger)
    payment_ref: Mapped[str | None] = mapped_column(String(120))
    paid_on: Mapped[date | None] = mapped_column(Date)
    cancellation_application_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    project_id: Mapped[int | None] = mapped_column(Integer)


class HomesteadFee(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """The year's fee for over-standard use of a homestead its household keeps (assessed → paid)."""

    __tablename__ = "land_quota_homestead_fee"
    __table_args__ = (
        UniqueConstraint("right_id", "year", name="uq_land_quota_homestead_fee_right_year"),
        CheckConstraint("fee_fen > 0 AND excess_m2 > 0", name="positive"),
    )

    collective_id: Mapped[int] = mapped_column(Integer, index=True)
    household_party_id: Mapped[int] = mapped_column(Integer, index=True)
    right_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    household_size: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[Decimal] = mapped_column(Area())
    standard_m2: Mapped[Decimal] = mapped_column(Area())
    excess_m2: Mapped[Decimal] = mapped_column(Area())
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    rules_digest: Mapped[str] = mapped_column(String(64))
    payment_ref: Mapped[str | None] = mapped_column(String(120))

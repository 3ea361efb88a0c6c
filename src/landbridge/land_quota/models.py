"""Land quota tables (issue #16): reclamation projects, the quota ledger's entries, a balance row per county and
year, and the allocations to destination parcels. Areas are m² as ``Numeric(14, 2)`` (Decimal in code)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, RegionCode, RowVersion, Status

ZERO = Decimal("0.00")


def Area() -> Numeric[Decimal]:
    """An area in m² with two decimals."""
    return Numeric(14, 2)


class ReclamationProject(IdPk, Status, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """复垦项目: a collective reclaims idle construction land to farmland; the county accepts it with its measured
    area and quality grade, and only then is its area credited as quota (``region_code`` is the county)."""

    __tablename__ = "land_quota_project"

    project_no: Mapped[str] = mapped_column(String(24), unique=True)
    collective_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    plan_ref: Mapped[str] = mapped_column(String(120))  # the approved reclamation plan (复垦方案) document
    planned_area_m2: Mapped[Decimal] = mapped_column(Area())
    accepted_area_m2: Mapped[Decimal | None] = mapped_column(Area())
    quality_grade: Mapped[int | None] = mapped_column(Integer)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    credited_year: Mapped[int | None] = mapped_column(Integer)  # set once, when its quota is credited


class QuotaBalance(IdPk, RowVersion, Base):
    """A county's quota for a year: the row every change locks (``SELECT … FOR UPDATE`` on PostgreSQL) and updates
    with a conditional UPDATE; the CHECK constraint is the last guard of 0 ≤ consumed ≤ allocated ≤ accepted."""

    __tablename__ = "land_quota_balance"
    __table_args__ = (
        UniqueConstraint("county_code", "year", name="uq_land_quota_balance_county_year"),
        CheckConstraint("consumed_m2 >= 0 AND consumed_m2 <= allocated_m2 AND allocated_m2 <= accepted_m2",
                        name="bounds"),
    )

    county_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    accepted_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)
    allocated_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)
    consumed_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)


class QuotaAllocation(IdPk, RowVersion, CreatedAt, Base):
    """Quota allocated to one destination parcel for a year (by the supply plan), and how much it has consumed."""

    __tablename__ = "land_quota_allocation"
    __table_args__ = (
        UniqueConstraint("parcel_id", "year", name="uq_land_quota_allocation_parcel_year"),
        CheckConstraint("consumed_m2 >= 0 AND consumed_m2 <= amount_m2", name="bounds"),
    )

    balance_id: Mapped[int] = mapped_column(Integer, index=True)
    county_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    parcel_id: Mapped[int] = mapped_column(Integer)
    amount_m2: Mapped[Decimal] = mapped_column(Area())
    consumed_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)


class QuotaEntry(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """One entry of the quota ledger: a credit (from an accepted project), an allocation (to a parcel), a transfer
    (to a buyer on the exchange) or a consumption (by a parcel); ``ledger_seq`` is its ledger event."""

    __tablename__ = "land_quota_entry"
    __table_args__ = (
        Index("ix_land_quota_entry_county_year", "county_code", "year"),
        CheckConstraint("amount_m2 > 0", name="positive"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    amount_m2: Mapped[Decimal] = mapped_column(Area())
    county_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    parcel_id: Mapped[int | None] = mapped_column(Integer, index=True)
    buyer_party_id: Mapped[int | None] = mapped_column(Integer)

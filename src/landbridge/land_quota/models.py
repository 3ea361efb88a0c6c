"""Land quota tables (issue #16): reclamation projects, the quota ledger's entries, a balance row per county and
year, and the allocations to destination parcels. Areas are m² as ``Numeric(14, 2)`` (Decimal in code)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shapely.geometry.base import BaseGeometry
from sqlalchemy import BigInteger, CheckConstraint, Date, Float, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.kernel.geo import GeometryColumn

ZERO = Decimal("0.00")


def Area() -> Numeric[Decimal]:
    """An area in m² with two decimals."""
    return Numeric(14, 2)


class ReclamationProject(IdPk, Status, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """复垦项目: a collective reclaims idle construction land to farmland; the county accepts it with its measured
    area and quality grade, and only then is its area credited as quota (``region_code`` is the county)."""

    __tablename__ = "land_quota_project"
    __table_args__ = (Index("ix_land_quota_project_bbox", "minx", "maxx"),)

    project_no: Mapped[str] = mapped_column(String(24), unique=True)
    collective_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    plan_ref: Mapped[str] = mapped_column(String(120))  # the approved reclamation plan (复垦方案) document
    planned_area_m2: Mapped[Decimal] = mapped_column(Area())
    accepted_area_m2: Mapped[Decimal | None] = mapped_column(Area())
    quality_grade: Mapped[int | None] = mapped_column(Integer)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    credited_year: Mapped[int | None] = mapped_column(Integer)  # set once, when its quota is credited
    # The boundary (EPSG:4490 MultiPolygon) inside the collective's registered land, its bounding box (the overlap
    # check's candidate filter on both databases) and its measured area (m², projected CRS). Nullable only for the
    # rows written before migration 0043; every project registered since has one.
    geom: Mapped[BaseGeometry | None] = mapped_column(GeometryColumn())
    boundary_area_m2: Mapped[Decimal | None] = mapped_column(Area())
    minx: Mapped[float | None] = mapped_column(Float)
    miny: Mapped[float | None] = mapped_column(Float)
    maxx: Mapped[float | None] = mapped_column(Float)
    maxy: Mapped[float | None] = mapped_column(Float)


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
    plan_line_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the supply plan's use and quarter
    holding_id: Mapped[int | None] = mapped_column(Integer, index=True)  # or a buyer's holding (quota bought)
    entry_case_id: Mapped[int | None] = mapped_column(Integer)  # the market-entry case whose conclusion consumed it


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


class SupplyPlan(IdPk, Status, RowVersion, CreatedAt, LedgerSeq, Base):
    """年度供应计划: a county's annual supply plan for a year (draft → approved); allocations of that year count
    against its approved lines."""

    __tablename__ = "land_quota_plan"
    __table_args__ = (UniqueConstraint("county_code", "year", name="uq_land_quota_plan_county_year"),)

    county_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    approved_on: Mapped[date | None] = mapped_column(Date)


class SupplyPlanLine(IdPk, RowVersion, Base):
    """One line of a supply plan: the quota (m²) and the number of parcels planned for a land use in a quarter,
    and how much of each the allocations have taken (the CHECK is the last guard of the plan's figures)."""

    __tablename__ = "land_quota_plan_line"
    __table_args__ = (
        UniqueConstraint("plan_id", "land_use", "quarter", name="uq_land_quota_plan_line_use_quarter"),
        CheckConstraint("quarter >= 1 AND quarter <= 4 AND allocated_m2 >= 0 AND allocated_m2 <= quota_m2 "
                        "AND allocated_parcels >= 0 AND allocated_parcels <= parcels", name="bounds"),
    )

    plan_id: Mapped[int] = mapped_column(Integer, index=True)
    land_use: Mapped[str] = mapped_column(String(24))
    quarter: Mapped[int] = mapped_column(Integer)
    quota_m2: Mapped[Decimal] = mapped_column(Area())
    parcels: Mapped[int] = mapped_column(Integer)
    allocated_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)
    allocated_parcels: Mapped[int] = mapped_column(Integer, default=0)


class QuotaLot(IdPk, Status, RowVersion, CreatedAt, LedgerSeq, Base):
    """Quota of a county's year sold on the exchange as a ``construction_quota`` lot (listed → concluded, or
    returned to the county when the lot fails or is cancelled); the buyer is the lot's winner."""

    __tablename__ = "land_quota_lot"
    __table_args__ = (CheckConstraint("amount_m2 > 0", name="positive"),)

    lot_id: Mapped[int] = mapped_column(Integer, unique=True)  # the exchange lot (its first attempt)
    balance_id: Mapped[int] = mapped_column(Integer, index=True)
    county_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    amount_m2: Mapped[Decimal] = mapped_column(Area())
    buyer_party_id: Mapped[int | None] = mapped_column(Integer)


class QuotaHolding(IdPk, RowVersion, Base):
    """Quota a buyer received on the exchange (from one county's year), and how much of it it has allocated to
    its destination parcels; the CHECK is the last guard of 0 ≤ allocated ≤ received."""

    __tablename__ = "land_quota_holding"
    __table_args__ = (
        UniqueConstraint("party_id", "balance_id", name="uq_land_quota_holding_party_balance"),
        CheckConstraint("allocated_m2 >= 0 AND allocated_m2 <= received_m2", name="bounds"),
    )

    party_id: Mapped[int] = mapped_column(Integer, index=True)
    balance_id: Mapped[int] = mapped_column(Integer)
    county_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    received_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)
    allocated_m2: Mapped[Decimal] = mapped_column(Area(), default=ZERO)


class LandReserve(IdPk, Status, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """土地收储: the reserve centre acquires a registered parcel for compensation (integer fen), holds it, and
    supplies it under the county's approved supply plan (proposed → held → supplied; proposed → cancelled).
    ``region_code`` is the county; one reserve case per parcel that is not cancelled."""

    __tablename__ = "land_quota_reserve"
    __table_args__ = (
        Index("uq_land_quota_reserve_parcel_open", "parcel_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        CheckConstraint("compensation_fen >= 0", name="compensation"),
    )

    reserve_no: Mapped[str] = mapped_column(String(24), unique=True)
    parcel_id: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # the parcel's registered area when proposed
    compensation_fen: Mapped[int] = mapped_column(BigInteger)
    acquired_on: Mapped[date | None] = mapped_column(Date)
    supplied_on: Mapped[date | None] = mapped_column(Date)
    plan_line_id: Mapped[int | None] = mapped_column(Integer)  # the supply plan line it was supplied under

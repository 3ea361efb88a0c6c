"""Planning tables: territorial-plan zones (用途分区) and one-map layers (一张图) (L2).

A zone never changes its geometry or indicators once created: a new plan version or a revised
zone is a new row, and the old one is superseded. Geometry columns carry their bounding box
(``minx … maxy``) for the SQLite R*Tree (``<table>_rtree``) like the registry's parcels.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, Date, DateTime, Float, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, RegionCode, Status
from landbridge.kernel.geo import ANY_GEOMETRY, GeometryColumn
from landbridge.planning.rules import FeatureKind, ZoneKind, ZoneStatus

__all__ = ["FeatureKind", "IssuedConditions", "PlanningFeature", "PlanningZone", "ZoneKind", "ZoneStatus"]


class PlanningZone(IdPk, RegionCode, Status, CreatedAt, CreatedBy, Base):
    """规划分区 (plan_zone): a zone of one plan version with its kind, permitted uses and conditions (L2)."""

    __tablename__ = "planning_zone"
    __table_args__ = (
        Index("uq_planning_zone_version_code", "plan_version", "code", unique=True),
        Index("ix_planning_zone_version_status", "plan_version", "status"),
    )

    code: Mapped[str] = mapped_column(String(40))
    plan_version: Mapped[str] = mapped_column(String(200))
    zone_kind: Mapped[str] = mapped_column(String(40), index=True)
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn())
    area_m2: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    # GB/T 21010 classes; empty means "the zone kind's defaults" (city profile rule set ``planning``).
    permitted_uses: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    min_plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    max_building_density: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    max_height_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    min_green_ratio: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(120))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(120))
    supersede_reason: Mapped[str | None] = mapped_column(Text)


class PlanningFeature(IdPk, CreatedAt, Base):
    """一张图 layer feature: a town centre, road, river, administrative boundary or hamlet (any geometry type)."""

    __tablename__ = "planning_feature"

    kind: Mapped[str] = mapped_column(String(20), index=True)
    subkind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(12), index=True)
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn(ANY_GEOMETRY))
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IssuedConditions(IdPk, RegionCode, Status, CreatedAt, CreatedBy, Base):
    """规划条件 as issued by the natural-resources bureau for one parcel (issue #15): use, intensity, industry
    access and environmental requirements, with a validity. Never edited: a change is a new issue that
    supersedes the old one; a revoked or expired issue no longer supports a contract."""

    __tablename__ = "planning_issued_conditions"
    __table_args__ = (Index("ix_planning_issued_conditions_parcel", "parcel_id", "status"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    parcel_id: Mapped[int] = mapped_column()
    zone_id: Mapped[int | None] = mapped_column()
    land_use: Mapped[str] = mapped_column(String(8))
    max_plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    min_plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    max_building_density: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    max_height_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    min_green_ratio: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    industry_requirements: Mapped[str] = mapped_column(Text)
    environment_requirements: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    superseded_by_id: Mapped[int | None] = mapped_column()
    ledger_seq: Mapped[int | None] = mapped_column()

"""Maintenance inventory tables (管护清单, issue #20 item 5): assets with their location and maintainer, their
inspections and their defects with a repair deadline. A location is any EPSG:4490 geometry (a point for a lamp or
a well, a line for a road or a pipe, a polygon for a building's plot) with its bounding box for the map's viewport
filter."""

from __future__ import annotations

from datetime import date, datetime

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.kernel.geo import ANY_GEOMETRY, GeometryColumn


class MaintenanceAsset(IdPk, Status, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """A rural public infrastructure asset (农村公共基础设施) of a village (``region_code``) and who maintains it
    (管护主体: an organisation or a collective, by id, with its name as registered), its duties, its maintenance
    standard and its funding source."""

    __tablename__ = "maintenance_asset"
    __table_args__ = (Index("ix_maintenance_asset_bbox", "minx", "maxx"),
                      Index("ix_maintenance_asset_maintainer", "maintainer_kind", "maintainer_id"))

    asset_no: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(200))
    maintainer_kind: Mapped[str | None] = mapped_column(String(16))
    maintainer_id: Mapped[int | None] = mapped_column(Integer)
    maintainer_name: Mapped[str | None] = mapped_column(String(200))
    duties: Mapped[str] = mapped_column(String(500))
    standard: Mapped[str] = mapped_column(String(200))
    funding_source: Mapped[str] = mapped_column(String(24))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn(ANY_GEOMETRY))
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)


class MaintenanceInspection(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """巡查: one inspection of an asset on a day with its findings and how many defects it reported."""

    __tablename__ = "maintenance_inspection"

    asset_id: Mapped[int] = mapped_column(Integer, index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(String(500))
    defects: Mapped[int] = mapped_column(Integer, default=0)


class MaintenanceDefect(IdPk, Status, RowVersion, CreatedAt, LedgerSeq, Base):
    """A defect of an asset (问题/病害) with its repair deadline (``due_on``, rule ``repair_days``); ``escalated_at``
    is set once, by the worker, when an open defect passed its deadline."""

    __tablename__ = "maintenance_defect"
    __table_args__ = (Index("ix_maintenance_defect_due", "status", "due_on"),)

    asset_id: Mapped[int] = mapped_column(Integer, index=True)
    inspection_id: Mapped[int | None] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500))
    reported_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    repaired_on: Mapped[date | None] = mapped_column(Date)
    repair_note: Mapped[str | None] = mapped_column(String(500))
    closed_on: Mapped[date | None] = mapped_column(Date)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

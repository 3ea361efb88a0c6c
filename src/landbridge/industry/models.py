"""Industry information tables (产业信息, issue #19 item 5): places of the city's industry synergy platform with
their boundary and industries, their projects, each project's funding lines and the bundles of an operating project
with public-welfare ones. Money is Decimal yuan in code and integer fen in storage (``MoneyColumn``). Available land
and quota are never stored: they are computed from the land quota, market entry and registry reads
(``figures``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.kernel.geo import MULTIPOLYGON, GeometryColumn
from landbridge.kernel.money import MoneyColumn


class IndustryPlace(IdPk, Status, RegionCode, RowVersion, CreatedAt, LedgerSeq, Base):
    """A place (产业载体): an industry synergy zone, a characteristic town, an agricultural park or a village, with
    its boundary (EPSG:4490), bounding box and industries (codes of the rule set's ``industries``)."""

    __tablename__ = "industry_place"
    __table_args__ = (Index("ix_industry_place_bbox", "minx", "maxx"),)

    place_no: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    industries: Mapped[list[Any]] = mapped_column(JSON)
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn(MULTIPOLYGON))
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)


class IndustryProject(IdPk, RowVersion, CreatedAt, LedgerSeq, Base):
    """A project of a place: operating (经营性, with its expected revenue over the financing term) or public welfare
    (公益性); published to investors or not; in at most one bundle; linked to a quota allocation and a market-entry
    case where its land came that way."""

    __tablename__ = "industry_project"

    project_no: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(24), index=True)  # ProjectStatus values are longer than Status's 16
    place_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    nature: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(1000))
    revenue_cny: Mapped[Decimal] = mapped_column(MoneyColumn(), default=Decimal(0))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    bundle_id: Mapped[int | None] = mapped_column(Integer, index=True)
    quota_allocation_id: Mapped[int | None] = mapped_column(Integer)
    entry_case_id: Mapped[int | None] = mapped_column(Integer)


class IndustryFunding(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """One funding line of a project: its source (rule ``funding_sources``), amount and reference (a fund's
    document, a bond issue, a loan contract number; never a person)."""

    __tablename__ = "industry_funding"

    project_id: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(24))
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    reference: Mapped[str] = mapped_column(String(200))


class IndustryBundle(IdPk, RowVersion, CreatedAt, LedgerSeq, Base):
    """打捆项目 (S96): one operating project whose revenue carries the financing of the bundle's projects."""

    __tablename__ = "industry_bundle"

    bundle_no: Mapped[str] = mapped_column(String(24), unique=True)
    place_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    operating_project_id: Mapped[int] = mapped_column(Integer, unique=True)

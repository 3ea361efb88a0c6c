"""Valuation tables of the benchmark price system (基准地价体系) and of sales validation (L1, F1).

A benchmark system is a version: its price zones (级别/区片, per use, with geometry, base price and
basis), factor tables, plot-ratio tables and date index never change once published; a revision is
a new system. Sale flags mark sales that look non-market until a person reviews them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, RegionCode
from landbridge.kernel.geo import GeometryColumn
from landbridge.kernel.money import MoneyColumn


class FlagReason(StrEnum):
    """Why a sale looks non-market: declared related parties, price outliers, duplicates, repeat sales, area."""

    related_parties = "related_parties"
    price_outlier = "price_outlier"
    unit_price_outlier = "unit_price_outlier"
    duplicate = "duplicate"
    repeat_sale = "repeat_sale"
    implausible_area = "implausible_area"


class FlagStatus(StrEnum):
    """A flag waits for review; ``accepted`` confirms the sale is non-market, ``rejected`` keeps the sale."""

    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class SaleFlag(IdPk, RegionCode, CreatedAt, Base):
    """非正常交易标记: one reason a sale looks non-market, with its score and a person's review (L1)."""

    __tablename__ = "valuation_sale_flag"
    __table_args__ = (Index("uq_valuation_sale_flag_sale_reason", "sale_id", "reason", unique=True),)

    sale_id: Mapped[int] = mapped_column(ForeignKey("valuation_sale.id"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    score: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), index=True)
    run_no: Mapped[str] = mapped_column(String(24))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BenchmarkStatus(StrEnum):
    """A benchmark system is drafted, published (in force for its area), then retired by its successor."""

    draft = "draft"
    published = "published"
    retired = "retired"


class BenchmarkSystem(IdPk, RegionCode, CreatedAt, CreatedBy, Base):
    """基准地价体系: one version of a city's benchmark land prices, with its parameters (L1)."""

    __tablename__ = "valuation_benchmark_system"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    base_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)
    # capitalisation rates and statutory terms per use, development order, date-index kind (see benchmark_rules)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(120))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PriceZone(IdPk, Base):
    """级别/区片: a price zone of one use and grade, its base price (元/m²) and the basis (内涵) of that price."""

    __tablename__ = "valuation_price_zone"
    __table_args__ = (Index("uq_valuation_price_zone_system_code", "system_id", "code", unique=True),
                      Index("ix_valuation_price_zone_system_use", "system_id", "use"))

    system_id: Mapped[int] = mapped_column(ForeignKey("valuation_benchmark_system.id"))
    code: Mapped[str] = mapped_column(String(40))
    use: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    base_price_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    term_years: Mapped[int] = mapped_column(Integer)
    plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    development_level: Mapped[str] = mapped_column(String(40))
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn())
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)


class BenchmarkFactor(IdPk, Base):
    """修正系数表: a named factor of a use (and grade) with grade thresholds and a value per grade (L1)."""

    __tablename__ = "valuation_benchmark_factor"
    __table_args__ = (Index("ix_valuation_benchmark_factor_system_use", "system_id", "use"),)

    system_id: Mapped[int] = mapped_column(ForeignKey("valuation_benchmark_system.id"))
    use: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    attribute: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(16))
    thresholds: Mapped[list[Any]] = mapped_column(JSON)
    grade_values: Mapped[list[str]] = mapped_column(JSON)
    default_grade: Mapped[int] = mapped_column(Integer)


class PlotRatioPoint(IdPk, Base):
    """容积率修正系数表: one row (plot ratio → coefficient) of a use and grade; read by linear interpolation."""

    __tablename__ = "valuation_plot_ratio_point"
    __table_args__ = (Index("uq_valuation_plot_ratio_point", "system_id", "use", "grade", "plot_ratio", unique=True),)

    system_id: Mapped[int] = mapped_column(ForeignKey("valuation_benchmark_system.id"))
    use: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int] = mapped_column(Integer)
    plot_ratio: Mapped[Decimal] = mapped_column(Numeric(8, 4))
    coefficient: Mapped[Decimal] = mapped_column(Numeric(10, 6))


class DateIndexPoint(IdPk, Base):
    """地价指数: the land-price index of a use in a month (the benchmark's base month is its reference)."""

    __tablename__ = "valuation_date_index"
    __table_args__ = (Index("uq_valuation_date_index", "system_id", "use", "period", unique=True),)

    system_id: Mapped[int] = mapped_column(ForeignKey("valuation_benchmark_system.id"))
    use: Mapped[str] = mapped_column(String(24))
    period: Mapped[date] = mapped_column(Date)
    index_value: Mapped[Decimal] = mapped_column(Numeric(12, 6))

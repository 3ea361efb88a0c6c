"""Valuation tables (so far the sales record, L1/F1): sales, the batches they were loaded in, sale numbers."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import Actor, CreatedAt, IdPk, LedgerSeq, RegionCode
from landbridge.kernel.money import FEN, MoneyColumn


class SaleMethod(StrEnum):
    """How the right was sold: 出让 (grant, by 挂牌/拍卖/招标/协议), 转让 (transfer), 出租/流转 (lease)."""

    grant = "grant"
    transfer = "transfer"
    lease = "lease"
    auction = "auction"
    listing = "listing"
    tender = "tender"
    negotiated = "negotiated"


class SaleSource(StrEnum):
    """Where a sale record came from: the exchange, the registry, the demo generator, or a file import."""

    exchange = "exchange"
    registry = "registry"
    demo = "demo"
    import_ = "import"


class Sale(IdPk, RegionCode, CreatedAt, Base):
    """成交记录: one transaction of a land right, the evidence for benchmark prices and mass appraisal (L1, F1)."""

    __tablename__ = "valuation_sale"
    __table_args__ = (
        Index("ix_valuation_sale_use_date", "land_use_class", "sale_date"),
        CheckConstraint("price_cny > 0", name="price_positive"),
        CheckConstraint("area_m2 > 0", name="area_positive"),
    )

    sale_no: Mapped[str] = mapped_column(String(20), unique=True)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("registry_parcel.id"), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(28))
    land_use_class: Mapped[str] = mapped_column(String(8))
    right_type: Mapped[str] = mapped_column(String(48))
    sale_date: Mapped[date] = mapped_column(Date)
    price_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    area_m2: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    term_years: Mapped[int | None] = mapped_column(Integer)
    plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    buyer_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    seller_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    related_parties: Mapped[bool | None] = mapped_column(Boolean)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("valuation_sale_batch.id"), index=True)

    @property
    def price_per_m2(self) -> Decimal:
        """Unit price in 元/m², computed exactly from the total and the area, rounded half up to the fen."""
        return (Decimal(self.price_cny) / Decimal(self.area_m2)).quantize(FEN, rounding=ROUND_HALF_UP)


class SaleBatchRecord(IdPk, Actor, CreatedAt, LedgerSeq, Base):
    """A batch of sales loaded together (exchange feed, import, demo), sealed by one ledger event (P2)."""

    __tablename__ = "valuation_sale_batch"

    batch_no: Mapped[str] = mapped_column(String(24), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    sale_count: Mapped[int] = mapped_column(Integer)
    rows_sha256: Mapped[str] = mapped_column(String(64))


class SaleCounter(Base):
    """Gap-free counters for sale and batch numbers (one row per prefix and year, locked when drawn)."""

    __tablename__ = "valuation_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)

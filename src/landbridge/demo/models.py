"""Demo truth tables: the generator's true parcel values and the truth about each generated sale (issue #3).

Kept apart from the platform's own data so that a valuation can be scored against them; nothing
outside ``landbridge.demo`` reads them (import-linter contract).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.money import MoneyColumn


class TrueValue(Base):
    """A parcel's true market value on a date under the demo price model (元/m² and in total)."""

    __tablename__ = "demo_true_value"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("registry_parcel.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    value_per_m2_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    value_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    model_version: Mapped[str] = mapped_column(String(40))


class SaleTruth(Base):
    """The truth about a generated sale: market or not, why not, and the true price at its date."""

    __tablename__ = "demo_sale_truth"

    sale_id: Mapped[int] = mapped_column(ForeignKey("valuation_sale.id"), primary_key=True)
    market: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(40))
    true_price_cny: Mapped[Decimal] = mapped_column(MoneyColumn())

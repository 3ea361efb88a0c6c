"""Market entry tables of the exchange (集体经营性建设用地入市, issue #15): the entry terms of a collective
construction land lot (method, use, grade, term, equity share) that decide the right its buyer receives at the
hand-over and the adjustment fee's rate."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk


class EntryTerms(IdPk, CreatedBy, CreatedAt, Base):
    """How a collective construction land lot enters the market: grant (出让), lease (出租) or contribution as
    equity (作价入股); the planned use category and the land grade (土地级别) that set the term's cap and the
    adjustment fee's rate; the term in years; for equity, the collective's share of the project company."""

    __tablename__ = "exchange_entry_terms"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    land_use: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int | None] = mapped_column(Integer)
    term_years: Mapped[int] = mapped_column(Integer)
    equity_share: Mapped[str | None] = mapped_column(String(24))
    plan_ref: Mapped[str | None] = mapped_column(String(120))

"""Exchange method tables (F4, issue #6 item 2): sealed tenders and their evaluation panel and scores (招标),
and objections lodged during the publicity of a negotiated transfer (协议转让)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import IdPk
from landbridge.kernel.money import MoneyColumn


class TenderEvaluator(IdPk, Base):
    """A member of a lot's evaluation panel (评标小组), designated by the lot's operator."""

    __tablename__ = "exchange_tender_evaluator"
    __table_args__ = (UniqueConstraint("lot_id", "user_id", name="uq_exchange_tender_evaluator_lot_user"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"))
    designated_by: Mapped[str] = mapped_column(String(120))
    designated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Tender(IdPk, Base):
    """One bidder's sealed tender (投标文件): AES-GCM ciphertext until the opening, written once; the
    receipt is the SHA-256 of the ciphertext. Price, plan and documents are stored in clear only at opening."""

    __tablename__ = "exchange_tender"
    __table_args__ = (UniqueConstraint("lot_id", "bidder_id", name="uq_exchange_tender_lot_bidder"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"))
    ciphertext: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    plan_summary: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[str] | None] = mapped_column(JSON)
    total_score: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    rank: Mapped[int | None] = mapped_column(Integer)


class TenderScore(IdPk, Base):
    """One evaluator's scores of one opened tender (plan, credentials), written once."""

    __tablename__ = "exchange_tender_score"
    __table_args__ = (UniqueConstraint("tender_id", "evaluator_user_id", name="uq_exchange_tender_score_evaluator"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("exchange_tender.id"), index=True)
    evaluator_user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"))
    plan_score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    credentials_score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    comment: Mapped[str | None] = mapped_column(String(500))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Objection(IdPk, Base):
    """An objection (异议) lodged during the publicity of a negotiated transfer, then upheld or dismissed."""

    __tablename__ = "exchange_objection"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    lodged_by: Mapped[str] = mapped_column(String(120))
    lodged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), index=True)
    ruling: Mapped[str | None] = mapped_column(String(500))
    ruled_by: Mapped[str | None] = mapped_column(String(120))
    ruled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

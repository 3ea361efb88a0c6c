"""Exchange documents and bank credits: the issued award confirmations and contracts with their digests, and
every credit the bank reported by callback, matched or not (F4; issue #6 items 3 and 6)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import IdPk, LedgerSeq
from landbridge.kernel.money import MoneyColumn


class ExchangeDocument(IdPk, LedgerSeq, Base):
    """An issued document of a lot (成交确认书, 产权交易合同): number, the printed content with its SHA-256, and
    the PDF's SHA-256 and size once the renderer has made it (``rendered_at``; ``render_seq`` its ledger event).

    Issuing is part of the award's transaction and stores the content; rendering the PDF (about a second with
    its Chinese fonts) is the worker's, after the commit (``documents.render_pending``).
    """

    __tablename__ = "exchange_document"
    __table_args__ = (UniqueConstraint("lot_id", "kind", name="uq_exchange_document_lot_kind"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(48), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(String(120))
    rendered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    render_seq: Mapped[int | None] = mapped_column(Integer)


class BankCredit(IdPk, Base):
    """A credit the bank reported by its signed callback (到账通知), kept whether or not it matched a deposit."""

    __tablename__ = "exchange_bank_credit"

    bank_ref: Mapped[str] = mapped_column(String(64), unique=True)
    sub_account: Mapped[str] = mapped_column(String(64), index=True)
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    payer_name: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str] = mapped_column(String(64))
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_deposit.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_lot.id"), index=True)

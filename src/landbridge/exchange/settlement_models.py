"""Exchange settlement (价款结算) tables: one record per confirmed award, from the confirmation to the balance paid
into its own virtual sub-account in one or more instalments, or the winner's default; the fees at payout and the
distribution of the proceeds (F4, F6, L6, L7; issue #6 item 6)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import IdPk, Status
from landbridge.kernel.money import MoneyColumn


class Settlement(IdPk, Status, Base):
    """The price settlement of one award: price, earnest money, balance due into a sub-account (by instalments,
    ``due_on`` being the next unpaid one's due day), the exchange's service fee, the land value-increment
    adjustment fee (调节金, with its rule's basis) and the net payout to the seller; for a collateral lot the
    distribution of the proceeds among the mortgagees and the owner."""

    __tablename__ = "exchange_settlement"
    __table_args__ = (UniqueConstraint("lot_id", "bidder_id", name="uq_exchange_settlement_lot_bidder"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"))
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    confirmation_no: Mapped[str] = mapped_column(String(40))
    price_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    earnest_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    balance_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    fee_rate: Mapped[str] = mapped_column(String(12))
    rule_digest: Mapped[str | None] = mapped_column(String(64))  # the exchange rules it used (issue #13)
    fee_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    payout_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    sub_account: Mapped[str] = mapped_column(String(32), unique=True)
    due_on: Mapped[date] = mapped_column(Date)
    overdue_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(120))
    bank_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    payer_name: Mapped[str | None] = mapped_column(String(200))
    paid_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    payout_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    payout_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    defaulted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    schedule_source: Mapped[str | None] = mapped_column(String(300))
    adjustment_land_use: Mapped[str | None] = mapped_column(String(24))
    adjustment_base_type: Mapped[str | None] = mapped_column(String(16))
    adjustment_rate: Mapped[str | None] = mapped_column(String(12))
    adjustment_base_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    adjustment_fee_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    adjustment_source: Mapped[str | None] = mapped_column(String(300))
    distribution: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class SettlementInstalment(IdPk, Base):
    """One instalment (分期付款) of a settlement: its amount and due day, paid by a bank credit (F4, L6)."""

    __tablename__ = "exchange_settlement_instalment"
    __table_args__ = (UniqueConstraint("settlement_id", "seq", name="uq_exchange_settlement_instalment_seq"),)

    settlement_id: Mapped[int] = mapped_column(ForeignKey("exchange_settlement.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    bank_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Exchange tables: lots, bidders (with anonymous codes), deposits, bids, results, the bar list, sealed reserve
prices and supervision flags (F3, F4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, LedgerSeq, RegionCode, RowVersion, Status
from landbridge.kernel.money import MoneyColumn


class Lot(IdPk, RegionCode, CreatedBy, CreatedAt, RowVersion, Base):
    """A lot (标的) on the exchange: its subject, rule-set snapshot, prices, phase and deadlines."""

    __tablename__ = "exchange_lot"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    method: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("registry_property_unit.id"), index=True)
    right_id: Mapped[int | None] = mapped_column(ForeignKey("registry_right.id"))
    seller_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    appraised_value_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    rule_version: Mapped[str] = mapped_column(String(10))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    rule_digest: Mapped[str | None] = mapped_column(String(64))  # the exchange rules it used (issue #13)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    previous_lot_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_lot.id"))
    excluded_party_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    phase: Mapped[str] = mapped_column(String(24), index=True)
    start_price_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    increment_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    deposit_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    price_cap_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    # a fixed-price sale (变卖): the seconds the first offer at the fixed price leaves the others (its owner's rule)
    offer_countdown_s: Mapped[int | None] = mapped_column(Integer)
    current_price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    leader_bidder_id: Mapped[int | None] = mapped_column(Integer)
    accepted_bids: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    application_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    freeze_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    countdown_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Bidder(IdPk, Base):
    """A bidder registered for one lot (竞买人), known publicly only by an anonymous code (号牌)."""

    __tablename__ = "exchange_bidder"
    __table_args__ = (UniqueConstraint("lot_id", "party_id", name="uq_exchange_bidder_lot_party"),
                      UniqueConstraint("lot_id", "bidder_code", name="uq_exchange_bidder_lot_code"))

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("auth_user.id"))
    bidder_code: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applied_by: Mapped[str] = mapped_column(String(120))


class Deposit(IdPk, Status, Base):
    """A bidder's deposit (保证金) on its own virtual sub-account for one lot (trading.md c.2.3)."""

    __tablename__ = "exchange_deposit"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"), unique=True)
    sub_account: Mapped[str] = mapped_column(String(32), unique=True)
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    bank_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    payer_name: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refund_due_on: Mapped[date | None] = mapped_column(Date)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Bid(IdPk, LedgerSeq, Base):
    """A bid (报价), accepted or rejected with a code, at server time; idempotent per lot and bidder."""

    __tablename__ = "exchange_bid"
    __table_args__ = (
        UniqueConstraint("lot_id", "bidder_id", "idempotency_key", name="uq_exchange_bid_idempotency"),
        # At most one accepted bid per price on a lot, whatever the application does.
        Index("uq_exchange_bid_accepted_price", "lot_id", "amount_cny", unique=True,
              sqlite_where=text("status = 'accepted'"), postgresql_where=text("status = 'accepted'")),
        Index("ix_exchange_bid_lot_id_id", "lot_id", "id"),
    )

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"))
    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"), index=True)
    amount_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    status: Mapped[str] = mapped_column(String(12))
    reject_code: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))
    entered_by: Mapped[str] = mapped_column(String(120))
    evidence: Mapped[str | None] = mapped_column(String(300))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    device_id: Mapped[str | None] = mapped_column(String(64))


class LotResult(IdPk, Base):
    """The result of a lot: award (成交) or unsuccessful (流拍), confirmation and registry handover."""

    __tablename__ = "exchange_result"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(40))
    winner_bidder_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_bidder.id"))
    winner_party_id: Mapped[int | None] = mapped_column(ForeignKey("registry_party.id"))
    price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    publish_by: Mapped[date | None] = mapped_column(Date)
    defaulted_bidder_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    confirmation_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    registry_application_id: Mapped[int | None] = mapped_column(ForeignKey("registry_application.id"))
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BarredParty(IdPk, CreatedAt, Base):
    """A party barred from bidding (court-listed defaulter 失信被执行人, or after a default) until a date."""

    __tablename__ = "exchange_barred_party"

    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    listed_until: Mapped[date | None] = mapped_column(Date)
    listed_by: Mapped[str] = mapped_column(String(120))


class SealedReserve(IdPk, Base):
    """A lot's sealed reserve price (保留价): a designated officer, then AES-GCM ciphertext written once."""

    __tablename__ = "exchange_reserve"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), unique=True)
    officer_user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"))
    designated_by: Mapped[str] = mapped_column(String(120))
    designated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ciphertext: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(16))
    sealed_by: Mapped[str | None] = mapped_column(String(120))
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revealed_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())


class SupervisionFlag(IdPk, LedgerSeq, Base):
    """A supervision flag (监管预警) on a lot: shared device or address, sole bidder, price far from the
    appraisal, repeated re-listing; raised once per lot, kind and key."""

    __tablename__ = "exchange_flag"
    __table_args__ = (UniqueConstraint("lot_id", "kind", "key", name="uq_exchange_flag_lot_kind_key"),)

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(String(120))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

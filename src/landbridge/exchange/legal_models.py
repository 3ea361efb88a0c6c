"""Tables of the exchange's remaining legal rules (issue #24): pre-emption claims (优先购买权), consortium members
(联合竞买), the disposal of a defaulting winner's paid price (悔拍后已付价款) and objections to a published result
(成交公示异议)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import IdPk, Status
from landbridge.kernel.money import MoneyColumn


class PreemptionClaim(IdPk, Status, Base):
    """A registered bidder's pre-emption (优先购买权) on one lot: its ground, the rank the rules give it, and
    whether it matched the best offer in time (registered | matched | exercised | lapsed)."""

    __tablename__ = "exchange_preemption"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"), unique=True)
    ground: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(String(300))
    rule_digest: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(120))
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    matched_price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())


class ConsortiumMember(IdPk, Base):
    """A member of a joint bidder (联合竞买): the bidder row names the lead; each member's share is a fraction,
    the shares of one bidder summing to exactly 1."""

    __tablename__ = "exchange_consortium_member"
    __table_args__ = (UniqueConstraint("bidder_id", "party_id", name="uq_exchange_consortium_bidder_party"),)

    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    share_num: Mapped[int] = mapped_column(Integer)
    share_den: Mapped[int] = mapped_column(Integer)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class DefaultDisposal(IdPk, Status, Base):
    """What became of a defaulting winner's price paid beyond the earnest money (rule ``default_paid_treatment``):
    forfeited, refunded, or held and set off against the re-sale's shortfall (held | refund_due | refunded |
    closed). Every amount is fen exact: paid = forfeited + set_off + refund (+ held while undecided)."""

    __tablename__ = "exchange_default_disposal"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("exchange_settlement.id"), unique=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("exchange_bidder.id"))
    treatment: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(24))
    price_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    earnest_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    paid_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    forfeited_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    held_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    set_off_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    refund_cny: Mapped[Decimal] = mapped_column(MoneyColumn())
    resale_price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    source: Mapped[str] = mapped_column(String(300))
    rule_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refund_due_on: Mapped[date | None] = mapped_column(Date)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ResultObjection(IdPk, Status, Base):
    """An objection (异议) to a published result (成交公示) within its period, then upheld (the result is annulled
    and the lot reopened as a new listing) or dismissed (pending | upheld | dismissed)."""

    __tablename__ = "exchange_result_objection"

    lot_id: Mapped[int] = mapped_column(ForeignKey("exchange_lot.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"), index=True)
    grounds: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(120))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ruling: Mapped[str | None] = mapped_column(String(500))
    ruled_by: Mapped[str | None] = mapped_column(String(120))
    ruled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_lot_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_lot.id"))

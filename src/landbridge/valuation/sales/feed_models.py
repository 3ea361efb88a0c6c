"""The watermark of valuation's feed from the exchange's ledger events (issue #15 item 3, ADR 0014): how far the
feed has read, so that each completed lot becomes exactly one sale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base


class FeedMark(Base):
    """A feed's watermark: the last ledger sequence number it has read and the sales it has recorded."""

    __tablename__ = "valuation_feed_mark"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    sales: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""The notices table: one row per message to one user, which is also the delivery outbox (``delivered_at`` is set
once the gateway took it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, IdPk


class Notice(IdPk, CreatedAt, Base):
    """站内消息: ``dedupe_key`` makes a reminder a job sends on every tick arrive once per user."""

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key", name="uq_notice_user_dedupe"),
                      Index("ix_notice_user_read", "user_id", "read_at"),
                      Index("ix_notice_undelivered", "delivered_at"))

    user_id: Mapped[int] = mapped_column(Integer)
    module: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(48))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    href: Mapped[str] = mapped_column(String(200))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(16))

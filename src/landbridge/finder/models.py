"""The land finder's tables (issue #23; L6, P1): a user's saved searches and the watermark of the job that matches
newly published lots against them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, IdPk


class SavedSearch(IdPk, CreatedAt, Base):
    """A finder search a user keeps (its filters as the query's text values, checked when saved): a notice reaches
    the user when a lot on a matching parcel is published. Known to the user alone."""

    __tablename__ = "finder_saved_search"
    __table_args__ = (Index("ix_finder_saved_search_user", "user_id"),)

    user_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)


class LotWatermark(IdPk, Base):
    """How far the matching job has read the published lots: the key ``(announced_at, lot_id)`` of the last one."""

    __tablename__ = "finder_lot_watermark"

    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lot_id: Mapped[int] = mapped_column(Integer)

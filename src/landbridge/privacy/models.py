"""Privacy tables: the audit trail of reads of unmasked personal records (issue #12 item 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base


class PersonalRead(Base):
    """查阅记录: one read of an unmasked personal record: who read it, when, which record, and why."""

    __tablename__ = "privacy_personal_read"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reader: Mapped[str] = mapped_column(String(120), index=True)  # actor string, e.g. "user:12"
    reader_role: Mapped[str] = mapped_column(String(40))
    reader_organisation_id: Mapped[int | None] = mapped_column(Integer)
    record: Mapped[str] = mapped_column(String(200), index=True)  # e.g. "party:7", "ledger.private:1234"
    party_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the person the record is about, if known
    purpose: Mapped[str] = mapped_column(String(80))  # e.g. "registry.party_detail"

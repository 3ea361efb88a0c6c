"""Market-entry tables (issue #15): the entry case, its documents (uploads with their digest) and the
collectives' authorisations of a township service desk (代办). Money in ``*_cny`` columns (integer fen in
storage through ``MoneyColumn``), times UTC-aware.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, RegionCode, RowVersion, Status
from landbridge.kernel.money import MoneyColumn


class EntryCase(IdPk, RegionCode, RowVersion, CreatedAt, CreatedBy, Base):
    """入市案件: one parcel's entry from eligibility to the land in use (trading.md c.1)."""

    __tablename__ = "market_entry_case"
    __table_args__ = (Index("ix_market_entry_case_unit_status", "unit_id", "status"),
                      Index("ix_market_entry_case_programme", "collective_id", "programme_ref", "phase"))

    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(24), index=True)  # CaseState values are longer than Status's 16
    collective_id: Mapped[int] = mapped_column(Integer, index=True)
    collective_party_id: Mapped[int] = mapped_column(ForeignKey("registry_party.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("registry_property_unit.id"))
    parcel_id: Mapped[int] = mapped_column(ForeignKey("registry_parcel.id"), index=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("registry_right.id"))
    purpose: Mapped[str] = mapped_column(String(32), default="operating")  # rules.Purpose (L8)
    # urban-village phased redevelopment (城中村分期改造, L8): the collective's programme and this case's phase
    programme_ref: Mapped[str | None] = mapped_column(String(60))
    phase: Mapped[int | None] = mapped_column(Integer)
    # the passed conversion motion (撤村改制) a not-yet-converted collective relied on to open such a case
    conversion_motion_id: Mapped[int | None] = mapped_column(Integer)
    # the issued planning conditions the case relies on, snapshotted (planning_issued_conditions)
    conditions_id: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    council_meeting_id: Mapped[int | None] = mapped_column(Integer)
    motion_id: Mapped[int | None] = mapped_column(Integer)
    # a contribution as equity (作价入股): the members' passed ``equity_contribution`` motion on this case, and the
    # collective's EquityContribution recorded when the result is confirmed (service.record_vote, deal.confirm_result)
    equity_motion_id: Mapped[int | None] = mapped_column(Integer)
    equity_contribution_id: Mapped[int | None] = mapped_column(Integer)
    filed_on: Mapped[date | None] = mapped_column(Date)
    objection_closes_on: Mapped[date | None] = mapped_column(Date)
    transaction_on: Mapped[date | None] = mapped_column(Date)
    objection: Mapped[str | None] = mapped_column(Text)
    objection_status: Mapped[str | None] = mapped_column(String(16))
    appraised_value_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    appraisal_ref: Mapped[str | None] = mapped_column(String(120))
    floor_price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    start_price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    lot_id: Mapped[int | None] = mapped_column(Integer, index=True)
    listed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    price_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    buyer_party_id: Mapped[int | None] = mapped_column(Integer)
    contract_no: Mapped[str | None] = mapped_column(String(40))
    contract_sha256: Mapped[str | None] = mapped_column(String(64))
    fee_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    adjustment_fee_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    proceeds_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    retained_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    members_cny: Mapped[Decimal | None] = mapped_column(MoneyColumn())
    dividend_run_id: Mapped[int | None] = mapped_column(Integer)
    fees_settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registry_application_id: Mapped[int | None] = mapped_column(Integer)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawals: Mapped[int] = mapped_column(Integer, default=0)
    reminded_for: Mapped[str | None] = mapped_column(String(40))  # the due item last reminded (run_due, idempotent)


class EntryDocument(IdPk, CreatedAt, CreatedBy, Base):
    """An uploaded document of a case step (PDF or image), its SHA-256 in the ledger, with the acting user's
    signed acknowledgement (一次不跑: no paper step)."""

    __tablename__ = "market_entry_document"

    case_id: Mapped[int] = mapped_column(ForeignKey("market_entry_case.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    acknowledgement: Mapped[str] = mapped_column(Text)
    ledger_seq: Mapped[int | None] = mapped_column(Integer)


class DeskAuthorisation(IdPk, Status, CreatedAt, CreatedBy, Base):
    """A collective's authorisation of a township service desk (乡镇服务站) to act for it in market entry (代办),
    with the signed authorisation document's digest; revoked or expired, it admits nothing."""

    __tablename__ = "market_entry_authorisation"
    __table_args__ = (Index("ix_market_entry_authorisation_pair", "collective_id", "desk_organisation_id"),)

    collective_id: Mapped[int] = mapped_column(Integer)
    desk_organisation_id: Mapped[int] = mapped_column(Integer)
    document_sha256: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date] = mapped_column(Date)
    ledger_seq: Mapped[int | None] = mapped_column(Integer)

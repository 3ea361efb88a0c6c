"""The demand table (群众诉求工单, ``demand_ticket`` in the glossary; issue #20 item 3): one row per demand from its
intake to its close, with its deadlines (dates, working days from the rule set ``demands``), its answer, the
resident's rating (评价反馈, ``feedback``) and the revisit.

The resident's name and phone are personal data: they are stored encrypted (``privacy.encrypt``, bound to their
column) and never written to a ledger payload; the description and the answer stay in this table, shown only to the
resident, the department holding the demand and the hotline's supervisors."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, LedgerSeq, RegionCode, RowVersion, Status

NAME_CONTEXT = "demands.demand_ticket.contact_name"
PHONE_CONTEXT = "demands.demand_ticket.contact_phone"


class DemandTicket(IdPk, Status, RegionCode, RowVersion, CreatedAt, CreatedBy, LedgerSeq, Base):
    """One resident's demand (诉求) as the 12345 hotline handles it."""

    __tablename__ = "demand_ticket"
    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 10)", name="satisfaction"),
        CheckConstraint("escalation >= 0 AND escalation <= 2", name="escalation"),
        Index("ix_demand_ticket_department_status", "department_id", "status"),
    )

    number: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    demand_type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000))
    resident_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    contact_name_enc: Mapped[str | None] = mapped_column(String(400))
    contact_phone_enc: Mapped[str | None] = mapped_column(String(400))
    department_id: Mapped[int | None] = mapped_column(Integer)
    rules_digest: Mapped[str] = mapped_column(String(64))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accept_due: Mapped[date | None] = mapped_column(Date)
    answer_due: Mapped[date | None] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_on: Mapped[date | None] = mapped_column(Date)  # the local day, compared with answer_due (on time)
    answer: Mapped[str | None] = mapped_column(String(2000))
    revisit_due: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(300))  # the last return, transfer or rejection reason
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(300))
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revisit_note: Mapped[str | None] = mapped_column(String(300))
    revisited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the 12345 practice's further steps (issue #20 item 3): urgent (紧急), extension (延期), reopen (重办),
    # merge (并单)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    extension_days: Mapped[int | None] = mapped_column(Integer)  # the working days asked for (while requested)
    extension_reason: Mapped[str | None] = mapped_column(String(300))
    extensions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # extensions granted
    reopens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the primary of a merged duplicate

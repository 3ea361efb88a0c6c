"""What the collective records for a market entry (issue #15; L5, L6): the villagers' affairs council's
consultation (村民事务理事会) as a held meeting with its opinion on file, and the land revenue posted to the
collective's book and split into the retained collective fund and the members' distribution by shares.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge.collective import queries
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    Body,
    BookEntry,
    Direction,
    DividendRun,
    Meeting,
    MeetingStatus,
)
from landbridge.collective.service._common import money, need_text, record, today
from landbridge.collective.service.accounts import BookCategory, _post, record_book_entry, run_dividend
from landbridge.collective.service.votes import convene_meeting, record_minutes
from landbridge.kernel.clock import ensure_utc
from landbridge.ledger import subjects

TEXT_MAX = 2000


def consult_affairs_council(session: Session, *, collective_id: int, subject_ref: str, held_at: datetime,
                            attendees: int, opinion: str, actor: str) -> Meeting:
    """Record the villagers' affairs council's consultation on a matter (e.g. an entry plan) before the vote:
    a held meeting of body ``affairs_council`` whose minutes are the council's written opinion (hashed)."""
    if attendees < 1 or attendees > 1000:
        raise CollectiveError.INVALID_AMOUNT.error()
    text = need_text(opinion, CollectiveError.MINUTES_REQUIRED, limit=TEXT_MAX, field="opinion")
    ref = need_text(subject_ref, CollectiveError.TITLE_REQUIRED, limit=120, field="subject_ref")
    meeting = convene_meeting(session, collective_id=collective_id, body=Body.affairs_council.value,
                              title=f"村民事务理事会征求意见 {ref}", scheduled_at=ensure_utc(held_at), actor=actor)
    record_minutes(session, meeting_id=meeting.id, minutes=f"[{ref}] 出席 {attendees} 人。{text}", actor=actor)
    record(session, event_type="council_consulted", subject=subjects.meeting(meeting.id), actor=actor,
           payload={"collective_id": collective_id, "subject_ref": ref, "attendees": attendees,
                    "opinion_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    return meeting


def council_consultation(session: Session, meeting_id: int) -> dict[str, Any] | None:
    """A held affairs-council consultation as plain values, or None if the meeting is not one."""
    meeting = queries.get_meeting(session, meeting_id)
    if meeting.body != Body.affairs_council or meeting.status != MeetingStatus.held:
        return None
    return {"meeting_id": meeting.id, "collective_id": meeting.collective_id, "title": meeting.title,
            "held_at": meeting.scheduled_at, "minutes_sha256": meeting.minutes_sha256}


def distribute_land_revenue(session: Session, *, collective_id: int, amount: Decimal | str, retained: Decimal | str,
                            period: str, motion_id: int, memo: str, actor: str,
                            occurred_on: date | None = None) -> DividendRun | None:
    """Post land revenue (入市收益) to the collective's book and pay the members' part out by shares.

    ``amount`` enters the collective's book as ``land_revenue``; ``amount − retained`` leaves it at once as a
    dividend run by shares (``run_dividend``, largest remainder to the fen), decided by ``motion_id``: the
    members' passed ``revenue_distribution`` or ``market_entry_consent`` motion (the entry plan they approved
    carries the arrangement). ``retained`` stays in the book as the retained collective fund (公积公益金).
    Returns the dividend run, or None when everything is retained.
    """
    total, kept = money(amount), money(retained)
    if total <= 0 or kept < 0 or kept > total:
        raise CollectiveError.INVALID_AMOUNT_3.error()
    book_id = queries.collective_book_id(session, collective_id)
    assert book_id is not None, "every collective has its own book from registration"
    record_book_entry(session, book_id=book_id, direction="income", amount=total,
                      category=BookCategory.land_revenue.value,
                      memo=need_text(memo, CollectiveError.MEMO_REQUIRED, limit=300, field="memo"), actor=actor,
                      occurred_on=occurred_on)
    run = None
    if total - kept > 0:
        run = run_dividend(session, collective_id=collective_id, period=period, amount=total - kept, actor=actor,
                           motion_id=motion_id, decision_kind="market_entry_consent")
    record(session, event_type="land_revenue_distributed", subject=subjects.collective(collective_id), actor=actor,
           payload={"collective_id": collective_id, "amount_cny": total, "retained_cny": kept,
                    "members_cny": total - kept, "dividend_run_id": run.id if run else None, "motion_id": motion_id,
                    "period": period})
    return run


def pay_land_entry_fees(session: Session, *, collective_id: int, adjustment_fee: Decimal | str,
                        service_fee: Decimal | str, reference: str, actor: str,
                        occurred_on: date | None = None) -> list[BookEntry]:
    """The collective pays the fees of a market entry settled in kind (以地作价入股, issue #15) from its own book:
    the land value-increment adjustment fee (调节金, to the county treasury) and the exchange's service fee, each an
    outgo of its own category; no price came in to take them from. Both or neither: 409
    collective.insufficient_funds when the book holds less than their sum, and nothing is posted. A fee of zero
    posts nothing. Writes ``land_entry_fees_paid`` with the entries posted."""
    adjustment, service = money(adjustment_fee), money(service_fee)
    if adjustment < 0 or service < 0:
        raise CollectiveError.INVALID_AMOUNT_3.error()
    ref = need_text(reference, CollectiveError.MEMO_REQUIRED, limit=120, field="reference")
    book = queries.get_book(session, _collective_book_id(session, collective_id), lock=True)
    if book.balance_cny < adjustment + service:
        raise CollectiveError.INSUFFICIENT_FUNDS_2.error()
    posted = [_post(session, book, Direction.outgo, amount, category.value, f"{label} {ref}", occurred_on or today(),
                    actor, None)
              for amount, category, label in ((adjustment, BookCategory.entry_adjustment_fee, "土地增值收益调节金"),
                                               (service, BookCategory.entry_service_fee, "交易服务费"))
              if amount > 0]
    record(session, event_type="land_entry_fees_paid", subject=subjects.collective(collective_id), actor=actor,
           payload={"collective_id": collective_id, "reference": ref, "adjustment_fee_cny": adjustment,
                    "service_fee_cny": service, "book_entry_ids": [e.id for e in posted],
                    "balance_cny": book.balance_cny})
    return posted


def _collective_book_id(session: Session, collective_id: int) -> int:
    found = queries.collective_book_id(session, collective_id)
    if found is None:
        raise CollectiveError.INSUFFICIENT_FUNDS_2.error()
    return found

"""The results notice (成交公示, issue #24; 39号令 art. 22): once the award is confirmed the result is published for
the rule's working days (``results_notice_working_days``) with the transferee named as the rules publish it
(``disclosure``); within that period a registered party may object (异议), and the operator rules on each
objection (``result_objections``). A pending objection holds the hand-over back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.disclosure import published_winner_name
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import text
from landbridge.exchange.legal_models import ResultObjection
from landbridge.exchange.legal_rules import ObjectionStatus, notice_closes_on
from landbridge.exchange.legal_ruleset import legal_rule, legal_value
from landbridge.exchange.lots import lock_lot
from landbridge.exchange.models import Bidder, Lot, LotResult
from landbridge.exchange.rules import LotPhase
from landbridge.exchange.ruleset import today
from landbridge.kernel.clock import now, to_local

NOTICE_PHASES = (LotPhase.confirmed, LotPhase.settled, LotPhase.handed_over)
MAX_GROUNDS = 2000  # characters: an input bound


@dataclass(frozen=True)
class NoticeObjection:
    """An objection as the notice publishes it: its outcome and days (pending, upheld or dismissed)."""

    id: int
    status: str
    filed_on: date
    ruled_on: date | None


@dataclass(frozen=True)
class ResultsNotice:
    """What the public sees of a confirmed result: the lot, price, transferee as published, the period and the
    objections' outcomes only: who objected, the grounds and the ruling's text (free text that may name people)
    are not published. The one model of the notice: the API answers with it as it is."""

    lot_number: str
    price_cny: Decimal | None
    transferee: str | None
    transferee_code: str | None
    confirmation_no: str | None
    published_on: date
    closes_on: date
    open: bool
    source: str
    objections: list[NoticeObjection] = field(default_factory=list)


def _result(session: Session, lot: Lot) -> LotResult | None:
    return session.scalars(select(LotResult).where(LotResult.lot_id == lot.id)
                           .execution_options(populate_existing=True)).first()


def closes_on(lot: Lot, result: LotResult | None) -> date | None:
    """The notice's last day, or None before a confirmed award."""
    if result is None or result.confirmed_at is None or lot.phase not in NOTICE_PHASES:
        return None
    return notice_closes_on(to_local(result.confirmed_at).date(), int(legal_value(lot, "results_notice_working_days")))


def notice_of(session: Session, lot: Lot) -> ResultsNotice | None:
    """The lot's results notice as published, or None when it has no confirmed award."""
    result = _result(session, lot)
    last = closes_on(lot, result)
    if result is None or last is None or result.confirmed_at is None:
        return None
    bidder = session.get(Bidder, result.winner_bidder_id) if result.winner_bidder_id else None
    rows = objections_of(session, lot.id)
    return ResultsNotice(lot.number, result.price_cny, published_winner_name(session, lot, result),
                         bidder.bidder_code if bidder else None, result.confirmation_no,
                         to_local(result.confirmed_at).date(), last, today() <= last,
                         legal_rule(lot, "results_notice_working_days").source,
                         [NoticeObjection(r.id, r.status, to_local(r.filed_at).date(),
                                          to_local(r.ruled_at).date() if r.ruled_at else None) for r in rows])


def objections_of(session: Session, lot_id: int, status: str | None = None) -> list[ResultObjection]:
    stmt = select(ResultObjection).where(ResultObjection.lot_id == lot_id)
    if status is not None:
        stmt = stmt.where(ResultObjection.status == status)
    return list(session.scalars(stmt.order_by(ResultObjection.id).execution_options(populate_existing=True)))


def file_objection(session: Session, *, lot_id: int, party_id: int, grounds: str, actor: str) -> ResultObjection:
    """A party objects to a published result within the notice period (one objection per party and result by
    the rule); refused with a typed error and nothing written otherwise."""
    body = text(grounds, MAX_GROUNDS)
    lot = lock_lot(session, lot_id)
    last = closes_on(lot, _result(session, lot))
    if last is None or lot.phase == LotPhase.handed_over:
        raise ExchangeError.NO_RESULTS_NOTICE.error()
    if today() > last:
        raise ExchangeError.OBJECTION_PERIOD_CLOSED.error(closes_on=last.isoformat())
    registry.get_party(session, party_id)
    filed = session.scalar(select(func.count()).select_from(ResultObjection).where(
        ResultObjection.lot_id == lot.id, ResultObjection.party_id == party_id)) or 0
    if filed >= int(legal_value(lot, "objection_max_per_party")):
        raise ExchangeError.OBJECTION_LIMIT.error()
    row = ResultObjection(lot_id=lot.id, party_id=party_id, grounds=body, filed_by=actor, filed_at=now(),
                          status=ObjectionStatus.pending)
    session.add(row)
    session.flush()
    record(session, lot, "result_objection_filed", actor, {"objection_id": row.id, "party_id": party_id,
                                                           "grounds": body, "notice_closes_on": last})
    return row


def check_handover(session: Session, lot: Lot) -> None:
    """Called on a locked lot before its hand-over: 409 exchange.objection_pending while an objection to the
    result awaits its ruling."""
    if objections_of(session, lot.id, ObjectionStatus.pending):
        raise ExchangeError.OBJECTION_PENDING.error()

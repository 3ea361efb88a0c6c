"""The 12345 practice's further steps of a demand (issue #20 item 3, requirement S1; research/services.md §1.2, §1.4):

- 延期 (extension): the department holding an accepted demand asks, before its answer deadline, for at most the rule
  set's ``extension_max_working_days`` more, with its reason (``request_extension``); the dispatcher (the hotline)
  grants it, moving the answer deadline by the days asked, or refuses it, with a reason (``approve_extension`` /
  ``refuse_extension``); a demand has at most ``extensions_max`` extensions;
- 重办 (reopen): a resident dissatisfied at the revisit (a rating at or below ``bad_rating_max``) has the answered
  demand handled again by the same department, with a new answer deadline counted from today; at most
  ``reopens_max`` times (``reopen``);
- 并单 (merge): the dispatcher closes a duplicate open demand into an open primary (``merge``), both linked and each
  with its ledger event; the duplicate's resident is pointed at the primary.

Each is a named transition as in ``service``: guard first (typed ``DemandError``), then the conditional UPDATE on the
status and version read, and the ledger event in the caller's transaction (no personal data). Nothing commits.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from landbridge.demands import rules as dr
from landbridge.demands.errors import DemandError
from landbridge.demands.models import DemandTicket
from landbridge.demands.service import (
    NOTE_MAX,
    _feedback,
    _holds,
    _move,
    _record,
    _tell,
    _tell_resident,
    call_rating,
    demand_rules,
    get_ticket,
    today,
)
from landbridge.kernel.clock import now
from landbridge.kernel.workdays import add_workdays


def request_extension(session: Session, ticket_id: int, *, actor: str, department_id: int, days: int,
                      reason: str) -> DemandTicket:
    """The department holding an accepted demand asks for more time (延期申请), before its answer deadline."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "request_extension")
    _holds(ticket, department_id)
    rules = demand_rules()
    most, allowed = rules.limit("extension_max_days"), rules.limit("extensions_max")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= most:
        raise DemandError.EXTENSION_TOO_LONG.error(max_days=most)
    if ticket.extensions >= allowed:
        raise DemandError.EXTENSION_LIMIT.error(count=ticket.extensions)
    if ticket.answer_due is None or today() > ticket.answer_due:
        raise DemandError.EXTENSION_TOO_LATE.error()
    why = dr.text(reason, "reason", NOTE_MAX)
    return _move(session, ticket, "request_extension", "demand_extension_asked", actor,
                 {"days": days, "reason": why, "answer_due": ticket.answer_due.isoformat()},
                 extension_days=days, extension_reason=why)


def approve_extension(session: Session, ticket_id: int, *, actor: str, reason: str) -> DemandTicket:
    """The dispatcher grants the extension asked for: the answer deadline moves by its working days."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "approve_extension")
    why = dr.text(reason, "reason", NOTE_MAX)
    days = int(ticket.extension_days or 0)
    base = max(ticket.answer_due or today(), today())
    due = add_workdays(base, days)
    moved = _move(session, ticket, "approve_extension", "demand_extension_granted", actor,
                  {"days": days, "reason": why, "answer_due": due.isoformat()},
                  answer_due=due, extensions=DemandTicket.extensions + 1, extension_days=None,
                  extension_reason=None, reason=why, escalation=0)
    _tell(session, moved, "extension_granted", f"诉求 {moved.number} 延期已批准，答复期限 {due}",
          f"Extension of demand {moved.number} granted: answer by {due}")
    _tell_resident(session, moved, "extended", f"您的诉求 {moved.number} 已延期至 {due} 答复",
                   f"Your demand {moved.number} will be answered by {due}")
    return moved


def refuse_extension(session: Session, ticket_id: int, *, actor: str, reason: str) -> DemandTicket:
    """The dispatcher refuses the extension: the demand stays with its deadline."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "refuse_extension")
    why = dr.text(reason, "reason", NOTE_MAX)
    moved = _move(session, ticket, "refuse_extension", "demand_extension_refused", actor,
                  {"days": ticket.extension_days, "reason": why}, extension_days=None, extension_reason=None,
                  reason=why)
    _tell(session, moved, "extension_refused", f"诉求 {moved.number} 延期未获批准", f"Extension of demand "
          f"{moved.number} refused")
    return moved


def reopen(session: Session, ticket_id: int, *, actor: str, note: str, satisfaction: int | None = None
           ) -> DemandTicket:
    """The hotline's revisit finds the resident dissatisfied (差评): the demand is handled again (重办) by its
    department, with a new answer deadline; a rating given on the call is recorded where none was given online."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "reopen")
    rules = demand_rules()
    allowed = rules.limit("reopens_max")
    said = dr.text(note, "note", NOTE_MAX)
    level = call_rating(ticket, satisfaction, rules)
    if level > rules.bad_rating_max:
        raise DemandError.NOT_DISSATISFIED.error()
    if ticket.reopens >= allowed:
        raise DemandError.REOPEN_LIMIT.error(count=ticket.reopens)
    if ticket.satisfaction is None:
        ticket = _feedback(session, ticket, actor, level, None, rules)
    due = add_workdays(today(), rules.answer_days_for(ticket.demand_type, ticket.urgent))
    moved = _move(session, ticket, "reopen", "demand_reopened", actor,
                  {"satisfaction": level, "answer_due": due.isoformat(), "reopens": ticket.reopens + 1},
                  reopens=DemandTicket.reopens + 1, answer_due=due, answer=None, answered_at=None, answered_on=None,
                  revisit_due=None, satisfaction=None, rating_comment=None, rated_at=None, revisit_note=said,
                  revisited_at=now(), escalation=0)
    _tell(session, moved, "reopened", f"诉求 {moved.number} 群众不满意，须重办", f"Demand {moved.number} reopened: "
          "the resident was dissatisfied")
    return moved


def merge(session: Session, ticket_id: int, *, actor: str, into_id: int, reason: str) -> DemandTicket:
    """The dispatcher closes a duplicate open demand into its open primary (并单); both get a ledger event."""
    if ticket_id == into_id:
        raise DemandError.MERGE_SELF.error()
    first, second = sorted((ticket_id, into_id))  # lock in id order: two dispatchers cannot deadlock
    locked = get_ticket(session, first, lock=True), get_ticket(session, second, lock=True)
    ticket, primary = locked if first == ticket_id else locked[::-1]
    dr.step(ticket.status, "merge")
    if primary.status not in dr.OPEN_STATES:
        raise DemandError.MERGE_TARGET.error(number=primary.number)
    why = dr.text(reason, "reason", NOTE_MAX)
    table = DemandTicket
    held = session.execute(update(table).where(table.id == primary.id, table.version == primary.version,
                                               table.status == primary.status)
                           .values(version=table.version + 1).execution_options(synchronize_session=False))
    if getattr(held, "rowcount", 0) != 1:
        raise DemandError.MERGE_TARGET.error(number=primary.number)
    session.refresh(primary)
    moved = _move(session, ticket, "merge", "demand_merged", actor,
                  {"into_id": primary.id, "into_number": primary.number, "reason": why},
                  merged_into_id=primary.id, reason=why)
    _record(session, primary, "demand_duplicate_merged", actor, {"duplicate_id": moved.id,
                                                                 "duplicate_number": moved.number})
    _tell_resident(session, moved, "merged", f"您的诉求 {moved.number} 已并入 {primary.number} 一并办理",
                   f"Your demand {moved.number} was merged into {primary.number}")
    return moved



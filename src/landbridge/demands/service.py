"""The demand's steps (群众诉求, the 12345 loop 受理 → 派单 → 签收 → 办理 → 答复 → 回访 → 评价; 国办发〔2020〕53号;
issue #20 item 3, requirement S1).

A demand is taken online by the resident, by phone by the hotline's operator or at a service desk (the channel is
recorded); its category routes it by the rule set ``demands`` (``routing``: the kind of organisation responsible; the
one of that kind whose region covers the demand's place, the most local first). The department accepts (签收) it
within ``accept_working_days`` and answers within the type's working days, both counted from the first dispatch: a
transfer or a return restarts the acceptance clock only, so the resident's answer deadline never moves. The hotline
revisits (回访) and closes it; the resident rates the answer (1–5, 好差评).

Each step is a named transition: the demand is loaded (locked on PostgreSQL), its guard checked before anything is
written (a typed ``DemandError``), the row moved by a conditional UPDATE on the status and version read, and one
ledger event written in the caller's transaction. Ledger payloads carry no name, phone, description or answer.
Nothing commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge import notices, privacy
from landbridge.auth.models import Organisation, User
from landbridge.auth.service import region_prefix
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.demands import rules as dr
from landbridge.demands.errors import DemandError
from landbridge.demands.models import NAME_CONTEXT, PHONE_CONTEXT, DemandTicket
from landbridge.demands.rules import Channel, DemandRules, DemandStatus
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import append_event, subjects

MODULE = "demands"
RULE_SET = "demands"
TITLE_MAX, TEXT_MAX, NOTE_MAX, NAME_MAX = 120, 2000, 300, 60
ESCALATION_BATCH = 500  # demands escalated per worker tick; the next tick takes the rest


def today() -> date:
    return to_local(now()).date()


def demand_rules(day: date | None = None) -> DemandRules:
    """The rule set ``demands`` in force on ``day`` (today by default)."""
    try:
        version = get_profile().rules(RULE_SET).version_at(day or today())
    except (LookupError, KeyError):
        raise DemandError.NO_RULE_SET.error(day=str(day or today())) from None
    return DemandRules.from_values(version.values(), version.digest)


def ticket_subject(ticket_id: int) -> str:
    return subjects.subject("demand_ticket", ticket_id)


def get_ticket(session: Session, ticket_id: int, *, lock: bool = False) -> DemandTicket:
    stmt = select(DemandTicket).where(DemandTicket.id == ticket_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    ticket = session.scalars(stmt).first()
    if ticket is None:
        raise DemandError.NOT_FOUND.error(ticket_id=ticket_id)
    if lock:
        session.refresh(ticket)
    return ticket


def contact_of(ticket: DemandTicket) -> tuple[str | None, str | None]:
    """The resident's name and phone in clear (for the department and the hotline; the caller records the read)."""
    name = privacy.decrypt(ticket.contact_name_enc, context=NAME_CONTEXT) if ticket.contact_name_enc else None
    phone = privacy.decrypt(ticket.contact_phone_enc, context=PHONE_CONTEXT) if ticket.contact_phone_enc else None
    return name, phone


def route(session: Session, category: str, region_code: str, rules: DemandRules | None = None) -> int | None:
    """The department (organisation id) responsible for ``category`` at ``region_code`` by the routing rules: of the
    organisations of the rule's kind whose region covers the place, the most local; None when there is none."""
    kind = (rules or demand_rules()).department_kind(category)
    rows = session.execute(select(Organisation.id, Organisation.region_code)
                           .where(Organisation.kind == kind).order_by(Organisation.id)).all()
    covering = [(len(region_prefix(str(code))), int(oid)) for oid, code in rows
                if region_code.startswith(region_prefix(str(code)))]
    if not covering:
        return None
    best = max(width for width, _ in covering)
    return min(oid for width, oid in covering if width == best)


def department_exists(session: Session, department_id: int) -> bool:
    return session.get(Organisation, department_id) is not None


def department_users(session: Session, department_id: int) -> list[int]:
    """The active accounts of a department (whom its notices reach)."""
    return list(session.scalars(select(User.id).where(User.organisation_id == department_id,
                                                      User.is_active.is_(True)).order_by(User.id)))


def _payload(ticket: DemandTicket) -> dict[str, Any]:
    """What every event records: no personal data (no name, phone, description or answer)."""
    return {"number": ticket.number, "channel": ticket.channel, "type": ticket.demand_type, "urgent": ticket.urgent,
            "category": ticket.category, "region_code": ticket.region_code, "department_id": ticket.department_id}


def _record(session: Session, ticket: DemandTicket, event: str, actor: str, extra: dict[str, Any]) -> None:
    recorded = append_event(session, module=MODULE, event_type=event, subject=ticket_subject(ticket.id), actor=actor,
                            payload={**_payload(ticket), **extra})
    ticket.ledger_seq = recorded.seq
    session.flush()


def _move(session: Session, ticket: DemandTicket, step: str, event: str, actor: str, extra: dict[str, Any],
          **values: Any) -> DemandTicket:
    """The self-guarding state change: only from the status and version read; the demand's ledger event."""
    target = dr.step(ticket.status, step)
    table = DemandTicket
    done = session.execute(
        update(table).where(table.id == ticket.id, table.status == ticket.status, table.version == ticket.version)
        .values(status=target.value, version=table.version + 1, **values)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise DemandError.INVALID_STEP.error(status=ticket.status, step=step)
    previous = ticket.status
    session.refresh(ticket)
    _record(session, ticket, event, actor, {"from": previous, "to": ticket.status, **extra})
    return ticket


def _holds(ticket: DemandTicket, department_id: int) -> None:
    if ticket.department_id is None or ticket.department_id != department_id:
        raise DemandError.NOT_YOURS.error()


def _dispatch_values(ticket_answer_due: date | None, department_id: int, rules: DemandRules,
                     demand_type: str, urgent: bool = False) -> dict[str, Any]:
    """A dispatch starts the acceptance clock; the first one also the answer's (an urgent demand's: the rule set's
    shorter counts)."""
    day = today()
    values: dict[str, Any] = {"department_id": department_id, "dispatched_at": now(),
                              "accept_due": add_workdays(day, rules.accept_days_for(urgent)), "escalation": 0}
    if ticket_answer_due is None:
        values["answer_due"] = add_workdays(day, rules.answer_days_for(demand_type, urgent))
    return values


# --- the steps ---------------------------------------------------------------------------------

def submit(session: Session, *, actor: str, channel: str, demand_type: str, category: str, title: str,
           description: str, region_code: str, resident_user_id: int | None = None,
           contact_name: str | None = None, contact_phone: str | None = None, urgent: bool = False
           ) -> DemandTicket:
    """Take a demand (受理) online, by phone or at a desk, and route it (即时转办): dispatched to the department the
    routing rules name, or pending for the dispatcher where none is found. An urgent demand (紧急) has the rule set's
    shorter deadlines."""
    rules = demand_rules()
    how = dr.channel(channel)
    if urgent and how is Channel.online:  # only an official's intake (phone, desk) may mark a demand urgent
        raise DemandError.URGENT_BY_OFFICIAL.error()
    days = rules.answer_days_for(demand_type, urgent)
    rules.department_kind(category)
    place = dr.region(region_code)
    heading, body = dr.text(title, "title", TITLE_MAX), dr.text(description, "description", TEXT_MAX)
    name = None if contact_name is None or not contact_name.strip() else dr.text(contact_name, "contact_name", NAME_MAX)
    phone = None if contact_phone is None or not contact_phone.strip() else dr.phone(contact_phone)
    if how is not Channel.online and (name is None or phone is None):
        raise DemandError.CONTACT_REQUIRED.error()
    department = route(session, category, place, rules)
    at = now()
    ticket = DemandTicket(number=f"SQ-new-{uuid4().hex[:16]}", status=DemandStatus.pending.value, region_code=place,
                          channel=how.value, demand_type=demand_type, category=category, title=heading,
                          description=body, resident_user_id=resident_user_id,
                          contact_name_enc=privacy.encrypt(name, context=NAME_CONTEXT) if name else None,
                          contact_phone_enc=privacy.encrypt(phone, context=PHONE_CONTEXT) if phone else None,
                          rules_digest=rules.digest, escalation=0, version=1, created_at=at, created_by=actor,
                          urgent=urgent, extensions=0, reopens=0)
    session.add(ticket)
    session.flush()
    ticket.number = f"SQ{today():%Y}-{ticket.id:06d}"
    session.flush()
    _record(session, ticket, "demand_submitted", actor, {"to": ticket.status, "answer_working_days": days,
                                                         "urgent": urgent, "rules_digest": rules.digest})
    if department is not None:
        dispatch(session, ticket.id, actor=actor, department_id=department, routed=True)
    return ticket


def dispatch(session: Session, ticket_id: int, *, actor: str, department_id: int, routed: bool = False
             ) -> DemandTicket:
    """Dispatch a pending demand to a department (派单 / 改派): by the routing rules at intake, or by the
    dispatcher."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "dispatch")
    if not department_exists(session, department_id):
        raise DemandError.UNKNOWN_DEPARTMENT.error(department_id=department_id)
    rules = demand_rules()
    values = _dispatch_values(ticket.answer_due, department_id, rules, ticket.demand_type, ticket.urgent)
    moved = _move(session, ticket, "dispatch", "demand_dispatched", actor,
                  {"by_rule": routed, "to_department_id": department_id,
                   "accept_due": values["accept_due"].isoformat(),
                   "answer_due": (values.get("answer_due") or ticket.answer_due or today()).isoformat()}, **values)
    _tell(session, moved, "dispatched", f"新诉求 {moved.number} 待签收", f"New demand {moved.number} to accept")
    return moved


def reject(session: Session, ticket_id: int, *, actor: str, reason: str) -> DemandTicket:
    """The hotline does not take a pending demand (不予受理: an emergency, a matter for a court, a repeat …)."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "reject")
    why = dr.text(reason, "reason", NOTE_MAX)
    return _move(session, ticket, "reject", "demand_rejected", actor, {"reason": why}, reason=why)


def accept(session: Session, ticket_id: int, *, actor: str, department_id: int) -> DemandTicket:
    """The department accepts the demand dispatched to it (签收)."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "accept")
    _holds(ticket, department_id)
    on_time = ticket.accept_due is not None and today() <= ticket.accept_due
    return _move(session, ticket, "accept", "demand_accepted", actor, {"on_time": on_time}, accepted_at=now())


def transfer(session: Session, ticket_id: int, *, actor: str, department_id: int, to_department_id: int,
             reason: str) -> DemandTicket:
    """The department holding the demand hands it to the one responsible (转办); the acceptance clock restarts."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "transfer")
    _holds(ticket, department_id)
    why = dr.text(reason, "reason", NOTE_MAX)
    if to_department_id == department_id:
        raise DemandError.SAME_DEPARTMENT.error()
    if not department_exists(session, to_department_id):
        raise DemandError.UNKNOWN_DEPARTMENT.error(department_id=to_department_id)
    values = _dispatch_values(ticket.answer_due, to_department_id, demand_rules(), ticket.demand_type, ticket.urgent)
    moved = _move(session, ticket, "transfer", "demand_transferred", actor,
                  {"from_department_id": department_id, "to_department_id": to_department_id, "reason": why,
                   "accept_due": values["accept_due"].isoformat()}, reason=why, accepted_at=None, **values)
    _tell(session, moved, "transferred", f"转办诉求 {moved.number} 待签收", f"Demand {moved.number} transferred to you")
    return moved


def return_to_dispatcher(session: Session, ticket_id: int, *, actor: str, department_id: int,
                         reason: str) -> DemandTicket:
    """The department returns a demand that is not its matter to the dispatcher (退单), with its reason."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "return")
    _holds(ticket, department_id)
    why = dr.text(reason, "reason", NOTE_MAX)
    return _move(session, ticket, "return", "demand_returned", actor,
                 {"from_department_id": department_id, "reason": why},
                 reason=why, department_id=None, accepted_at=None, accept_due=None, escalation=0)


def answer(session: Session, ticket_id: int, *, actor: str, department_id: int, text: str) -> DemandTicket:
    """The department answers the resident (答复); the hotline's revisit falls due."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "answer")
    _holds(ticket, department_id)
    reply = dr.text(text, "answer", TEXT_MAX)
    rules = demand_rules()
    day = today()
    moved = _move(session, ticket, "answer", "demand_answered", actor,
                  {"on_time": ticket.answer_due is not None and day <= ticket.answer_due},
                  answer=reply, answered_at=now(), answered_on=day,
                  revisit_due=add_workdays(day, rules.revisit_days))
    # keyed by the version, as every notice of a step: a demand reopened and answered again is told again
    _tell_resident(session, moved, "answered", f"您的诉求 {moved.number} 已答复，请评价",
                   f"Your demand {moved.number} was answered: please rate it")
    return moved


def rate(session: Session, ticket_id: int, *, actor: str, user_id: int, satisfaction: int,
         comment: str | None = None) -> DemandTicket:
    """The resident rates the answer to their own demand (评价, 1–5, once; 国办发〔2019〕51号)."""
    ticket = get_ticket(session, ticket_id, lock=True)
    if ticket.resident_user_id is None or ticket.resident_user_id != user_id:
        raise DemandError.NOT_YOURS.error()
    if ticket.status not in (DemandStatus.answered, DemandStatus.closed):
        raise DemandError.INVALID_STEP.error(status=ticket.status, step="rate")
    if ticket.satisfaction is not None:
        raise DemandError.ALREADY_RATED.error()
    rules = demand_rules()
    level = rules.rating(satisfaction)
    note = None if comment is None or not comment.strip() else dr.text(comment, "comment", NOTE_MAX)
    return _feedback(session, ticket, actor, level, note, rules)


def _feedback(session: Session, ticket: DemandTicket, actor: str, level: int, note: str | None,
              rules: DemandRules) -> DemandTicket:
    table = DemandTicket
    done = session.execute(update(table).where(table.id == ticket.id, table.version == ticket.version,
                                               table.satisfaction.is_(None))
                           .values(satisfaction=level, rating_comment=note, rated_at=now(),
                                   version=table.version + 1).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise DemandError.ALREADY_RATED.error()
    session.refresh(ticket)
    _record(session, ticket, "demand_rated", actor, {"satisfaction": level,
                                                     "bad": level <= rules.bad_rating_max})
    return ticket


def call_rating(ticket: DemandTicket, satisfaction: int | None, rules: DemandRules) -> int:
    """The rating a revisit works with: the resident's own online rating where given, else the one given on the call
    (required then; 422 ``demands.rating_required``)."""
    if ticket.satisfaction is not None:
        return ticket.satisfaction
    if satisfaction is None:
        raise DemandError.RATING_REQUIRED.error()
    return rules.rating(satisfaction)


def revisit(session: Session, ticket_id: int, *, actor: str, note: str, satisfaction: int | None = None
            ) -> DemandTicket:
    """The hotline revisits the resident (回访) and closes the demand (办结); a rating given on the call is recorded
    where the resident has not rated online."""
    ticket = get_ticket(session, ticket_id, lock=True)
    dr.step(ticket.status, "revisit")
    rules = demand_rules()
    said = dr.text(note, "note", NOTE_MAX)
    level = call_rating(ticket, satisfaction, rules)
    if ticket.satisfaction is None:
        ticket = _feedback(session, ticket, actor, level, None, rules)
    on_time = ticket.revisit_due is not None and today() <= ticket.revisit_due
    return _move(session, ticket, "revisit", "demand_closed", actor, {"revisit_on_time": on_time},
                 revisit_note=said, revisited_at=now())


def work_filter(hotline: bool, department_id: int | None) -> Any:
    """The demands on a work list: the hotline's (pending, answered for revisit, extensions to decide, and every
    escalated one in handling) or one department's in handling. The API's and the page's work lists share it."""
    t = DemandTicket
    if hotline:
        waiting = [DemandStatus.pending.value, DemandStatus.answered.value, DemandStatus.extension_asked.value]
        return t.status.in_(waiting) | ((t.escalation > 0) & t.status.in_(sorted(dr.HANDLING)))
    return (t.department_id == department_id) & t.status.in_(sorted(dr.HANDLING))


# --- the worker: 督办 ---------------------------------------------------------------------------

def _tell(session: Session, ticket: DemandTicket, kind: str, zh: str, en: str) -> None:
    if ticket.department_id is None:
        return
    notices.send(session, user_ids=department_users(session, ticket.department_id), module=MODULE, kind=kind,
                 title_zh=zh, title_en=en, href="/demands/work",
                 dedupe_key=f"demands:{ticket.id}:{kind}:{ticket.version}")


def _tell_resident(session: Session, ticket: DemandTicket, kind: str, zh: str, en: str) -> None:
    if ticket.resident_user_id is None:
        return
    notices.send(session, user_ids=[ticket.resident_user_id], module=MODULE, kind=kind, title_zh=zh, title_en=en,
                 href="/demands", dedupe_key=f"demands:{ticket.id}:{kind}:{ticket.version}")


def escalate_overdue(session: Session, *, batch: int = ESCALATION_BATCH) -> int:
    """The worker (督办): a demand not accepted, or not answered, by the end of its deadline's day is escalated once
    per stage, with a ledger event and a notice to its department; returns how many were escalated."""
    day = today()
    open_rows = session.scalars(
        select(DemandTicket).where(
            ((DemandTicket.status == DemandStatus.dispatched.value) & (DemandTicket.accept_due < day)
             & (DemandTicket.escalation < dr.ESCALATE_ACCEPT))
            | (DemandTicket.status.in_(sorted(s.value for s in dr.HANDLING))
               & (DemandTicket.answer_due < day) & (DemandTicket.escalation < dr.ESCALATE_ANSWER)))
        .order_by(DemandTicket.id).limit(batch)).all()
    fired = 0
    for ticket in open_rows:
        stage = dr.overdue_stage(ticket.status, day, ticket.accept_due, ticket.answer_due)
        if stage <= ticket.escalation:
            continue
        table = DemandTicket
        done = session.execute(update(table).where(table.id == ticket.id, table.version == ticket.version,
                                                   table.escalation < stage)
                               .values(escalation=stage, escalated_at=now(), version=table.version + 1)
                               .execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            continue  # another worker escalated it, or a step moved it: the next tick sees it afresh
        session.refresh(ticket)
        late = ticket.accept_due if stage == dr.ESCALATE_ACCEPT else ticket.answer_due
        _record(session, ticket, "demand_escalated", "system:worker",
                {"stage": "accept" if stage == dr.ESCALATE_ACCEPT else "answer",
                 "due": late.isoformat() if late else None})
        what_zh, what_en = ("签收", "acceptance") if stage == dr.ESCALATE_ACCEPT else ("答复", "answer")
        _tell(session, ticket, f"overdue_{stage}", f"督办：诉求 {ticket.number} 已超过{what_zh}期限",
              f"Overdue: demand {ticket.number} is past its {what_en} deadline")
        fired += 1
    return fired

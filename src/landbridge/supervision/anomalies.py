"""The anomaly queue (异常督办, issue #19 scope 3; P2, S92): the flags the modules raise, gathered in one queue, each
with its follow-up: assigned to a person or department with a deadline, then closed with an outcome.

Flags are read through the modules' public functions (``exchange.list_flags``); the follow-up is supervision's
own ``AnomalyCase``. Each transition checks the state it starts from and writes a ledger event in the caller's
transaction (``supervision.anomaly.assigned`` / ``.closed``); services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.supervision.anomaly_sources import Flag, source_flags
from landbridge.supervision.errors import SupervisionError
from landbridge.supervision.indicators import in_force
from landbridge.supervision.models import AnomalyCase

MODULE = "supervision"
QUEUE_LIMIT = 500
TEXT_LIMIT = {"assignee": 120, "outcome": 500}


@dataclass(frozen=True)
class QueueItem:
    """A flag with its follow-up (None until assigned) and whether the follow-up is past its deadline."""

    flag: Flag
    case: AnomalyCase | None
    overdue: bool


def flags(session: Session, *, region_prefix: str = "") -> list[Flag]:
    """The modules' current flags in regions starting with ``region_prefix``: the exchange's, then those of
    ``anomaly_sources`` (market entry, lending) under the rules in force today, newest first (at most 500)."""
    rows, _ = exchange.list_flags(session, limit=QUEUE_LIMIT)
    found = [Flag(f"exchange:{f.id}", "exchange", f.kind, f"{lot.number} {lot.title}", f"/exchange/lots/{lot.id}",
                  lot.region_code, to_local(ensure_utc(f.raised_at)).date(),
                  ", ".join(f"{k}={v}" for k, v in sorted(f.details.items()))[:200])
             for f, lot in rows if lot.region_code.startswith(region_prefix)]
    today = to_local(now()).date()
    found += source_flags(session, in_force(today), today, region_prefix)
    return sorted(found, key=lambda f: f.raised_on, reverse=True)[:QUEUE_LIMIT]


def queue(session: Session, *, region_prefix: str = "") -> list[QueueItem]:
    """Every flag with its follow-up: open ones (unassigned, then assigned by deadline) before closed ones."""
    found = flags(session, region_prefix=region_prefix)
    cases = {c.flag_key: c for c in session.scalars(select(AnomalyCase).where(
        AnomalyCase.flag_key.in_([f.key for f in found])))} if found else {}
    today = to_local(now()).date()
    items = [QueueItem(f, cases.get(f.key), (c := cases.get(f.key)) is not None and c.status == "assigned"
                       and c.due_on < today) for f in found]
    order = {None: 0, "assigned": 1, "closed": 2}
    return sorted(items, key=lambda i: (order[i.case.status if i.case else None],
                                        i.case.due_on if i.case else i.flag.raised_on))


def _text(field: str, value: str) -> str:
    text = (value or "").strip()
    if not 1 <= len(text) <= TEXT_LIMIT[field]:
        raise SupervisionError.INVALID_TEXT.error(field=field, max_length=TEXT_LIMIT[field])
    return text


def _event(session: Session, case: AnomalyCase, event_type: str, actor: str) -> None:
    event = append_event(session, module=MODULE, event_type=event_type, subject=subjects.subject("anomaly", case.id),
                         actor=actor, payload={"flag_key": case.flag_key, "status": case.status,
                                               "assignee": case.assignee, "due_on": case.due_on.isoformat(),
                                               "outcome": case.outcome})
    case.ledger_seq = event.seq


def assign(session: Session, *, flag_key: str, assignee: str, due_on: date, actor: str) -> AnomalyCase:
    """Assign the flag ``flag_key`` (a new follow-up) or reassign its open follow-up; a closed one is refused."""
    who = _text("assignee", assignee)
    if due_on < to_local(now()).date():
        raise SupervisionError.INVALID_DUE.error(due_on=due_on.isoformat())
    case = session.scalars(select(AnomalyCase).where(AnomalyCase.flag_key == flag_key)).first()
    if case is None:
        flag = next((f for f in flags(session) if f.key == flag_key), None)
        if flag is None:
            raise SupervisionError.FLAG_NOT_FOUND.error(flag_key=flag_key)
        case = AnomalyCase(flag_key=flag.key, source=flag.source, kind=flag.kind, label=flag.label[:200],
                           url=flag.url, region_code=flag.region_code, status="assigned", assignee=who,
                           due_on=due_on, created_by=actor, version=1, created_at=now())
        session.add(case)
        session.flush()
    elif case.status != "assigned":
        raise SupervisionError.ANOMALY_CLOSED.error(anomaly_id=case.id)
    else:
        case.assignee, case.due_on, case.version = who, due_on, case.version + 1
    _event(session, case, "anomaly.assigned", actor)
    session.flush()
    return case


def close(session: Session, *, anomaly_id: int, outcome: str, actor: str) -> AnomalyCase:
    """Close an assigned follow-up with its outcome; a closed one is refused."""
    case = session.get(AnomalyCase, anomaly_id, with_for_update=True)
    if case is None:
        raise SupervisionError.ANOMALY_NOT_FOUND.error(anomaly_id=anomaly_id)
    if case.status != "assigned":
        raise SupervisionError.ANOMALY_CLOSED.error(anomaly_id=anomaly_id)
    case.outcome = _text("outcome", outcome)
    case.status, case.closed_by, case.version = "closed", actor, case.version + 1
    _event(session, case, "anomaly.closed", actor)
    session.flush()
    return case

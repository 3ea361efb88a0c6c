"""Market-entry reminders (issue #15 scope 2): what is due, by whom and by when. ``run_due`` is idempotent: a case
is reminded once per due item (``reminded_for``), each reminder a ledger event the party's queue shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import append_event, subjects
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.queries import entry_rules
from landbridge.market_entry.rules import NEXT_ACTOR, OPEN_STATES, CaseState
from landbridge.market_entry.service import MODULE, _also

BATCH = 500


@dataclass(frozen=True)
class Due:
    """What a case waits for: the step, who acts, and the day it is due (None: no deadline)."""

    step: str
    party: str
    due_on: date | None


def due_of(case: EntryCase) -> Due | None:
    """The case's next step with its deadline from the rules (objection window, revenue period)."""
    state = CaseState(case.status)
    if state not in OPEN_STATES:
        return None
    r = entry_rules()
    party = NEXT_ACTOR.get(state, "collective")
    if state is CaseState.filed and case.objection_closes_on is not None:
        return Due("clear", party, add_workdays(case.objection_closes_on, 1))
    if state is CaseState.fees_settled and case.fees_settled_at is not None:
        return Due("distribute_revenue", party,
                   (to_local(ensure_utc(case.fees_settled_at)) + timedelta(days=r.revenue_distribution_days)).date())
    if state is CaseState.cleared and case.transaction_on is not None:
        return Due("list", party, case.transaction_on)
    return Due(state.value, party, None)


def run_due(session: Session, *, actor: str = "system:worker") -> int:
    """Write a reminder for each case whose deadline is within the rule's reminder days; once per due item."""
    r = entry_rules()
    today = to_local(now()).date()
    horizon = add_workdays(today, r.reminder_workdays)
    written = 0
    cases = session.execute(select(EntryCase).where(EntryCase.status.in_(
        [CaseState.filed.value, CaseState.fees_settled.value, CaseState.cleared.value])).order_by(EntryCase.id)
        .limit(BATCH)).scalars().all()
    for case in cases:
        due = due_of(case)
        if due is None or due.due_on is None or due.due_on > horizon:
            continue
        key = f"{case.status}:{due.step}"
        if case.reminded_for == key:
            continue
        case.reminded_for = key
        append_event(session, module=MODULE, event_type="reminder_due", subject=subjects.entry_case(case.id),
                     actor=actor, payload={"case": case.number, "step": due.step, "party": due.party,
                                           "due_on": due.due_on, "overdue": due.due_on < today}, also=_also(case))
        written += 1
    session.flush()
    return written

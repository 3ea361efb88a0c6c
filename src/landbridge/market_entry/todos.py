"""Market entry's to-dos for the service hall (issue #20 item 1, issue #15 一次不跑): the cases waiting for the
caller's party (the same queue as ``/market-entry``: the bureau's, the county's, the exchange's, the registry's, the
collective's), each with the step due next and its deadline where the rules set one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Role
from landbridge.kernel.clock import now
from landbridge.kernel.hall import Todo, due_at_end_of
from landbridge.market_entry import jobs, queries
from landbridge.market_entry.pages import STATE_LABELS
from landbridge.market_entry.rules import OPEN_STATES
from landbridge.market_entry.step_forms import zh
from landbridge.market_entry.views import QUEUES

CASES_SCANNED = 200  # as the queue page: the newest cases of the caller's area


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """The caller's waiting cases, earliest deadline first; none for a role without a queue."""
    parties = QUEUES.get(principal.role, frozenset())
    if not parties:
        return
    rows = [c for c in queries.list_cases(session, states=[s.value for s in OPEN_STATES], limit=CASES_SCANNED)
            if principal.covers_region(c.region_code)]
    if principal.role is Role.collective_clerk:
        own = collective.find_collective_of_organisation(session, principal.organisation_id)
        rows = [c for c in rows if own is not None and c.collective_id == own.id]
    waiting = [(c, d) for c in rows if (d := jobs.due_of(c)) is not None and d.party in parties]
    moment = now()
    for case, due in sorted(waiting, key=lambda t: (t[1].due_on or date.max, t[0].id)):
        state = STATE_LABELS.get(case.status, case.status)
        deadline = due_at_end_of(due.due_on) if due.due_on else None
        yield Todo(kind="market_entry.case", title_zh=f"入市案件 {case.number}：{zh(state)}",
                   title_en=f"Market entry case {case.number}: {state}", href=f"/market-entry/cases/{case.id}",
                   due=deadline, urgent=deadline is not None and deadline < moment)

"""Credit's to-dos for the service hall (issue #20 item 1; issue #18 item 1): a supervisor's open objections to
credit records, due by their deadline (urgent once overdue); a household's own open objections, due when the
answer is owed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Role
from landbridge.credit.models import CreditObjection
from landbridge.kernel.clock import now
from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of

OBJECTIONS_PAGE = "/credit/supervision"


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """Open objections: all of them for a supervisor, the household's own for a member with a party."""
    moment = now()
    stmt = select(CreditObjection).where(CreditObjection.status == "open")
    if principal.role is Role.supervisor:
        href, zh, en = OBJECTIONS_PAGE, "处理信用异议", "Decide the credit objection"
    elif principal.role is Role.member and principal.party_id is not None:
        stmt = stmt.where(CreditObjection.party_id == principal.party_id)
        href, zh, en = "/credit", "等待答复：我的信用异议", "Awaiting an answer: my credit objection"
    else:
        return
    for objection in session.scalars(stmt.order_by(CreditObjection.due_on, CreditObjection.id).limit(SOURCE_LIMIT)):
        due = due_at_end_of(objection.due_on)
        yield Todo(kind="credit.objection", title_zh=f"{zh} #{objection.id}", title_en=f"{en} #{objection.id}",
                   href=href, due=due, urgent=due < moment)

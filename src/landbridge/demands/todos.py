"""Demands' to-dos for the service hall (issue #20 items 1 and 3): a department's demands to accept or to answer,
each with its deadline (urgent once escalated, or an urgent demand), the hotline's extension requests to decide, and
a resident's answers waiting for their rating."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from landbridge.demands.models import DemandTicket
from landbridge.demands.rules import DemandStatus
from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of


def todos(session: Any, principal: Any) -> Iterator[Todo]:
    """The caller's department's demands to accept or answer, then the caller's own answered demands to rate."""
    held = session.scalars(select(DemandTicket).where(
        DemandTicket.department_id == principal.organisation_id,
        DemandTicket.status.in_([DemandStatus.dispatched.value, DemandStatus.accepted.value]))
        .order_by(DemandTicket.answer_due, DemandTicket.id).limit(SOURCE_LIMIT))
    for t in held:
        accepting = t.status == DemandStatus.dispatched
        due = t.accept_due if accepting else t.answer_due
        zh, en = ("签收", "accept") if accepting else ("答复", "answer")
        yield Todo(kind=f"demands.{en}", title_zh=f"诉求 {t.number}：{zh}", title_en=f"Demand {t.number}: {en}",
                   href="/demands/work", due=due_at_end_of(due) if due else None,
                   urgent=t.escalation > 0 or t.urgent)
    if getattr(principal, "role", None) == "supervisor":  # the hotline decides the extensions asked for (延期审核)
        asked = session.scalars(select(DemandTicket).where(
            DemandTicket.status == DemandStatus.extension_asked.value)
            .order_by(DemandTicket.answer_due, DemandTicket.id).limit(SOURCE_LIMIT))
        for t in asked:
            yield Todo(kind="demands.extension", title_zh=f"诉求 {t.number}：延期申请待审核",
                       title_en=f"Demand {t.number}: extension to decide", href="/demands/work",
                       due=due_at_end_of(t.answer_due) if t.answer_due else None, urgent=t.urgent)
    mine = session.scalars(select(DemandTicket).where(
        DemandTicket.resident_user_id == principal.user_id, DemandTicket.status.in_(
            [DemandStatus.answered.value, DemandStatus.closed.value]), DemandTicket.satisfaction.is_(None))
        .order_by(DemandTicket.id).limit(SOURCE_LIMIT))
    for t in mine:
        yield Todo(kind="demands.rate", title_zh=f"诉求 {t.number} 已答复：请评价",
                   title_en=f"Demand {t.number} answered: rate it", href="/demands")

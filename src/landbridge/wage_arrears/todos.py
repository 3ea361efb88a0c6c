"""Wage-arrears to-dos for the service hall (issue #20 items 1 and 4): the inspector's complaints to decide and
overdue orders (urgent), employers' payment claims to confirm; a worker's closed cases to confirm and rate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment
from landbridge.wage_arrears.rules import CaseStatus
from landbridge.wage_arrears.service import CLAIMED

INSPECTOR = "labour_inspector"


def todos(session: Any, principal: Any) -> Iterator[Todo]:
    t = WageArrearsCase
    if getattr(principal.role, "value", principal.role) == INSPECTOR:
        for c in session.scalars(select(t).where(t.status == CaseStatus.filed.value)
                                 .order_by(t.decide_due, t.id).limit(SOURCE_LIMIT)):
            yield Todo(kind="wage_arrears.decide", title_zh=f"欠薪投诉 {c.number}：受理或不予受理",
                       title_en=f"Wage-arrears case {c.number}: accept or reject", href=f"/wage-arrears/{c.id}",
                       due=due_at_end_of(c.decide_due))
        for c in session.scalars(select(t).where(t.status == CaseStatus.ordered.value, t.escalation > 0)
                                 .order_by(t.pay_due, t.id).limit(SOURCE_LIMIT)):
            yield Todo(kind="wage_arrears.overdue", title_zh=f"欠薪案件 {c.number} 逾期未支付（督办）",
                       title_en=f"Case {c.number} overdue (escalated)", href=f"/wage-arrears/{c.id}",
                       due=due_at_end_of(c.pay_due) if c.pay_due else None, urgent=True)
        p = WageArrearsPayment
        for pay in session.scalars(select(p).where(p.status == CLAIMED).order_by(p.id).limit(SOURCE_LIMIT)):
            yield Todo(kind="wage_arrears.claim", title_zh="用人单位申报已支付：待确认",
                       title_en="An employer's payment claim to confirm", href=f"/wage-arrears/{pay.case_id}")
    party = getattr(principal, "party_id", None)
    if party is not None:
        for c in session.scalars(select(t).where(t.worker_party_id == party, t.confirmed_at.is_(None),
                                                 t.status == CaseStatus.closed.value)
                                 .order_by(t.id).limit(SOURCE_LIMIT)):
            yield Todo(kind="wage_arrears.confirm", title_zh=f"欠薪案件 {c.number} 已结案：请确认收款并评价",
                       title_en=f"Case {c.number} closed: confirm receipt and rate", href=f"/wage-arrears/{c.id}")

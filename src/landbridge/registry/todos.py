"""The registry's to-dos for the service hall (issue #20 item 1; R2): a registrar's lodged applications in their
region, oldest first, each due by the statutory processing time limit (``processing_time_limit_workdays`` working
days after lodging, rule set ``registry_service``) and urgent once overdue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Role
from landbridge.auth.service import region_prefix
from landbridge.cityprofile import get_profile
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of
from landbridge.kernel.workdays import add_workdays
from landbridge.registry import org_signup
from landbridge.registry.models import Application, ApplicationStatus, Party

KIND_ZH = {"first": "首次登记", "transfer": "转移登记", "change": "变更登记", "cancellation": "注销登记",
           "correction": "更正登记", "objection": "异议登记", "advance_notice": "预告登记", "seizure": "查封登记",
           "mortgage": "抵押登记"}


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """A registrar's lodged applications of their region, oldest first; a platform administrator's organisation
    sign-ups waiting for review (others have none here)."""
    if principal.role is Role.admin:
        for row in org_signup.pending(session, limit=SOURCE_LIMIT):
            party = session.get(Party, row.party_id)
            name = party.name if party is not None else str(row.party_id)
            yield Todo(kind="registry.org_signup", title_zh=f"审核机构注册：{name}",
                       title_en=f"Review the sign-up of {name}", href="/admin/org-signups")
        return
    if principal.role is not Role.registrar:
        return
    limit = get_profile().rules("registry_service").int("processing_time_limit_workdays")
    moment = now()
    rows = session.scalars(
        select(Application).where(Application.status == ApplicationStatus.lodged,
                                  Application.region_code.startswith(region_prefix(principal.region_code),
                                                                     autoescape=True))
        .order_by(Application.lodged_at, Application.id).limit(SOURCE_LIMIT))
    for app in rows:
        due = due_at_end_of(add_workdays(to_local(app.lodged_at).date(), limit))
        kind_zh = KIND_ZH.get(app.kind, app.kind)
        yield Todo(kind="registry.application", title_zh=f"审核{kind_zh}申请 {app.number}",
                   title_en=f"Decide the {app.kind.replace('_', ' ')} application {app.number}",
                   href="/registrar/queue", due=due, urgent=due < moment)

"""Land quota's to-dos for the service hall (issue #20 item 1, issue #16): whose step is next in a homestead
withdrawal case (the collective's clerk decides and pays, the township values and lodges the cancellation, the
bureau hands the land over to reclamation) and the bureau's reclamation projects in works, waiting for acceptance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Role
from landbridge.kernel.hall import SOURCE_LIMIT, Todo
from landbridge.land_quota.models import ReclamationProject
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal

# the withdrawal states each role acts on next, with the step's name
NEXT: dict[Role, dict[str, tuple[str, str]]] = {
    Role.collective_clerk: {"applied": ("集体决定", "decide"), "valued": ("支付补偿", "pay the compensation")},
    Role.township_official: {"approved": ("评估补偿", "value the compensation"),
                             "paid": ("申请注销登记", "lodge the registry cancellation")},
    Role.nr_official: {"cancelling": ("移交复垦", "hand the land over to reclamation")},
}


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """The caller's withdrawal steps, then (the bureau) projects in works; nothing for other roles."""
    steps = NEXT.get(principal.role, {})
    if steps:
        stmt = select(HomesteadWithdrawal).where(HomesteadWithdrawal.status.in_(list(steps)))
        if principal.role is Role.collective_clerk:
            own = collective.find_collective_of_organisation(session, principal.organisation_id)
            if own is None:
                return
            stmt = stmt.where(HomesteadWithdrawal.collective_id == own.id)
        rows = session.scalars(stmt.order_by(HomesteadWithdrawal.id).limit(SOURCE_LIMIT * 4))
        for case in (c for c in rows if principal.covers_region(c.region_code)):
            zh, en = steps[case.status]
            yield Todo(kind="land_quota.withdrawal", title_zh=f"宅基地退出 {case.number}：{zh}",
                       title_en=f"Homestead withdrawal {case.number}: {en}", href=f"/quota/withdrawals/{case.id}")
    if principal.role is Role.nr_official:
        works = session.scalars(select(ReclamationProject).where(ReclamationProject.status == "works")
                                .order_by(ReclamationProject.id).limit(SOURCE_LIMIT * 4))
        for project in (p for p in works if principal.covers_region(p.region_code.ljust(12, "0"))):
            yield Todo(kind="land_quota.acceptance", title_zh=f"复垦项目 {project.project_no}：竣工验收",
                       title_en=f"Reclamation project {project.project_no}: acceptance",
                       href=f"/quota/projects/{project.id}")

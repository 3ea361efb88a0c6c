"""Overdue defects (issue #20 item 5): the list by maintainer, and the worker's escalation.

An open defect past its repair deadline is overdue. ``overdue_by_maintainer`` groups them by the asset's maintainer
(管护主体) for the township's list; ``escalate_overdue`` (a worker job) marks each overdue defect escalated once,
with a conditional UPDATE on ``escalated_at IS NULL`` (running it twice, or after a crash, escalates once), writes a
ledger event and sends a notice, in the same transaction, to the maintainer's accounts and to the township desks of
the asset's village (``notices.send`` with a dedupe key: once per user and defect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge import auth, collective, notices
from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.ledger import append_event
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect
from landbridge.maintenance.rules import DefectStatus, MaintainerKind
from landbridge.maintenance.service import MODULE, asset_subject, defect_subject, today

ESCALATION_BATCH = 200  # overdue defects one worker tick escalates
LIST_LIMIT = 2000  # overdue defects one list reads
WORKER = "system:maintenance-worker"


@dataclass
class MaintainerOverdue:
    """One maintainer's overdue defects (asset, defect, days late), oldest deadline first."""

    kind: str | None
    maintainer_id: int | None
    name: str
    rows: list[tuple[MaintenanceAsset, MaintenanceDefect, int]] = field(default_factory=list)


def overdue(session: Session, on: date | None = None, *, region_prefix: str = "",
            limit: int = LIST_LIMIT) -> list[tuple[MaintenanceAsset, MaintenanceDefect]]:
    """Open defects whose deadline passed before ``on`` (default today), oldest deadline first, in a region."""
    day = on or today()
    stmt = (select(MaintenanceAsset, MaintenanceDefect).join(MaintenanceAsset,
                                                             MaintenanceAsset.id == MaintenanceDefect.asset_id)
            .where(MaintenanceDefect.status == DefectStatus.open.value, MaintenanceDefect.due_on < day)
            .order_by(MaintenanceDefect.due_on, MaintenanceDefect.id).limit(limit))
    if region_prefix:
        stmt = stmt.where(MaintenanceAsset.region_code.startswith(region_prefix, autoescape=True))
    return [(a, d) for a, d in session.execute(stmt)]


def overdue_by_maintainer(session: Session, on: date | None = None, *, region_prefix: str = "",
                          limit: int = LIST_LIMIT) -> list[MaintainerOverdue]:
    """The overdue defects grouped by maintainer, the maintainer with the most first."""
    day = on or today()
    groups: dict[tuple[str | None, int | None], MaintainerOverdue] = {}
    for asset, defect in overdue(session, day, region_prefix=region_prefix, limit=limit):
        key = (asset.maintainer_kind, asset.maintainer_id)
        group = groups.setdefault(key, MaintainerOverdue(asset.maintainer_kind, asset.maintainer_id,
                                                         asset.maintainer_name or "—"))
        group.rows.append((asset, defect, (day - defect.due_on).days))
    return sorted(groups.values(), key=lambda g: (-len(g.rows), g.name))


def maintainer_organisations(session: Session, asset: MaintenanceAsset) -> list[int]:
    """The auth organisations acting for the asset's maintainer (the organisation, or the collective's clerks)."""
    if asset.maintainer_id is None:
        return []
    if asset.maintainer_kind == MaintainerKind.organisation:
        return [asset.maintainer_id]
    try:
        org = collective.get_collective(session, asset.maintainer_id).organisation_id
    except DomainError:
        return []
    return [org] if org is not None else []


def escalate_overdue(session: Session, *, batch: int = ESCALATION_BATCH) -> int:
    """The worker: escalate each overdue open defect once; returns how many were escalated."""
    day = today()
    rows = session.execute(
        select(MaintenanceAsset, MaintenanceDefect).join(MaintenanceAsset,
                                                         MaintenanceAsset.id == MaintenanceDefect.asset_id)
        .where(MaintenanceDefect.status == DefectStatus.open.value, MaintenanceDefect.due_on < day,
               MaintenanceDefect.escalated_at.is_(None))
        .order_by(MaintenanceDefect.due_on, MaintenanceDefect.id).limit(batch)).all()
    fired = 0
    for asset, defect in rows:
        done = session.execute(update(MaintenanceDefect)
                               .where(MaintenanceDefect.id == defect.id, MaintenanceDefect.escalated_at.is_(None),
                                      MaintenanceDefect.status == DefectStatus.open.value)
                               .values(escalated_at=now()).execution_options(synchronize_session=False))
        if getattr(done, "rowcount", 0) != 1:
            continue
        late = (day - defect.due_on).days
        append_event(session, module=MODULE, event_type="maintenance_defect_escalated",
                     subject=asset_subject(asset.id), actor=WORKER,
                     payload={"asset_no": asset.asset_no, "defect_id": defect.id, "due_on": defect.due_on.isoformat(),
                              "days_late": late}, also=(defect_subject(defect.id),))
        desks = [oid for oid, _ in auth.township_desks(session, asset.region_code)]
        users = auth.user_ids_of_organisations(session, maintainer_organisations(session, asset) + desks)
        notices.send(session, user_ids=users, module=MODULE, kind="defect_overdue",
                     title_zh=f"管护问题逾期：{asset.name}（{asset.asset_no}）已超过维修期限 {late} 天"[:200],
                     title_en=f"Maintenance defect overdue: {asset.name} ({asset.asset_no}), {late} days late"[:200],
                     href=f"/maintenance/assets/{asset.id}", dedupe_key=f"maintenance.defect_overdue:{defect.id}")
        fired += 1
    session.flush()
    return fired

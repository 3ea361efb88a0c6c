"""Maintenance's to-dos for the service hall (issue #20 item 5): the maintainer's open defects with their repair
deadline (an overdue one urgent), and for the township the repairs waiting to be checked and closed and the assets
with a maintainer waiting for acceptance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Role
from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect
from landbridge.maintenance.rules import AssetStatus, DefectStatus, MaintainerKind
from landbridge.maintenance.service import today


def _maintainer_filter(session: Session, principal: Any) -> Any:
    """The assets the caller's organisation maintains (as the organisation, or as the collective's clerks)."""
    own = [(MaintenanceAsset.maintainer_kind == MaintainerKind.organisation.value)
           & (MaintenanceAsset.maintainer_id == principal.organisation_id)]
    found = collective.find_collective_of_organisation(session, principal.organisation_id)
    if found is not None:
        own.append((MaintenanceAsset.maintainer_kind == MaintainerKind.collective.value)
                   & (MaintenanceAsset.maintainer_id == found.id))
    return or_(*own)


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    day = today()
    rows = session.execute(
        select(MaintenanceAsset, MaintenanceDefect).join(MaintenanceAsset,
                                                         MaintenanceAsset.id == MaintenanceDefect.asset_id)
        .where(MaintenanceDefect.status == DefectStatus.open.value, _maintainer_filter(session, principal))
        .order_by(MaintenanceDefect.due_on, MaintenanceDefect.id).limit(SOURCE_LIMIT))
    for asset, defect in rows:
        yield Todo(kind="maintenance.repair",
                   title_zh=f"维修 {asset.name}（{asset.asset_no}）：{defect.description}"[:120],
                   title_en=f"Repair {asset.name} ({asset.asset_no}): {defect.description}"[:120],
                   href=f"/maintenance/assets/{asset.id}", due=due_at_end_of(defect.due_on),
                   urgent=defect.due_on < day)
    if principal.role is not Role.township_official:
        return
    repaired = session.execute(
        select(MaintenanceAsset, MaintenanceDefect).join(MaintenanceAsset,
                                                         MaintenanceAsset.id == MaintenanceDefect.asset_id)
        .where(MaintenanceDefect.status == DefectStatus.repaired.value)
        .order_by(MaintenanceDefect.id).limit(SOURCE_LIMIT * 4))
    for asset, _defect in (r for r in repaired if principal.covers_region(r[0].region_code)):
        yield Todo(kind="maintenance.closure", title_zh=f"核验维修并销号：{asset.name}（{asset.asset_no}）",
                   title_en=f"Check the repair and close: {asset.name} ({asset.asset_no})",
                   href=f"/maintenance/assets/{asset.id}")
    waiting = session.scalars(select(MaintenanceAsset).where(MaintenanceAsset.status == AssetStatus.registered.value,
                                                             MaintenanceAsset.maintainer_id.is_not(None))
                              .order_by(MaintenanceAsset.id).limit(SOURCE_LIMIT * 4))
    for asset in (a for a in waiting if principal.covers_region(a.region_code)):
        yield Todo(kind="maintenance.acceptance", title_zh=f"竣工验收移交：{asset.name}（{asset.asset_no}）",
                   title_en=f"Completion acceptance and hand-over: {asset.name} ({asset.asset_no})",
                   href=f"/maintenance/assets/{asset.id}")

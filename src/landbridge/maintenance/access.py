"""Who may do what in the maintenance inventory (issue #20 item 5), shared by the API and the pages.

The township (``township_official``) registers assets, names maintainers, accepts and hands over, retires and closes
defects; the township and the village collective's clerk inspect and report defects; the maintainer (a user of the
maintainer organisation, or the clerk of the maintainer collective) and the township record repairs. The township,
the collective's clerk, the natural-resources bureau, the supervisor and the admin read the register. Each object is
also checked against the caller's organisation's region (a collective's clerk sees their own village).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role
from landbridge.maintenance.errors import MaintenanceError
from landbridge.maintenance.models import MaintenanceAsset
from landbridge.maintenance.overdue import maintainer_organisations

MANAGERS = (Role.township_official, Role.admin)
INSPECTORS = (Role.township_official, Role.collective_clerk, Role.admin)
READERS = (Role.township_official, Role.collective_clerk, Role.nr_official, Role.supervisor, Role.admin)


def in_area(principal: Principal, asset: MaintenanceAsset) -> None:
    if not principal.covers_region(asset.region_code):
        raise MaintenanceError.OUTSIDE_REGION.error(asset_no=asset.asset_no)


def is_maintainer(session: Session, principal: Principal, asset: MaintenanceAsset) -> bool:
    return principal.organisation_id in maintainer_organisations(session, asset)


def may_repair(session: Session, principal: Principal, asset: MaintenanceAsset) -> None:
    """The township of the asset's area or its maintainer; anyone else is refused."""
    if principal.role in MANAGERS and principal.covers_region(asset.region_code):
        return
    if not is_maintainer(session, principal, asset):
        raise MaintenanceError.NOT_MAINTAINER.error(asset_no=asset.asset_no)

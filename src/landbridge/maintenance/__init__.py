"""Rural infrastructure maintenance inventory (农村公共基础设施管护清单, issue #20 item 5, requirement I1): assets
(rural roads, water supply, sewage, waste, lighting, public buildings) with their location, village, maintainer
(管护主体), duties, maintenance standard and funding source; hand-over at completion acceptance (refused without a
maintainer); inspections; defects with a repair deadline by asset kind and severity (rule data); repairs and
closing; overdue defects listed by maintainer and escalated by the worker with a notice; a public map layer.
"""

from landbridge.maintenance.errors import MaintenanceError
from landbridge.maintenance.overdue import escalate_overdue, overdue_by_maintainer
from landbridge.maintenance.rules import AssetStatus, DefectStatus, MaintainerKind
from landbridge.maintenance.service import (
    accept_asset,
    assign_maintainer,
    close_defect,
    record_inspection,
    register_asset,
    repair_defect,
    report_defect,
    retire_asset,
)

__all__ = [
    "AssetStatus",
    "DefectStatus",
    "MaintainerKind",
    "MaintenanceError",
    "accept_asset",
    "assign_maintainer",
    "close_defect",
    "escalate_overdue",
    "overdue_by_maintainer",
    "record_inspection",
    "register_asset",
    "repair_defect",
    "report_defect",
    "retire_asset",
]

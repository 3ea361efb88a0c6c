"""Planning (国土空间规划): plan zones, permitted uses, planning conditions, one-map layers (L2, L4).

Other modules use only the names exported here. Market entry asks ``planning_conditions_for`` and
``is_use_permitted`` whether the plan designates a piece of land for operating use (L4).
"""

from landbridge.planning.issued import (
    IssueStatus,
    current_conditions,
    get_issued_conditions,
    issue_conditions,
    revoke_conditions,
)
from landbridge.planning.issued import (
    snapshot as conditions_snapshot,
)
from landbridge.planning.queries import (
    features_version,
    get_zone,
    list_features,
    list_zones,
    operating_use_classes,
    permitted_uses_at,
    zone_kind_defaults,
)
from landbridge.planning.rules import (
    ZONE_KIND_NAMES,
    Conditions,
    FeatureKind,
    KindDefaults,
    ZoneKind,
    ZoneStatus,
    use_permitted,
)
from landbridge.planning.schemas import FeatureIn, PlanningConditions, ZoneIn, ZoneShare
from landbridge.planning.service import (
    approve_zone,
    create_features,
    create_zone,
    create_zones,
    is_use_permitted,
    planning_conditions_for,
    supersede_zone,
)

__all__ = [
    "ZONE_KIND_NAMES",
    "Conditions",
    "FeatureIn",
    "FeatureKind",
    "IssueStatus",
    "KindDefaults",
    "PlanningConditions",
    "ZoneIn",
    "ZoneKind",
    "ZoneShare",
    "ZoneStatus",
    "approve_zone",
    "conditions_snapshot",
    "create_features",
    "create_zone",
    "create_zones",
    "current_conditions",
    "features_version",
    "get_issued_conditions",
    "get_zone",
    "is_use_permitted",
    "issue_conditions",
    "list_features",
    "list_zones",
    "operating_use_classes",
    "permitted_uses_at",
    "planning_conditions_for",
    "revoke_conditions",
    "supersede_zone",
    "use_permitted",
    "zone_kind_defaults",
]

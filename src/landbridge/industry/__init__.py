"""Industry information (产业信息, issue #19 item 5; requirements P1, S3; seed sentences S83–S85, S95–S98).

The places of the city's industry synergy platform (产业协同区, 特色小镇, 农业园区, 美丽乡村) with boundaries and
industries, where quota is allocated and entered land goes (computed from land quota, market entry and the registry
through their public functions, never typed in), their projects with funding sources and bundles of operating and
public-welfare projects, the map layer and the investors' page. A reader of other modules: only the shell and
supervision layers may import it.
"""

from landbridge.industry.errors import IndustryError
from landbridge.industry.figures import PlaceFigures, place_figures
from landbridge.industry.rules import Nature, PlaceStatus, ProjectStatus
from landbridge.industry.service import (
    add_funding,
    advance_project,
    bundle_finance,
    create_bundle,
    create_place,
    get_place,
    get_project,
    publish_place,
    publish_project,
    register_project,
    withdraw_place,
)

__all__ = [
    "IndustryError",
    "Nature",
    "PlaceFigures",
    "PlaceStatus",
    "ProjectStatus",
    "add_funding",
    "advance_project",
    "bundle_finance",
    "create_bundle",
    "create_place",
    "get_place",
    "get_project",
    "place_figures",
    "publish_place",
    "publish_project",
    "register_project",
    "withdraw_place",
]

"""Maintenance test world: a village collective in 余江区 with its clerks' organisation, a water company (an
organisation maintainer), the township of the village, and helpers that register and hand over an asset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shapely.geometry import LineString, mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import maintenance
from landbridge.auth import OrgKind, create_organisation
from landbridge.db import Database
from landbridge.ledger import current_size
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect, MaintenanceInspection
from landbridge.notices.models import Notice
from tests.collective.conftest import build_village
from tests.registry.conftest import square

ACTOR = "user:1:township_official"
VILLAGE = "360603101001"  # 锦江村, 余江区


@dataclass
class World:
    collective_id: int
    clerk_org: int
    company_org: int
    township_org: int


def build(s: Session) -> World:
    clerks = create_organisation(s, name="锦江村股份经济合作社（记账）", kind=OrgKind.collective, region_code=VILLAGE)
    village = build_village(s, n_households=1, per_household=1, region=VILLAGE, organisation_id=clerks.id,
                            enrol=False)
    company = create_organisation(s, name="余江区农村供水有限公司", kind=OrgKind.company, region_code="360603000000")
    township = create_organisation(s, name="锦江镇人民政府", kind=OrgKind.township, region_code="360603101000")
    return World(village.collective_id, clerks.id, company.id, township.id)


def road() -> dict[str, Any]:
    """A 300 m road section as GeoJSON inside the city."""
    a, b = square(0).exterior.coords[0], square(3).exterior.coords[0]
    return dict(mapping(LineString([a, b])))


def asset(s: Session, w: World, *, kind: str = "road", maintainer: tuple[str, int] | None = None,
          location: dict[str, Any] | None = None, accepted: bool = False) -> int:
    found = maintenance.register_asset(s, actor=ACTOR, kind=kind, name="锦江村通组公路", region_code=VILLAGE,
                                       location_geometry=location or road(), duties="路面保洁、坑槽修补、边沟清淤",
                                       standard="《农村公路养护技术规范》优良路率≥80%", funding_source="fiscal",
                                       maintainer=maintainer)
    if accepted:
        maintenance.accept_asset(s, found.id, actor=ACTOR, accepted_on=date(2026, 3, 1))
    return found.id


def state(db: Database) -> tuple[int, ...]:
    """The ledger's size and the rows of every maintenance table and of notices, with every asset's state."""
    with db.transaction(readonly=True) as s:
        counts = tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)
                       for m in (MaintenanceAsset, MaintenanceInspection, MaintenanceDefect, Notice))
        states = tuple(hash((a.status, a.version, a.maintainer_id)) for a in s.scalars(select(MaintenanceAsset)))
        return (current_size(s), *counts, *states)

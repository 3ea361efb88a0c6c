"""The demo world's maintenance inventory (管护清单, issue #20 item 5): assets of every kind across the villages of
the first collectives, in every state: registered without a maintainer (acceptance would be refused), waiting for
acceptance, handed over without defects, with an open defect, with an overdue defect, with a repaired defect waiting
to be closed, with a closed one, and retired.

Everything goes through ``landbridge.maintenance``'s services, so the ledger events, deadlines and states are what
the platform itself would have written. Maintainers are the village's collective, the township of the village
(public buildings) and a water company (water supply).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shapely.geometry import LineString, Point, box, mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import auth, maintenance
from landbridge.auth import OrgKind
from landbridge.cityprofile import get_profile
from landbridge.demo.land_quota import _territories
from landbridge.maintenance.models import MaintenanceDefect
from landbridge.maintenance.service import today as business_today

STEP = 0.0012  # degrees between a village's demo assets (about 120 m)
WATER_COMPANY = "{city}农村供水有限公司（演示）"  # named after the profile's city
# (kind, name, what the demo does with it)
PLAN = (("road", "通组公路", "overdue"), ("water_supply", "集中供水站", "open"), ("sewage", "污水处理设施", "repaired"),
        ("waste", "垃圾收集点", "closed"), ("lighting", "村道路灯", "in_service"),
        ("public_building", "村综合服务中心", "awaiting"), ("road", "机耕道", "no_maintainer"),
        ("lighting", "广场路灯", "retired"))
DUTIES = {"road": "路面保洁、坑槽修补、边沟清淤、标志标线维护", "water_supply": "设备运行、水质检测、管网巡检与抢修",
          "sewage": "设施运行维护、出水水质监测", "waste": "垃圾日产日清、收集点保洁",
          "lighting": "灯具巡查与更换、线路维护",
          "public_building": "房屋安全巡查、设施设备维护、环境卫生"}


def _location(kind: str, centre: Any, k: int) -> dict[str, Any]:
    x, y = centre.x + (k % 4 - 1.5) * STEP, centre.y + (k // 4 - 0.5) * STEP
    if kind == "road":
        return dict(mapping(LineString([(x, y), (x + STEP * 0.8, y + STEP * 0.3)])))
    if kind in ("public_building", "sewage"):
        return dict(mapping(box(x, y, x + STEP * 0.3, y + STEP * 0.2)))
    return dict(mapping(Point(x, y)))


def _water_company(session: Session, county: str) -> int:
    wanted = WATER_COMPANY.format(city=get_profile().name)
    for oid, name in auth.organisations_of_kind(session, OrgKind.company, limit=1000):
        if name == wanted:
            return oid
    return auth.create_organisation(session, name=wanted, kind=OrgKind.company,
                                    region_code=county.ljust(12, "0")).id


def seed_maintenance(session: Session, *, today: date, actor: str, villages: int = 3) -> int:
    """The assets of ``PLAN`` in each of the first ``villages`` collectives' villages; returns how many."""
    day = min(today, business_today())
    places = _territories(session, villages)
    if not places:
        return 0
    water = _water_company(session, places[0][1][:6])
    made = 0
    for n, (collective_id, village, territory) in enumerate(places):
        centre = territory.representative_point()  # type: ignore[attr-defined]
        desks = auth.township_desks(session, village)
        for k, (kind, name, fate) in enumerate(PLAN):
            if fate == "no_maintainer":
                maintainer = None
            elif kind == "water_supply":
                maintainer = ("organisation", water)
            elif kind == "public_building" and desks:
                maintainer = ("organisation", desks[0][0])
            else:
                maintainer = ("collective", collective_id)
            asset = maintenance.register_asset(
                session, actor=actor, kind=kind, name=f"{name}{n + 1}号", region_code=village,
                location_geometry=_location(kind, centre, k), duties=DUTIES[kind],
                standard="按县级管护标准：日常巡查每月不少于一次",
                funding_source="collective" if kind == "waste" else "fiscal",
                maintainer=maintainer)
            made += 1
            if fate in ("no_maintainer", "awaiting"):
                continue
            if fate == "retired":
                maintenance.retire_asset(session, asset.id, actor=actor, reason="道路改建，路灯并入新线路")
                continue
            maintenance.accept_asset(session, asset.id, actor=actor, accepted_on=day - timedelta(days=200))
            if fate == "in_service":
                maintenance.record_inspection(session, asset.id, actor=actor, inspected_on=day - timedelta(days=5),
                                              findings="运行正常，未发现问题")
                continue
            reported = day - timedelta(days=90 if fate == "overdue" else 1 if fate == "open" else 20)
            inspection = maintenance.record_inspection(
                session, asset.id, actor=actor, inspected_on=reported, findings="巡查发现问题，已登记限期维修",
                defects=[("major", {"road": "路面坑槽两处，边沟堵塞", "water_supply": "水泵异响",
                                    "sewage": "格栅堵塞", "waste": "收集点围挡破损"}.get(kind, "设施损坏"))])
            if fate in ("repaired", "closed"):
                defect = _first_defect(session, inspection.id)
                maintenance.repair_defect(session, defect, actor=actor, repaired_on=reported + timedelta(days=2),
                                          note="已维修完成")
                if fate == "closed":
                    maintenance.close_defect(session, defect, actor=actor, closed_on=reported + timedelta(days=3))
    return made


def _first_defect(session: Session, inspection_id: int) -> int:
    found = session.scalar(select(MaintenanceDefect.id).where(MaintenanceDefect.inspection_id == inspection_id)
                           .order_by(MaintenanceDefect.id).limit(1))
    assert found is not None
    return int(found)

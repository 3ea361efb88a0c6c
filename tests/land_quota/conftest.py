"""Land quota test world: a village collective in 余江区 holding a registered collective land ownership parcel
(300 m × 300 m), destination parcels registered in the county and one outside it, and helpers that register a
reclamation project on a square inside the collective's land and accept it, and set an approved supply plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from landbridge import land_quota, registry
from landbridge.land_quota import plan
from tests.collective.conftest import build_village
from tests.registry.conftest import square

ACTOR = "user:1:county_official"
COUNTY = "360603"  # 余江区
VILLAGE = "360603101001"  # 锦江村
ELSEWHERE = "360602001201"  # 江边社区, 月湖区: another county
YEAR = 2026
USE, QUARTER = "industrial", 2


@dataclass
class QuotaWorld:
    collective_id: int
    party_id: int
    parcels: list[int]  # current destination parcels in the county
    elsewhere: int  # a parcel in another county


def register(s: Session, holder: int, geometry: BaseGeometry, *, region: str = VILLAGE, land_use: str = "0601",
             right_type: str = "collective_construction_land_use_right") -> int:
    """A first registration approved: the new parcel's id."""
    app = registry.lodge_first_registration(s, actor=ACTOR, region_code=region, geometry=geometry,
                                            land_use_class=land_use, location="锦江村", right_type=right_type,
                                            holders=[(holder, "1")], attachment="W")
    registry.approve_application(s, application_id=app.id, actor=ACTOR)
    return registry.get_unit(s, int(app.payload["unit_id"])).parcel_id


def build_world(s: Session, *, seed: int = 0, organisation_id: int | None = None) -> QuotaWorld:
    """The world of collective ``seed`` (kept by the clerk's ``organisation_id`` where given): its ownership parcel
    lies ``5 * seed`` grid rows north of the first's."""
    village = build_village(s, n_households=1, per_household=1, region=VILLAGE, seed=seed, enrol=False,
                            organisation_id=organisation_id)
    row = 5 * seed
    register(s, village.party_id, square(0, row=row, size_m=300), land_use="0702",
             right_type="collective_land_ownership")
    parcels = [register(s, village.party_id, square(10 + i, row=20 + row, size_m=40)) for i in range(4)]
    elsewhere = register(s, village.party_id, square(20, row=20 + row, size_m=40), region=ELSEWHERE)
    return QuotaWorld(village.collective_id, village.party_id, parcels, elsewhere)


def boundary(col: int = 0, row: int = 0, size_m: float = 20.0, shift_m: float = 0.0) -> dict[str, Any]:
    """A square boundary as GeoJSON (inside the collective's land for cols and rows 0 to 2 of 20 m)."""
    return dict(mapping(square(col, row, size_m, shift_m)))


def project(s: Session, w: QuotaWorld, *, col: int = 0, row: int = 0, kind: str = "homestead",
            planned: str = "400", geometry: dict[str, Any] | None = None) -> int:
    """A planned reclamation project on the square at ``col``/``row``; its id."""
    return land_quota.register_project(s, actor=ACTOR, county_code=COUNTY, collective_id=w.collective_id, kind=kind,
                                       plan_ref="余江复垦方案〔2026〕1号", planned_area_m2=Decimal(planned),
                                       boundary_geometry=geometry or boundary(col, row)).id


def credited(s: Session, w: QuotaWorld, area: str, *, col: int = 0, row: int = 0,
             on: date = date(2026, 6, 1)) -> int:
    """A homestead reclamation project taken through its works and accepted with ``area`` m²; its id."""
    pid = project(s, w, col=col, row=row, planned=area)
    land_quota.start_works(s, pid, actor=ACTOR)
    land_quota.accept_reclamation(s, pid, actor=ACTOR, accepted_area_m2=area, quality_grade=6, accepted_on=on)
    return pid


def approved_plan(s: Session, *, quota: str = "100000", parcels: int = 100, year: int = YEAR,
                  lines: list[dict[str, Any]] | None = None) -> None:
    """An approved supply plan for the county's year (by default one generous industrial line in quarter 2)."""
    plan.draft_plan(s, actor=ACTOR, county_code=COUNTY, year=year,
                    lines=lines or [{"land_use": USE, "quarter": QUARTER, "quota_m2": quota, "parcels": parcels}])
    plan.approve_plan(s, actor=ACTOR, county_code=COUNTY, year=year, approved_on=date(year, 1, 15))


def allocate(s: Session, parcel_id: int, amount: str, *, land_use: str = USE, quarter: int = QUARTER,
             year: int = YEAR) -> Any:
    return land_quota.allocate(s, actor=ACTOR, county_code=COUNTY, year=year, parcel_id=parcel_id, amount_m2=amount,
                               land_use=land_use, quarter=quarter)

"""A Yujiang village for the homestead withdrawal tests: a collective of three households (two members each) whose
first household holds two homesteads and whose second holds one, registered in the real registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.kernel.clock import now
from tests.collective.conftest import VILLAGE, Village, build_village
from tests.collective.test_service import passed_motion
from tests.registry.conftest import square

CLERK = "user:9:test-clerk"
TOWNSHIP = "user:5:township"
NR = "user:3:nr"
REGISTRAR = "user:1:registrar"


@dataclass
class HomesteadWorld:
    village: Village
    household: int            # household party holding two homesteads
    member: int               # a person on its register
    spare: int                # the homestead right it may give up
    kept: int                 # the other one
    only_household: int       # a household holding one homestead
    only_member: int
    only: int                 # its only homestead right
    spare_area: Decimal       # registered area of the spare homestead's parcel


def homestead(s: Session, holder: int, col: int, size_m: float = 12.0) -> int:
    """A registered homestead use right of ``holder``; its id."""
    app = registry.lodge_first_registration(s, actor=REGISTRAR, region_code=VILLAGE,
                                            geometry=square(col, size_m=size_m),
                                            land_use_class="0702", location="锦江村", right_type="homestead_use_right",
                                            holders=[(holder, "1")], attachment="W")
    registry.approve_application(s, application_id=app.id, actor=REGISTRAR)
    return registry.current_rights(s, int(app.payload["unit_id"]))[0].id


def build(s: Session, organisation_id: int | None = None) -> HomesteadWorld:
    v = build_village(s, organisation_id=organisation_id)
    household, only_household = v.households[0], v.households[4]  # per member: persons 0 and 4
    spare = homestead(s, household, 0)
    kept = homestead(s, household, 2)
    only = homestead(s, only_household, 4, size_m=14.0)
    unit = registry.get_unit(s, registry.find_current_right(s, spare).unit_id or 0)
    area = registry.get_parcel(s, unit.parcel_id).area_m2
    return HomesteadWorld(v, household, v.persons[0], spare, kept, only_household, v.persons[4], only,
                          Decimal(area).quantize(Decimal("0.01")))


def council(s: Session, w: HomesteadWorld, number: str) -> int:
    return collective.consult_affairs_council(s, collective_id=w.village.collective_id, subject_ref=number,
                                              held_at=now(), attendees=7, opinion="理事会同意提交成员表决",
                                              actor=CLERK).id


def vote(s: Session, w: HomesteadWorld, number: str, yes: int | None = None) -> int:
    return passed_motion(s, w.village, "general", subject_ref=number, yes=yes)


PAID_ON = date(2026, 3, 2)

"""Registry test helpers: people with valid IDs, a bank, parcels as small squares in Yujiang."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pytest
from shapely.geometry import Polygon
from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.registry import approve_application, create_party, lodge_first_registration

VILLAGE = "360603101002"  # 范家村, 锦江镇, 余江区
OTHER_VILLAGE = "360681100001"
ACTOR = "user:1:registrar"
ORIGIN = (116.90, 28.20)
DEG_PER_M = 1 / 111_000
LON_DEG_PER_M = DEG_PER_M / math.cos(math.radians(ORIGIN[1]))


def resident_id(n: int) -> str:
    """A valid resident ID number (余江, born 1980) for person ``n``."""
    body = f"360622{date(1980, 1, 1 + n % 28):%Y%m%d}{n % 1000:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def org_uscc(n: int) -> str:
    body = f"91360600MA{n:07d}"
    return body + str(uscc.calc_check_digit(body + "0"))


def square(col: int, row: int = 0, size_m: float = 20.0, shift_m: float = 0.0) -> Polygon:
    """A square of ``size_m`` in a grid of 100 m cells (shifted east by ``shift_m``)."""
    x0 = ORIGIN[0] + (col * 100 + shift_m) * LON_DEG_PER_M
    y0 = ORIGIN[1] + row * 100 * DEG_PER_M
    dx, dy = size_m * LON_DEG_PER_M, size_m * DEG_PER_M
    return Polygon([(x0, y0), (x0 + dx, y0), (x0 + dx, y0 + dy), (x0, y0 + dy)])


@dataclass
class People:
    a: int
    b: int
    c: int
    d: int
    bank: int
    bank2: int
    household: int


@pytest.fixture
def people(db: Database, clock: Clock) -> People:
    with db.transaction() as s:
        ids = [create_party(s, kind="person", name=f"村民{i}", id_number=resident_id(i), actor=ACTOR).id
               for i in range(1, 5)]
        bank = create_party(s, kind="organisation", name="鹰潭农商银行", id_number=org_uscc(1), actor=ACTOR).id
        bank2 = create_party(s, kind="organisation", name="邮储银行鹰潭分行", id_number=org_uscc(2), actor=ACTOR).id
        household = create_party(s, kind="group", name="村民1户", members=[(ids[0], "户主", "1/2"),
                                                                         (ids[1], "配偶", "1/2")], actor=ACTOR).id
    return People(ids[0], ids[1], ids[2], ids[3], bank, bank2, household)


def register(s: Session, geom: Polygon, holders: list[tuple[int, str]], *, right_type: str = "land_contract_right",
             attachment: str = "W", approve: bool = True, region: str = VILLAGE) -> int:
    """Lodge (and approve) a first registration; returns the unit id."""
    app = lodge_first_registration(s, actor=ACTOR, region_code=region, geometry=geom, land_use_class="0101",
                                   location="范家村", right_type=right_type, holders=holders, attachment=attachment,
                                   term_start=date(2020, 1, 1), term_end=date(2050, 1, 1))
    if approve:
        approve_application(s, application_id=app.id, actor=ACTOR)
    return int(app.payload["unit_id"])

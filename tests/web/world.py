"""A small registry world for page tests and the browser journey: accounts, people, parcels, a queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shapely.geometry import Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from landbridge.auth import create_demo_accounts
from landbridge.db import Database
from landbridge.registry import (
    approve_application,
    certificates_of_application,
    create_party,
    lodge_first_registration,
    lodge_mortgage,
)
from landbridge.registry.models import PropertyUnit

VILLAGE = "360603101001"  # 锦江村, 锦江镇, 余江区
ACTOR = "user:0:test-registrar"
ORIGIN = (117.02, 28.23)  # near the profile's map centre
DEG_PER_M = 1 / 111_000


def resident_id(n: int) -> str:
    """A valid resident ID number (余江, born 1975) for person ``n``."""
    body = f"360622{date(1975, 3, 1 + n % 28):%Y%m%d}{n % 1000:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def org_uscc(n: int) -> str:
    body = f"91360600MA{n:07d}"
    return body + str(uscc.calc_check_digit(body + "0"))


def square(col: int, row: int = 0, size_m: float = 60.0) -> Polygon:
    """A square of ``size_m`` in a grid of 100 m cells."""
    x0 = ORIGIN[0] + col * 100 * DEG_PER_M
    y0 = ORIGIN[1] + row * 100 * DEG_PER_M
    d = size_m * DEG_PER_M
    return Polygon([(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d)])


@dataclass
class World:
    """Ids of what ``build_world`` made."""

    holder_a: int
    holder_b: int
    bank: int
    homestead_parcel: int
    homestead_unit: int
    certificate_id: int
    certificate_number: str
    verify_token: str
    lodged_application: int
    lodged_application_number: str
    lodged_parcel: int
    contract_parcel: int


def _parcel_of(s: Session, unit_id: int) -> int:
    return int(s.execute(select(PropertyUnit.parcel_id).where(PropertyUnit.id == unit_id)).scalar_one())


def build_world(db: Database) -> World:
    """Demo accounts; a homestead held 1/2 + 1/2 with a mortgage; a contract parcel; one lodged application."""
    with db.transaction() as s:
        create_demo_accounts(s)
        a = create_party(s, kind="person", name="周建国", id_number=resident_id(1), actor=ACTOR).id
        b = create_party(s, kind="person", name="李秀英", id_number=resident_id(2), actor=ACTOR).id
        bank = create_party(s, kind="organisation", name="鹰潭农商银行", id_number=org_uscc(1), actor=ACTOR).id
        first = lodge_first_registration(
            s, actor=ACTOR, region_code=VILLAGE, geometry=square(0), land_use_class="0702", location="锦江村一组",
            right_type="homestead_use_right", holders=[(a, "1/2"), (b, "1/2")])
        approve_application(s, application_id=first.id, actor=ACTOR)
        unit = int(first.payload["unit_id"])
        cert = certificates_of_application(s, first.id)[0]
        mortgage = lodge_mortgage(s, actor=ACTOR, unit_id=unit, mortgagee_party_id=bank, secured_amount="200000.00",
                                  document_no="余农商抵字2026第001号")
        approve_application(s, application_id=mortgage.id, actor=ACTOR)
        contract = lodge_first_registration(
            s, actor=ACTOR, region_code=VILLAGE, geometry=square(1), land_use_class="0101", location="锦江村二组",
            right_type="land_contract_right", holders=[(a, 1)], term_start=date(2018, 1, 1),
            term_end=date(2048, 1, 1))
        approve_application(s, application_id=contract.id, actor=ACTOR)
        lodged = lodge_first_registration(
            s, actor=ACTOR, region_code=VILLAGE, geometry=square(2), land_use_class="0301", location="锦江村后山",
            right_type="forest_right", holders=[(b, 1)], term_start=date(2020, 1, 1), term_end=date(2089, 12, 31))
        return World(
            holder_a=a, holder_b=b, bank=bank, homestead_parcel=_parcel_of(s, unit), homestead_unit=unit,
            certificate_id=cert.id, certificate_number=cert.number, verify_token=cert.verify_token,
            lodged_application=lodged.id, lodged_application_number=lodged.number,
            lodged_parcel=_parcel_of(s, int(lodged.payload["unit_id"])),
            contract_parcel=_parcel_of(s, int(contract.payload["unit_id"])))

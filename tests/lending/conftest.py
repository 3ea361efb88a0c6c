"""Lending test worlds: a borrower holding a forest right with an appraised value, a bank organisation and party;
a member of a quantified village collective whose household account holds shares to pledge (``sw``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import OrgKind, create_organisation
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.registry import approve_application, create_party, current_rights, get_unit, lodge_first_registration
from landbridge.valuation.mass.models import MassRun, MassValue
from tests.collective.conftest import Village, build_village, quantify
from tests.registry.conftest import ACTOR, VILLAGE, org_uscc, resident_id, square


@dataclass
class World:
    borrower: int
    other: int
    bank_party: int
    bank_org: int
    right: int
    unit: int
    parcel: int
    house_right: int


def _register(s: Session, col: int, holder: int, right_type: str, attachment: str = "L") -> tuple[int, int, int]:
    app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(col, size_m=60),
                                   land_use_class="0301", location="范家村", right_type=right_type,
                                   holders=[(holder, "1")], attachment=attachment, term_start=date(2020, 1, 1),
                                   term_end=date(2060, 1, 1))
    approve_application(s, application_id=app.id, actor=ACTOR)
    unit_id = int(app.payload["unit_id"])
    right = current_rights(s, unit_id)[0]
    return right.id, unit_id, get_unit(s, unit_id).parcel_id


def appraise(s: Session, parcel_ids: list[int], value: Decimal) -> None:
    run = MassRun(run_no="MR-TEST-1", valuation_date=date(2026, 1, 1), model_version="test", method="ols", seed=1,
                  parameters={}, model_json="{}", sale_count=0, status="completed", actor=ACTOR,
                  created_at=Clock().now())
    s.add(run)
    s.flush()
    for pid in parcel_ids:
        s.add(MassValue(run_id=run.id, parcel_id=pid, region_code=VILLAGE, land_use_class="0301",
                        value_per_m2_cny=Decimal("100.00"), value_cny=value,
                        features=np.zeros(1, dtype=np.float64).tobytes()))
    s.flush()


@pytest.fixture
def world(db: Database, clock: Clock) -> World:
    with db.transaction() as s:
        borrower = create_party(s, kind="person", name="村民甲", id_number=resident_id(1), actor=ACTOR).id
        other = create_party(s, kind="person", name="村民乙", id_number=resident_id(2), actor=ACTOR).id
        bank_party = create_party(s, kind="organisation", name="鹰潭农商银行", id_number=org_uscc(1), actor=ACTOR).id
        bank_org = create_organisation(s, name="鹰潭农商银行", kind=OrgKind.bank, region_code="360600000000").id
        right, unit, parcel = _register(s, 1, borrower, "forest_right")
        house_right, _, house_parcel = _register(s, 3, borrower, "land_management_right", attachment="W")
        appraise(s, [parcel, house_parcel], Decimal("1000000.00"))
    return World(borrower, other, bank_party, bank_org, right, unit, parcel, house_right)


@dataclass
class ShareWorld:
    village: Village
    bank_org: int
    borrower: int          # a member (村民) whose household account holds the shares
    account: int
    balance: Decimal
    per_share: Decimal     # the collective's book value per share


@pytest.fixture
def sw(db: Database, clock: Clock) -> ShareWorld:
    with db.transaction() as s:
        v = build_village(s)
        quantify(s, v)  # 600,000 yuan of assets quantified into shares
        bank_org = create_organisation(s, name="鹰潭农商银行", kind=OrgKind.bank, region_code="360600000000").id
        member = collective.find_active_membership(s, v.persons[0])
        assert member is not None
        account = collective.accounts_for_member(s, member)[0]
        per_share = collective.book_value_per_share(s, v.collective_id)
        assert per_share is not None
        return ShareWorld(v, bank_org, v.persons[0], account.id, Decimal(account.balance_shares), per_share)

"""Land banking (土地收储, issue #16 scope 4): the reserve centre proposes the acquisition of a registered parcel
with compensation (to the fen), acquires and holds it, and supplies it under the approved plan (one parcel of the
line); every step a named self-guarding transition with a ledger event, every refusal typed and changing nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.land_quota import plan, reserve
from landbridge.land_quota.models import LandReserve
from landbridge.ledger import current_size
from landbridge.ledger.models import LedgerEvent
from tests.land_quota.conftest import ACTOR, COUNTY, YEAR, QuotaWorld, approved_plan, build_world

LINES = [{"land_use": "industrial", "quarter": 3, "quota_m2": "1000", "parcels": 1}]


@pytest.fixture
def w(db: Database, session: Session) -> QuotaWorld:
    world = build_world(session)
    approved_plan(session, lines=LINES)
    return world


def refused(s: Session, code: str, call: Any) -> DomainError:
    before = (current_size(s), s.scalar(select(func.count()).select_from(LandReserve)),
              tuple(s.execute(select(LandReserve.status, LandReserve.version).order_by(LandReserve.id)).all()))
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.details)
    after = (current_size(s), s.scalar(select(func.count()).select_from(LandReserve)),
             tuple(s.execute(select(LandReserve.status, LandReserve.version).order_by(LandReserve.id)).all()))
    assert after == before
    return caught.value


def test_acquire_hold_and_supply_by_the_plan(w: QuotaWorld, session: Session) -> None:
    case = reserve.propose(session, actor=ACTOR, county_code=COUNTY, parcel_id=w.parcels[0],
                           compensation_cny="1234567.89")
    assert case.status == "proposed" and case.compensation_fen == 123456789
    assert abs(case.area_m2 - Decimal(1600)) < Decimal(20)  # the registered 40 m × 40 m parcel
    refused(session, "land_quota.reserve_invalid_transition", lambda: reserve.supply(
        session, case.id, actor=ACTOR, year=YEAR, land_use="industrial", quarter=3, supplied_on=date(2026, 7, 1)))
    reserve.acquire(session, case.id, actor=ACTOR, acquired_on=date(2026, 4, 1))
    assert case.status == "held" and case.acquired_on == date(2026, 4, 1)
    refused(session, "land_quota.reserve_invalid_transition", lambda: reserve.cancel(session, case.id, actor=ACTOR,
                                                                                     reason="撤回"))
    refused(session, "land_quota.plan_line_not_found", lambda: reserve.supply(
        session, case.id, actor=ACTOR, year=YEAR, land_use="industrial", quarter=1, supplied_on=date(2026, 7, 1)))
    reserve.supply(session, case.id, actor=ACTOR, year=YEAR, land_use="industrial", quarter=3,
                   supplied_on=date(2026, 7, 1))
    assert case.status == "supplied" and case.plan_line_id is not None
    [line] = plan.lines_of(session, plan.get_plan(session, COUNTY, YEAR).id)
    assert (line.allocated_parcels, line.allocated_m2) == (1, Decimal("0.00"))
    kinds = list(session.scalars(select(LedgerEvent.event_type).where(LedgerEvent.event_type.like("reserve_%"))
                                 .order_by(LedgerEvent.seq)))
    assert kinds == ["reserve_proposed", "reserve_acquired", "reserve_supplied"]


def test_the_plan_line_bounds_the_parcels_supplied(w: QuotaWorld, session: Session) -> None:
    ids = []
    for parcel in w.parcels[:2]:
        case = reserve.propose(session, actor=ACTOR, county_code=COUNTY, parcel_id=parcel, compensation_cny="100")
        reserve.acquire(session, case.id, actor=ACTOR, acquired_on=date(2026, 4, 1))
        ids.append(case.id)
    reserve.supply(session, ids[0], actor=ACTOR, year=YEAR, land_use="industrial", quarter=3,
                   supplied_on=date(2026, 7, 1))
    refused(session, "land_quota.over_plan_parcels", lambda: reserve.supply(
        session, ids[1], actor=ACTOR, year=YEAR, land_use="industrial", quarter=3, supplied_on=date(2026, 7, 2)))


def test_one_open_case_per_parcel_and_bad_input_refused(w: QuotaWorld, session: Session) -> None:
    first = reserve.propose(session, actor=ACTOR, county_code=COUNTY, parcel_id=w.parcels[0], compensation_cny="0")
    refused(session, "land_quota.reserve_exists", lambda: reserve.propose(
        session, actor=ACTOR, county_code=COUNTY, parcel_id=w.parcels[0], compensation_cny="10"))
    reserve.cancel(session, first.id, actor=ACTOR, reason="补偿未谈妥")
    again = reserve.propose(session, actor=ACTOR, county_code=COUNTY, parcel_id=w.parcels[0], compensation_cny="10")
    assert again.status == "proposed"
    for bad in ("-1", "1.001", "abc", "1E+30", "NaN"):
        refused(session, "land_quota.invalid_compensation", lambda bad=bad: reserve.propose(
            session, actor=ACTOR, county_code=COUNTY, parcel_id=w.parcels[1], compensation_cny=bad))
    refused(session, "land_quota.parcel_not_found", lambda: reserve.propose(
        session, actor=ACTOR, county_code=COUNTY, parcel_id=10**9, compensation_cny="1"))
    refused(session, "land_quota.parcel_outside_county", lambda: reserve.propose(
        session, actor=ACTOR, county_code=COUNTY, parcel_id=w.elsewhere, compensation_cny="1"))
    refused(session, "land_quota.reserve_not_found", lambda: reserve.acquire(session, 10**9, actor=ACTOR,
                                                                             acquired_on=date(2026, 4, 1)))


def test_ten_concurrent_proposals_for_one_parcel(db: Database) -> None:
    from tests.land_quota.test_race import race

    with db.transaction() as s:
        world = build_world(s)
    outcomes = race(db, 10, lambda s: reserve.propose(s, actor=ACTOR, county_code=COUNTY, parcel_id=world.parcels[0],
                                                      compensation_cny="500"))
    assert outcomes.count("ok") == 1 and outcomes.count("land_quota.reserve_exists") == 9, set(outcomes)
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(LandReserve)) == 1

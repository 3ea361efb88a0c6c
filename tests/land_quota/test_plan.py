"""The annual supply plan (年度供应计划, issue #16 scope 3): quota and parcels by use and quarter, drafted then
approved; allocations count against the approved line and are refused beyond its quota or its parcels. Every
refusal typed and changing nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.land_quota import plan
from landbridge.land_quota.models import QuotaAllocation, SupplyPlanLine
from landbridge.ledger import current_size
from landbridge.ledger.models import LedgerEvent
from tests.land_quota.conftest import ACTOR, COUNTY, YEAR, QuotaWorld, allocate, approved_plan, build_world, credited

D = Decimal
LINES = [{"land_use": "industrial", "quarter": 1, "quota_m2": "30", "parcels": 2},
         {"land_use": "commercial", "quarter": 3, "quota_m2": "50.5", "parcels": 1}]


@pytest.fixture
def w(db: Database, session: Session) -> QuotaWorld:
    world = build_world(session)
    credited(session, world, "1000")
    return world


def state(session: Session) -> tuple[Any, ...]:
    lines = tuple(session.execute(select(SupplyPlanLine.allocated_m2, SupplyPlanLine.allocated_parcels)
                                  .order_by(SupplyPlanLine.id)).all())
    return (current_size(session), session.scalar(select(func.count()).select_from(QuotaAllocation)), lines)


def refused(session: Session, code: str, call: Any) -> DomainError:
    before = state(session)
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.details)
    assert state(session) == before
    return caught.value


def test_a_plan_is_drafted_then_approved_and_read_with_its_lines(w: QuotaWorld, session: Session) -> None:
    drafted = plan.draft_plan(session, actor=ACTOR, county_code=COUNTY, year=YEAR, lines=LINES)
    assert drafted.status == "draft"
    refused(session, "land_quota.plan_not_approved", lambda: allocate(session, w.parcels[0], "1", quarter=1))
    approved = plan.approve_plan(session, actor=ACTOR, county_code=COUNTY, year=YEAR, approved_on=date(2026, 1, 20))
    assert approved.status == "approved" and approved.approved_on == date(2026, 1, 20)
    lines = [(x.land_use, x.quarter, x.quota_m2, x.parcels) for x in plan.lines_of(session, approved.id)]
    assert lines == [("industrial", 1, D("30.00"), 2), ("commercial", 3, D("50.50"), 1)]
    kinds = set(session.scalars(select(LedgerEvent.event_type).where(LedgerEvent.module == "land_quota")))
    assert {"supply_plan_drafted", "supply_plan_approved"} <= kinds
    refused(session, "land_quota.plan_invalid_transition", lambda: plan.approve_plan(
        session, actor=ACTOR, county_code=COUNTY, year=YEAR, approved_on=date(2026, 1, 21)))
    refused(session, "land_quota.plan_exists", lambda: plan.draft_plan(session, actor=ACTOR, county_code=COUNTY,
                                                                        year=YEAR, lines=LINES))


def test_allocations_count_against_the_line_and_stop_at_its_quota(w: QuotaWorld, session: Session) -> None:
    approved_plan(session, lines=LINES)
    allocate(session, w.parcels[0], "20", quarter=1)
    allocate(session, w.parcels[0], "9.99", quarter=1)
    e = refused(session, "land_quota.over_plan", lambda: allocate(session, w.parcels[1], "0.02", quarter=1))
    assert e.details == {"land_use": "industrial", "quarter": 1, "quota": "30.00", "allocated": "29.99",
                         "requested": "0.02"}
    allocate(session, w.parcels[1], "0.01", quarter=1)  # exactly to the plan's figure
    [industrial, commercial] = plan.lines_of(session, plan.get_plan(session, COUNTY, YEAR).id)
    assert (industrial.allocated_m2, industrial.allocated_parcels) == (D("30.00"), 2)
    assert (commercial.allocated_m2, commercial.allocated_parcels) == (D("0.00"), 0)
    allocate(session, w.parcels[2], "50.5", land_use="commercial", quarter=3)
    refused(session, "land_quota.over_plan", lambda: allocate(session, w.parcels[2], "0.01", land_use="commercial",
                                                             quarter=3))


def test_a_line_takes_no_more_parcels_than_planned(w: QuotaWorld, session: Session) -> None:
    approved_plan(session, lines=LINES)
    allocate(session, w.parcels[0], "1", quarter=1)
    allocate(session, w.parcels[1], "1", quarter=1)
    e = refused(session, "land_quota.over_plan_parcels", lambda: allocate(session, w.parcels[2], "1", quarter=1))
    assert e.details["parcels"] == 2
    allocate(session, w.parcels[0], "5", quarter=1)  # more quota to a parcel already counted takes no new parcel


def test_an_allocation_needs_a_line_for_its_use_and_quarter(w: QuotaWorld, session: Session) -> None:
    refused(session, "land_quota.plan_not_found", lambda: allocate(session, w.parcels[0], "1", quarter=1))
    approved_plan(session, lines=LINES)
    refused(session, "land_quota.plan_line_not_found", lambda: allocate(session, w.parcels[0], "1", quarter=2))
    refused(session, "land_quota.plan_line_not_found",
            lambda: allocate(session, w.parcels[0], "1", land_use="residential", quarter=1))
    refused(session, "land_quota.invalid_use", lambda: allocate(session, w.parcels[0], "1", land_use="castle",
                                                               quarter=1))
    refused(session, "land_quota.invalid_quarter", lambda: allocate(session, w.parcels[0], "1", quarter=5))


def test_a_parcel_keeps_one_use_and_quarter_a_year(w: QuotaWorld, session: Session) -> None:
    approved_plan(session, lines=LINES)
    allocate(session, w.parcels[0], "1", quarter=1)
    refused(session, "land_quota.allocation_line_mismatch",
            lambda: allocate(session, w.parcels[0], "1", land_use="commercial", quarter=3))


@pytest.mark.parametrize("lines, code", [
    ([], "land_quota.invalid_plan_lines"),
    ([{"land_use": "castle", "quarter": 1, "quota_m2": "1", "parcels": 1}], "land_quota.invalid_use"),
    ([{"land_use": "industrial", "quarter": 5, "quota_m2": "1", "parcels": 1}], "land_quota.invalid_quarter"),
    ([{"land_use": "industrial", "quarter": True, "quota_m2": "1", "parcels": 1}], "land_quota.invalid_quarter"),
    ([{"land_use": "industrial", "quarter": 1, "quota_m2": "-1", "parcels": 1}], "land_quota.invalid_area"),
    ([{"land_use": "industrial", "quarter": 1, "quota_m2": "1", "parcels": 0}], "land_quota.invalid_plan_lines"),
    ([{"land_use": "industrial", "quarter": 1, "quota_m2": "1", "parcels": 1}] * 2, "land_quota.invalid_plan_lines"),
])
def test_bad_plan_lines_are_refused(w: QuotaWorld, session: Session, lines: list[dict[str, Any]],
                                    code: str) -> None:
    refused(session, code, lambda: plan.draft_plan(session, actor=ACTOR, county_code=COUNTY, year=YEAR,
                                                   lines=lines))
    refused(session, "land_quota.invalid_year", lambda: plan.draft_plan(session, actor=ACTOR, county_code=COUNTY,
                                                                         year=1999, lines=LINES))

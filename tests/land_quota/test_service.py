"""Land quota services (issue #16): credit only on acceptance, allocation and consumption within their bounds,
every change a ledger entry and a ledger event, every refusal typed and changing nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import land_quota
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.land_quota.models import QuotaAllocation, QuotaBalance, QuotaEntry, ReclamationProject
from landbridge.land_quota.rules import Totals
from landbridge.ledger.models import LedgerEvent
from tests.land_quota.conftest import (
    ACTOR,
    COUNTY,
    YEAR,
    QuotaWorld,
    allocate,
    approved_plan,
    boundary,
    build_world,
    credited,
    project,
)

D = Decimal


def events(session: Session, event_type: str) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEvent).where(
        LedgerEvent.module == "land_quota", LedgerEvent.event_type == event_type)) or 0


def entries(session: Session, kind: str) -> list[QuotaEntry]:
    return list(session.scalars(select(QuotaEntry).where(QuotaEntry.kind == kind).order_by(QuotaEntry.id)))


@pytest.fixture
def w(db: Database, session: Session) -> QuotaWorld:
    world = build_world(session)
    approved_plan(session)
    return world


def test_acceptance_credits_the_measured_area_to_the_county_and_year(db: Database, session: Session,
                                                                     w: QuotaWorld) -> None:
    project_id = credited(session, w, "1234.56")
    project = session.get(ReclamationProject, project_id)
    assert project is not None and project.status == "accepted" and project.credited_year == YEAR
    assert project.accepted_area_m2 == D("1234.56") and project.quality_grade == 6
    assert land_quota.balance_of(session, COUNTY, YEAR) == Totals(D("1234.56"), D("0"), D("0"))
    [entry] = entries(session, "credit")
    assert (entry.amount_m2, entry.project_id, entry.county_code, entry.year) == (D("1234.56"), project_id, COUNTY,
                                                                                   YEAR)
    assert entry.ledger_seq is not None
    assert events(session, "quota_credited") == 1 and events(session, "reclamation_accepted") == 1


def test_a_project_not_accepted_credits_nothing(db: Database, session: Session, w: QuotaWorld) -> None:
    project = session.get(ReclamationProject, project_id_of(session, w, kind="mining"))
    assert project is not None
    with pytest.raises(DomainError) as planned:
        land_quota.credit_project(session, project.id, actor=ACTOR)
    assert planned.value.code == "land_quota.not_accepted" and planned.value.details["status"] == "planned"
    land_quota.start_works(session, project.id, actor=ACTOR)
    with pytest.raises(DomainError) as works:
        land_quota.credit_project(session, project.id, actor=ACTOR)
    assert works.value.code == "land_quota.not_accepted" and works.value.details["status"] == "works"
    assert session.scalar(select(func.count()).select_from(QuotaEntry)) == 0
    assert session.scalar(select(func.count()).select_from(QuotaBalance)) == 0
    assert events(session, "quota_credited") == 0


def test_acceptance_before_the_works_is_refused(db: Database, session: Session, w: QuotaWorld) -> None:
    project = session.get(ReclamationProject, project_id_of(session, w, kind="public_welfare"))
    assert project is not None
    with pytest.raises(DomainError) as caught:
        land_quota.accept_reclamation(session, project.id, actor=ACTOR, accepted_area_m2="80", quality_grade=5,
                                      accepted_on=date(2026, 5, 1))
    assert caught.value.code == "land_quota.invalid_transition"
    session.refresh(project)
    assert project.status == "planned" and project.accepted_area_m2 is None


def test_a_project_is_credited_once(db: Database, session: Session, w: QuotaWorld) -> None:
    project_id = credited(session, w, "100")
    with pytest.raises(DomainError) as caught:
        land_quota.credit_project(session, project_id, actor=ACTOR)
    assert caught.value.code == "land_quota.already_credited"
    assert land_quota.balance_of(session, COUNTY, YEAR).accepted == D("100")


def test_bad_project_input_is_refused(db: Database, session: Session, w: QuotaWorld) -> None:
    cases = [({"kind": "castle"}, "land_quota.invalid_kind"), ({"plan_ref": " "}, "land_quota.invalid_text"),
             ({"planned_area_m2": "-3"}, "land_quota.invalid_area"),
             ({"county_code": "余江"}, "land_quota.invalid_text")]
    for change, code in cases:
        args = {"county_code": COUNTY, "collective_id": w.collective_id, "kind": "homestead", "plan_ref": "方案",
                "planned_area_m2": "10", "boundary_geometry": boundary()} | change
        with pytest.raises(DomainError) as caught:
            land_quota.register_project(session, actor=ACTOR, **args)  # type: ignore[arg-type]
        assert caught.value.code == code
    with pytest.raises(DomainError) as missing:
        land_quota.start_works(session, 999, actor=ACTOR)
    assert missing.value.code == "land_quota.project_not_found"
    assert session.scalar(select(func.count()).select_from(ReclamationProject)) == 0


def project_id_of(session: Session, w: QuotaWorld, *, kind: str) -> int:
    return project(session, w, kind=kind)


def test_allocation_within_the_accepted_quota_and_no_further(db: Database, session: Session, w: QuotaWorld) -> None:
    credited(session, w, "100")
    first = allocate(session, w.parcels[0], "60.5")
    again = allocate(session, w.parcels[0], "9.5")
    assert again.id == first.id and again.amount_m2 == D("70.00")
    allocate(session, w.parcels[1], "30")
    with pytest.raises(DomainError) as caught:
        allocate(session, w.parcels[2], "0.01")
    assert caught.value.code == "land_quota.over_allocation"
    assert land_quota.balance_of(session, COUNTY, YEAR) == Totals(D("100"), D("100"), D("0"))
    assert session.scalar(select(func.count()).select_from(QuotaAllocation)) == 2
    assert [e.amount_m2 for e in entries(session, "allocation")] == [D("60.50"), D("9.50"), D("30.00")]
    assert events(session, "quota_allocated") == 3


def test_allocation_needs_credited_quota_in_that_county_and_year(db: Database, session: Session, w: QuotaWorld) -> None:
    credited(session, w, "100")
    for county, year, parcel in ((COUNTY, 2025, w.parcels[0]), ("360602", YEAR, w.elsewhere)):
        with pytest.raises(DomainError) as caught:
            land_quota.allocate(session, actor=ACTOR, county_code=county, year=year, parcel_id=parcel,
                                amount_m2="1", land_use="industrial", quarter=2)
        assert caught.value.code == "land_quota.balance_not_found"


def test_consumption_by_the_parcel_within_its_allocation(db: Database, session: Session, w: QuotaWorld) -> None:
    credited(session, w, "100")
    allocate(session, w.parcels[0], "40")
    allocate(session, w.parcels[1], "50")
    entry = land_quota.consume(session, actor=ACTOR, parcel_id=w.parcels[0], year=YEAR, amount_m2="39.99")
    assert entry.kind == "consumption" and entry.parcel_id == w.parcels[0] and entry.ledger_seq is not None
    land_quota.consume(session, actor=ACTOR, parcel_id=w.parcels[0], year=YEAR, amount_m2="0.01")
    with pytest.raises(DomainError) as caught:  # parcel 7 is used up though the county has 50 m² unconsumed
        land_quota.consume(session, actor=ACTOR, parcel_id=w.parcels[0], year=YEAR, amount_m2="0.01")
    assert caught.value.code == "land_quota.over_consumption"
    with pytest.raises(DomainError) as none:
        land_quota.consume(session, actor=ACTOR, parcel_id=w.parcels[2], year=YEAR, amount_m2="1")
    assert none.value.code == "land_quota.allocation_not_found"
    assert land_quota.balance_of(session, COUNTY, YEAR) == Totals(D("100"), D("90"), D("40"))
    assert events(session, "quota_consumed") == 2 and len(entries(session, "consumption")) == 2


def test_services_never_commit(db: Database, session: Session, w: QuotaWorld) -> None:
    credited(session, w, "10")
    session.rollback()
    with db.transaction() as other:
        assert other.scalar(select(func.count()).select_from(QuotaEntry)) == 0


def test_the_bureau_reads_the_quota_ledgers_private_parts() -> None:
    from landbridge.ledger import rules as ledger_rules

    assert ledger_rules.may_read_private("land_quota", "nr_official")
    assert ledger_rules.may_read_private("land_quota", "supervisor")
    assert not ledger_rules.may_read_private("land_quota", "collective_clerk")
    assert not ledger_rules.may_read_private("land_quota", "member")

"""Consumption by a market-entry case (issue #16 scope 3): when the entry case of a destination parcel concludes
(contract signed), land quota learns it through the fact market_entry.parcel_entered (ADR 0016) and the case's
area consumes the parcel's allocation, once; before that, nothing is consumed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from landbridge import land_quota
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.land_quota import entry
from landbridge.land_quota.models import QuotaAllocation, QuotaEntry
from landbridge.land_quota.rules import Totals
from landbridge.ledger import current_size
from tests.land_quota.conftest import COUNTY, YEAR, QuotaWorld, allocate, approved_plan, credited, register
from tests.market_entry.conftest import EntryWorld, build_world, to_state
from tests.registry.conftest import square

D = Decimal
ACTOR = "user:1:county_official"


@pytest.fixture
def both(db: Database, clock: Clock) -> tuple[EntryWorld, QuotaWorld]:
    """The market-entry world's village also holds its land's ownership parcel and reclaimed 1000 m² of it."""
    with db.transaction() as s:
        w = build_world(s)
        register(s, w.village.party_id, square(0, size_m=300), land_use="0702", right_type="collective_land_ownership")
        q = QuotaWorld(w.village.collective_id, w.village.party_id, [w.parcel], w.parcel)
        credited(s, q, "1000", col=1, row=1)
        approved_plan(s)
        allocate(s, w.parcel, "500")
    return w, q


def test_a_concluded_entry_case_consumes_the_parcels_allocation_once(db: Database, clock: Clock,
                                                                     both: tuple[EntryWorld, QuotaWorld]) -> None:
    w, _ = both
    cid = to_state(db, clock, w, "result_confirmed")  # not concluded yet: nothing is consumed
    with db.transaction() as s:
        assert entry.run_due(s) == 0
        before = current_size(s)
        with pytest.raises(DomainError) as early:
            entry.consume_by_entry(s, actor=ACTOR, parcel_id=w.parcel, year=YEAR)
        assert early.value.code == "land_quota.entry_not_concluded" and current_size(s) == before
    from landbridge.market_entry import deal

    with db.transaction() as s:
        deal.sign_contract(s, case_id=cid, actor="user:9:test-clerk")
    with db.transaction() as s:
        assert entry.run_due(s) == 1
        assert entry.run_due(s) == 0  # idempotent
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(D("1000"), D("500"), D("400"))
        allocation = s.scalars(select(QuotaAllocation).where(QuotaAllocation.parcel_id == w.parcel)).one()
        assert (allocation.consumed_m2, allocation.entry_case_id) == (D("400.00"), cid)
        [consumed] = s.scalars(select(QuotaEntry).where(QuotaEntry.kind == "consumption")).all()
        assert consumed.amount_m2 == D("400.00") and consumed.parcel_id == w.parcel
        with pytest.raises(DomainError) as twice:
            entry.consume_by_entry(s, actor=ACTOR, parcel_id=w.parcel, year=YEAR)
        assert twice.value.code == "land_quota.already_consumed_by_entry" and twice.value.details["case_id"] == cid
        assert s.scalar(select(func.count()).select_from(QuotaEntry).where(QuotaEntry.kind == "consumption")) == 1


def test_a_case_larger_than_the_allocation_consumes_nothing(db: Database, clock: Clock,
                                                            both: tuple[EntryWorld, QuotaWorld]) -> None:
    w, _ = both
    to_state(db, clock, w, "contract_signed", area_m2="600.00")
    with db.transaction() as s:
        assert entry.run_due(s) == 0  # 600 m² entered, 500 m² allocated: left to the bureau
        with pytest.raises(DomainError) as short:
            entry.consume_by_entry(s, actor=ACTOR, parcel_id=w.parcel, year=YEAR)
        assert short.value.code == "land_quota.over_consumption"
        assert land_quota.balance_of(s, COUNTY, YEAR).consumed == D("0")
    with db.transaction() as s:
        allocate(s, w.parcel, "100")
    with db.transaction() as s:
        assert entry.run_due(s) == 1
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(D("1000"), D("600"), D("600"))


def test_ten_concurrent_consumptions_by_one_case(db: Database, clock: Clock,
                                                 both: tuple[EntryWorld, QuotaWorld]) -> None:
    from tests.land_quota.test_race import race

    w, _ = both
    to_state(db, clock, w, "contract_signed")
    outcomes = race(db, 10, lambda s: entry.consume_by_entry(s, actor=ACTOR, parcel_id=w.parcel, year=YEAR))
    assert outcomes.count("ok") == 1 and outcomes.count("land_quota.already_consumed_by_entry") == 9, set(outcomes)
    with db.transaction(readonly=True) as s:
        assert land_quota.balance_of(s, COUNTY, YEAR).consumed == D("400")
        assert s.scalar(select(func.count()).select_from(QuotaEntry).where(QuotaEntry.kind == "consumption")) == 1

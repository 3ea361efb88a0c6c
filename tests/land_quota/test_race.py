"""Races (issue #16): 50 concurrent consumers against an allocated balance of 10 m² (exactly 10 succeed), 30
concurrent allocations against a supply plan line of 10 m² (exactly 10), and 10 concurrent registrations of one
boundary (exactly one). Each caller is a thread with its own transaction; on PostgreSQL the row locks and the
advisory lock, on SQLite the serialised writers (BEGIN IMMEDIATE), and in both the conditional UPDATEs keep the
bounds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import land_quota
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.land_quota import plan
from landbridge.land_quota.models import QuotaAllocation, QuotaEntry, ReclamationProject
from landbridge.land_quota.rules import Totals
from landbridge.ledger.models import LedgerEvent
from tests.land_quota.conftest import COUNTY, YEAR, QuotaWorld, allocate, approved_plan, build_world, credited, project

CONSUMERS = 50


def race(db: Database, n: int, step: Callable[[Session], object]) -> list[str]:
    """``n`` threads start together, each running ``step`` in its own transaction; their outcomes."""
    start = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            with db.transaction() as s:
                step(s)
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        except Exception as exc:  # any other failure shows in the assertions
            outcome = f"{type(exc).__name__}: {exc}"[:200]
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == n
    return outcomes


def world(db: Database, *, quota: str = "100000") -> QuotaWorld:
    with db.transaction() as s:
        w = build_world(s)
        credited(s, w, "25")
        approved_plan(s, quota=quota)
        return w


def test_fifty_concurrent_consumers_against_ten(db: Database) -> None:
    w = world(db)
    parcel = w.parcels[0]
    with db.transaction() as s:
        allocate(s, parcel, "10")
    outcomes = race(db, CONSUMERS, lambda s: land_quota.consume(s, actor="user:1:x", parcel_id=parcel, year=YEAR,
                                                                 amount_m2="1"))
    assert sorted(set(outcomes)) == ["land_quota.over_consumption", "ok"], set(outcomes)
    assert outcomes.count("ok") == 10 and outcomes.count("land_quota.over_consumption") == 40
    with db.transaction(readonly=True) as s:
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(Decimal("25"), Decimal("10"), Decimal("10"))
        allocation = s.scalars(select(QuotaAllocation).where(QuotaAllocation.parcel_id == parcel)).one()
        assert (allocation.amount_m2, allocation.consumed_m2) == (Decimal("10.00"), Decimal("10.00"))
        assert s.scalar(select(func.count()).select_from(QuotaEntry).where(QuotaEntry.kind == "consumption")) == 10
        assert s.scalar(select(func.count()).select_from(LedgerEvent).where(
            LedgerEvent.event_type == "quota_consumed")) == 10


def test_thirty_concurrent_allocations_against_a_plan_line_of_ten(db: Database) -> None:
    w = world(db, quota="10")
    outcomes = race(db, 30, lambda s: allocate(s, w.parcels[0], "1"))
    assert outcomes.count("ok") == 10 and outcomes.count("land_quota.over_plan") == 20, set(outcomes)
    with db.transaction(readonly=True) as s:
        [line] = plan.lines_of(s, plan.get_plan(s, COUNTY, YEAR).id)
        assert (line.allocated_m2, line.allocated_parcels) == (Decimal("10.00"), 1)
        assert land_quota.balance_of(s, COUNTY, YEAR).allocated == Decimal("10")
        assert s.scalar(select(func.count()).select_from(QuotaEntry).where(QuotaEntry.kind == "allocation")) == 10


def test_ten_concurrent_registrations_of_one_boundary(db: Database) -> None:
    with db.transaction() as s:
        w = build_world(s)
    outcomes = race(db, 10, lambda s: project(s, w, col=1, row=1))
    assert outcomes.count("ok") == 1 and outcomes.count("land_quota.project_overlap") == 9, set(outcomes)
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(ReclamationProject)) == 1

"""50 concurrent consumers against an allocated balance of 10 m² (issue #16's race test): exactly 10 succeed, the
other 40 get the typed refusal, the balance ends at its bound and the ledger holds exactly 10 consumptions. Each
consumer is a thread with its own transaction; on PostgreSQL the balance row lock, on SQLite the serialised
writers (BEGIN IMMEDIATE), and in both the conditional UPDATE keep the bound."""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select

from landbridge import land_quota
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.land_quota.models import QuotaAllocation, QuotaEntry
from landbridge.land_quota.rules import Totals
from landbridge.ledger.models import LedgerEvent
from tests.land_quota.conftest import ACTOR, COUNTY, YEAR, credited

CONSUMERS = 50
PARCEL = 41


def test_fifty_concurrent_consumers_against_ten(db: Database) -> None:
    with db.transaction() as s:
        credited(s, "25")
        land_quota.allocate(s, actor=ACTOR, county_code=COUNTY, year=YEAR, parcel_id=PARCEL, amount_m2="10")
    start = threading.Barrier(CONSUMERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def consumer() -> None:
        start.wait()
        try:
            with db.transaction() as s:
                land_quota.consume(s, actor=ACTOR, parcel_id=PARCEL, year=YEAR, amount_m2="1")
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        except Exception as exc:  # any other failure shows in the assertion below
            outcome = f"{type(exc).__name__}: {exc}"[:200]
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=consumer) for _ in range(CONSUMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == CONSUMERS
    assert sorted(set(outcomes)) == ["land_quota.over_consumption", "ok"], set(outcomes)
    assert outcomes.count("ok") == 10 and outcomes.count("land_quota.over_consumption") == 40
    with db.transaction(readonly=True) as s:
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(Decimal("25"), Decimal("10"), Decimal("10"))
        allocation = s.scalars(select(QuotaAllocation).where(QuotaAllocation.parcel_id == PARCEL)).one()
        assert (allocation.amount_m2, allocation.consumed_m2) == (Decimal("10.00"), Decimal("10.00"))
        assert s.scalar(select(func.count()).select_from(QuotaEntry).where(QuotaEntry.kind == "consumption")) == 10
        assert s.scalar(select(func.count()).select_from(LedgerEvent).where(
            LedgerEvent.event_type == "quota_consumed")) == 10

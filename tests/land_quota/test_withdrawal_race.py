"""One household, two homesteads, ten concurrent applications (five for each): exactly one case opens, because
the household must keep one homestead (一户一宅). Each applicant is a thread with its own transaction; the
collective's row lock (PostgreSQL) or the serialised writers (SQLite) order them, and each later one sees the
open case."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.land_quota import withdrawal
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal
from landbridge.ledger.models import LedgerEvent
from tests.land_quota.homestead_world import build

APPLICANTS = 10


def test_ten_concurrent_applications_open_exactly_one_case(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        w = build(s)
    start = threading.Barrier(APPLICANTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def applicant(right: int) -> None:
        start.wait()
        try:
            with db.transaction() as s:
                withdrawal.apply(s, actor="user:20:member", applicant_party_id=w.member, right_id=right,
                                 collective_id=w.village.collective_id, household_size=2)
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        except Exception as exc:  # any other failure shows in the assertion below
            outcome = f"{type(exc).__name__}: {exc}"[:200]
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=applicant, args=((w.spare, w.kept)[i % 2],)) for i in range(APPLICANTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == APPLICANTS
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "land_quota.only_homestead", "land_quota.withdrawal_open"}, set(outcomes)
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(HomesteadWithdrawal)) == 1
        assert s.scalar(select(func.count()).select_from(LedgerEvent).where(
            LedgerEvent.event_type == "withdrawal_applied")) == 1

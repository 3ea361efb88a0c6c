"""Races: concurrent approvals, transfers and overlapping first registrations (threads, one transaction each)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from landbridge.db import Database
from landbridge.errors import Conflict, DomainError
from landbridge.kernel.clock import Clock
from landbridge.registry import (
    approve_application,
    current_rights,
    get_application,
    lodge_first_registration,
    lodge_transfer,
)
from landbridge.registry.models import Application, Certificate, Parcel, RecordStatus
from tests.registry.conftest import ACTOR, VILLAGE, People, register, square


def race(db: Database, jobs: list[Callable[[Any], Any]]) -> list[Any]:
    """Run each job in its own thread and transaction, all released at once; returns results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            with db.transaction() as s:
                results[i] = jobs[i](s)
        except DomainError as exc:
            results[i] = exc
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_two_concurrent_approvals_one_wins(db: Database, people: People, clock: Clock) -> None:
    with db.transaction() as s:
        app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(0), land_use_class="0101",
                                       location=None, right_type="land_contract_right", holders=[(people.a, "1")])
    results = race(db, [lambda s: approve_application(s, application_id=app.id, actor=ACTOR).status] * 2)
    assert results.count("approved") == 1
    (loser,) = [r for r in results if r != "approved"]
    assert isinstance(loser, Conflict) and loser.code == "registry.application_not_lodged"
    with db.transaction() as s:
        assert get_application(s, app.id).status == "approved"
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1


def test_two_concurrent_transfers_one_409(db: Database, people: People, clock: Clock) -> None:
    with db.transaction() as s:
        unit_id = register(s, square(0), [(people.a, "1")])
    results = race(db, [
        lambda s: lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.b, "1")], reason="买卖").id,
        lambda s: lodge_transfer(s, actor=ACTOR, unit_id=unit_id, holders=[(people.c, "1")], reason="买卖").id,
    ])
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if not isinstance(r, int)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].code == "registry.unit_has_pending_application"
    with db.transaction() as s:
        lodged = s.scalars(select(Application).where(Application.unit_id == unit_id,
                                                     Application.status == "lodged")).all()
        assert [a.id for a in lodged] == winners
        approve_application(s, application_id=winners[0], actor=ACTOR)
    with db.transaction() as s:
        assert len(current_rights(s, unit_id)) == 1


def test_concurrent_overlapping_first_registrations_only_one_approved(db: Database, people: People,
                                                                      clock: Clock) -> None:
    def lodge(shift: float, holder: int) -> Callable[[Any], Any]:
        def job(s: Any) -> int:
            app = lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(0, shift_m=shift),
                                           land_use_class="0101", location=None, right_type="land_contract_right",
                                           holders=[(holder, "1")])
            return app.id
        return job

    results = race(db, [lodge(0, people.a), lodge(5, people.b), lodge(10, people.c)])
    lodged = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(lodged) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "registry.parcel_overlap" for r in refused)
    approvals = race(db, [lambda s, i=i: approve_application(s, application_id=i, actor=ACTOR).status
                          for i in lodged])
    assert approvals == ["approved"]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Parcel).where(Parcel.status == RecordStatus.current)) == 1

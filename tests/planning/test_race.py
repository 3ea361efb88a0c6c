"""Races: concurrent approvals of one zone, of overlapping zones, and overlapping bulk loads (threads)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from landbridge.db import Database
from landbridge.errors import Conflict
from landbridge.kernel.clock import Clock
from landbridge.planning import approve_zone, create_zone, create_zones, get_zone
from landbridge.planning.models import PlanningZone
from tests.planning.conftest import ACTOR, PLAN, rect, zone
from tests.registry.test_race import race


def _approved(db: Database) -> list[str]:
    with db.transaction(readonly=True) as s:
        return list(s.scalars(select(PlanningZone.code).where(PlanningZone.status == "approved")
                              .order_by(PlanningZone.code)))


def test_one_zone_approved_twice_at_once(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        zid = create_zone(s, zone("A", "forestry", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
    results = race(db, [lambda s: approve_zone(s, zone_id=zid, actor=ACTOR).status] * 2)
    assert results.count("approved") == 1, results
    (loser,) = [r for r in results if r != "approved"]
    assert isinstance(loser, Conflict) and loser.code == "planning.invalid_transition"


def test_overlapping_zones_approved_at_once_one_wins(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        a = create_zone(s, zone("A", "forestry", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
        b = create_zone(s, zone("B", "water", rect(50, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
    results = race(db, [lambda s: approve_zone(s, zone_id=a, actor=ACTOR).code,
                        lambda s: approve_zone(s, zone_id=b, actor=ACTOR).code])
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].code == "planning.zone_overlap"
    assert _approved(db) == winners


def test_overlapping_bulk_loads_at_once_one_wins(db: Database, clock: Clock) -> None:
    west = [zone(f"W{i}", "general_agriculture", rect(i * 100, 0, 100, 100)) for i in range(4)]
    east = [zone(f"E{i}", "forestry", rect(350 + i * 100, 0, 100, 100)) for i in range(4)]
    results = race(db, [lambda s: create_zones(s, west, actor=ACTOR, plan_version=PLAN),
                        lambda s: create_zones(s, east, actor=ACTOR, plan_version=PLAN)])
    assert results.count(4) == 1, results
    losers = [r for r in results if r != 4]
    assert len(losers) == 1 and isinstance(losers[0], Conflict) and losers[0].code == "planning.zone_overlap"
    assert len(_approved(db)) == 4


def test_approval_rereads_the_zone_under_its_lock(db: Database, clock: Clock, is_postgres: bool) -> None:
    """A session that read the zone before another approved it must see the approval once it locks (PostgreSQL)."""
    if not is_postgres:
        pytest.skip("SQLite serialises whole write transactions (BEGIN IMMEDIATE): no stale read is possible")
    with db.transaction() as s:
        zid = create_zone(s, zone("A", "forestry", rect(0, 0, 100, 100)), actor=ACTOR, plan_version=PLAN).id
    stale = db.session()
    try:
        assert get_zone(stale, zid).status == "draft"  # cached in this session's identity map
        with db.transaction() as other:
            approve_zone(other, zone_id=zid, actor=ACTOR)
        with pytest.raises(Conflict) as exc:
            approve_zone(stale, zone_id=zid, actor=ACTOR)
        assert exc.value.code == "planning.invalid_transition"
    finally:
        stale.rollback()
        stale.close()

"""Races where market entry moves money or a case (issue #15): threads, one transaction each, released together;
exactly one wins and the loser changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from landbridge.collective.models import BookEntry, DividendRun
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.market_entry import deal, service
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import ACTOR, EntryWorld, to_state
from tests.registry.test_race import race


def test_two_concurrent_distributions_pay_the_members_once(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "fees_settled")
    results = race(db, [lambda s: deal.distribute_revenue(s, case_id=cid, actor=ACTOR).status] * 2)
    assert sorted(r if isinstance(r, str) else r.code for r in results) == [
        "market_entry.invalid_transition", "revenue_distributed"], results
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(DividendRun)).scalar_one() == 1
        land = s.execute(select(func.count()).select_from(BookEntry).where(BookEntry.category == "land_revenue"))
        assert land.scalar_one() == 1


def test_two_concurrent_cases_for_one_unit_one_opens(db: Database, clock: Clock, world: EntryWorld) -> None:
    results = race(db, [lambda s: service.open_case(s, collective_id=world.village.collective_id, unit_id=world.unit,
                                                    actor=ACTOR).id] * 2)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, DomainError)] == ["market_entry.case_open"]
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(EntryCase)).scalar_one() == 1

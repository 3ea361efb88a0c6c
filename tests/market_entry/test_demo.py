"""Demo market-entry cases (issue #15): cases in several states, each through the services."""

from __future__ import annotations

from sqlalchemy import select

from landbridge.db import Database
from landbridge.demo.market_entry_cases import seed_entry_cases
from landbridge.kernel.clock import Clock
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import EntryWorld, register_unit


def test_demo_cases_reach_several_states(db: Database, clock: Clock, world: EntryWorld) -> None:
    with db.transaction() as s:
        for col in (2, 4, 6, 8, 10):
            register_unit(s, world.village.party_id, col=col)
        made = seed_entry_cases(s, actor="system:demo", limit=6)
    assert made == 6
    with db.transaction() as s:
        states = [c.status for c in s.execute(select(EntryCase).order_by(EntryCase.id)).scalars()]
    assert states == ["opened", "conditions_issued", "plan_drafted", "council_consulted", "vote_passed", "filed"]

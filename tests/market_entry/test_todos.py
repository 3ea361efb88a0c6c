"""Market entry's to-dos in the service hall (issue #20 item 1): a case waits in the queue of the party whose step
is next (the bureau for planning conditions, the county once filed, with the objection window's deadline), and
nowhere else."""

from __future__ import annotations

from landbridge.auth import Principal, Role
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.kernel.hall import due_at_end_of
from landbridge.kernel.workdays import add_workdays
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.todos import todos
from tests.market_entry.conftest import EntryWorld, register_unit, to_state


def who(role: Role, region: str = "360600000000") -> Principal:
    return Principal(user_id=1, username=role.value, display_name=role.value, role=role, organisation_id=1,
                     organisation_name="x", region_code=region)


def test_a_case_waits_for_the_party_whose_step_is_next(db: Database, clock: Clock, world: EntryWorld) -> None:
    opened = to_state(db, clock, world, "opened")
    with db.transaction(readonly=True) as s:
        bureau = list(todos(s, who(Role.nr_official)))
        assert [(t.href, t.due) for t in bureau] == [(f"/market-entry/cases/{opened}", None)]
        assert "待核发规划条件" in bureau[0].title_zh
        assert list(todos(s, who(Role.exchange_operator))) == []
        assert list(todos(s, who(Role.nr_official, region="360681000000"))) == []  # another county
        assert list(todos(s, who(Role.member))) == []  # no queue
    with db.transaction() as s:
        second = register_unit(s, world.village.party_id, col=2)
    filed = to_state(db, clock, world, "filed", unit=second)
    with db.transaction(readonly=True) as s:
        closes = s.get_one(EntryCase, filed).objection_closes_on
        assert closes is not None
        waiting = {t.href: t for t in todos(s, who(Role.nr_official))}
        assert waiting[f"/market-entry/cases/{filed}"].due == due_at_end_of(add_workdays(closes, 1))

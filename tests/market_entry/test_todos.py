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
from landbridge.market_entry.search import search
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


def test_search_finds_a_case_by_number_for_its_readers_only(db: Database, clock: Clock, world: EntryWorld) -> None:
    """Issue #20 item 1 (search): the case file's readers, in their region, find the case by its number."""
    opened = to_state(db, clock, world, "opened")
    with db.transaction(readonly=True) as s:
        number = s.get_one(EntryCase, opened).number
        hits = list(search(s, who(Role.nr_official), number.lower()))
        assert [(h.label, h.href) for h in hits] == [(number, f"/market-entry/cases/{opened}")]
        assert hits[0].detail_zh and hits[0].detail_zh != hits[0].detail_en  # the state in each language
        assert list(search(s, who(Role.nr_official), number[:4]))  # from the number's start
        assert list(search(s, who(Role.nr_official, region="360681000000"), number)) == []  # another county
        assert list(search(s, who(Role.member), number)) == []  # not a reader of case files
        assert list(search(s, None, number)) == []  # anonymous

"""Reminders (run_due, idempotent) and the supervisor's flags (issue #15 scope 2 and 3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from landbridge import planning
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger.models import LedgerEvent
from landbridge.market_entry import jobs, service, supervision
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.supervision import Flag
from tests.market_entry.conftest import ACTOR, NR, EntryWorld, to_state


def reminders(db: Database) -> int:
    with db.transaction() as s:
        return len(list(s.execute(select(LedgerEvent.seq).where(LedgerEvent.event_type == "reminder_due"))))


def test_reminder_of_the_clearing_is_written_once(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "filed")
    with db.transaction() as s:
        assert jobs.run_due(s) == 0  # the window closes in 5 working days: not yet within 2
    clock.advance(timedelta(days=6))
    with db.transaction() as s:
        assert jobs.run_due(s) == 1
    with db.transaction() as s:
        assert jobs.run_due(s) == 0  # idempotent
        due = jobs.due_of(s.get(EntryCase, cid))  # type: ignore[arg-type]
        assert due is not None and (due.step, due.party) == ("clear", "county")
    assert reminders(db) == 1


def test_flags_conditions_changed_late_revenue_and_repeated_withdrawals(db: Database, clock: Clock,
                                                                        world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "listed")
    with db.transaction() as s:
        assert supervision.list_flags(s) == []
        planning.issue_conditions(s, parcel_id=world.parcel, land_use="0601", indicators={"max_plot_ratio": "1.0"},
                                  industry_requirements="新的产业准入", environment_requirements="新的环保要求",
                                  validity_days=365, actor=NR)
        flags = supervision.list_flags(s)
        assert [(f.case_id, f.flag) for f in flags] == [(cid, Flag.conditions_changed)]
        s.rollback()
    with db.transaction() as s:
        service.withdraw(s, case_id=cid, reason="村民会议决定暂缓", actor=ACTOR)
    second = to_state(db, clock, world, "opened")
    with db.transaction() as s:
        service.withdraw(s, case_id=second, reason="再次暂缓", actor=ACTOR)
        assert [f.flag for f in supervision.list_flags(s)] == [Flag.repeated_withdrawals]


def test_revenue_not_distributed_in_time_is_flagged(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "fees_settled")
    with db.transaction() as s:
        assert supervision.list_flags(s) == []
    clock.advance(timedelta(days=91))
    with db.transaction() as s:
        assert [(f.case_id, f.flag) for f in supervision.list_flags(s)] == [(cid, Flag.revenue_late)]
        assert jobs.run_due(s) == 1

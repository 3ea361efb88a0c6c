"""The task board (挂图作战 / 倒排工期, issue #19 scope 4): milestones scheduled backwards from the deadline on the
official working days, progress, milestones and done as guarded transitions with ledger events, and the overdue
alerts with a frozen and an accelerated clock (once per milestone, a notice to the owner, a hall to-do)."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from landbridge import assessment
from landbridge.assessment import tasks
from landbridge.assessment.models import BoardMilestone
from landbridge.assessment.todos import todos
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.auth.models import User
from landbridge.auth.service import principal_for
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel import workdays
from landbridge.kernel.clock import Clock, set_clock
from landbridge.ledger.models import LedgerEvent
from landbridge.notices.models import Notice

ACTOR = "user:1:supervisor"
TOWN = "360603101000"
PLAN = [("摸底调查", 10), ("方案编制", 20), ("组织实施", 15)]
DEADLINE = date(2026, 6, 30)


def owner(db: Database) -> tuple[int, int]:
    with db.transaction() as s:
        org = create_organisation(s, name="锦江镇人民政府", kind=OrgKind.township, region_code=TOWN)
        user = create_user(s, username="town", password="demo", display_name="town",
                           role=Role.township_official, organisation_id=org.id, is_demo=True)
        return org.id, user.id


def new_task(db: Database, org: int, plan: list[tuple[str, int]] = PLAN) -> int:
    with db.transaction() as s:
        return assessment.create_task(s, title="农村宅基地确权颁证扫尾", owner_org_id=org, region_code=TOWN,
                                      deadline=DEADLINE, plan=plan, actor=ACTOR, lon=116.95, lat=28.2).id


def test_milestones_are_scheduled_backwards_on_working_days(db: Database, clock: Clock) -> None:
    org, _ = owner(db)
    task_id = new_task(db, org)
    with db.transaction(readonly=True) as s:
        task = tasks.get_task(s, task_id)
        ms = tasks.milestones(s, task_id)
        assert ms[-1].due_on == DEADLINE and task.status == "planned"
        bounds = [task.starts_on, *(m.due_on for m in ms)]
        assert [workdays.workdays_between(a, b) for a, b in itertools.pairwise(bounds)] == [10, 20, 15]


def test_progress_milestones_and_done(db: Database, clock: Clock) -> None:
    org, _ = owner(db)
    task_id = new_task(db, org)
    with db.transaction() as s:
        with pytest.raises(DomainError) as err:
            assessment.complete_task(s, task_id, actor=ACTOR)
        assert err.value.code == "assessment.milestones_open"
        assessment.record_progress(s, task_id, progress=30, note="已完成入户调查 120 户", actor=ACTOR)
        with pytest.raises(DomainError) as err:
            assessment.record_progress(s, task_id, progress=20, note="回退", actor=ACTOR)
        assert err.value.code == "assessment.invalid_schedule"
        for m in tasks.milestones(s, task_id):
            assessment.complete_milestone(s, m.id, actor=ACTOR)
        with pytest.raises(DomainError) as err:
            assessment.complete_milestone(s, tasks.milestones(s, task_id)[0].id, actor=ACTOR)
        assert err.value.code == "assessment.invalid_transition"
        done = assessment.complete_task(s, task_id, actor=ACTOR)
        assert (done.status, done.progress) == ("done", 100)
        assert tasks.flag(done, False) == "done"
    with db.transaction(readonly=True) as s:
        events = [e.event_type for e in s.scalars(select(LedgerEvent).where(LedgerEvent.module == "assessment"))]
    assert events == ["task_created", "task_progress", *["task_milestone_done"] * 3, "task_done"]


def test_bad_tasks_are_refused(db: Database, clock: Clock) -> None:
    org, _ = owner(db)
    cases = [({"plan": []}, "assessment.invalid_schedule"), ({"plan": [("x", 0)]}, "assessment.invalid_schedule"),
             ({"deadline": date(2026, 3, 1)}, "assessment.invalid_schedule"),
             ({"region_code": "999999999999"}, "assessment.invalid_place"),
             ({"lon": 10.0, "lat": 10.0}, "assessment.invalid_place"),
             ({"owner_org_id": 99999}, "assessment.owner_not_found"), ({"title": " "}, "assessment.invalid_text")]
    for change, code in cases:
        args = {"title": "t", "owner_org_id": org, "region_code": TOWN, "deadline": DEADLINE, "plan": PLAN,
                "lon": None, "lat": None, **change}
        with db.transaction() as s, pytest.raises(DomainError) as err:
            assessment.create_task(s, actor=ACTOR, **args)  # type: ignore[arg-type]
        assert err.value.code == code, change
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(BoardMilestone)) == 0


def test_overdue_alerts_fire_once_with_a_frozen_clock(db: Database, clock: Clock) -> None:
    org, user_id = owner(db)
    task_id = new_task(db, org)
    with db.transaction(readonly=True) as s:
        first_due = tasks.milestones(s, task_id)[0].due_on
    with db.transaction() as s:
        assert assessment.alert_overdue(s) == 0
    clock.set(datetime.combine(first_due + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
              + timedelta(hours=4))
    with db.transaction() as s:
        assert assessment.alert_overdue(s) == 1
        assert assessment.alert_overdue(s) == 0  # once per milestone
        items = list(todos(s, principal_for(s, s.get(User, user_id))))
        assert [t.urgent for t in items] == [True, False, False]
        assert tasks.flag(tasks.get_task(s, task_id), bool(tasks.late_task_ids(s, [task_id]))) == "late"
    with db.transaction(readonly=True) as s:
        notes = list(s.scalars(select(Notice).where(Notice.user_id == user_id)))
        assert len(notes) == 1 and notes[0].href == f"/tasks/{task_id}" and "逾期" in notes[0].title_zh


def test_overdue_alerts_with_an_accelerated_clock(db: Database, clock: Clock) -> None:
    org, _ = owner(db)
    task_id = new_task(db, org, plan=[("a", 1), ("b", 1), ("c", 100)])
    with db.transaction(readonly=True) as s:
        second = tasks.milestones(s, task_id)[1].due_on
    start = datetime.combine(second, datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)
    set_clock(Clock(start, speed=86400 * 60))  # two months a second
    time.sleep(0.1)  # about six days pass: both short milestones overdue, the long one not
    with db.transaction() as s:
        assert assessment.alert_overdue(s) == 2
    set_clock(clock)

"""Demands' steps (issue #20 item 3): routing by the rule set, working-day deadlines, the loop to the close,
transfer and return, escalation on a frozen clock moved forward, every refusal typed and changing nothing, and no
personal data in the ledger."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import demands, worker
from landbridge.db import Database
from landbridge.demands import service
from landbridge.demands.models import DemandTicket
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock, set_clock
from landbridge.ledger import current_size
from landbridge.ledger.models import LedgerEvent, LedgerPrivate
from landbridge.notices.models import Notice
from tests.demands.world import FAR_VILLAGE, VILLAGE, DemandWorld, build

NAME, PHONE = "张小明", "13907011234"


@pytest.fixture
def world(session: Session, clock: Clock) -> DemandWorld:
    return build(session)


def take(s: Session, w: DemandWorld, *, category: str = "land_use", demand_type: str = "consult",
         region: str = VILLAGE, channel: str = "online") -> DemandTicket:
    return demands.submit(s, actor="user:1:member", channel=channel, demand_type=demand_type, category=category,
                          title="宅基地审批进度", description=f"我是{NAME}，电话{PHONE}，想问审批进度",
                          region_code=region,
                          resident_user_id=w.users["resident"], contact_name=NAME, contact_phone=PHONE)


def snapshot(s: Session) -> tuple[Any, ...]:
    s.expire_all()
    return (current_size(s), tuple(s.execute(select(DemandTicket.id, DemandTicket.status, DemandTicket.version,
                                                    DemandTicket.department_id, DemandTicket.satisfaction,
                                                    DemandTicket.escalation).order_by(DemandTicket.id)).all()),
            len(s.scalars(select(Notice.id)).all()))


def refused(s: Session, code: str, call: Callable[[], object]) -> None:
    """The call is refused with ``code`` and changes nothing."""
    before = snapshot(s)
    with pytest.raises(DomainError) as err, s.begin_nested():
        call()
    assert err.value.code == code
    assert snapshot(s) == before


def test_routing_by_rule_picks_the_most_local_department_of_the_rules_kind(session: Session,
                                                                           world: DemandWorld) -> None:
    assert take(session, world, category="land_use").department_id == world.orgs["bureau"]  # county, not city
    assert take(session, world, category="registration").department_id == world.orgs["registrar"]
    assert take(session, world, category="collective_affairs").department_id == world.orgs["township"]
    assert take(session, world, category="collective_affairs", region=FAR_VILLAGE).department_id == \
        world.orgs["far_township"]
    assert take(session, world, category="land_use", region=FAR_VILLAGE).department_id == world.orgs["city_bureau"]
    no_exchange = take(session, world, category="land_transfer")  # no exchange in this world: the dispatcher's
    assert (no_exchange.status, no_exchange.department_id) == ("pending", None)
    assert demands.route(session, "homestead", VILLAGE) == world.orgs["bureau"]


def test_deadlines_are_working_days_from_dispatch(session: Session, world: DemandWorld, clock: Clock) -> None:
    consult = take(session, world, demand_type="consult")  # Monday 2026-03-02
    assert (consult.status, consult.accept_due, consult.answer_due) == ("dispatched", date(2026, 3, 3),
                                                                         date(2026, 3, 4))
    assert take(session, world, demand_type="complaint").answer_due == date(2026, 3, 23)  # 15 working days
    clock.advance(timedelta(days=4))  # Friday: the weekend is not counted
    friday = take(session, world, demand_type="consult")
    assert (friday.accept_due, friday.answer_due) == (date(2026, 3, 9), date(2026, 3, 10))


def test_the_loop_to_the_close_with_rating_and_revisit(session: Session, world: DemandWorld) -> None:
    t = take(session, world)
    bureau = world.orgs["bureau"]
    demands.accept(session, t.id, actor="user:2:nr_official", department_id=bureau)
    demands.answer(session, t.id, actor="user:2:nr_official", department_id=bureau, text="已受理，十日内审批")
    assert (t.status, t.answered_on, t.revisit_due) == ("answered", date(2026, 3, 2), date(2026, 3, 3))
    assert session.scalars(select(Notice).where(Notice.user_id == world.users["resident"],
                                                Notice.kind == "answered")).one()
    demands.rate(session, t.id, actor="user:1:member", user_id=world.users["resident"], satisfaction=4,
                 comment="答复及时")
    demands.revisit(session, t.id, actor="user:3:supervisor", note="电话回访，问题已解决")
    assert (t.status, t.satisfaction) == ("closed", 4)
    refused(session, "demands.already_rated", lambda: demands.rate(
        session, t.id, actor="user:1:member", user_id=world.users["resident"], satisfaction=5))


def test_revisit_records_a_phone_rating_where_none_was_given(session: Session, world: DemandWorld) -> None:
    t = take(session, world, channel="phone")
    bureau = world.orgs["bureau"]
    demands.accept(session, t.id, actor="a", department_id=bureau)
    demands.answer(session, t.id, actor="a", department_id=bureau, text="答复")
    refused(session, "demands.rating_required", lambda: demands.revisit(session, t.id, actor="h", note="回访"))
    refused(session, "demands.invalid_rating", lambda: demands.revisit(session, t.id, actor="h", note="回访",
                                                                       satisfaction=6))
    demands.revisit(session, t.id, actor="h", note="回访", satisfaction=2)
    assert (t.status, t.satisfaction) == ("closed", 2)


def test_transfer_restarts_acceptance_only_and_return_goes_back_to_the_dispatcher(
        session: Session, world: DemandWorld, clock: Clock) -> None:
    t = take(session, world, category="land_use", demand_type="help")
    answer_due = t.answer_due
    clock.advance(timedelta(days=1))
    demands.transfer(session, t.id, actor="b", department_id=world.orgs["bureau"],
                     to_department_id=world.orgs["registrar"], reason="属登记事项")
    assert (t.status, t.department_id, t.accept_due, t.answer_due) == (
        "dispatched", world.orgs["registrar"], date(2026, 3, 4), answer_due)
    assert session.scalars(select(Notice).where(Notice.user_id == world.users["registrar"])).first() is not None
    demands.return_to_dispatcher(session, t.id, actor="r", department_id=world.orgs["registrar"], reason="属地不符")
    assert (t.status, t.department_id, t.reason) == ("pending", None, "属地不符")
    demands.dispatch(session, t.id, actor="h", department_id=world.orgs["township"])
    assert (t.status, t.department_id, t.answer_due) == ("dispatched", world.orgs["township"], answer_due)


def test_overdue_demands_escalate_once_per_stage_with_a_notice(session: Session, world: DemandWorld,
                                                                clock: Clock) -> None:
    t = take(session, world, demand_type="consult")  # accept by Tue 03-03, answer by Wed 03-04
    bureau_user = world.users["bureau"]
    assert demands.escalate_overdue(session) == 0
    clock.advance(timedelta(days=1))  # Tuesday: still the day of the deadline
    assert demands.escalate_overdue(session) == 0
    clock.advance(timedelta(days=1))  # Wednesday: not accepted in time
    assert demands.escalate_overdue(session) == 1
    assert t.escalation == 1
    assert demands.escalate_overdue(session) == 0  # once per stage
    overdue = session.scalars(select(Notice).where(Notice.user_id == bureau_user,
                                                   Notice.kind == "overdue_1")).all()
    assert len(overdue) == 1 and t.number in overdue[0].title_zh
    demands.accept(session, t.id, actor="b", department_id=world.orgs["bureau"])
    clock.advance(timedelta(days=1))  # Thursday: the answer is late too
    assert demands.escalate_overdue(session) == 1
    assert t.escalation == 2
    assert demands.escalate_overdue(session) == 0
    demands.answer(session, t.id, actor="b", department_id=world.orgs["bureau"], text="答复")
    stats = {s.department_id: s for s in demands.by_department(session)}[world.orgs["bureau"]]
    assert (stats.answered, stats.on_time, stats.on_time_rate) == (1, 0, 0)


def test_the_worker_escalates_on_an_accelerated_clock(db: Database) -> None:
    """The manifest's job, run by the worker as in production, on a clock where a day passes in a millisecond."""
    set_clock(Clock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), speed=86_400_000))
    try:
        with db.transaction() as s:
            w = build(s)
            tid = take(s, w, demand_type="consult").id
        time.sleep(0.02)  # twenty days later on this clock: both deadlines have passed
        jobs = [(name, job) for name, job in worker.deadline_jobs() if name.startswith("landbridge.demands.")]
        assert [name for name, _ in jobs] == ["landbridge.demands.service:escalate_overdue"]
        assert worker.run_due_jobs(jobs) == 1
        assert worker.run_due_jobs(jobs) == 0
        with db.transaction(readonly=True) as s:
            assert s.get(DemandTicket, tid).escalation == 2  # type: ignore[union-attr]
            assert s.scalars(select(Notice.kind).where(Notice.user_id == w.users["bureau"])).all() == [
                "dispatched", "overdue_2"]
    finally:
        set_clock(Clock())


def test_every_refusal_is_typed_and_changes_nothing(session: Session, world: DemandWorld) -> None:
    t = take(session, world)
    bureau, township = world.orgs["bureau"], world.orgs["township"]
    refused(session, "demands.not_yours", lambda: demands.accept(session, t.id, actor="x", department_id=township))
    refused(session, "demands.invalid_step", lambda: demands.answer(session, t.id, actor="x", department_id=bureau,
                                                                    text="答复"))
    refused(session, "demands.invalid_step", lambda: demands.dispatch(session, t.id, actor="h",
                                                                      department_id=township))
    refused(session, "demands.invalid_step", lambda: demands.reject(session, t.id, actor="h", reason="重复"))
    refused(session, "demands.same_department", lambda: demands.transfer(
        session, t.id, actor="x", department_id=bureau, to_department_id=bureau, reason="r"))
    refused(session, "demands.unknown_department", lambda: demands.transfer(
        session, t.id, actor="x", department_id=bureau, to_department_id=999_999, reason="r"))
    refused(session, "demands.invalid_text", lambda: demands.return_to_dispatcher(
        session, t.id, actor="x", department_id=bureau, reason="  "))
    refused(session, "demands.invalid_step", lambda: demands.rate(
        session, t.id, actor="m", user_id=world.users["resident"], satisfaction=5))
    refused(session, "demands.not_yours", lambda: demands.rate(
        session, t.id, actor="m", user_id=world.users["neighbour"], satisfaction=5))
    refused(session, "demands.invalid_step", lambda: demands.revisit(session, t.id, actor="h", note="n",
                                                                     satisfaction=3))
    refused(session, "demands.not_found", lambda: demands.accept(session, 999_999, actor="x", department_id=bureau))
    bad_intake: list[tuple[str, dict[str, Any]]] = [
        ("demands.unknown_category", {"category": "weather"}),
        ("demands.unknown_type", {"demand_type": "praise"}),
        ("demands.unknown_channel", {"channel": "fax"}),
        ("demands.invalid_region", {"region_code": "3606"}),
        ("demands.invalid_text", {"title": " "}),
        ("demands.invalid_phone", {"contact_phone": "call me"}),
        ("demands.contact_required", {"channel": "desk", "contact_phone": None}),
    ]
    for code, change in bad_intake:
        args: dict[str, Any] = {"actor": "a", "channel": "online", "demand_type": "consult", "category": "land_use",
                                "title": "t", "description": "d", "region_code": VILLAGE, "contact_name": NAME,
                                "contact_phone": PHONE} | change
        refused(session, code, lambda args=args: demands.submit(session, **args))  # type: ignore[misc]
    pending = take(session, world, category="land_transfer")
    refused(session, "demands.unknown_department", lambda: demands.dispatch(session, pending.id, actor="h",
                                                                            department_id=999_999))
    demands.reject(session, pending.id, actor="h", reason="属诉讼事项")
    refused(session, "demands.invalid_step", lambda: demands.dispatch(session, pending.id, actor="h",
                                                                      department_id=township))


def test_no_personal_data_in_the_ledger_or_in_clear_in_the_table(session: Session, world: DemandWorld) -> None:
    t = take(session, world, channel="desk")
    demands.accept(session, t.id, actor="b", department_id=world.orgs["bureau"])
    demands.answer(session, t.id, actor="b", department_id=world.orgs["bureau"], text=f"已电话联系{NAME}")
    bodies = session.scalars(select(LedgerPrivate.body).join(LedgerEvent, LedgerEvent.seq == LedgerPrivate.seq)
                             .where(LedgerEvent.module == "demands")).all()
    assert len(bodies) == 4  # submitted, dispatched, accepted, answered
    for body in bodies:
        assert NAME not in body and PHONE not in body and "审批进度" not in body
    assert t.contact_name_enc and NAME not in t.contact_name_enc and PHONE not in (t.contact_phone_enc or "")
    assert service.contact_of(t) == (NAME, PHONE)

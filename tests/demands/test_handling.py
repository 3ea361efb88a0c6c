"""The 12345 practice's further steps of a demand (issue #20 item 3, requirement S1; research/services.md §1.2):
urgent deadlines from the rule set, extension asked by the department and decided by the hotline within the rule
set's limits, reopening on a bad rating at the revisit, merging a duplicate into its primary; each refusal typed and
changing nothing, each step one ledger event without personal data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import demands
from landbridge.demands import handling
from landbridge.demands.rules import DemandRules
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger.models import LedgerEvent, LedgerPrivate
from tests.demands.test_service import NAME, PHONE, refused, take
from tests.demands.world import VILLAGE, DemandWorld, build

HOTLINE = "user:8:supervisor"
BUREAU = "user:5:nr_official"


@pytest.fixture
def world(session: Session, clock: Clock) -> DemandWorld:
    return build(session)


def accepted(s: Session, w: DemandWorld, **more: object) -> int:
    t = take(s, w, demand_type="help", **more)  # type: ignore[arg-type]
    demands.accept(s, t.id, actor=BUREAU, department_id=w.orgs["bureau"])
    return t.id


def bodies(s: Session) -> list[tuple[str, str]]:
    return [(str(kind), str(body)) for kind, body in s.execute(
        select(LedgerEvent.event_type, LedgerPrivate.body).join(LedgerPrivate, LedgerEvent.seq == LedgerPrivate.seq)
        .where(LedgerEvent.module == "demands").order_by(LedgerEvent.seq))]


def events(s: Session, number: str) -> list[str]:
    return [kind for kind, body in bodies(s) if f'"number":"{number}"' in body.replace(" ", "")]


def test_an_urgent_demand_has_the_rule_sets_shorter_deadlines(session: Session, world: DemandWorld) -> None:
    rules = demands.demand_rules()
    t = demands.submit(session, actor="user:9:hotline_operator", channel="phone", demand_type="complaint",
                       category="land_use", title="农田灌溉水渠决口", description="水渠决口，农田被淹",
                       region_code=VILLAGE, contact_name=NAME, contact_phone=PHONE, urgent=True)
    day = date(2026, 3, 2)
    assert t.urgent and t.status == "dispatched"
    assert t.accept_due == add_workdays(day, rules.limit("urgent_accept_days")) == day
    assert t.answer_due == add_workdays(day, rules.limit("urgent_answer_days"))
    plain = take(session, world, demand_type="complaint")
    assert plain.answer_due == add_workdays(day, rules.days_to_answer("complaint")) > t.answer_due


def test_extension_asked_by_the_department_and_granted_by_the_hotline(session: Session, world: DemandWorld) -> None:
    tid = accepted(session, world)
    t = demands.get_ticket(session, tid)
    due = t.answer_due
    most = demands.demand_rules().limit("extension_max_days")
    refused(session, "demands.extension_too_long", lambda: handling.request_extension(
        session, tid, actor=BUREAU, department_id=world.orgs["bureau"], days=most + 1, reason="需现场勘查"))
    refused(session, "demands.not_yours", lambda: handling.request_extension(
        session, tid, actor=BUREAU, department_id=world.orgs["township"], days=3, reason="需现场勘查"))
    refused(session, "demands.invalid_step", lambda: handling.approve_extension(session, tid, actor=HOTLINE,
                                                                                reason="同意"))
    t = handling.request_extension(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], days=3,
                                   reason="需现场勘查并征求村委会意见")
    assert (t.status, t.extension_days) == ("extension_asked", 3)
    refused(session, "demands.invalid_step", lambda: demands.answer(session, tid, actor=BUREAU,
                                                                    department_id=world.orgs["bureau"], text="已办"))
    t = handling.approve_extension(session, tid, actor=HOTLINE, reason="情况属实，同意延期")
    assert (t.status, t.extensions, t.extension_days) == ("accepted", 1, None)
    assert t.answer_due == add_workdays(due, 3)
    refused(session, "demands.extension_limit", lambda: handling.request_extension(
        session, tid, actor=BUREAU, department_id=world.orgs["bureau"], days=1, reason="再延"))
    assert events(session, t.number)[-2:] == ["demand_extension_asked", "demand_extension_granted"]


def test_a_refused_extension_keeps_the_deadline_and_a_late_one_is_refused(session: Session, world: DemandWorld,
                                                                          clock: Clock) -> None:
    tid = accepted(session, world)
    due = demands.get_ticket(session, tid).answer_due
    handling.request_extension(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], days=2, reason="忙")
    t = handling.refuse_extension(session, tid, actor=HOTLINE, reason="理由不充分")
    assert (t.status, t.answer_due, t.extensions, t.reason) == ("accepted", due, 0, "理由不充分")
    clock.advance(timedelta(days=30))  # the deadline has passed: too late to ask
    refused(session, "demands.extension_too_late", lambda: handling.request_extension(
        session, tid, actor=BUREAU, department_id=world.orgs["bureau"], days=2, reason="再申请"))


def test_a_dissatisfied_resident_has_the_demand_handled_again_once(session: Session, world: DemandWorld) -> None:
    tid = accepted(session, world)
    demands.answer(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], text="已答复")
    refused(session, "demands.rating_required", lambda: handling.reopen(session, tid, actor=HOTLINE, note="不满意"))
    refused(session, "demands.not_dissatisfied", lambda: handling.reopen(session, tid, actor=HOTLINE, note="满意",
                                                                         satisfaction=4))
    t = handling.reopen(session, tid, actor=HOTLINE, note="材料仍未受理，群众不满意", satisfaction=1)
    assert (t.status, t.reopens, t.answer, t.satisfaction, t.department_id) == (
        "accepted", 1, None, None, world.orgs["bureau"])
    assert t.answer_due == add_workdays(date(2026, 3, 2), demands.demand_rules().days_to_answer("help"))
    assert events(session, t.number)[-3:] == ["demand_answered", "demand_rated", "demand_reopened"]
    demands.answer(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], text="已现场办理")
    refused(session, "demands.reopen_limit", lambda: handling.reopen(session, tid, actor=HOTLINE, note="仍不满意",
                                                                     satisfaction=1))
    t = demands.revisit(session, tid, actor=HOTLINE, note="回访，办结", satisfaction=3)
    assert t.status == "closed"


def test_a_duplicate_is_merged_into_its_primary_with_links(session: Session, world: DemandWorld) -> None:
    primary, duplicate = take(session, world), take(session, world)
    refused(session, "demands.merge_self", lambda: handling.merge(session, primary.id, actor=HOTLINE,
                                                                  into_id=primary.id, reason="重复"))
    t = handling.merge(session, duplicate.id, actor=HOTLINE, into_id=primary.id, reason="同一事项重复来电")
    assert (t.status, t.merged_into_id) == ("merged", primary.id)
    assert events(session, primary.number)[-1] == "demand_duplicate_merged"
    assert events(session, t.number)[-1] == "demand_merged"
    third = take(session, world)
    refused(session, "demands.merge_target", lambda: handling.merge(session, third.id, actor=HOTLINE,
                                                                    into_id=duplicate.id, reason="重复"))
    refused(session, "demands.invalid_step", lambda: handling.merge(session, duplicate.id, actor=HOTLINE,
                                                                    into_id=third.id, reason="重复"))
    refused(session, "demands.not_found", lambda: handling.merge(session, third.id, actor=HOTLINE,
                                                                 into_id=10**6, reason="重复"))


def test_a_rule_set_version_without_the_amendment_refuses_with_a_typed_error() -> None:
    old = DemandRules(answer_days={"help": 10}, accept_days=1, revisit_days=1, routing={}, satisfaction_levels=5,
                      bad_rating_max=2, digest="x")
    with pytest.raises(DomainError) as err:
        old.answer_days_for("help", True)
    assert err.value.code == "demands.rule_missing"
    assert old.answer_days_for("help", False) == 10


def test_no_personal_data_in_the_new_events(session: Session, world: DemandWorld) -> None:
    tid = accepted(session, world)
    handling.request_extension(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], days=2, reason="忙")
    handling.approve_extension(session, tid, actor=HOTLINE, reason="同意")
    found = bodies(session)
    assert [k for k, _ in found][-2:] == ["demand_extension_asked", "demand_extension_granted"]
    for _, body in found:
        assert NAME not in body and PHONE not in body


def test_a_reopened_demand_answered_again_is_told_to_the_resident_again(session: Session,
                                                                        world: DemandWorld) -> None:
    """Each answer tells the resident (the notice is keyed by the demand's version, as every step's notice), so the
    second answer after a reopen is not swallowed by the first one's key."""
    from landbridge.notices.models import Notice
    tid = accepted(session, world)
    demands.answer(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], text="已答复")
    handling.reopen(session, tid, actor=HOTLINE, note="群众不满意", satisfaction=1)
    demands.answer(session, tid, actor=BUREAU, department_id=world.orgs["bureau"], text="已现场办理")
    kinds = session.scalars(select(Notice.kind).where(Notice.user_id == world.users["resident"])).all()
    assert kinds.count("answered") == 2

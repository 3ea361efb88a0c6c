"""Wage arrears' steps (issue #20 item 4, requirements E1/E2): the loop from the complaint to the worker's confirmation,
payments to the fen and never above what is owed (raced or claimed), escalation by working days on a frozen clock
moved forward and by the worker job on an accelerated clock, every wrong step typed and changing nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import wage_arrears, worker
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock, set_clock
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import current_size
from landbridge.ledger.models import LedgerEvent
from landbridge.notices.models import Notice
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment
from tests.wage_arrears.world import EMPLOYER_USCC, TOWNSHIP, ArrearsWorld, build

INSPECTOR = "user:9:labour_inspector"
MONDAY = date(2026, 3, 2)


@pytest.fixture
def world(session: Session, clock: Clock) -> ArrearsWorld:
    return build(session)


def file(s: Session, w: ArrearsWorld, *, amount: Any = "12345.67", party: str = "worker", **more: Any
         ) -> WageArrearsCase:
    args: dict[str, Any] = {
        "actor": "user:1:member", "filed_by_user_id": w.users["worker"], "worker_party_id": w.parties[party],
        "employer_uscc": EMPLOYER_USCC, "employer_name": "鹰潭某建筑劳务有限公司", "project": "锦江镇安置房二期",
        "region_code": TOWNSHIP, "period_from": date(2025, 10, 1), "period_to": date(2026, 1, 31),
        "amount": amount, "workers": 3, "evidence": "劳动合同、考勤表、工资条", **more}
    return wage_arrears.file_case(s, **args)


def snapshot(s: Session) -> tuple[Any, ...]:
    s.expire_all()
    c = WageArrearsCase
    return (current_size(s), tuple(s.execute(select(c.id, c.status, c.version, c.paid_fen, c.escalation, c.rating)
                                             .order_by(c.id)).all()),
            tuple(s.execute(select(WageArrearsPayment.id, WageArrearsPayment.status)).all()),
            len(s.scalars(select(Notice.id)).all()))


def refused(s: Session, code: str, call: Callable[[], object]) -> None:
    """The call is refused with ``code`` and changes nothing."""
    before = snapshot(s)
    with pytest.raises(DomainError) as err, s.begin_nested():
        call()
    assert err.value.code == code
    assert snapshot(s) == before


def worker_notices(s: Session, w: ArrearsWorld) -> list[str]:
    return list(s.scalars(select(Notice.kind).where(Notice.user_id == w.users["worker"]).order_by(Notice.id)))


def test_the_loop_from_the_complaint_to_the_workers_confirmation(session: Session, world: ArrearsWorld) -> None:
    c = file(session, world)
    assert (c.status, c.owed_fen, c.paid_fen, c.number) == ("filed", 1234567, 0, f"QX2026-{c.id:06d}")
    assert c.decide_due == add_workdays(MONDAY, wage_arrears.arrears_rules().decide_days)
    wage_arrears.accept(session, c.id, actor=INSPECTOR)
    wage_arrears.order_payment(session, c.id, actor=INSPECTOR)
    assert c.status == "ordered" and c.pay_due == add_workdays(MONDAY, wage_arrears.arrears_rules().pay_days)
    wage_arrears.record_payment(session, c.id, actor=INSPECTOR, user_id=world.users["inspector"],
                                amount=Decimal("10000.00"))
    refused(session, "wage_arrears.not_paid_in_full", lambda: wage_arrears.close_paid(session, c.id, actor=INSPECTOR))
    claim = wage_arrears.claim_payment(session, c.id, actor="user:5:org_admin", organisation_id=world.orgs["employer"],
                                       amount="2345.67", note="银行流水 2026030201")
    assert claim.status == "claimed" and c.paid_fen == 1000000  # a claim counts once the inspector confirms it
    wage_arrears.decide_claim(session, claim.id, actor=INSPECTOR, confirm=True)
    assert c.paid_fen == c.owed_fen == 1234567
    wage_arrears.close_paid(session, c.id, actor=INSPECTOR)
    wage_arrears.confirm_receipt(session, c.id, actor="user:1:member", party_id=world.parties["worker"], rating=5)
    assert (c.status, c.rating) == ("closed", 5) and c.confirmed_at is not None
    refused(session, "wage_arrears.already_confirmed", lambda: wage_arrears.confirm_receipt(
        session, c.id, actor="user:1:member", party_id=world.parties["worker"], rating=4))
    events = session.scalars(select(LedgerEvent.event_type).where(LedgerEvent.module == "wage_arrears")
                             .order_by(LedgerEvent.seq)).all()
    assert events == ["wage_arrears_filed", "wage_arrears_accepted", "wage_arrears_ordered",
                      "wage_arrears_payment_recorded", "wage_arrears_payment_claimed", "wage_arrears_claim_confirmed",
                      "wage_arrears_closed", "wage_arrears_receipt_confirmed"]
    envelopes = session.scalars(select(LedgerEvent).where(LedgerEvent.module == "wage_arrears")).all()
    assert [e.public_subject for e in envelopes] == [None] * 8  # the case is not a public subject (ADR 0010)
    assert not any(EMPLOYER_USCC in e.envelope or "1234567" in e.envelope for e in envelopes)
    assert worker_notices(session, world)[:3] == ["accepted", "ordered", f"paid_{1}"]
    assert "closed" in worker_notices(session, world)


def test_over_payment_is_refused_and_changes_nothing(session: Session, world: ArrearsWorld) -> None:
    c = file(session, world, amount="1000")
    wage_arrears.accept(session, c.id, actor=INSPECTOR)
    pay = lambda amount: lambda: wage_arrears.record_payment(  # noqa: E731
        session, c.id, actor=INSPECTOR, user_id=world.users["inspector"], amount=amount)
    pay("600.00")()
    refused(session, "wage_arrears.overpayment", pay("400.01"))
    for bad in ("0", "-5", "0.001", "abc", "NaN", "1e12", "100000001"):
        refused(session, "wage_arrears.invalid_amount", pay(bad))
    claim = wage_arrears.claim_payment(session, c.id, actor="e", organisation_id=world.orgs["employer"],
                                       amount="400.00")
    refused(session, "wage_arrears.overpayment", lambda: wage_arrears.claim_payment(
        session, c.id, actor="e", organisation_id=world.orgs["employer"], amount="400.01"))
    pay("0.01")()  # the inspector records a cent meanwhile: confirming the claim now would over-pay
    refused(session, "wage_arrears.overpayment", lambda: wage_arrears.decide_claim(
        session, claim.id, actor=INSPECTOR, confirm=True))
    wage_arrears.decide_claim(session, claim.id, actor=INSPECTOR, confirm=False)
    refused(session, "wage_arrears.claim_not_open", lambda: wage_arrears.decide_claim(
        session, claim.id, actor=INSPECTOR, confirm=True))
    refused(session, "wage_arrears.not_yours", lambda: wage_arrears.claim_payment(
        session, c.id, actor="o", organisation_id=world.orgs["other_company"], amount="1"))
    pay("399.99")()
    assert c.paid_fen == c.owed_fen == 100000


def test_the_conditional_update_never_over_pays_a_stale_read(session: Session, world: ArrearsWorld) -> None:
    """Two payments read the same outstanding amount: the guard is in the UPDATE, not in the read before it."""
    c = file(session, world, amount="100")
    wage_arrears.accept(session, c.id, actor=INSPECTOR)
    wage_arrears.record_payment(session, c.id, actor=INSPECTOR, user_id=1, amount="80")
    session.execute(WageArrearsCase.__table__.update().values(paid_fen=8000))  # as another transaction left it
    from landbridge.wage_arrears import service
    stale = session.get(WageArrearsCase, c.id)
    assert stale is not None
    with pytest.raises(DomainError) as err, session.begin_nested():
        service._add_paid(session, stale, 2001)
    assert err.value.code == "wage_arrears.overpayment"


def test_steps_from_the_wrong_state_are_refused_and_change_nothing(session: Session, world: ArrearsWorld) -> None:
    c = file(session, world)
    order = lambda: wage_arrears.order_payment(session, c.id, actor=INSPECTOR)  # noqa: E731
    close = lambda: wage_arrears.close_paid(session, c.id, actor=INSPECTOR)  # noqa: E731
    refer = lambda: wage_arrears.refer(session, c.id, actor=INSPECTOR, reason="移送")  # noqa: E731
    pay = lambda: wage_arrears.record_payment(session, c.id, actor=INSPECTOR, user_id=1, amount="1")  # noqa: E731
    confirm = lambda: wage_arrears.confirm_receipt(  # noqa: E731
        session, c.id, actor="w", party_id=world.parties["worker"], rating=5)
    for call in (order, close, refer, pay, confirm):
        refused(session, "wage_arrears.invalid_step", call)
    wage_arrears.accept(session, c.id, actor=INSPECTOR)
    for call in (lambda: wage_arrears.accept(session, c.id, actor=INSPECTOR),
                 lambda: wage_arrears.reject(session, c.id, actor=INSPECTOR, reason="x"), refer, confirm):
        refused(session, "wage_arrears.invalid_step", call)
    order()
    refused(session, "wage_arrears.invalid_step", order)
    refused(session, "wage_arrears.not_referable", refer)
    rejected = file(session, world, party="third")
    wage_arrears.reject(session, rejected.id, actor=INSPECTOR, reason="不属于劳动关系，已告知通过民事诉讼解决")
    assert rejected.status == "rejected" and "rejected" not in worker_notices(session, world)
    refused(session, "wage_arrears.invalid_step", lambda: wage_arrears.accept(session, rejected.id, actor=INSPECTOR))
    refused(session, "wage_arrears.not_yours", lambda: wage_arrears.confirm_receipt(
        session, c.id, actor="n", party_id=world.parties["neighbour"], rating=5))
    refused(session, "wage_arrears.invalid_text", lambda: wage_arrears.reject(
        session, file(session, world).id, actor=INSPECTOR, reason="   "))


def test_every_bad_filing_is_typed_and_writes_nothing(session: Session, world: ArrearsWorld) -> None:
    wrong = EMPLOYER_USCC[:-1] + ("1" if EMPLOYER_USCC[-1] != "1" else "2")  # a wrong check character
    for bad in (wrong, "9136", "not a code"):
        refused(session, "wage_arrears.invalid_uscc", lambda bad=bad: file(session, world, employer_uscc=bad))
    refused(session, "wage_arrears.invalid_amount", lambda: file(session, world, amount="12.345"))
    refused(session, "wage_arrears.invalid_workers", lambda: file(session, world, workers=0))
    refused(session, "wage_arrears.invalid_workers", lambda: file(session, world, workers=10**6))
    refused(session, "wage_arrears.invalid_period", lambda: file(session, world, period_to=date(2026, 3, 3)))
    refused(session, "wage_arrears.invalid_period", lambda: file(session, world, period_from=date(2026, 2, 1),
                                                                 period_to=date(2026, 1, 1)))
    refused(session, "wage_arrears.invalid_region", lambda: file(session, world, region_code="3606"))
    refused(session, "wage_arrears.invalid_text", lambda: file(session, world, project="x" * 201))
    refused(session, "wage_arrears.unknown_worker", lambda: wage_arrears.file_case(
        session, actor="a", filed_by_user_id=1, worker_party_id=999999, employer_uscc=EMPLOYER_USCC,
        employer_name="x", project="x", region_code=TOWNSHIP, period_from=date(2026, 1, 1),
        period_to=date(2026, 1, 2), amount="1", workers=1, evidence="x"))
    assert session.scalars(select(WageArrearsCase.id)).all() == []


def test_an_unpaid_order_climbs_the_escalation_levels_by_working_days(session: Session, world: ArrearsWorld,
                                                                        clock: Clock) -> None:
    rules = wage_arrears.arrears_rules()
    c = file(session, world)
    wage_arrears.accept(session, c.id, actor=INSPECTOR)
    wage_arrears.order_payment(session, c.id, actor=INSPECTOR, working_days=1)  # pay by Tuesday 03-03
    assert c.pay_due == date(2026, 3, 3)
    clock.advance(timedelta(days=1))  # Tuesday: the deadline's own day
    assert wage_arrears.escalate_overdue(session) == 0
    seen = []
    for _ in range(40):  # day by day until the last level; each level once
        clock.advance(timedelta(days=1))
        fired = wage_arrears.escalate_overdue(session)
        assert fired in (0, 1)
        if fired:
            seen.append(c.escalation)
            assert wage_arrears.escalate_overdue(session) == 0
    assert seen == list(range(1, rules.top_level + 1))
    assert [name for name, _ in rules.escalation] == ["township", "county", "listed"]
    kinds = worker_notices(session, world)
    assert [k for k in kinds if k.startswith("escalated_")] == ["escalated_1", "escalated_2", "escalated_3"]
    wage_arrears.refer(session, c.id, actor=INSPECTOR, reason="列入拖欠农民工工资失信联合惩戒对象名单并移送公安机关")
    assert c.status == "referred" and c.closed_at is not None


def test_a_payment_does_not_stop_the_clock_but_closing_does(session: Session, world: ArrearsWorld,
                                                            clock: Clock) -> None:
    c = file(session, world, amount="500")
    wage_arrears.accept(session, c.id, actor=INSPECTOR)
    wage_arrears.order_payment(session, c.id, actor=INSPECTOR, working_days=1)
    wage_arrears.record_payment(session, c.id, actor=INSPECTOR, user_id=1, amount="499.99")
    clock.advance(timedelta(days=3))
    assert wage_arrears.escalate_overdue(session) == 1  # a cent is still owed
    wage_arrears.record_payment(session, c.id, actor=INSPECTOR, user_id=1, amount="0.01")
    wage_arrears.close_paid(session, c.id, actor=INSPECTOR)
    clock.advance(timedelta(days=30))
    assert wage_arrears.escalate_overdue(session) == 0


def test_the_worker_job_escalates_on_an_accelerated_clock(db: Database) -> None:
    """The manifest's job, run by the worker as in production, on a clock where a day passes in a millisecond."""
    set_clock(Clock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), speed=86_400_000))
    try:
        with db.transaction() as s:
            w = build(s)
            c = file(s, w)
            wage_arrears.accept(s, c.id, actor=INSPECTOR)
            wage_arrears.order_payment(s, c.id, actor=INSPECTOR, working_days=1)
            cid = c.id
        time.sleep(0.06)  # some sixty days later on this clock: past every level
        jobs = [(name, job) for name, job in worker.deadline_jobs() if name.startswith("landbridge.wage_arrears.")]
        assert [name for name, _ in jobs] == ["landbridge.wage_arrears.service:escalate_overdue"]
        assert worker.run_due_jobs(jobs) == 1
        assert worker.run_due_jobs(jobs) == 0
        with db.transaction(readonly=True) as s:
            case = s.get(WageArrearsCase, cid)
            assert case is not None and case.escalation == 3
    finally:
        set_clock(Clock())


def test_a_townships_sum_paid_is_withheld_under_the_minimum_count(session: Session, world: ArrearsWorld) -> None:
    """One case's sum paid would be its workers' wages: the public statistics withhold a township's sum until it comes
    from at least the city's minimum cell count of cases (open_data.min_cell_count); the counts stay public."""
    from landbridge.wage_arrears import stats
    k = stats.min_cases()
    assert k is not None and k > 1
    cases = [file(session, world) for _ in range(k)]
    wage_arrears.accept(session, cases[0].id, actor=INSPECTOR)
    wage_arrears.order_payment(session, cases[0].id, actor=INSPECTOR)
    wage_arrears.record_payment(session, cases[0].id, actor=INSPECTOR, user_id=world.users["inspector"],
                                amount=Decimal("100.00"))
    assert [(s.cases, s.paid_yuan) for s in stats.by_township(session)] == [(k, Decimal("100.00"))]
    session.delete(cases[-1])
    session.flush()
    assert [(s.cases, s.paid_yuan) for s in stats.by_township(session)] == [(k - 1, None)]

"""The homestead withdrawal case through the services (issue #16 part 5): the only-homestead refusal, the
collective's vote deciding (a vote not passed ends the case), a full case from the application to the reclamation
project, the over-standard fee of a household that keeps its homestead, and every refusal typed and writing
nothing (checked in the same session, before the transaction ends)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.land_quota import withdrawal
from landbridge.land_quota.models import ReclamationProject
from landbridge.land_quota.withdrawal_models import HomesteadFee, HomesteadWithdrawal
from landbridge.ledger import current_size, list_events
from landbridge.registry.models import Application
from tests.land_quota.homestead_world import (
    CLERK,
    NR,
    PAID_ON,
    REGISTRAR,
    TOWNSHIP,
    HomesteadWorld,
    build,
    council,
    homestead,
    vote,
)


@pytest.fixture
def w(db: Database, clock: Clock) -> HomesteadWorld:
    with db.transaction() as s:
        return build(s)


def snap(s: Session) -> tuple[Any, ...]:
    s.flush()
    cases = tuple(s.execute(select(HomesteadWithdrawal.id, HomesteadWithdrawal.status, HomesteadWithdrawal.version,
                                   HomesteadWithdrawal.total_fen, HomesteadWithdrawal.payment_ref)
                            .order_by(HomesteadWithdrawal.id)).all())
    fees = tuple(s.execute(select(HomesteadFee.id, HomesteadFee.status, HomesteadFee.version)).all())
    return (current_size(s), cases, fees, s.scalar(select(func.count()).select_from(Application)),
            s.scalar(select(func.count()).select_from(ReclamationProject)))


def refused(db: Database, code: str, act: Callable[[Session], object]) -> None:
    """``act`` is refused with ``code`` and has written nothing, even in its own session."""
    with db.transaction() as s:
        before = snap(s)
        with pytest.raises(DomainError) as caught:
            act(s)
        assert caught.value.code == code
        assert snap(s) == before


def apply(s: Session, w: HomesteadWorld, right: int | None = None, member: int | None = None,
          size: int = 2) -> HomesteadWithdrawal:
    return withdrawal.apply(s, actor="user:20:member", applicant_party_id=member or w.member,
                            right_id=right or w.spare, collective_id=w.village.collective_id, household_size=size)


def fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_the_only_homestead_is_refused_and_nothing_is_written(db: Database, w: HomesteadWorld) -> None:
    refused(db, "land_quota.only_homestead", lambda s: apply(s, w, right=w.only, member=w.only_member))
    # a household with two: while one is in an open case, the other is its only homestead left
    with db.transaction() as s:
        apply(s, w)
    refused(db, "land_quota.only_homestead", lambda s: apply(s, w, right=w.kept))
    refused(db, "land_quota.withdrawal_open", lambda s: apply(s, w))


def test_application_guards(db: Database, w: HomesteadWorld) -> None:
    refused(db, "land_quota.not_homestead_holder", lambda s: apply(s, w, member=w.only_member))
    refused(db, "land_quota.not_a_homestead", lambda s: apply(s, w, right=999_999))
    refused(db, "land_quota.invalid_household_size", lambda s: apply(s, w, size=0))
    refused(db, "collective.collective_not_found",
            lambda s: withdrawal.apply(s, actor="x", applicant_party_id=w.member, right_id=w.spare,
                                       collective_id=999_999, household_size=2))


def test_a_full_case_from_the_application_to_the_reclamation_project(db: Database, w: HomesteadWorld) -> None:
    with db.transaction() as s:
        case = apply(s, w)
        cid, number = case.id, case.number
        assert case.status == "applied" and case.household_party_id == w.household and case.area_m2 == w.spare_area
        meeting = council(s, w, number)
        motion = vote(s, w, number)  # all six members vote yes
    with db.transaction() as s:
        case = withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=meeting, motion_id=motion)
        assert case.status == "approved" and case.motion_id == motion and case.council_meeting_id == meeting
    with db.transaction() as s:
        case = withdrawal.value(s, cid, actor=TOWNSHIP, house_structure="brick_wood", house_floor_m2="85.5")
        land = fen(w.spare_area * Decimal("60.00"))
        house = fen(Decimal("85.5") * Decimal("100.00"))
        assert (case.land_fen, case.house_fen, case.total_fen) == (int(land * 100), int(house * 100),
                                                                    int((land + house) * 100))
        total = str((land + house).quantize(Decimal("0.01")))
    refused(db, "land_quota.payment_mismatch",
            lambda s: withdrawal.record_payment(s, cid, actor=CLERK, amount="1.00", payment_ref="B1", paid_on=PAID_ON))
    refused(db, "land_quota.withdrawal_invalid_step", lambda s: withdrawal.lodge_cancellation(s, cid, actor=TOWNSHIP))
    with db.transaction() as s:
        case = withdrawal.record_payment(s, cid, actor=CLERK, amount=total, payment_ref="农商行转账 2026030201",
                                         paid_on=PAID_ON)
        assert case.status == "paid" and case.payment_ref == "农商行转账 2026030201"
    with db.transaction() as s:
        case = withdrawal.lodge_cancellation(s, cid, actor=TOWNSHIP)
        assert case.status == "cancelling"
        app_id = int((case.cancellation_application_ids or [0])[0])
        assert registry.get_application(s, app_id).kind == "cancellation"
    refused(db, "land_quota.cancellation_not_registered",
            lambda s: withdrawal.hand_over(s, cid, actor=NR, plan_ref="余江复垦方案〔2026〕7号"))
    with db.transaction() as s:
        registry.approve_application(s, application_id=app_id, actor=REGISTRAR)
        assert registry.find_current_right(s, w.spare) is None
    with db.transaction() as s:
        case = withdrawal.hand_over(s, cid, actor=NR, plan_ref="余江复垦方案〔2026〕7号")
        assert case.status == "handed_over" and case.project_id is not None
        project = s.get(ReclamationProject, case.project_id)
        assert project is not None
        assert (project.status, project.kind, project.planned_area_m2, project.collective_id, project.region_code) == (
            "planned", "homestead", w.spare_area, w.village.collective_id, "360603")
    refused(db, "land_quota.withdrawal_invalid_step",
            lambda s: withdrawal.hand_over(s, cid, actor=NR, plan_ref="again"))
    # the ledger tells the case's story, one event per step, in order
    with db.transaction(readonly=True) as s:
        kinds = [e.event_type for e in list_events(s, module="land_quota", subject=withdrawal.case_subject(cid))]
    assert kinds == ["withdrawal_applied", "withdrawal_approved", "withdrawal_valued", "withdrawal_paid",
                     "withdrawal_cancellation_lodged", "withdrawal_handed_over"]


def test_a_vote_not_passed_refuses_the_case_and_ends_it(db: Database, w: HomesteadWorld) -> None:
    with db.transaction() as s:
        case = apply(s, w)
        cid, number = case.id, case.number
        meeting = council(s, w, number)
        failed = vote(s, w, number, yes=1)  # one of six
    with db.transaction() as s:
        case = withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=meeting, motion_id=failed)
        assert case.status == "refused" and case.motion_id == failed
    refused(db, "land_quota.withdrawal_invalid_step", lambda s: withdrawal.value(s, cid, actor=TOWNSHIP))
    refused(db, "land_quota.withdrawal_invalid_step",
            lambda s: withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=meeting, motion_id=failed))
    with db.transaction() as s:  # the case is closed: the household may apply again
        assert apply(s, w).status == "applied"


def test_the_decision_needs_the_council_and_a_sealed_vote_on_this_case(db: Database, w: HomesteadWorld) -> None:
    with db.transaction() as s:
        case = apply(s, w)
        cid, number = case.id, case.number
        meeting = council(s, w, number)
        elsewhere = council(s, w, "ZT2026-99999")
        other = vote(s, w, "ZT2026-99999")
        motion = vote(s, w, number)
    refused(db, "land_quota.council_required", lambda s: withdrawal.decide(s, cid, actor=CLERK, motion_id=motion))
    refused(db, "land_quota.council_required",
            lambda s: withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=elsewhere, motion_id=motion))
    refused(db, "land_quota.vote_required",
            lambda s: withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=meeting, approve=True))
    refused(db, "land_quota.wrong_motion",
            lambda s: withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=meeting, motion_id=other))


def test_an_over_standard_homestead_kept_pays_the_yearly_fee(db: Database, w: HomesteadWorld) -> None:
    with db.transaction() as s:
        unit = registry.get_unit(s, registry.find_current_right(s, w.only).unit_id or 0)  # type: ignore[union-attr]
        area = Decimal(registry.get_parcel(s, unit.parcel_id).area_m2).quantize(Decimal("0.01"))
        fee = withdrawal.assess_fee(s, actor=CLERK, right_id=w.only, collective_id=w.village.collective_id,
                                    household_size=2, year=2026)
        excess = area - Decimal("100.00")  # two persons: 100 m²
        expected = min(excess, Decimal(50)) * 10 + max(Decimal(0), min(excess, Decimal(100)) - 50) * 15 \
            + max(Decimal(0), excess - 100) * 20
        assert (fee.standard_m2, fee.excess_m2, fee.fee_fen) == (Decimal("100.00"), excess, int(fen(expected) * 100))
        fid = fee.id
    refused(db, "land_quota.fee_already_assessed",
            lambda s: withdrawal.assess_fee(s, actor=CLERK, right_id=w.only, collective_id=w.village.collective_id,
                                            household_size=2, year=2026))
    with db.transaction() as s:
        small = homestead(s, w.household, 6, size_m=9.0)  # about 81 m², within two persons' 100 m²
    refused(db, "land_quota.not_over_standard",
            lambda s: withdrawal.assess_fee(s, actor=CLERK, right_id=small, collective_id=w.village.collective_id,
                                            household_size=2, year=2026))
    with db.transaction() as s:
        assert withdrawal.record_fee_payment(s, fid, actor=CLERK, payment_ref="收据 0001").status == "paid"
    refused(db, "land_quota.fee_already_paid",
            lambda s: withdrawal.record_fee_payment(s, fid, actor=CLERK, payment_ref="收据 0002"))


def test_an_unsealed_vote_decides_nothing(db: Database, w: HomesteadWorld) -> None:
    from datetime import UTC, datetime

    from landbridge import collective
    with db.transaction() as s:
        case = apply(s, w)
        cid, number = case.id, case.number
        meeting = council(s, w, number)
        assembly = collective.convene_meeting(s, collective_id=w.village.collective_id, body="members_assembly",
                                              title="成员大会", scheduled_at=datetime(2026, 3, 2, 2, tzinfo=UTC),
                                              actor=CLERK)
        motion = collective.create_motion(s, meeting_id=assembly.id, title="宅基地退出表决", text="", kind="general",
                                          subject_ref=number, actor=CLERK)
        collective.open_vote(s, motion_id=motion.id, actor=CLERK)
        open_motion = motion.id
    refused(db, "land_quota.vote_not_sealed",
            lambda s: withdrawal.decide(s, cid, actor=CLERK, council_meeting_id=meeting, motion_id=open_motion))


def test_where_the_rules_need_no_vote_the_collective_decides(db: Database, w: HomesteadWorld,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    plain = replace(withdrawal.homestead_rules(), vote_required=False, council_required=False)
    monkeypatch.setattr(withdrawal, "homestead_rules", lambda day=None: plain)
    with db.transaction() as s:
        cid = apply(s, w).id
    refused(db, "land_quota.vote_required", lambda s: withdrawal.decide(s, cid, actor=CLERK))
    with db.transaction() as s:
        case = withdrawal.decide(s, cid, actor=CLERK, approve=False, reason="宅基地上有未分割的共有房屋")
        assert (case.status, case.decision_reason, case.motion_id) == ("refused", "宅基地上有未分割的共有房屋", None)

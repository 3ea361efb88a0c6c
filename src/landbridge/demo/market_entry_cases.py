"""Demo market-entry cases (issue #15): entry cases of the demo collectives' operating construction land in
several villages, each driven through the market-entry services to a different state (opened, conditions
issued, plan drafted, council consulted, consented, filed), so every party's queue has work in it.

Units already on the exchange are skipped; a unit the rules refuse (not in an operating zone, seized, no
registered right of its collective) is skipped in a savepoint, leaving nothing behind.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.errors import DomainError
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import now
from landbridge.market_entry import service
from landbridge.market_entry.models import EntryCase
from landbridge.registry.models import PropertyUnit, RecordStatus, Right, RightHolder

NR_ACTOR = "system:demo:nr"
TARGETS = ("opened", "conditions_issued", "plan_drafted", "council_consulted", "vote_passed", "filed")
RIGHT_TYPE = "collective_construction_land_use_right"


def _candidates(session: Session, limit: int) -> list[tuple[int, int]]:
    """(collective id, unit id) of collectives' current construction land rights not on the exchange."""
    on_exchange = select(Lot.unit_id).where(Lot.unit_id.is_not(None))
    rows = session.execute(
        select(RightHolder.party_id, Right.unit_id).join(Right, Right.id == RightHolder.right_id)
        .join(PropertyUnit, PropertyUnit.id == Right.unit_id)
        .where(Right.right_type == RIGHT_TYPE, Right.status == RecordStatus.current, Right.unit_id.not_in(on_exchange))
        .order_by(Right.unit_id).limit(limit * 20)).all()
    out: list[tuple[int, int]] = []
    seen: set[int] = set()
    for party_id, unit_id in rows:
        found = collective.find_collective_by_party(session, party_id)
        if found is None or unit_id is None or unit_id in seen:
            continue
        seen.add(unit_id)
        out.append((found.id, int(unit_id)))
    return out


def _drive(session: Session, case: EntryCase, target: str, actor: str) -> None:
    order = TARGETS.index(target)
    if order >= 1:
        land_use = registry.get_parcel(session, case.parcel_id).land_use_class
        service.issue_conditions(session, case_id=case.id, land_use=land_use, indicators={},
                                 industry_requirements="农产品加工、仓储物流；不得引入高污染项目",
                                 environment_requirements="环境影响登记表备案；雨污分流", actor=NR_ACTOR)
    if order >= 2:
        assert case.conditions is not None
        service.draft_plan(session, case_id=case.id, actor=actor, plan={
            "boundary": "以不动产单元界址为准", "area_m2": "以登记面积为准", "land_use": case.conditions["land_use"],
            "conditions": case.conditions["number"], "industry_requirements": case.conditions["industry_requirements"],
            "environment_requirements": case.conditions["environment_requirements"], "term_years": 40,
            "method": "grant", "transaction_method": "listing", "floor_price": "500000.00",
            "revenue_arrangement": {"retained_share": "0.30"}})
    if order >= 3:
        service.consult_council(session, case_id=case.id, held_at=now(), attendees=7,
                                opinion="理事会讨论同意入市方案，提请成员（代表）大会表决", actor=actor)
    if order >= 4:
        meeting = collective.convene_meeting(session, collective_id=case.collective_id, body="members_assembly",
                                             title=f"入市表决 {case.number}", scheduled_at=now(), actor=actor)
        motion = collective.create_motion(session, meeting_id=meeting.id, title=f"同意 {case.number} 入市方案",
                                          text="入市方案全文见附件", kind="market_entry_consent",
                                          subject_ref=case.number, actor=actor)
        collective.open_vote(session, motion_id=motion.id, actor=actor)
        from landbridge.collective.queries import roster_of

        for row in roster_of(session, motion.id):
            collective.cast_ballot(session, motion_id=motion.id, member_id=row.member_id, choice="yes",
                                   channel="in_person", actor=actor)
        collective.seal_vote(session, motion_id=motion.id, actor=actor)
        service.record_vote(session, case_id=case.id, motion_id=motion.id, actor=actor)
    if order >= 5:
        service.file_with_county(session, case_id=case.id, transaction_on=(now() + timedelta(days=40)).date(),
                                 actor=actor)


def seed_entry_cases(session: Session, *, actor: str, limit: int = 12) -> int:
    """Open and drive up to ``limit`` demo cases, one target state after another; returns how many exist."""
    made = 0
    for collective_id, unit_id in _candidates(session, limit):
        if made >= limit:
            break
        try:
            with session.begin_nested():
                case = service.open_case(session, collective_id=collective_id, unit_id=unit_id, actor=actor)
                _drive(session, case, TARGETS[made % len(TARGETS)], actor)
        except DomainError:
            continue
        made += 1
    return made

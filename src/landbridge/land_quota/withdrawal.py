"""The homestead withdrawal case (宅基地自愿有偿退出, the Yujiang reform; issue #16 part 5) and the yearly fee of a
household that keeps an over-standard homestead (超标准有偿使用费).

One case per homestead right: the household applies (refused while it is the household's only homestead: 一户一宅),
the collective decides (the villagers' affairs council and the members' vote where the rule set ``homestead``
requires them; a refusal ends the case), the compensation is valued from rule data to the fen, the collective's
payment is recorded with its reference, the registry cancellation is lodged through ``registry.lodge_cancellation``,
and once the registry has registered it the land is handed over to a planned reclamation project
(``land_quota.service.register_project``).

Each step is a named transition: it loads the case (locked on PostgreSQL), checks its guard before anything is
written (a typed ``QuotaError``), asks the registry and the collective through their public functions (ADR
0014: a process calls down only), moves the case with a conditional UPDATE on the status and version read, and
writes one ledger event about the case in the caller's transaction. Nothing commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.kernel.clock import now, to_local
from landbridge.land_quota import service
from landbridge.land_quota import withdrawal_rules as wr
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.rules import area
from landbridge.land_quota.withdrawal_models import HomesteadFee, HomesteadWithdrawal
from landbridge.land_quota.withdrawal_rules import HomesteadRules, WithdrawalStatus
from landbridge.ledger import append_event, subjects

MODULE = "land_quota"
RULE_SET = "homestead"
HOMESTEAD = "homestead_use_right"
MOTION_KIND = "general"  # the collective's motion kind the withdrawal vote is tabled as (its subject_ref: the case)
REF_MAX = 120


def today() -> date:
    return to_local(now()).date()


def homestead_rules(day: date | None = None) -> HomesteadRules:
    """The rule set ``homestead`` in force on ``day`` (today by default)."""
    try:
        version = get_profile().rules(RULE_SET).version_at(day or today())
    except (LookupError, KeyError):
        raise QuotaError.HOMESTEAD_NO_RULE_SET.error(day=str(day or today())) from None
    return HomesteadRules.from_values(version.values(), version.digest)


def case_subject(case_id: int) -> str:
    return subjects.subject("homestead_withdrawal", case_id)


def fee_subject(fee_id: int) -> str:
    return subjects.subject("homestead_fee", fee_id)


def _text(value: str | None, field: str, limit: int = REF_MAX) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise QuotaError.INVALID_TEXT.error(field=field, max_length=limit)
    return text


def get_case(session: Session, case_id: int, *, lock: bool = False) -> HomesteadWithdrawal:
    stmt = select(HomesteadWithdrawal).where(HomesteadWithdrawal.id == case_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    case = session.scalars(stmt).first()
    if case is None:
        raise QuotaError.WITHDRAWAL_NOT_FOUND.error(case_id=case_id)
    if lock:
        session.refresh(case)
    return case


def get_fee(session: Session, fee_id: int, *, lock: bool = False) -> HomesteadFee:
    stmt = select(HomesteadFee).where(HomesteadFee.id == fee_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    fee = session.scalars(stmt).first()
    if fee is None:
        raise QuotaError.HOMESTEAD_FEE_NOT_FOUND.error(fee_id=fee_id)
    return fee


def _homestead(session: Session, right_id: int, collective_id: int) -> tuple[Any, Any, Any, Any]:
    """(right, unit, parcel, collective) of a current homestead right in the collective's village; the unit and the
    collective are locked (applications of one collective queue on its row: one household, two homesteads)."""
    right = registry.find_current_right(session, right_id)
    if right is None or right.right_type != HOMESTEAD or right.unit_id is None:
        raise QuotaError.NOT_A_HOMESTEAD.error(right_id=right_id)
    coll = collective.get_collective(session, collective_id, lock=True)
    unit = registry.get_unit(session, right.unit_id, lock=True)
    parcel = registry.get_parcel(session, unit.parcel_id)
    if coll.region_code != parcel.region_code:
        raise QuotaError.HOMESTEAD_WRONG_COLLECTIVE.error(collective_id=collective_id)
    return right, unit, parcel, coll


def household_of(session: Session, right_id: int, party_id: int) -> int | None:
    """The holder of the right that ``party_id`` acts for: the party itself, or the household on whose register
    (the collective's roll) it is a member; None if neither holds the right."""
    holders = {p for p, _ in registry.holders_of(session, right_id)}
    if party_id in holders:
        return party_id
    member = collective.find_active_membership(session, party_id)
    if member is not None and member.household_party_id in holders:
        return int(member.household_party_id)
    return None


def _move(session: Session, case: HomesteadWithdrawal, step: str, event: str, actor: str, payload: dict[str, Any],
          *also: str, **values: Any) -> HomesteadWithdrawal:
    """The self-guarding state change: only from the status and version read; the case's ledger event."""
    target = wr.step(case.status, step)
    table = HomesteadWithdrawal
    done = session.execute(
        update(table).where(table.id == case.id, table.status == case.status, table.version == case.version)
        .values(status=target.value, version=table.version + 1, **values)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.WITHDRAWAL_INVALID_STEP.error(status=case.status, step=step)
    previous = case.status
    session.refresh(case)
    recorded = append_event(session, module=MODULE, event_type=event, subject=case_subject(case.id), actor=actor,
                            payload={"case": case.number, "from": previous, "to": case.status, **payload},
                            also=(subjects.right(case.right_id), subjects.unit(case.unit_id),
                                  subjects.parcel(case.parcel_id), subjects.collective(case.collective_id), *also))
    case.ledger_seq = recorded.seq
    session.flush()
    return case


# --- the steps ---------------------------------------------------------------------------------

def apply(session: Session, *, actor: str, applicant_party_id: int, right_id: int, collective_id: int,
          household_size: int) -> HomesteadWithdrawal:
    """The household applies to give up the homestead right ``right_id`` (申请退出). Refused while it is the
    household's only homestead (the others in open withdrawal cases not counted), while another case on the right
    is open, or while the unit is seized or restricted."""
    rules = homestead_rules()
    size = wr.household_size(household_size)
    right, unit, parcel, coll = _homestead(session, right_id, collective_id)
    household = household_of(session, right.id, applicant_party_id)
    if household is None:
        raise QuotaError.NOT_HOMESTEAD_HOLDER.error(right_id=right.id)
    if registry.current_restrictions(session, unit.id):
        raise QuotaError.HOMESTEAD_SEIZED.error(unit_id=unit.id)
    open_cases = dict(session.execute(select(HomesteadWithdrawal.right_id, HomesteadWithdrawal.number).where(
        HomesteadWithdrawal.household_party_id == household,
        HomesteadWithdrawal.status.in_([s.value for s in wr.OPEN_STATES]))).all())
    if right.id in open_cases:
        raise QuotaError.WITHDRAWAL_OPEN.error(right_id=right.id, other=open_cases[right.id])
    kept = [r for r in registry.current_rights_held(session, household, [HOMESTEAD])
            if r.id != right.id and r.id not in open_cases]
    if not kept:
        raise QuotaError.ONLY_HOMESTEAD.error(right_id=right.id)
    at = now()
    case = HomesteadWithdrawal(number=f"ZT-new-{uuid4().hex[:16]}", status=WithdrawalStatus.applied.value,
                               region_code=parcel.region_code, collective_id=coll.id, household_party_id=household,
                               applicant_party_id=applicant_party_id, right_id=right.id, unit_id=unit.id,
                               parcel_id=parcel.id, area_m2=wr.round_fen(Decimal(parcel.area_m2)),
                               household_size=size, rules_digest=rules.digest, version=1, created_at=at,
                               created_by=actor)
    session.add(case)
    session.flush()
    case.number = f"ZT{today():%Y}-{case.id:05d}"
    session.flush()
    recorded = append_event(session, module=MODULE, event_type="withdrawal_applied", subject=case_subject(case.id),
                            actor=actor, payload={"case": case.number, "to": case.status, "right_id": right.id,
                                                  "area_m2": str(case.area_m2), "household_size": size,
                                                  "homesteads_kept": len(kept), "rules_digest": rules.digest},
                            also=(subjects.right(right.id), subjects.unit(unit.id), subjects.parcel(parcel.id),
                                  subjects.collective(coll.id)))
    case.ledger_seq = recorded.seq
    session.flush()
    return case


def decide(session: Session, case_id: int, *, actor: str, council_meeting_id: int | None = None,
           motion_id: int | None = None, approve: bool | None = None, reason: str | None = None
           ) -> HomesteadWithdrawal:
    """The collective's decision. Where the rules require it, the villagers' affairs council consulted on this
    case (``collective.consult_affairs_council`` with the case number) and the members' sealed vote on a motion
    whose subject is this case: the vote decides (passed: approved; not passed: refused, the case ends). Where no
    vote is required, ``approve`` is the collective's decision."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "approve")
    rules = homestead_rules()
    note = None if reason is None else _text(reason, "reason", 300)
    payload: dict[str, Any] = {}
    also: list[str] = []
    if rules.council_required:
        consulted = None if council_meeting_id is None else collective.council_consultation(session,
                                                                                            council_meeting_id)
        if (consulted is None or consulted["collective_id"] != case.collective_id
                or not str(consulted["title"]).endswith(case.number)):
            raise QuotaError.WITHDRAWAL_COUNCIL_REQUIRED.error()
        payload["council_meeting_id"] = council_meeting_id
        also.append(subjects.meeting(int(council_meeting_id or 0)))
    if rules.vote_required:
        if motion_id is None:
            raise QuotaError.WITHDRAWAL_VOTE_REQUIRED.error()
        motion = collective.get_motion(session, motion_id)
        if (motion.collective_id != case.collective_id or motion.kind != MOTION_KIND
                or motion.subject_ref != case.number):
            raise QuotaError.WITHDRAWAL_WRONG_MOTION.error(motion_id=motion_id)
        verdict = collective.vote_verdict(session, motion_id, rules.vote_threshold)
        if not verdict.sealed or not verdict.verified:
            raise QuotaError.WITHDRAWAL_VOTE_NOT_SEALED.error(motion_id=motion_id,
                                                              reason=verdict.reason or "unverified")
        approved = verdict.passed
        payload |= {"motion_id": motion_id, "yes": verdict.yes, "roster_size": verdict.roster_size,
                    "threshold": rules.vote_threshold, "seal_ledger_seq": verdict.seal_ledger_seq}
        also.append(subjects.motion(motion_id))
    else:
        if approve is None:
            raise QuotaError.WITHDRAWAL_VOTE_REQUIRED.error()
        approved = approve
    step, event = ("approve", "withdrawal_approved") if approved else ("refuse", "withdrawal_refused")
    return _move(session, case, step, event, actor, {**payload, "reason": note}, *also,
                 council_meeting_id=council_meeting_id if rules.council_required else None,
                 motion_id=motion_id if rules.vote_required else None, decided_at=now(), decision_reason=note)


def value(session: Session, case_id: int, *, actor: str, house_structure: str | None = None,
          house_floor_m2: Decimal | str | None = None) -> HomesteadWithdrawal:
    """The compensation (补偿核定): the registered area × the land rate, plus, where the rules include the house and
    the homestead carries one, its floor area × its structure's rate; each part to the fen (half up)."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "value")
    rules = homestead_rules()
    floor = rate = wr.ZERO
    structure = None
    if house_structure is not None and rules.house_value_included:
        rate = rules.house_rate(house_structure)
        structure = house_structure
        floor = area(house_floor_m2 if house_floor_m2 is not None else "", "house_floor_m2")
    comp = wr.compensation(case.area_m2, rules.land_rate_per_m2, house_floor_m2=floor, house_rate=rate,
                           house_included=structure is not None)
    return _move(session, case, "value", "withdrawal_valued", actor,
                 {"land": str(comp.land), "house": str(comp.house), "total": str(comp.total),
                  "land_rate_per_m2": str(rules.land_rate_per_m2), "house_structure": structure,
                  "rules_digest": rules.digest},
                 land_fen=wr.to_fen(comp.land), house_fen=wr.to_fen(comp.house), total_fen=wr.to_fen(comp.total),
                 house_structure=structure, house_floor_m2=floor if structure else None, rules_digest=rules.digest)


def record_payment(session: Session, case_id: int, *, actor: str, amount: Decimal | str, payment_ref: str,
                   paid_on: date) -> HomesteadWithdrawal:
    """The collective paid the compensation (补偿支付), exactly the amount valued, with its bank reference."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "pay")
    paid = wr.money(amount, "amount")
    ref = _text(payment_ref, "payment_ref")
    total = Decimal(case.total_fen or 0) / 100
    if wr.to_fen(paid) != case.total_fen:
        raise QuotaError.WITHDRAWAL_PAYMENT_MISMATCH.error(amount=str(paid), total=str(total.quantize(wr.FEN)))
    return _move(session, case, "pay", "withdrawal_paid", actor,
                 {"amount": str(paid), "payment_ref": ref, "paid_on": paid_on.isoformat()},
                 payment_ref=ref, paid_on=paid_on)


def lodge_cancellation(session: Session, case_id: int, *, actor: str) -> HomesteadWithdrawal:
    """Lodge the registry cancellation of the homestead right (注销登记, ``registry.lodge_cancellation``)."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "cancel")
    app = registry.lodge_cancellation(session, actor=actor, unit_id=case.unit_id, right_id=case.right_id,
                                      reason=f"宅基地自愿有偿退出 {case.number}")
    return _move(session, case, "cancel", "withdrawal_cancellation_lodged", actor,
                 {"application_id": app.id, "application_number": app.number}, subjects.application(app.id),
                 cancellation_application_ids=[app.id])


def hand_over(session: Session, case_id: int, *, actor: str, plan_ref: str) -> HomesteadWithdrawal:
    """Once the registry has registered the cancellation, the land goes to reclamation: a planned homestead
    reclamation project of the collective over the withdrawn area (移交复垦), linked to the case."""
    case = get_case(session, case_id, lock=True)
    wr.step(case.status, "hand_over")
    for app_id in case.cancellation_application_ids or []:
        app = registry.get_application(session, int(app_id))
        if str(app.status) != "approved":
            raise QuotaError.CANCELLATION_NOT_REGISTERED.error(application_id=app.id, status=str(app.status))
    unit = registry.get_unit(session, case.unit_id)
    parcel_id = unit.parcel_id
    shape = next((g for _, g, _ in registry.parcel_shapes(session, [parcel_id]) if g is not None), None)
    if shape is None:
        raise QuotaError.INVALID_BOUNDARY.error(reason=f"parcel {parcel_id} has no geometry")
    project = service.register_project(session, actor=actor, county_code=case.region_code[:6],
                                       collective_id=case.collective_id, kind="homestead",
                                       plan_ref=_text(plan_ref, "plan_ref"), planned_area_m2=case.area_m2,
                                       boundary_geometry=shape,
                                       collective_parcel=shape if unit.unit_code[12] == "J" else None)
    return _move(session, case, "hand_over", "withdrawal_handed_over", actor,
                 {"project_id": project.id, "project_no": project.project_no},
                 service.project_subject(project.id), project_id=project.id)


# --- keeping an over-standard homestead ---------------------------------------------------------

def assess_fee(session: Session, *, actor: str, right_id: int, collective_id: int, household_size: int,
               year: int) -> HomesteadFee:
    """The household keeps its over-standard homestead and owes the collective the year's fee (有偿使用费): the area
    over the standard for its size, priced by the rule set's tiers. Once per right and year."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise QuotaError.INVALID_YEAR.error(year=str(year)[:12])
    rules = homestead_rules(date(year, 1, 1))
    size = wr.household_size(household_size)
    right, unit, parcel, coll = _homestead(session, right_id, collective_id)
    holders = [p for p, _ in registry.holders_of(session, right.id)]
    measured = wr.round_fen(Decimal(parcel.area_m2))
    standard = rules.area_standard(size)
    excess, fee = wr.over_standard_fee(measured, standard, rules.fee_tiers)
    if excess <= 0:
        raise QuotaError.NOT_OVER_STANDARD.error(area=str(measured), standard=str(standard))
    taken = session.scalar(select(HomesteadFee.id).where(HomesteadFee.right_id == right.id,
                                                         HomesteadFee.year == year))
    if taken is not None:
        raise QuotaError.HOMESTEAD_FEE_ASSESSED.error(right_id=right.id, year=year)
    row = HomesteadFee(status="assessed", region_code=parcel.region_code, collective_id=coll.id,
                       household_party_id=holders[0], right_id=right.id, unit_id=unit.id, year=year,
                       household_size=size, area_m2=measured, standard_m2=standard, excess_m2=excess,
                       fee_fen=wr.to_fen(fee), rules_digest=rules.digest, version=1, created_at=now(),
                       created_by=actor)
    try:
        with session.begin_nested():  # a second assessment at the same moment meets the unique constraint
            session.add(row)
    except IntegrityError:
        raise QuotaError.HOMESTEAD_FEE_ASSESSED.error(right_id=right.id, year=year) from None
    recorded = append_event(session, module=MODULE, event_type="homestead_fee_assessed", subject=fee_subject(row.id),
                            actor=actor, payload={"year": year, "area_m2": str(measured), "standard_m2": str(standard),
                                                  "excess_m2": str(excess), "fee": str(fee),
                                                  "rules_digest": rules.digest},
                            also=(subjects.right(right.id), subjects.unit(unit.id), subjects.collective(coll.id)))
    row.ledger_seq = recorded.seq
    session.flush()
    return row


def record_fee_payment(session: Session, fee_id: int, *, actor: str, payment_ref: str) -> HomesteadFee:
    """The household paid the year's fee: assessed → paid, once (a conditional update)."""
    fee = get_fee(session, fee_id, lock=True)
    ref = _text(payment_ref, "payment_ref")
    done = session.execute(update(HomesteadFee).where(
        HomesteadFee.id == fee.id, HomesteadFee.status == "assessed", HomesteadFee.version == fee.version)
        .values(status="paid", payment_ref=ref, version=HomesteadFee.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.HOMESTEAD_FEE_PAID.error(fee_id=fee.id)
    session.refresh(fee)
    recorded = append_event(session, module=MODULE, event_type="homestead_fee_paid", subject=fee_subject(fee.id),
                            actor=actor, payload={"year": fee.year, "fee": str(Decimal(fee.fee_fen) / 100),
                                                  "payment_ref": ref},
                            also=(subjects.right(fee.right_id), subjects.collective(fee.collective_id)))
    fee.ledger_seq = recorded.seq
    session.flush()
    return fee

"""Market-entry transitions (trading.md c.1; issue #15): one function per step of the case.

Each loads and locks the case, checks the step's own guard (refusing with its ``MarketEntryError`` code before
anything is written), asks the peer domains through their public functions, applies the change and writes one
ledger event about the case, naming the parcel, unit, right, collective, motion or lot it concerns (``also=``).
Nothing commits: a refusal anywhere rolls the request's one transaction back (ADR 0014).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, exchange, planning, registry, valuation
from landbridge.errors import DomainError
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.kernel.money import to_money
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import append_event, subjects
from landbridge.market_entry import rules
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.queries import entry_rules, get_case
from landbridge.market_entry.rules import CaseState

MODULE = "market_entry"
TEXT_MAX = 2000
LOT_KIND = "collective_construction_land"
DECIDED_PHASES = frozenset({"confirmed", "settled", "handed_over"})


def today() -> date:
    return to_local(now()).date()


def _text(value: str | None, field: str, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise MarketEntryError.INVALID_TEXT.error({"max_length": limit}, field=field)
    return text


def _money(value: Decimal | str, field: str) -> Decimal:
    try:
        amount = to_money(value)
    except (ValueError, ArithmeticError):
        raise MarketEntryError.INVALID_PLAN.error(field=field) from None
    if amount <= 0:
        raise MarketEntryError.INVALID_PLAN.error(field=field)
    return amount


def _also(case: EntryCase, *more: str) -> list[str]:
    return [subjects.parcel(case.parcel_id), subjects.unit(case.unit_id), subjects.right(case.right_id),
            subjects.collective(case.collective_id), *more]


def _move(session: Session, case: EntryCase, target: CaseState, event: str, actor: str, payload: dict[str, Any],
          *more: str) -> EntryCase:
    previous = case.status
    case.status = target.value
    case.state_changed_at = now()
    case.version += 1
    session.flush()
    append_event(session, module=MODULE, event_type=event, subject=subjects.entry_case(case.id), actor=actor,
                 payload={"case": case.number, "from": previous, "to": target.value, **payload},
                 also=_also(case, *more))
    return case


def _lot_also(case: EntryCase) -> tuple[str, ...]:
    return (subjects.lot(case.lot_id),) if case.lot_id else ()


# --- eligibility and the plan -------------------------------------------------------------------

def check_eligibility(session: Session, *, collective_id: int, unit_id: int) -> tuple[Any, Any, Any, Any]:
    """(collective, unit, parcel, right) if the unit may enter the market: the collective's registered ownership
    or construction land right, no current seizure, an operating use in the spatial plan (L5, L6)."""
    coll = collective.get_collective(session, collective_id)
    unit = registry.get_unit(session, unit_id, lock=True)  # one open case per unit: openings of a unit queue here
    parcel = registry.get_parcel(session, unit.parcel_id)
    r = entry_rules()
    right = next((x for x in registry.current_rights(session, unit.id) if x.right_type in r.eligible_right_types
                  and any(p == coll.party_id for p, _ in registry.holders_of(session, x.id))), None)
    if right is None:
        raise MarketEntryError.NOT_REGISTERED.error(unit_id=unit.id)
    if any(x.kind == "seizure" for x in registry.current_restrictions(session, unit.id)):
        raise MarketEntryError.SEIZED.error(unit_id=unit.id)
    try:
        conditions = planning.planning_conditions_for(session, parcel.geom)
    except DomainError:
        raise MarketEntryError.NOT_OPERATING_USE.error(unit_id=unit.id) from None
    if not conditions.operating_use_permitted:
        raise MarketEntryError.NOT_OPERATING_USE.error(unit_id=unit.id, zone=conditions.zone_code)
    return coll, unit, parcel, right


CLOSED_STATES = frozenset({CaseState.withdrawn.value, CaseState.terminated.value})
CONVERSION_KIND = "conversion"  # the collective's motion kind of 撤村改制 (collective rule set motion_kinds)
PROGRAMME_MAX = 60  # column width of a programme reference (input hygiene, not policy)


def _converting(session: Session, coll: Any, motion_id: int | None, threshold: str) -> bool:
    """Whether ``motion_id`` is this collective's sealed conversion motion (撤村改制) passed at ``threshold``; a
    motion of another collective or kind is no conversion."""
    if motion_id is None:
        return False
    motion = collective.get_motion(session, motion_id)
    if motion.collective_id != coll.id or motion.kind != CONVERSION_KIND:
        return False
    return collective.vote_passed(session, motion_id, threshold)


def open_case(session: Session, *, collective_id: int, unit_id: int, actor: str, purpose: str = "operating",
              programme_ref: str | None = None, phase: int | None = None,
              conversion_motion_id: int | None = None) -> EntryCase:
    """Open an entry case for a unit of the collective's operating construction land (申请入市), for one of the
    purposes in force (L8): an urban-village phase names its programme and phase, and needs the collective
    converted into a company or its conversion passed (``conversion_motion_id``); no two live cases hold the same
    phase of a programme."""
    r = entry_rules()
    p = r.purpose(purpose)
    ref = programme_ref.strip() if programme_ref is not None else None
    rules.check_programme(p, ref, phase)
    if ref is not None and len(ref) > PROGRAMME_MAX:
        raise MarketEntryError.INVALID_TEXT.error({"max_length": PROGRAMME_MAX}, field="programme_ref")
    if not p.requires_conversion and conversion_motion_id is not None:
        raise MarketEntryError.PROGRAMME_NOT_FOR_PURPOSE.error(purpose=p.name)
    coll, unit, parcel, right = check_eligibility(session, collective_id=collective_id, unit_id=unit_id)
    converted = str(coll.status) == "converted"
    if p.requires_conversion:
        converting = not converted and _converting(session, coll, conversion_motion_id, r.conversion_threshold)
        rules.check_conversion(p, converted=converted, converting=converting)
    other = session.execute(select(EntryCase.number).where(
        EntryCase.unit_id == unit.id, EntryCase.status.in_([s.value for s in rules.OPEN_STATES]))).scalar()
    if other is not None:
        raise MarketEntryError.CASE_OPEN.error(other=other)
    if p.phased:  # openings of one collective's phases queue on its row (the unit lock covers one unit only)
        collective.get_collective(session, coll.id, lock=True)
        taken = session.execute(select(EntryCase.number).where(
            EntryCase.collective_id == coll.id, EntryCase.programme_ref == ref, EntryCase.phase == phase,
            EntryCase.status.not_in(CLOSED_STATES))).scalar()
        if taken is not None:
            raise MarketEntryError.PHASE_TAKEN.error(programme_ref=ref, phase=phase, other=taken)
    at = now()
    case = EntryCase(number=f"RS-new-{secrets.token_hex(8)}", collective_id=coll.id,
                     collective_party_id=coll.party_id, unit_id=unit.id, parcel_id=parcel.id, right_id=right.id,
                     region_code=parcel.region_code, purpose=p.name, programme_ref=ref, phase=phase,
                     conversion_motion_id=None if converted else conversion_motion_id,
                     status=CaseState.opened.value, state_changed_at=at, created_at=at, created_by=actor, attempts=0,
                     withdrawals=0)
    session.add(case)
    session.flush()
    case.number = f"RS{today():%Y}-{case.id:05d}"  # from the row id: concurrent openings never collide
    session.flush()
    more = {"programme_ref": ref, "phase": phase, "collective_converted": converted,
            "conversion_motion_id": case.conversion_motion_id} if p.phased or p.requires_conversion else {}
    also = (subjects.motion(case.conversion_motion_id),) if case.conversion_motion_id else ()
    append_event(session, module=MODULE, event_type="case_opened", subject=subjects.entry_case(case.id), actor=actor,
                 payload={"case": case.number, "to": case.status, "purpose": p.name,
                          "land_use_class": parcel.land_use_class, **more}, also=_also(case, *also))
    return case


def issue_conditions(session: Session, *, case_id: int, land_use: str, indicators: dict[str, Any],
                     industry_requirements: str, environment_requirements: str, actor: str) -> EntryCase:
    """The natural-resources bureau issues the parcel's planning conditions; the case snapshots them."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "issue_conditions")
    rules.check_use_for_purpose(land_use, entry_rules().purpose(case.purpose))
    issued = planning.issue_conditions(session, parcel_id=case.parcel_id, land_use=land_use, indicators=indicators,
                                       industry_requirements=industry_requirements,
                                       environment_requirements=environment_requirements,
                                       validity_days=entry_rules().conditions_validity_days, actor=actor)
    case.conditions_id = issued.id
    case.conditions = planning.conditions_snapshot(issued)
    return _move(session, case, target, "conditions_issued", actor, {"conditions": case.conditions},
                 subjects.issued_conditions(issued.id))


def draft_plan(session: Session, *, case_id: int, plan: dict[str, Any], actor: str) -> EntryCase:
    """The collective drafts (or revises) the entry plan: every mandatory field, the term within the use's cap,
    the use the issued conditions permit (实施条例 art. 40)."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "draft_plan")
    r = entry_rules()
    body = json.loads(json.dumps(plan, default=str))
    if not isinstance(body.get("revenue_arrangement"), dict) and body.get("revenue_arrangement") is not None:
        raise MarketEntryError.INVALID_PLAN.error(field="revenue_arrangement")
    rules.check_plan(body, r, case.purpose)
    assert case.conditions is not None
    if body["land_use"] != case.conditions["land_use"]:
        raise MarketEntryError.USE_NOT_PERMITTED.error(land_use=body["land_use"])
    if body["conditions"] != case.conditions["number"]:
        raise MarketEntryError.CONDITIONS_NOT_VALID.error(conditions_id=str(body["conditions"]))
    _money(body["floor_price"], "floor_price")
    case.plan = body
    case.council_meeting_id = None
    case.motion_id = None
    case.equity_motion_id = None
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return _move(session, case, target, "plan_drafted", actor, {"plan_sha256": digest, "method": body["method"],
                                                               "term_years": body["term_years"]})


def consult_council(session: Session, *, case_id: int, held_at: datetime, attendees: int, opinion: str,
                    actor: str) -> EntryCase:
    """Record the villagers' affairs council's consultation on the plan (村民事务理事会), before the vote."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "consult_council")
    meeting = collective.consult_affairs_council(session, collective_id=case.collective_id, subject_ref=case.number,
                                                 held_at=held_at, attendees=attendees, opinion=opinion, actor=actor)
    case.council_meeting_id = meeting.id
    return _move(session, case, target, "council_consulted", actor, {"meeting_id": meeting.id},
                 subjects.meeting(meeting.id))


EQUITY_KIND = "equity_contribution"  # the collective's motion kind of 作价入股 (collective rule set motion_kinds)


def record_vote(session: Session, *, case_id: int, motion_id: int, actor: str,
                equity_motion_id: int | None = None) -> EntryCase:
    """The members' consent: a sealed ``market_entry_consent`` motion on this case, passed at two thirds.

    A plan by contribution as equity (作价入股) needs a second decision of the members, their sealed
    ``equity_contribution`` motion on this case (``equity_motion_id``, passed as sealed at that kind's threshold
    and at the consent's), which the collective's books cite when the contribution is recorded at the confirmed result
    (``deal.confirm_result``). Two motions, not one of another kind: the consent motion stays the entry's decision
    for every method (the revenue distribution cites it as ``market_entry_consent``), and the equity motion is
    the one ``collective.contribute_land_equity`` requires. A plan by grant or lease takes no equity motion."""
    case = get_case(session, case_id, lock=True)
    if case.status == CaseState.plan_drafted:
        raise MarketEntryError.COUNCIL_NOT_CONSULTED.error()
    target = rules.transition(case.status, "record_vote")
    motion = collective.get_motion(session, motion_id)
    if (motion.collective_id != case.collective_id or motion.kind != "market_entry_consent"
            or motion.subject_ref != case.number):
        raise MarketEntryError.WRONG_MOTION.error(motion_id=motion_id)
    threshold = entry_rules().consent_threshold
    verdict = collective.vote_verdict(session, motion_id, threshold)
    if not verdict.passed:
        raise MarketEntryError.VOTE_NOT_PASSED.error(motion_id=motion_id, reason=verdict.reason or "short",
                                                     yes=verdict.yes, roster_size=verdict.roster_size)
    assert case.plan is not None
    equity: dict[str, Any] = {}
    if case.plan.get("method") == "equity":
        equity = _equity_motion(session, case, equity_motion_id, threshold)
    elif equity_motion_id is not None:
        raise MarketEntryError.EQUITY_MOTION_NOT_FOR_METHOD.error(method=str(case.plan.get("method")))
    case.motion_id = motion.id
    case.equity_motion_id = equity_motion_id if equity else None
    also = (subjects.motion(equity_motion_id),) if equity and equity_motion_id else ()
    return _move(session, case, target, "vote_recorded", actor,
                 {"motion_id": motion.id, "yes": verdict.yes, "roster_size": verdict.roster_size,
                  "seal_ledger_seq": verdict.seal_ledger_seq, **equity}, subjects.motion(motion.id), *also)


def _equity_motion(session: Session, case: EntryCase, motion_id: int | None, threshold: str) -> dict[str, Any]:
    """The members' passed ``equity_contribution`` motion on this case, as the vote's event cites it."""
    if motion_id is None:
        raise MarketEntryError.EQUITY_MOTION_REQUIRED.error()
    motion = collective.get_motion(session, motion_id)
    if motion.collective_id != case.collective_id or motion.kind != EQUITY_KIND or motion.subject_ref != case.number:
        raise MarketEntryError.WRONG_EQUITY_MOTION.error(motion_id=motion_id)
    # passed as sealed (at the motion's own threshold) and at the consent's threshold too (vote_verdict)
    verdict = collective.vote_verdict(session, motion_id, threshold)
    if not verdict.passed:
        raise MarketEntryError.EQUITY_MOTION_NOT_PASSED.error(motion_id=motion_id, reason=verdict.reason or "short")
    return {"equity_motion_id": motion_id, "equity_yes": verdict.yes,
            "equity_seal_ledger_seq": verdict.seal_ledger_seq}


# --- the county --------------------------------------------------------------------------------

def file_with_county(session: Session, *, case_id: int, transaction_on: date, actor: str) -> EntryCase:
    """File the plan and the collective's opinion with the county ≥ the lead working days before the
    transaction; the objection window (public notice) opens."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "file")
    r = entry_rules()
    filed = today()
    rules.check_filing(filed, transaction_on, r, add_workdays)
    if r.purpose(case.purpose).phased:
        assert case.programme_ref is not None and case.phase is not None
        previous = session.execute(select(EntryCase.status).where(
            EntryCase.collective_id == case.collective_id, EntryCase.programme_ref == case.programme_ref,
            EntryCase.phase == case.phase - 1)).scalars().all()
        rules.check_phase_order(case.programme_ref, case.phase, list(previous), r)
    case.filed_on = filed
    case.transaction_on = transaction_on
    case.objection_closes_on = add_workdays(filed, r.objection_window_workdays)
    case.objection, case.objection_status = None, None
    return _move(session, case, target, "case_filed", actor,
                 {"filed_on": filed, "transaction_on": transaction_on,
                  "objection_closes_on": case.objection_closes_on})


def lodge_objection(session: Session, *, case_id: int, text: str, actor: str) -> EntryCase:
    """An objection to the filed plan, inside the objection window only."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "lodge_objection")
    assert case.objection_closes_on is not None
    if not rules.objection_window_open(today(), case.objection_closes_on):
        raise MarketEntryError.OBJECTION_WINDOW_CLOSED.error(closes_on=case.objection_closes_on.isoformat())
    if case.objection_status == "pending":
        raise MarketEntryError.OBJECTION_PENDING.error()
    case.objection = _text(text, "objection")
    case.objection_status = "pending"
    return _move(session, case, target, "objection_lodged", actor,
                 {"objection_sha256": hashlib.sha256(case.objection.encode()).hexdigest()})


def rule_objection(session: Session, *, case_id: int, uphold: bool, reason: str, actor: str) -> EntryCase:
    """The county upholds the objection (the plan goes back for revision) or rejects it (the filing stands)."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "uphold_objection" if uphold else "reject_objection")
    if case.objection_status != "pending":
        raise MarketEntryError.NO_OBJECTION.error()
    case.objection_status = "upheld" if uphold else "rejected"
    return _move(session, case, target, "objection_upheld" if uphold else "objection_rejected", actor,
                 {"reason": _text(reason, "reason")})


def clear(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """No objection stands once the window has closed: the plan is cleared for listing."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "clear")
    assert case.objection_closes_on is not None
    if rules.objection_window_open(today(), case.objection_closes_on):
        raise MarketEntryError.OBJECTION_WINDOW_OPEN.error(closes_on=case.objection_closes_on.isoformat())
    if case.objection_status == "pending":
        raise MarketEntryError.OBJECTION_PENDING.error()
    return _move(session, case, target, "case_cleared", actor, {})


# --- the exchange -------------------------------------------------------------------------------

def _term(case: EntryCase, start: date) -> tuple[date, date]:
    assert case.plan is not None
    years = int(case.plan["term_years"])
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return start, end - timedelta(days=1)


def list_on_exchange(session: Session, *, case_id: int, start_price: Decimal | str, appraised_value: Decimal | str,
                     appraisal_ref: str, starts_at: datetime, actor: str) -> EntryCase:
    """Create and publish the exchange lot at a start price that passes the floor check; the transaction may
    not start before the filing's lead time has run."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "list")
    assert case.plan is not None and case.filed_on is not None
    r = entry_rules()
    start, appraised = _money(start_price, "start_price"), _money(appraised_value, "appraised_value")
    # the floor rests on the higher of the appraisal report and the platform's own mass appraisal of the parcel
    # (valuation's newest completed run), so a low report cannot take the land below what valuation supports
    platform = valuation.collateral_value(session, case.parcel_id)
    basis = max(appraised, platform.value_cny) if platform is not None else appraised
    floor = rules.check_floor(start, basis, str(case.plan["land_use"]), r)
    starts = ensure_utc(starts_at)
    rules.check_filing(case.filed_on, to_local(starts).date(), r, add_workdays)
    term_start, term_end = _term(case, to_local(starts).date())
    lot = exchange.create_lot(
        session, actor=actor, kind=LOT_KIND, title=f"{case.number} 集体经营性建设用地使用权",
        region_code=case.region_code,
        starts_at=starts, start_price=start, unit_id=case.unit_id, right_id=case.right_id,
        seller_party_id=case.collective_party_id, term_start=term_start, term_end=term_end, appraised_value=appraised,
        description=f"入市案件 {case.number}；规划条件 {case.conditions['number'] if case.conditions else ''}",
        method=str(case.plan["transaction_method"]))
    # the lot hands over a NEW termed right in the buyer's name (grant, lease or equity), not the collective's own
    exchange.set_entry_terms(session, lot_id=lot.id, method=str(case.plan["method"]),
                             term_years=int(case.plan["term_years"]), actor=actor,
                             grade=case.plan.get("land_grade"), equity_share=case.plan.get("equity_share"),
                             land_use=rules.use_category(str(case.plan["land_use"]), r.use_categories),
                             term_start=term_start, plan_ref=case.number)
    exchange.publish_lot(session, lot_id=lot.id, actor=actor)
    case.lot_id, case.listed_at, case.attempts = lot.id, now(), case.attempts + 1
    case.appraised_value_cny, case.appraisal_ref, case.floor_price_cny, case.start_price_cny = (
        appraised, _text(appraisal_ref, "appraisal_ref", 120), floor, start)
    return _move(session, case, target, "case_listed", actor,
                 {"lot_id": lot.id, "start_price_cny": start, "floor_price_cny": floor,
                  "appraised_value_cny": appraised, "appraisal_ref": case.appraisal_ref,
                  "platform_value_cny": platform.value_cny if platform is not None else None,
                  "platform_run_no": platform.run_no if platform is not None else None}, subjects.lot(lot.id))


def _lot_phase(session: Session, case: EntryCase) -> str:
    if case.lot_id is None:
        return "none"
    return str(exchange.get_lot(session, case.lot_id).phase)


def mark_unsuccessful(session: Session, *, case_id: int, actor: str) -> EntryCase:
    """The lot ended without a deal (流拍), as the exchange says."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "mark_unsuccessful")
    phase = _lot_phase(session, case)
    if phase != "unsuccessful":
        raise MarketEntryError.LOT_NOT_DECIDED.error(phase=phase)
    return _move(session, case, target, "case_unsuccessful", actor, {"lot_id": case.lot_id}, *_lot_also(case))


def relist(session: Session, *, case_id: int, starts_at: datetime, actor: str) -> EntryCase:
    """Re-list an unsuccessful lot as a new attempt at the exchange's re-listing price, still above the floor."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "relist")
    assert case.lot_id is not None and case.appraised_value_cny is not None and case.plan is not None
    new = exchange.relist_lot(session, lot_id=case.lot_id, actor=actor, starts_at=ensure_utc(starts_at))
    rules.check_floor(new.start_price_cny, case.appraised_value_cny, str(case.plan["land_use"]), entry_rules())
    exchange.publish_lot(session, lot_id=new.id, actor=actor)
    previous = case.lot_id
    case.lot_id, case.start_price_cny, case.attempts, case.listed_at = new.id, new.start_price_cny, \
        case.attempts + 1, now()
    return _move(session, case, target, "case_relisted", actor,
                 {"lot_id": new.id, "previous_lot_id": previous, "start_price_cny": new.start_price_cny},
                 subjects.lot(new.id), subjects.lot(previous))


def suspend(session: Session, *, case_id: int, reason: str, actor: str) -> EntryCase:
    """Suspend the entry (judicial or discipline order, condition change, force majeure)."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "suspend")
    return _move(session, case, target, "case_suspended", actor, {"reason": _text(reason, "reason")},
                 *_lot_also(case))


def resume(session: Session, *, case_id: int, reason: str, actor: str) -> EntryCase:
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "resume")
    return _move(session, case, target, "case_resumed", actor, {"reason": _text(reason, "reason")}, *_lot_also(case))


def _cancel_lot(session: Session, case: EntryCase, reason: str, actor: str) -> None:
    """Cancel the case's live lot; the exchange refuses once bidding has started (its own transition check)."""
    if case.lot_id is not None and _lot_phase(session, case) not in {"unsuccessful", "cancelled"}:
        exchange.cancel_lot(session, lot_id=case.lot_id, actor=actor, reason=reason)


def terminate(session: Session, *, case_id: int, reason: str, actor: str) -> EntryCase:
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "terminate")
    why = _text(reason, "reason", 300)
    _cancel_lot(session, case, why, actor)
    return _move(session, case, target, "case_terminated", actor, {"reason": why}, *_lot_also(case))


def withdraw(session: Session, *, case_id: int, reason: str, actor: str) -> EntryCase:
    """The collective withdraws the entry before a deal (撤回)."""
    case = get_case(session, case_id, lock=True)
    target = rules.transition(case.status, "withdraw")
    why = _text(reason, "reason", 300)
    _cancel_lot(session, case, why, actor)
    case.withdrawals += 1
    return _move(session, case, target, "case_withdrawn", actor, {"reason": why}, *_lot_also(case))

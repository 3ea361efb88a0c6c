"""The member roll (C1, C2): admission, loss and transfer between collectives with grounds and evidence,
and seats among the representatives, on the board and on the supervisory board.

One person is on one collective's roll at a time: a partial unique index on active rows refuses a
second, so two concurrent admissions of the same person cannot both succeed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.collective import queries, rules
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    AdmissionGround,
    Body,
    Collective,
    LossGround,
    Member,
    MemberStatus,
    Seat,
    SeatRole,
)
from landbridge.collective.service._common import collective_rules, fit, need_text, record, require_active
from landbridge.collective.service.votes import require_resolution
from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.ledger import subjects


def person_birth_date(session: Session, party_id: int) -> date | None:
    """A person party's birth date from their resident ID; refuses parties that are not persons."""
    party = registry.get_party(session, party_id)
    if party.kind != "person":
        raise CollectiveError.MEMBER_NOT_A_PERSON.error(party_id=party_id)
    return rules.birth_date_from_resident_id(party.id_number)


def check_household(session: Session, household_party_id: int | None) -> None:
    if household_party_id is not None and registry.get_party(session, household_party_id).kind != "group":
        raise CollectiveError.HOUSEHOLD_NOT_A_GROUP.error(party_id=household_party_id)


def _ground(value: str) -> AdmissionGround:
    try:
        return AdmissionGround(value)
    except ValueError:
        raise CollectiveError.INVALID_GROUND.error({"value": value}) from None


def already_member(existing_collective_id: int | None) -> DomainError:
    return CollectiveError.ALREADY_MEMBER_2.error(collective_id=existing_collective_id)


def _insert_member(session: Session, member: Member) -> Member:
    existing = queries.find_active_membership(session, member.party_id)
    if existing is not None:
        raise already_member(existing.collective_id)
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        raise already_member(None) from None
    return member


def admit_member(session: Session, *, collective_id: int, party_id: int, ground: str, admitted_on: date,
                 evidence: str | None = None, household_party_id: int | None = None, farm_since: date | None = None,
                 motion_id: int | None = None, resolution_ref: str | None = None, actor: str) -> Member:
    """Admit a person to the roll (成员身份确认) with ground and evidence; some grounds need a decision (C1)."""
    collective = queries.get_collective(session, collective_id, lock=True)
    require_active(collective)
    kind = _ground(ground)
    if kind is not AdmissionGround.original:
        evidence = need_text(evidence, CollectiveError.EVIDENCE_REQUIRED_2, field="evidence")
    evidence = fit(evidence, 300, "evidence")
    decision: dict[str, Any] = {}
    if kind.value in collective_rules().admission_grounds_needing_resolution:
        decision = require_resolution(session, collective_id=collective.id, kind="membership", motion_id=motion_id,
                                      resolution_ref=resolution_ref)
    birth = person_birth_date(session, party_id)
    check_household(session, household_party_id)
    member = _insert_member(session, Member(
        collective_id=collective.id, party_id=party_id, household_party_id=household_party_id,
        region_code=collective.region_code, status=MemberStatus.active, birth_date=birth, farm_since=farm_since,
        admitted_on=admitted_on, admission_ground=kind.value, admission_evidence=evidence,
        admission_motion_id=motion_id, created_at=now(), version=1))
    record(session, event_type="member_admitted", subject=subjects.member(member.id), actor=actor,
           payload={"collective_id": collective.id, "party_id": party_id, "household_party_id": household_party_id,
                    "ground": kind.value, "evidence": evidence, "admitted_on": admitted_on, **decision})
    return member


def _end_seats(session: Session, member_id: int, ended_on: date) -> list[int]:
    ids = list(session.execute(select(Seat.id).where(Seat.member_id == member_id, Seat.status == "active")).scalars())
    if ids:
        session.execute(update(Seat).where(Seat.id.in_(ids)).values(status="ended", ended_on=ended_on))
    return ids


def end_membership(session: Session, *, member_id: int, ground: str, ended_on: date, evidence: str,
                   actor: str) -> Member:
    """Record the loss of membership (成员身份丧失) on a ground with evidence; seats end with it (C1).

    Shares already quantified stay in their account (static management, 生不增死不减) until
    inherited or transferred.
    """
    member = queries.get_member(session, member_id, lock=True)
    if member.status != MemberStatus.active:
        raise CollectiveError.MEMBER_NOT_ACTIVE.error()
    try:
        loss = LossGround(ground)
    except ValueError:
        raise CollectiveError.INVALID_GROUND_2.error({"ground": ground}) from None
    if loss is LossGround.transferred:
        raise CollectiveError.USE_TRANSFER.error()
    if ended_on < member.admitted_on:
        raise CollectiveError.ENDED_BEFORE_ADMITTED.error()
    member.status = MemberStatus.lost
    member.ended_on = ended_on
    member.end_ground = loss.value
    member.end_evidence = need_text(evidence, CollectiveError.EVIDENCE_REQUIRED)
    member.version += 1
    seats = _end_seats(session, member.id, ended_on)
    session.flush()
    record(session, event_type="membership_ended", subject=subjects.member(member.id), actor=actor,
           payload={"collective_id": member.collective_id, "party_id": member.party_id, "ground": loss.value,
                    "evidence": member.end_evidence, "ended_on": ended_on, "seats_ended": seats})
    return member


def transfer_member(session: Session, *, member_id: int, to_collective_id: int, transferred_on: date, evidence: str,
                    household_party_id: int | None = None, actor: str) -> Member:
    """Move a member from one collective's roll to another's in one step (成员转移): never on two rolls (C1)."""
    source = queries.get_member(session, member_id)
    if source.collective_id == to_collective_id:
        raise CollectiveError.SAME_COLLECTIVE.error()
    for cid in sorted((source.collective_id, to_collective_id)):  # fixed lock order
        queries.get_collective(session, cid, lock=True)
    target: Collective = queries.get_collective(session, to_collective_id)
    require_active(target)
    source = queries.get_member(session, member_id, lock=True)
    if source.status != MemberStatus.active:
        raise CollectiveError.MEMBER_NOT_ACTIVE.error()
    text = need_text(evidence, CollectiveError.EVIDENCE_REQUIRED)
    check_household(session, household_party_id)
    source.status = MemberStatus.transferred
    source.ended_on = transferred_on
    source.end_ground = LossGround.transferred.value
    source.end_evidence = text
    source.version += 1
    seats = _end_seats(session, source.id, transferred_on)
    session.flush()
    member = _insert_member(session, Member(
        collective_id=target.id, party_id=source.party_id, household_party_id=household_party_id,
        region_code=target.region_code, status=MemberStatus.active, birth_date=source.birth_date,
        farm_since=source.farm_since, admitted_on=transferred_on, admission_ground=AdmissionGround.transfer_in.value,
        admission_evidence=text, created_at=now(), version=1))
    source.successor_member_id = member.id
    session.flush()
    record(session, event_type="member_transferred", subject=subjects.member(source.id), actor=actor,
           payload={"from_collective_id": source.collective_id, "to_collective_id": target.id,
                    "party_id": source.party_id, "new_member_id": member.id, "evidence": text,
                    "transferred_on": transferred_on, "seats_ended": seats})
    return member


def appoint_seat(session: Session, *, collective_id: int, member_id: int, body: str, started_on: date,
                 role: str = "member", actor: str) -> Seat:
    """Seat a member among the representatives (成员代表), on the board (理事会) or supervisory board (监事会) (C1)."""
    queries.get_collective(session, collective_id, lock=True)
    member = queries.get_member(session, member_id)
    if member.collective_id != collective_id or member.status != MemberStatus.active:
        raise CollectiveError.NOT_A_MEMBER.error()
    if body not in rules.SEAT_BODIES:
        raise CollectiveError.INVALID_BODY.error({"body": body})
    try:
        seat_role = SeatRole(role)
    except ValueError:
        raise CollectiveError.INVALID_ROLE.error({"role": role}) from None
    active = list(session.execute(select(Seat).where(Seat.collective_id == collective_id, Seat.status == "active")
                                  ).scalars())
    if any(s.member_id == member_id and s.body == body for s in active):
        raise CollectiveError.SEAT_EXISTS.error()
    exclusive = {Body.board.value: Body.supervisory_board.value, Body.supervisory_board.value: Body.board.value}
    if (collective_rules().board_supervisory_exclusive and body in exclusive
            and any(s.member_id == member_id and s.body == exclusive[body] for s in active)):
        raise CollectiveError.BOARD_SUPERVISORY_CONFLICT.error()
    if seat_role is SeatRole.chair and any(s.body == body and s.role == SeatRole.chair for s in active):
        raise CollectiveError.CHAIR_TAKEN.error()
    seat = Seat(collective_id=collective_id, body=body, member_id=member_id, role=seat_role.value, status="active",
                started_on=started_on, created_at=now())
    try:
        with session.begin_nested():
            session.add(seat)
            session.flush()
    except IntegrityError:
        raise CollectiveError.SEAT_EXISTS.error() from None
    record(session, event_type="seat_appointed", subject=subjects.seat(seat.id), actor=actor,
           payload={"collective_id": collective_id, "member_id": member_id, "body": body, "role": seat_role.value,
                    "started_on": started_on})
    return seat


def end_seat(session: Session, *, seat_id: int, ended_on: date, actor: str) -> Seat:
    """End a seat (任期届满 / 罢免)."""
    seat = queries.get_seat(session, seat_id, lock=True)
    if seat.status != "active":
        raise CollectiveError.SEAT_NOT_ACTIVE.error()
    seat.status = "ended"
    seat.ended_on = ended_on
    session.flush()
    record(session, event_type="seat_ended", subject=subjects.seat(seat.id), actor=actor,
           payload={"collective_id": seat.collective_id, "member_id": seat.member_id, "ended_on": ended_on})
    return seat

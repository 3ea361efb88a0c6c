"""The organisation and its roll: register and read a collective, admit, transfer and end members, seats (C1).

Part of the collective JSON API (``landbridge.collective.views``, /api/v1/collective); split by section (issue #14).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, check_region
from landbridge.collective import queries, service
from landbridge.collective.models import Collective
from landbridge.collective.schemas import (
    CollectiveCreate,
    CollectiveRead,
    MemberCreate,
    MemberEnd,
    MemberPage,
    MemberRead,
    MemberTransferIn,
    SeatCreate,
    SeatEnd,
    SeatRead,
)
from landbridge.collective.views.access import (
    clerk,
    keeps,
    member_read,
    owned,
    page_limit,
    readable,
    reader,
    registrar_of_collectives,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


# --- the organisation ---------------------------------------------------------------------------

@router.post("/collectives", response_model=CollectiveRead, status_code=201)
def create_collective(body: CollectiveCreate, principal: Principal = Depends(registrar_of_collectives),
                      session: Session = Depends(get_session)) -> Collective:
    """Register a collective economic organisation for a village (C1)."""
    check_region(principal, body.region_code)
    return service.create_collective(session, party_id=body.party_id, region_code=body.region_code, name=body.name,
                                     organisation_id=body.organisation_id,
                                     village_committee_party_id=body.village_committee_party_id,
                                     actor=principal.actor)


@router.get("/collectives/{collective_id}", response_model=CollectiveRead)
def read_collective(collective_id: int, principal: Principal = Depends(reader),
                    session: Session = Depends(get_session)) -> Collective:
    """A collective (C1)."""
    return readable(session, principal, collective_id)


# --- the roll -------------------------------------------------------------------------------------

@router.get("/collectives/{collective_id}/members", response_model=MemberPage)
def list_members(collective_id: int, status: str | None = Query(default=None, max_length=16),
                 limit: int = Query(100, ge=1), offset: int = Query(0, ge=0),
                 principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> MemberPage:
    """The member roll (成员名册), a page at a time; ID numbers are masked except for the collective's clerk (C1)."""
    collective = readable(session, principal, collective_id)
    limit = page_limit(limit)
    rows, total = queries.list_members(session, collective.id, status=status, limit=limit, offset=offset)
    full = keeps(principal, collective)
    # the roll shows members' names whole to those who keep or oversee it: each such read is recorded (issue #12)
    registry.record_party_reads(session, principal, {m.party_id for m in rows}, purpose="collective.member_roll")
    return MemberPage(items=[member_read(session, m, full_id=full) for m in rows], total=total, limit=limit,
                      offset=offset)


@router.post("/collectives/{collective_id}/members", response_model=MemberRead, status_code=201)
def admit_member(collective_id: int, body: MemberCreate, principal: Principal = Depends(clerk),
                 session: Session = Depends(get_session)) -> MemberRead:
    """Admit a person to the roll on a ground with evidence (C1)."""
    collective = owned(session, principal, collective_id)
    member = service.admit_member(session, collective_id=collective.id, party_id=body.party_id, ground=body.ground,
                                  admitted_on=body.admitted_on, evidence=body.evidence,
                                  household_party_id=body.household_party_id, farm_since=body.farm_since,
                                  motion_id=body.motion_id, resolution_ref=body.resolution_ref, actor=principal.actor)
    return member_read(session, member, full_id=True)


@router.post("/collectives/{collective_id}/members/transfer-in", response_model=MemberRead, status_code=201)
def transfer_in(collective_id: int, body: MemberTransferIn, principal: Principal = Depends(clerk),
                session: Session = Depends(get_session)) -> MemberRead:
    """Take a member of another collective onto this roll; their old membership ends in the same step (C1)."""
    collective = owned(session, principal, collective_id)
    member = service.transfer_member(session, member_id=body.member_id, to_collective_id=collective.id,
                                     transferred_on=body.transferred_on, evidence=body.evidence,
                                     household_party_id=body.household_party_id, actor=principal.actor)
    return member_read(session, member, full_id=True)


@router.post("/members/{member_id}/end", response_model=MemberRead)
def end_membership(member_id: int, body: MemberEnd, principal: Principal = Depends(clerk),
                   session: Session = Depends(get_session)) -> MemberRead:
    """Record the loss of membership with its ground and evidence (C1)."""
    owned(session, principal, queries.get_member(session, member_id).collective_id)
    member = service.end_membership(session, member_id=member_id, ground=body.ground, ended_on=body.ended_on,
                                    evidence=body.evidence, actor=principal.actor)
    return member_read(session, member, full_id=True)


@router.get("/collectives/{collective_id}/seats", response_model=list[SeatRead])
def list_seats(collective_id: int, principal: Principal = Depends(reader),
               session: Session = Depends(get_session)) -> list[Any]:
    """Current representatives, board and supervisory board (C1)."""
    return list(queries.list_seats(session, readable(session, principal, collective_id).id))


@router.post("/collectives/{collective_id}/seats", response_model=SeatRead, status_code=201)
def appoint_seat(collective_id: int, body: SeatCreate, principal: Principal = Depends(clerk),
                 session: Session = Depends(get_session)) -> Any:
    """Seat a member among the representatives, on the board or the supervisory board (C1)."""
    collective = owned(session, principal, collective_id)
    return service.appoint_seat(session, collective_id=collective.id, member_id=body.member_id, body=body.body,
                                role=body.role, started_on=body.started_on, actor=principal.actor)


@router.post("/seats/{seat_id}/end", response_model=SeatRead)
def end_seat(seat_id: int, body: SeatEnd, principal: Principal = Depends(clerk),
             session: Session = Depends(get_session)) -> Any:
    """End a seat (C1)."""
    owned(session, principal, queries.get_seat(session, seat_id).collective_id)
    return service.end_seat(session, seat_id=seat_id, ended_on=body.ended_on, actor=principal.actor)


"""Meetings and votes: meetings, minutes, motions, ballots, sealing, results, verdicts, public receipt checks (L3, L5).

Part of the collective JSON API (``landbridge.collective.views``, /api/v1/collective); split by section (issue #14).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role
from landbridge.collective import queries, service
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import Motion, MotionStatus, Secrecy
from landbridge.collective.schemas import (
    BallotIn,
    BallotReceiptRead,
    MeetingCreate,
    MeetingRead,
    MinutesIn,
    MotionCreate,
    MotionRead,
    NamedVoteLine,
    OpenVoteIn,
    ReceiptCheckIn,
    ReceiptCheckRead,
    ReceiptLine,
    SealedListRead,
    VerdictRead,
    VoteResultRead,
)
from landbridge.collective.views.access import (
    clerk,
    forbidden_collective,
    is_member_of,
    motion_reader,
    owned,
    readable,
    reader,
    voter,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


# --- meetings and votes ---------------------------------------------------------------------------

@router.get("/collectives/{collective_id}/meetings", response_model=list[MeetingRead])
def list_meetings(collective_id: int, principal: Principal = Depends(reader),
                  session: Session = Depends(get_session)) -> list[Any]:
    """Meetings of the three bodies, latest first (C1)."""
    return list(queries.list_meetings(session, readable(session, principal, collective_id).id))


@router.post("/collectives/{collective_id}/meetings", response_model=MeetingRead, status_code=201)
def convene_meeting(collective_id: int, body: MeetingCreate, principal: Principal = Depends(clerk),
                    session: Session = Depends(get_session)) -> Any:
    """Convene a meeting of the members' (representatives') assembly, board or supervisory board (C1)."""
    collective = owned(session, principal, collective_id)
    return service.convene_meeting(session, collective_id=collective.id, body=body.body, title=body.title,
                                   scheduled_at=body.scheduled_at, location=body.location, actor=principal.actor)


@router.post("/meetings/{meeting_id}/minutes", response_model=MeetingRead)
def record_minutes(meeting_id: int, body: MinutesIn, principal: Principal = Depends(clerk),
                   session: Session = Depends(get_session)) -> Any:
    """Attach the minutes of a meeting (C1, L3)."""
    owned(session, principal, queries.get_meeting(session, meeting_id).collective_id)
    return service.record_minutes(session, meeting_id=meeting_id, minutes=body.minutes, actor=principal.actor)


@router.post("/meetings/{meeting_id}/motions", response_model=MotionRead, status_code=201)
def create_motion(meeting_id: int, body: MotionCreate, principal: Principal = Depends(clerk),
                  session: Session = Depends(get_session)) -> Any:
    """Table a motion at a meeting; the threshold is at least the rule set's for its kind (L3)."""
    owned(session, principal, queries.get_meeting(session, meeting_id).collective_id)
    return service.create_motion(session, meeting_id=meeting_id, title=body.title, text=body.text, kind=body.kind,
                                 threshold=body.threshold, subject_ref=body.subject_ref, actor=principal.actor)


def motion_for_reader(session: Session, principal: Principal, motion_id: int) -> Motion:
    """A motion the caller may see: their collective's (clerk, member), their area's, or any (supervisor)."""
    motion = queries.get_motion(session, motion_id)
    collective = queries.get_collective(session, motion.collective_id)
    if principal.role == Role.member:
        if not is_member_of(session, principal, collective):
            raise forbidden_collective()
    else:
        readable(session, principal, collective.id)
    return motion


@router.get("/collectives/{collective_id}/motions", response_model=list[MotionRead])
def list_motions(collective_id: int, principal: Principal = Depends(reader),
                 session: Session = Depends(get_session)) -> list[Any]:
    """Motions of the collective, latest first (L3)."""
    return list(queries.list_motions(session, readable(session, principal, collective_id).id))


@router.get("/motions/{motion_id}", response_model=MotionRead)
def read_motion(motion_id: int, principal: Principal = Depends(motion_reader),
                session: Session = Depends(get_session)) -> Any:
    """A motion with its roster digest and, once sealed, its result (L3)."""
    return motion_for_reader(session, principal, motion_id)


@router.post("/motions/{motion_id}/open", response_model=MotionRead)
def open_vote(motion_id: int, body: OpenVoteIn, principal: Principal = Depends(clerk),
              session: Session = Depends(get_session)) -> Any:
    """Open the vote and freeze its roster (L3)."""
    owned(session, principal, queries.get_motion(session, motion_id).collective_id)
    return service.open_vote(session, motion_id=motion_id, closes_at=body.closes_at, actor=principal.actor)


def ballot_voter(session: Session, principal: Principal, motion: Motion, member_id: int | None) -> tuple[int, str]:
    """Who votes and how: a member online for themselves, or the clerk entering a ballot cast in person."""
    if principal.role == Role.member:
        entry = (queries.find_roster_entry(session, motion.id, party_id=principal.party_id)
                 if principal.party_id is not None else None)
        if entry is None:
            raise CollectiveError.NOT_ON_ROSTER.error()
        if member_id is not None and member_id != entry.member_id:
            raise CollectiveError.NOT_YOUR_BALLOT.error()
        return entry.member_id, "online"
    owned(session, principal, motion.collective_id)
    if member_id is None:
        raise CollectiveError.VOTER_REQUIRED.error()
    return member_id, "in_person"


@router.post("/motions/{motion_id}/ballots", response_model=BallotReceiptRead, status_code=201)
def cast_ballot(motion_id: int, body: BallotIn, principal: Principal = Depends(voter),
                session: Session = Depends(get_session)) -> Any:
    """Cast a ballot once: a member online, or the clerk for a member present in person; the answer carries the
    receipt, shown this once (L3, issue #12 item 2)."""
    motion = queries.get_motion(session, motion_id)
    member_id, channel = ballot_voter(session, principal, motion, body.member_id)
    receipt = service.cast_ballot(session, motion_id=motion_id, member_id=member_id, choice=body.choice,
                                  channel=channel, actor=principal.actor)
    return BallotReceiptRead(**receipt.__dict__)


@router.post("/motions/{motion_id}/seal", response_model=MotionRead)
def seal_vote(motion_id: int, principal: Principal = Depends(clerk),
              session: Session = Depends(get_session)) -> Any:
    """Close the vote, count and seal the result in the ledger (L3)."""
    owned(session, principal, queries.get_motion(session, motion_id).collective_id)
    return service.seal_vote(session, motion_id=motion_id, actor=principal.actor)


def vote_result(session: Session, motion: Motion) -> VoteResultRead:
    """The record of a vote for its readers: the sealed ballot list (receipt digests and choices, no voters), who
    took part (not how they voted), the choices by name only for a named vote, and the recount."""
    sealed = motion.status == MotionStatus.sealed
    verdict = service.vote_verdict(session, motion.id, motion.threshold) if sealed else None
    roster = queries.roster_of(session, motion.id)
    named = motion.secrecy == Secrecy.named
    return VoteResultRead(
        motion=MotionRead.model_validate(motion), verified=bool(verdict and verdict.verified),
        passed_as_sealed=bool(motion.passed), reason=verdict.reason if verdict else "not_sealed",
        receipts=[ReceiptLine(**b.__dict__) for b in service.sealed_ballots(session, motion.id)],
        participants=sum(1 for r in roster if r.channel is not None),
        voted_member_ids=[r.member_id for r in roster if r.channel is not None],
        roster_member_ids=[r.member_id for r in roster],
        named_votes=[NamedVoteLine(member_id=r.member_id, choice=r.named_choice) for r in roster
                     if named and r.named_choice is not None],
        recomputed_ballots_sha256=verdict.ballots_sha256 if verdict else None)


@router.get("/motions/{motion_id}/sealed-ballots", response_model=SealedListRead)
def read_sealed_ballots(motion_id: int, session: Session = Depends(get_session)) -> SealedListRead:
    """The published ballot list of a sealed vote, for anyone to recount (no login; no voter in it) (L3, P2,
    issue #12 item 2)."""
    motion = queries.get_motion(session, motion_id)
    if motion.status != MotionStatus.sealed:
        raise CollectiveError.VOTE_NOT_SEALED.error(status=motion.status)
    return SealedListRead(
        motion_id=motion.id, collective_id=motion.collective_id, kind=motion.kind, secrecy=motion.secrecy,
        roster_size=int(motion.roster_size or 0), participants=queries.participation_count(session, motion.id),
        yes=int(motion.yes_count or 0), no=int(motion.no_count or 0), abstain=int(motion.abstain_count or 0),
        passed=bool(motion.passed), ballots_sha256=motion.ballots_sha256, seal_ledger_seq=motion.seal_ledger_seq,
        ballots=[ReceiptLine(**b.__dict__) for b in service.sealed_ballots(session, motion.id)])


@router.post("/receipts/check", response_model=ReceiptCheckRead)
def check_receipt(body: ReceiptCheckIn, session: Session = Depends(get_session)) -> ReceiptCheckRead:
    """A voter checks their receipt (回执核验): counted with which choice, or still in the box; no login, and the
    answer says nothing about who voted (L3, issue #12 item 2)."""
    return ReceiptCheckRead(**service.check_receipt(session, body.receipt).__dict__)


@router.get("/motions/{motion_id}/result", response_model=VoteResultRead)
def read_result(motion_id: int, principal: Principal = Depends(motion_reader),
                session: Session = Depends(get_session)) -> VoteResultRead:
    """Everything a member needs to recount a vote and check it against the ledger (L3, P2)."""
    return vote_result(session, motion_for_reader(session, principal, motion_id))


@router.get("/motions/{motion_id}/verdict", response_model=VerdictRead)
def read_verdict(motion_id: int, threshold: str = Query(max_length=32), principal: Principal = Depends(motion_reader),
                 session: Session = Depends(get_session)) -> VerdictRead:
    """Whether a sealed, verified motion passed at a threshold (e.g. two_thirds) (L3)."""
    motion_for_reader(session, principal, motion_id)
    return service.vote_verdict(session, motion_id, threshold)


"""Collective JSON API (/api/v1/collective): roll, seats, shares, meetings and votes, books, dividends,
company conversion and land equity, and a member's own view (C1, C2, L3, L5, L8, F2).

Permissions: a collective clerk acts on the collective their organisation keeps and nothing else;
township officials register collectives and read those in their area; supervisors read everything;
a member reads their own shares, dividends and votes, casts their own ballot, and can verify every
sealed vote of their collective. Anyone, without logging in, reads a sealed vote's ballot list and checks a
receipt (issue #12 item 2). ID numbers are masked outside the clerk's own collective.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role, check_region, require_roles
from landbridge.collective import queries, service
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import Collective, Member, Motion, MotionStatus, Secrecy
from landbridge.collective.schemas import (
    AccountPage,
    AccountRead,
    AssetCreate,
    AssetRead,
    BallotIn,
    BallotReceiptRead,
    BookEntryIn,
    BookEntryRead,
    BookRead,
    CollectiveCreate,
    CollectiveRead,
    ConversionIn,
    ConversionRead,
    DividendIn,
    DividendLineRead,
    DividendRunRead,
    EquityIn,
    EquityRead,
    InheritIn,
    MeetingCreate,
    MeetingRead,
    MemberCreate,
    MemberEnd,
    MemberPage,
    MemberRead,
    MemberTransferIn,
    MeRead,
    MinutesIn,
    MotionCreate,
    MotionRead,
    MyMembership,
    NamedVoteLine,
    OpenVoteIn,
    PledgeIn,
    PledgeRead,
    QuantificationRead,
    QuantifyIn,
    ReceiptCheckIn,
    ReceiptCheckRead,
    ReceiptLine,
    ReconciliationRead,
    ReleaseIn,
    SealedListRead,
    SeatCreate,
    SeatEnd,
    SeatRead,
    ShareEntryRead,
    ShareTransferIn,
    VerdictRead,
    VoteResultRead,
)
from landbridge.config import get_settings
from landbridge.errors import DomainError, Forbidden, NotFound
from landbridge.kernel.ids import mask_id
from landbridge.ledger import Event
from landbridge.ledger.access import register_private_scope
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/collective", tags=["collective"], route_class=TransactionalRoute)

clerk = require_roles(Role.collective_clerk)
registrar_of_collectives = require_roles(Role.township_official, Role.admin)
reader = require_roles(Role.collective_clerk, Role.township_official, Role.supervisor)
voter = require_roles(Role.collective_clerk, Role.member)
motion_reader = require_roles(Role.collective_clerk, Role.township_official, Role.supervisor, Role.member)
member_only = require_roles(Role.member)


def forbidden_collective() -> DomainError:
    return CollectiveError.FORBIDDEN_COLLECTIVE.error()


def keeps(principal: Principal, collective: Collective) -> bool:
    """Whether the caller is a clerk of the organisation that keeps this collective."""
    return principal.role == Role.collective_clerk and collective.organisation_id == principal.organisation_id


def is_member_of(session: Session, principal: Principal, collective: Collective) -> bool:
    """Whether the caller is (or was) on this collective's roll."""
    return principal.role == Role.member and principal.party_id is not None and any(
        m.collective_id == collective.id for m in queries.memberships_of_party(session, principal.party_id))


def owned(session: Session, principal: Principal, collective_id: int) -> Collective:
    """The collective, if the caller is its clerk (object-level check for every write)."""
    collective = queries.get_collective(session, collective_id)
    if not keeps(principal, collective):
        raise forbidden_collective()
    return collective


def readable(session: Session, principal: Principal, collective_id: int) -> Collective:
    """The collective, if the caller keeps it, supervises, or serves its area."""
    collective = queries.get_collective(session, collective_id)
    if keeps(principal, collective) or principal.role == Role.supervisor:
        return collective
    if principal.role == Role.township_official and principal.covers_region(collective.region_code):
        return collective
    raise forbidden_collective()


def _ledger_scope(session: Session, principal: Principal, event: Event) -> bool:
    """Whether a clerk or township official may read a collective event's private part: it is their collective's."""
    kind, _, rest = (event.subject or "").partition(":")
    found = event.payload.get("collective_id", rest if kind == "collective" else None)
    if found is None or not str(found).isdigit():
        return False
    try:
        readable(session, principal, int(found))
    except (Forbidden, NotFound):
        return False
    return True


register_private_scope("collective", _ledger_scope)


def _page_limit(limit: int) -> int:
    return min(limit, get_settings().page_size_max)


def member_read(session: Session, member: Member, *, full_id: bool) -> MemberRead:
    party = registry.get_party(session, member.party_id)
    out = MemberRead.model_validate(member)
    out.name = party.name
    out.id_number = party.id_number if full_id else mask_id(party.id_number)
    return out


def account_read(session: Session, account: Any) -> AccountRead:
    out = AccountRead.model_validate(account)
    out.holder_name = registry.get_party(session, account.holder_party_id).name
    return out


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
    limit = _page_limit(limit)
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


# --- shares ---------------------------------------------------------------------------------------

@router.post("/collectives/{collective_id}/assets", response_model=AssetRead, status_code=201)
def record_asset(collective_id: int, body: AssetCreate, principal: Principal = Depends(clerk),
                 session: Session = Depends(get_session)) -> Any:
    """Enter an operating asset, marking those formed by fiscal agricultural funds (C2)."""
    collective = owned(session, principal, collective_id)
    return service.record_asset(session, collective_id=collective.id, name=body.name, category=body.category,
                                value=body.value, acquired_on=body.acquired_on,
                                from_fiscal_funds=body.from_fiscal_funds, fund_source=body.fund_source,
                                actor=principal.actor)


@router.post("/collectives/{collective_id}/quantification", response_model=QuantificationRead, status_code=201)
def quantify(collective_id: int, body: QuantifyIn, principal: Principal = Depends(clerk),
             session: Session = Depends(get_session)) -> Any:
    """Quantify operating assets into members' shares (折股量化) (C2)."""
    collective = owned(session, principal, collective_id)
    result = service.quantify_shares(session, collective_id=collective.id, base_date=body.base_date,
                                     asset_value=body.asset_value, motion_id=body.motion_id,
                                     resolution_ref=body.resolution_ref, actor=principal.actor)
    return QuantificationRead(**result.__dict__)


@router.get("/collectives/{collective_id}/accounts", response_model=AccountPage)
def list_accounts(collective_id: int, limit: int = Query(100, ge=1), offset: int = Query(0, ge=0),
                  principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> AccountPage:
    """Share accounts of the collective with their balances and pledged shares (C2)."""
    collective = readable(session, principal, collective_id)
    limit = _page_limit(limit)
    rows, total = queries.list_accounts(session, collective.id, limit=limit, offset=offset)
    registry.record_party_reads(session, principal, {a.holder_party_id for a in rows},
                                purpose="collective.share_accounts")
    return AccountPage(items=[account_read(session, a) for a in rows], total=total, limit=limit, offset=offset)


@router.get("/accounts/{account_id}/entries", response_model=list[ShareEntryRead])
def account_entries(account_id: int, principal: Principal = Depends(motion_reader),
                    session: Session = Depends(get_session)) -> list[Any]:
    """An account's share ledger (股权台账); a member sees their own accounts only (C2)."""
    account = queries.get_account(session, account_id)
    collective = queries.get_collective(session, account.collective_id)
    if principal.role == Role.member:
        mine = {a.id for m in queries.memberships_of_party(session, principal.party_id or -1)
                for a in queries.accounts_for_member(session, m)}
        if account.id not in mine:
            raise forbidden_collective()
    else:
        readable(session, principal, collective.id)
    return list(queries.account_entries(session, account.id))


@router.get("/collectives/{collective_id}/reconciliation", response_model=ReconciliationRead)
def reconciliation(collective_id: int, principal: Principal = Depends(reader),
                   session: Session = Depends(get_session)) -> ReconciliationRead:
    """Share totals recomputed from balances and ledger lines (C2)."""
    rec = queries.reconcile_shares(session, readable(session, principal, collective_id).id)
    return ReconciliationRead(ok=rec.ok, **rec.__dict__)


def _account_owned(session: Session, principal: Principal, account_id: int) -> None:
    owned(session, principal, queries.get_account(session, account_id).collective_id)


@router.post("/shares/transfer", response_model=list[AccountRead])
def transfer_shares(body: ShareTransferIn, principal: Principal = Depends(clerk),
                    session: Session = Depends(get_session)) -> list[AccountRead]:
    """Transfer free shares to another member or household of the same collective (C2)."""
    _account_owned(session, principal, body.from_account_id)
    src, dst = service.transfer_shares(session, from_account_id=body.from_account_id, to_party_id=body.to_party_id,
                                       quantity=body.quantity, ground=body.ground, actor=principal.actor)
    return [account_read(session, src), account_read(session, dst)]


@router.post("/shares/inherit", response_model=list[AccountRead])
def inherit_shares(body: InheritIn, principal: Principal = Depends(clerk),
                   session: Session = Depends(get_session)) -> list[AccountRead]:
    """Pass a deceased holder's account to an heir in the collective (C2)."""
    _account_owned(session, principal, body.from_account_id)
    src, dst = service.inherit_shares(session, from_account_id=body.from_account_id, heir_party_id=body.heir_party_id,
                                      evidence=body.evidence, actor=principal.actor)
    return [account_read(session, src), account_read(session, dst)]


@router.post("/pledges", response_model=PledgeRead, status_code=201)
def pledge_shares(body: PledgeIn, principal: Principal = Depends(clerk),
                  session: Session = Depends(get_session)) -> Any:
    """Record a pledge of shares for a loan (股权质押) (C2, F2)."""
    _account_owned(session, principal, body.account_id)
    return service.pledge_shares(session, account_id=body.account_id, quantity=body.quantity,
                                 pledgee_party_id=body.pledgee_party_id, reference=body.reference,
                                 actor=principal.actor)


@router.post("/pledges/{pledge_id}/release", response_model=PledgeRead)
def release_pledge(pledge_id: int, body: ReleaseIn, principal: Principal = Depends(clerk),
                   session: Session = Depends(get_session)) -> Any:
    """Release a share pledge (F2)."""
    owned(session, principal, queries.get_pledge(session, pledge_id).collective_id)
    return service.release_pledge(session, pledge_id=pledge_id, reason=body.reason, actor=principal.actor)


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
    return VerdictRead(**service.vote_verdict(session, motion_id, threshold).__dict__)


# --- books and dividends ----------------------------------------------------------------------------

@router.get("/collectives/{collective_id}/books", response_model=list[BookRead])
def list_books(collective_id: int, principal: Principal = Depends(reader),
               session: Session = Depends(get_session)) -> list[Any]:
    """The collective's and the village committee's books, kept apart (C1)."""
    return list(queries.books_of(session, readable(session, principal, collective_id).id))


@router.post("/books/{book_id}/entries", response_model=BookEntryRead, status_code=201)
def post_entry(book_id: int, body: BookEntryIn, principal: Principal = Depends(clerk),
               session: Session = Depends(get_session)) -> Any:
    """Post an income or outgo to one book (C1)."""
    owned(session, principal, queries.get_book(session, book_id).collective_id)
    return service.record_book_entry(session, book_id=book_id, direction=body.direction, amount=body.amount,
                                     category=body.category, memo=body.memo, occurred_on=body.occurred_on,
                                     actor=principal.actor)


def run_read(session: Session, run: Any, *, lines: bool) -> DividendRunRead:
    out = DividendRunRead.model_validate(run)
    if lines:
        out.lines = [DividendLineRead.model_validate(x) for x in queries.dividend_lines(session, run.id)]
    return out


@router.post("/collectives/{collective_id}/dividends", response_model=DividendRunRead, status_code=201)
def run_dividend(collective_id: int, body: DividendIn, principal: Principal = Depends(clerk),
                 session: Session = Depends(get_session)) -> DividendRunRead:
    """Pay an amount out as dividends by shares, once per period (C2, L5)."""
    collective = owned(session, principal, collective_id)
    run = service.run_dividend(session, collective_id=collective.id, period=body.period, amount=body.amount,
                               motion_id=body.motion_id, resolution_ref=body.resolution_ref, actor=principal.actor)
    return run_read(session, run, lines=True)


@router.get("/collectives/{collective_id}/dividends", response_model=list[DividendRunRead])
def list_dividends(collective_id: int, principal: Principal = Depends(reader),
                   session: Session = Depends(get_session)) -> list[DividendRunRead]:
    """Dividend runs of the collective, latest first, without their lines (C2, L5)."""
    collective = readable(session, principal, collective_id)
    return [run_read(session, r, lines=False) for r in queries.list_dividend_runs(session, collective.id)]


@router.get("/dividends/{run_id}", response_model=DividendRunRead)
def read_dividend(run_id: int, principal: Principal = Depends(reader),
                  session: Session = Depends(get_session)) -> DividendRunRead:
    """A dividend run with its lines (C2)."""
    run = queries.get_dividend_run(session, run_id)
    readable(session, principal, run.collective_id)
    return run_read(session, run, lines=True)


# --- urban-village companies ---------------------------------------------------------------------

@router.post("/collectives/{collective_id}/conversion", response_model=ConversionRead, status_code=201)
def convert(collective_id: int, body: ConversionIn, principal: Principal = Depends(clerk),
            session: Session = Depends(get_session)) -> Any:
    """Convert the collective into a company after a passed vote (撤村改制) (L8)."""
    collective = owned(session, principal, collective_id)
    return service.convert_to_company(session, collective_id=collective.id, company_party_id=body.company_party_id,
                                      motion_id=body.motion_id, actor=principal.actor)


@router.post("/collectives/{collective_id}/equity-contributions", response_model=EquityRead, status_code=201)
def contribute_land(collective_id: int, body: EquityIn, principal: Principal = Depends(clerk),
                    session: Session = Depends(get_session)) -> Any:
    """Record land contributed to a project for equity after a passed vote (作价入股) (L8)."""
    collective = owned(session, principal, collective_id)
    try:
        share = Fraction(body.equity_share)
    except ZeroDivisionError:
        raise CollectiveError.INVALID_EQUITY_SHARE_2.error() from None
    return service.contribute_land_equity(session, collective_id=collective.id, unit_id=body.unit_id,
                                          project_name=body.project_name, project_party_id=body.project_party_id,
                                          valuation=body.valuation, equity_share=share, motion_id=body.motion_id,
                                          actor=principal.actor)


# --- a member's own view ----------------------------------------------------------------------------

def member_overview(session: Session, party_id: int) -> MeRead:
    """A member's memberships with their accounts, pledges, dividends, votes and own ballots (C2, L3)."""
    out: list[MyMembership] = []
    for member in queries.memberships_of_party(session, party_id):
        collective = queries.get_collective(session, member.collective_id)
        accounts = queries.accounts_for_member(session, member)
        ids = [a.id for a in accounts]
        dividends = queries.dividends_for_accounts(session, ids)
        motions = queries.motions_for_member(session, member)
        took_part = {m.id: queries.find_roster_entry(session, m.id, member_id=member.id) for m in motions}
        out.append(MyMembership(
            member=member_read(session, member, full_id=True), collective=CollectiveRead.model_validate(collective),
            accounts=[account_read(session, a) for a in accounts],
            pledges=[PledgeRead.model_validate(p) for p in queries.list_pledges(session, ids)],
            dividends=[DividendLineRead.model_validate(line) for _, line in dividends],
            dividend_periods={run.id: run.period for run, _ in dividends},
            motions=[MotionRead.model_validate(m) for m in motions],
            my_participation={mid: e.channel for mid, e in took_part.items()
                              if e is not None and e.channel is not None}))
    return MeRead(party_id=party_id, memberships=out)


@router.get("/me", response_model=MeRead)
def me(principal: Principal = Depends(member_only), session: Session = Depends(get_session)) -> MeRead:
    """The calling member's own shares, dividends and votes (C2, L3)."""
    if principal.party_id is None:
        raise CollectiveError.NO_PARTY.error()
    return member_overview(session, principal.party_id)

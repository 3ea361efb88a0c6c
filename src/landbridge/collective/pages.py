"""Collective pages: the clerk's desk (roll, shares, books, meetings and motions), a vote page where
the clerk opens, records and seals a vote and a member casts and verifies, and the member's own page
with shares, dividends and votes (C1, C2, L3). zh-CN by default, English with ``?lang=en``.

Every change goes through the collective service in the request's transaction; a refusal rolls the
request back and is shown as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.errors import AuthError
from landbridge.collective import queries, service
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import Collective, Motion, MotionStatus, Secrecy
from landbridge.collective.views import (
    forbidden_collective,
    is_member_of,
    keeps,
    member_overview,
    motion_for_reader,
    read_sealed_ballots,
    vote_result,
)
from landbridge.errors import DomainError
from landbridge.kernel.clock import SHANGHAI, now, to_local
from landbridge.kernel.ids import mask_id
from landbridge.ledger import history_panel, subjects
from landbridge.web.pages import PageKit, login_redirect, refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
LOCALE_DIR = Path(__file__).parent / "locale"
PAGE_ROWS = 50

BODY_LABELS = {"members_assembly": "Members' assembly", "representatives_assembly": "Representatives' assembly",
               "board": "Board", "supervisory_board": "Supervisory board"}
KIND_LABELS = {"market_entry_consent": "Consent to market entry", "share_quantification": "Share quantification",
               "conversion": "Conversion into a company", "equity_contribution": "Land contributed as equity",
               "revenue_distribution": "Revenue distribution", "membership": "Membership",
               "board_resolution": "Board resolution", "supervisory_resolution": "Supervisory resolution",
               "general": "General matter"}
STATUS_LABELS = {"draft": "Draft", "open": "Voting open", "sealed": "Sealed", "scheduled": "Scheduled",
                 "held": "Held", "active": "On the roll", "lost": "Membership lost", "transferred": "Transferred",
                 "released": "Released"}
CHOICE_LABELS = {"yes": "For", "no": "Against", "abstain": "Abstain"}
THRESHOLD_LABELS = {"two_thirds": "At least two thirds of the roster",
                    "simple_majority": "More than half of the roster"}
GROUND_LABELS = {"original": "Original member", "birth": "Birth", "marriage": "Marriage", "adoption": "Adoption",
                 "transfer_in": "Transferred in", "resettlement": "Resettlement", "other": "Members' decision"}
ENTRY_LABELS = {"issue": "Issued", "inherit_in": "Inherited in", "inherit_out": "Inherited out",
                "transfer_in": "Transferred in", "transfer_out": "Transferred out", "pledge": "Pledged",
                "release": "Pledge released"}


KIT = PageKit(locale_dir=LOCALE_DIR, labels={
    "body": BODY_LABELS, "kind": KIND_LABELS, "status": STATUS_LABELS, "choice": CHOICE_LABELS,
    "threshold": THRESHOLD_LABELS, "entry": ENTRY_LABELS, "ground": GROUND_LABELS})


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    # a voter's receipt rides in the (signed, HttpOnly) session cookie to the next page only: shown once
    receipt = request.session.pop("receipt", None)
    return KIT.page(request, template, {"fresh_receipt": receipt if isinstance(receipt, str) else None, **context},
                    status_code=status_code)


def _clerk_collective(session: Session, principal: Principal) -> Collective:
    if principal.role != Role.collective_clerk:
        raise AuthError.FORBIDDEN_ROLE.error()
    collective = queries.find_collective_of_organisation(session, principal.organisation_id)
    if collective is None:
        raise CollectiveError.NO_COLLECTIVE.error()
    return collective


def _act(request: Request, session: Session, principal: Principal | None, csrf: str, back: str,
         action: Callable[[Principal], tuple[str, str]]) -> Response:
    """Run a form action as the caller: CSRF check, the action, a message, and back to ``back``."""
    if principal is None:
        return login_redirect(request)
    return KIT.act(request, session, lambda: action(principal), back, csrf=csrf, refused=lambda exc: exc.code in (
        "web.csrf_failed", "auth.forbidden_role", "collective.forbidden_collective"))


# --- the clerk's desk ------------------------------------------------------------------------------

@router.get("/collective")
def desk(request: Request, page: int = Query(1, ge=1, le=100_000), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The clerk's desk of their collective; a member is sent to their own page (C1, C2, L3)."""
    if principal is None:
        return login_redirect(request)
    if principal.role == Role.member:
        return RedirectResponse("/collective/me", status_code=303)
    try:
        collective = _clerk_collective(session, principal)
    except DomainError as exc:
        return refuse(request, exc)
    members, member_total = queries.list_members(session, collective.id, status="active", limit=PAGE_ROWS,
                                                 offset=(page - 1) * PAGE_ROWS)
    accounts, account_total = queries.list_accounts(session, collective.id, limit=PAGE_ROWS)
    names = {p: registry.get_party(session, p).name for p in {m.party_id for m in members}
             | {a.holder_party_id for a in accounts}}
    registry.record_party_reads(session, principal, names, purpose="collective.clerk_desk")  # names shown whole
    meetings = queries.list_meetings(session, collective.id, limit=20)
    motions = queries.list_motions(session, collective.id, limit=200)
    by_meeting: dict[int, list[Motion]] = {}
    for m in motions:
        by_meeting.setdefault(m.meeting_id, []).append(m)
    return _page(request, "collective/desk.html", {
        "collective": collective, "members": members, "member_total": member_total, "accounts": accounts,
        "account_total": account_total, "names": names, "mask": mask_id,
        "id_numbers": {m.party_id: mask_id(registry.get_party(session, m.party_id).id_number) for m in members},
        "books": queries.books_of(session, collective.id), "meetings": meetings, "motions": by_meeting,
        "reconciliation": queries.reconcile_shares(session, collective.id),
        "dividends": queries.list_dividend_runs(session, collective.id),
        "kinds": list(KIND_LABELS), "bodies": list(BODY_LABELS), "page": page, "page_rows": PAGE_ROWS,
        "default_time": to_local(now()).strftime("%Y-%m-%dT%H:%M")})


def _local_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise CollectiveError.INVALID_TIME.error() from None


@router.post("/collective/meetings")
def convene(request: Request, csrf: str = Form(""), body: str = Form(""), title: str = Form(""),
            scheduled_at: str = Form(""), location: str = Form(""), session: Session = Depends(get_session),
            principal: Principal | None = Depends(optional_principal)) -> Response:
    """Convene a meeting from the desk (C1)."""
    def action(who: Principal) -> tuple[str, str]:
        collective = _clerk_collective(session, who)
        meeting = service.convene_meeting(session, collective_id=collective.id, body=body, title=title,
                                          scheduled_at=_local_time(scheduled_at), location=location or None,
                                          actor=who.actor)
        return f"已召集会议：{meeting.title}", f"meeting convened: {meeting.title}"

    return _act(request, session, principal, csrf, "/collective", action)


@router.post("/collective/meetings/{meeting_id}/motions")
def table_motion(request: Request, meeting_id: int, csrf: str = Form(""), title: str = Form(""),
                 text: str = Form(""), kind: str = Form("general"), session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """Table a motion at a meeting from the desk (L3)."""
    def action(who: Principal) -> tuple[str, str]:
        collective = _clerk_collective(session, who)
        if queries.get_meeting(session, meeting_id).collective_id != collective.id:
            raise forbidden_collective()
        motion = service.create_motion(session, meeting_id=meeting_id, title=title, text=text, kind=kind,
                                       actor=who.actor)
        return f"已提出表决事项：{motion.title}", f"motion tabled: {motion.title}"

    return _act(request, session, principal, csrf, "/collective", action)


@router.post("/collective/meetings/{meeting_id}/minutes")
def minutes(request: Request, meeting_id: int, csrf: str = Form(""), text: str = Form(""),
            session: Session = Depends(get_session),
            principal: Principal | None = Depends(optional_principal)) -> Response:
    """Attach the minutes of a meeting from the desk (C1)."""
    def action(who: Principal) -> tuple[str, str]:
        collective = _clerk_collective(session, who)
        if queries.get_meeting(session, meeting_id).collective_id != collective.id:
            raise forbidden_collective()
        service.record_minutes(session, meeting_id=meeting_id, minutes=text, actor=who.actor)
        return "会议记录已归档", "minutes recorded"

    return _act(request, session, principal, csrf, "/collective", action)


# --- the vote page ------------------------------------------------------------------------------

@router.get("/collective/motions/{motion_id}")
def motion_page(request: Request, motion_id: int, session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """A motion: the clerk opens, records in-person ballots and seals; a member votes and verifies (L3)."""
    if principal is None:
        return login_redirect(request)
    try:
        motion = motion_for_reader(session, principal, motion_id)
    except DomainError as exc:
        return refuse(request, exc)
    collective = queries.get_collective(session, motion.collective_id)
    roster = queries.roster_of(session, motion.id)
    clerk = keeps(principal, collective)
    my_entry = (queries.find_roster_entry(session, motion.id, party_id=principal.party_id)
                if principal.role == Role.member and principal.party_id is not None else None)
    names = {r.party_id: registry.get_party(session, r.party_id).name for r in roster} if clerk else {}
    if names:  # the clerk is shown the roster's names whole: each a recorded read (issue #12 item 4)
        registry.record_party_reads(session, principal, names, purpose="collective.motion_roster")
    result = vote_result(session, motion) if motion.status == MotionStatus.sealed else None
    return _page(request, "collective/motion.html", {
        "motion": motion, "collective": collective, "meeting": queries.get_meeting(session, motion.meeting_id),
        "roster": roster, "clerk": clerk, "names": names, "my_entry": my_entry, "result": result,
        "named": motion.secrecy == Secrecy.named, "voted": sum(1 for r in roster if r.channel is not None),
        "ledger_history": history_panel(session, [subjects.motion(motion.id)])})


def _motion_action(request: Request, session: Session, principal: Principal | None, csrf: str, motion_id: int,
                   action: Callable[[Principal, Motion], tuple[str, str]]) -> Response:
    def run(who: Principal) -> tuple[str, str]:
        motion = queries.get_motion(session, motion_id)
        collective = queries.get_collective(session, motion.collective_id)
        if who.role == Role.member:
            if not is_member_of(session, who, collective):
                raise forbidden_collective()
        elif not keeps(who, collective):
            raise forbidden_collective()
        return action(who, motion)

    return _act(request, session, principal, csrf, f"/collective/motions/{motion_id}", run)


def _clerk_only(who: Principal) -> None:
    if who.role != Role.collective_clerk:
        raise AuthError.FORBIDDEN_ROLE.error()


@router.post("/collective/motions/{motion_id}/open")
def open_vote(request: Request, motion_id: int, csrf: str = Form(""), session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    """Open the vote and freeze its roster (L3)."""
    def action(who: Principal, motion: Motion) -> tuple[str, str]:
        _clerk_only(who)
        opened = service.open_vote(session, motion_id=motion.id, actor=who.actor)
        return (f"表决已开始，名册 {opened.roster_size} 人已冻结",
                f"voting is open; the roster of {opened.roster_size} is frozen")

    return _motion_action(request, session, principal, csrf, motion_id, action)


@router.post("/collective/motions/{motion_id}/ballots")
def cast(request: Request, motion_id: int, csrf: str = Form(""), choice: str = Form(""), member_id: str = Form(""),
         session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """Cast a ballot: a member online for themselves, the clerk for a member present in person (L3)."""
    def action(who: Principal, motion: Motion) -> tuple[str, str]:
        if who.role == Role.member:
            entry = (queries.find_roster_entry(session, motion.id, party_id=who.party_id)
                     if who.party_id is not None else None)
            if entry is None:
                raise CollectiveError.NOT_ON_ROSTER.error()
            voter, channel = entry.member_id, "online"
        else:
            _clerk_only(who)
            if not member_id.isdigit():
                raise CollectiveError.VOTER_REQUIRED.error()
            voter, channel = int(member_id), "in_person"
        receipt = service.cast_ballot(session, motion_id=motion.id, member_id=voter, choice=choice, channel=channel,
                                      actor=who.actor)
        # the receipt is shown this once (popped by the next page) and stored nowhere in clear
        request.session["receipt"] = receipt.receipt
        return ("选票已投入票箱。请抄下您的回执（只显示这一次），表决封存后可凭回执核验",
                "your ballot is in the box. Write down your receipt (shown only this once) to check it once the "
                "vote is sealed")

    return _motion_action(request, session, principal, csrf, motion_id, action)


@router.post("/collective/motions/{motion_id}/seal")
def seal(request: Request, motion_id: int, csrf: str = Form(""), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """Close the vote, count and seal the result in the ledger (L3)."""
    def action(who: Principal, motion: Motion) -> tuple[str, str]:
        _clerk_only(who)
        sealed = service.seal_vote(session, motion_id=motion.id, actor=who.actor)
        if sealed.passed:
            return "表决结果已封存：通过", "the result is sealed: passed"
        return "表决结果已封存：未通过", "the result is sealed: not passed"

    return _motion_action(request, session, principal, csrf, motion_id, action)


# --- the member's own page --------------------------------------------------------------------------

@router.get("/collective/me")
def my_page(request: Request, session: Session = Depends(get_session),
            principal: Principal | None = Depends(optional_principal)) -> Response:
    """A member's own shares, share ledger, dividends and votes (C2, L3)."""
    if principal is None:
        return login_redirect(request)
    if principal.role != Role.member:
        return refuse(request, AuthError.FORBIDDEN_ROLE.error())
    if principal.party_id is None:
        return refuse(request, CollectiveError.NO_PARTY.error())
    overview = member_overview(session, principal.party_id)
    entries = {a.id: queries.account_entries(session, a.id) for m in overview.memberships for a in m.accounts}
    return _page(request, "collective/me.html", {"overview": overview, "entries": entries})


# --- the receipt check (anyone) -----------------------------------------------------------------------

@router.get("/collective/motions/{motion_id}/sealed")
def sealed_list_page(request: Request, motion_id: int, session: Session = Depends(get_session)) -> Response:
    """The public page of a sealed vote: the counts and the shuffled ballot list anyone can recount (L3, P2,
    issue #12 item 2); no login, no voter."""
    try:
        listed = read_sealed_ballots(motion_id, session)
    except DomainError as exc:
        return refuse(request, exc)
    return _page(request, "collective/sealed.html", {"listed": listed})


@router.get("/collective/receipt")
def receipt_page(request: Request) -> Response:
    """The receipt check page: a voter enters their receipt to see that their ballot is counted (L3, issue #12)."""
    return _page(request, "collective/receipt.html", {"check": None})


@router.post("/collective/receipt")
def receipt_check(request: Request, receipt: str = Form("", max_length=128),
                  session: Session = Depends(get_session)) -> Response:
    """Check a receipt: "counted with choice X" once the vote is sealed; nothing about who voted (issue #12)."""
    return _page(request, "collective/receipt.html", {"check": service.check_receipt(session, receipt)})

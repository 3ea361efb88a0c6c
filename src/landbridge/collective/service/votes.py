"""Meetings and votes (C1, L3): the three bodies meet, motions are voted on with a roster frozen when the
vote opens, each voter takes part once, and the result is sealed with the ledger.

Secret ballot that can still be checked (issue #12 item 2, ADR 0005 addendum): who took part is a mark on the
voter's frozen roster row (with the channel); what was chosen goes into the ballot box with a random id, the
digest of a random receipt and the choice sealed under the deployment's data key, with no voter, no channel and
no time. No stored row and no ledger event (private part included) links the two. Sealing decrypts the box,
shuffles it with a cryptographic random permutation and publishes it as the sealed ballot list of
(receipt digest, choice); the ``vote_sealed`` event carries the tally, the participation count and the list's
digest, so anyone can recount from the public list, and each voter finds their receipt in it.
A motion kind the rule set lists under ``named_vote_kinds`` is voted by name instead.
``vote_verdict`` does the same recount for other modules before they rely on a result.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.cityprofile import RulesEdited, decided_by, rules_used
from landbridge.collective import queries, rules
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    BallotBoxEntry,
    Body,
    Channel,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
    Motion,
    MotionStatus,
    RosterEntry,
    Seat,
    Secrecy,
)
from landbridge.collective.schemas import VerdictRead
from landbridge.collective.service._common import CHUNK, collective_rules, fit, need_text, record, today
from landbridge.errors import DomainError
from landbridge.kernel.clock import ensure_utc, now
from landbridge.ledger import get_event, subjects

_ROSTER: Any = RosterEntry.__table__
_BOX: Any = BallotBoxEntry.__table__
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _body(value: str) -> Body:
    try:
        return Body(value)
    except ValueError:
        raise CollectiveError.INVALID_BODY_2.error({"value": value}) from None


def convene_meeting(session: Session, *, collective_id: int, body: str, title: str, scheduled_at: datetime,
                    location: str | None = None, actor: str) -> Meeting:
    """Convene a meeting of the members' (representatives') assembly, board or supervisory board (三会, C1)."""
    collective = queries.get_collective(session, collective_id)
    meeting = Meeting(collective_id=collective.id, body=_body(body).value,
                      title=need_text(title, CollectiveError.TITLE_REQUIRED, limit=200, field="title"),
                      scheduled_at=ensure_utc(scheduled_at), location=fit(location, 200, "location"),
                      status=MeetingStatus.scheduled,
                      created_at=now(), created_by=actor)
    session.add(meeting)
    session.flush()
    record(session, event_type="meeting_convened", subject=subjects.meeting(meeting.id), actor=actor,
           payload={"collective_id": collective.id, "body": meeting.body, "title": meeting.title,
                    "scheduled_at": meeting.scheduled_at, "location": location})
    return meeting


def record_minutes(session: Session, *, meeting_id: int, minutes: str, actor: str) -> Meeting:
    """Attach the minutes (会议记录) to a meeting once; their SHA-256 goes in the ledger (C1, L3)."""
    meeting = queries.get_meeting(session, meeting_id, lock=True)
    if meeting.minutes is not None:
        raise CollectiveError.MINUTES_RECORDED.error()
    text = need_text(minutes, CollectiveError.MINUTES_REQUIRED)
    meeting.minutes = text
    meeting.minutes_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meeting.status = MeetingStatus.held
    session.flush()
    meeting.minutes_ledger_seq = record(session, event_type="minutes_recorded",
                                        subject=subjects.meeting(meeting.id), actor=actor,
                                        payload={"minutes_sha256": meeting.minutes_sha256})
    session.flush()
    return meeting


def create_motion(session: Session, *, meeting_id: int, title: str, text: str, kind: str = "general",
                  threshold: str | None = None, subject_ref: str | None = None, actor: str) -> Motion:
    """Table a motion (表决事项) at a meeting; its threshold is the rule set's minimum for the kind or stricter (L3)."""
    meeting = queries.get_meeting(session, meeting_id)
    config = collective_rules()
    chosen = rules.motion_threshold(kind, meeting.body, threshold, config.motion_kinds, config.thresholds)
    motion = Motion(collective_id=meeting.collective_id, meeting_id=meeting.id, body=meeting.body, kind=kind,
                    title=need_text(title, CollectiveError.TITLE_REQUIRED_2, limit=200, field="title"),
                    text=text.strip(), threshold=chosen.name, subject_ref=fit(subject_ref, 120, "subject_ref"),
                    secrecy=(Secrecy.named if rules.is_named_vote(kind, config.named_vote_kinds)
                             else Secrecy.secret).value,
                    status=MotionStatus.draft,
                    created_at=now(), created_by=actor, version=1)
    session.add(motion)
    session.flush()
    record(session, event_type="motion_tabled", subject=subjects.motion(motion.id), actor=actor,
           payload={"collective_id": motion.collective_id, "meeting_id": meeting.id, "body": motion.body,
                    "kind": kind, "title": motion.title,
                    "text_sha256": hashlib.sha256(motion.text.encode()).hexdigest(),
                    "threshold": chosen.name, "subject_ref": subject_ref, "secrecy": motion.secrecy})
    return motion


def _roster(session: Session, motion: Motion, day: date, voting_age: int) -> list[tuple[int, int]]:
    """(member id, party id) of everyone entitled to vote on the motion now."""
    if motion.body == Body.members_assembly:
        cutoff = rules.add_years(day, -voting_age)
        stmt = (select(Member.id, Member.party_id)
                .where(Member.collective_id == motion.collective_id, Member.status == MemberStatus.active,
                       (Member.birth_date.is_(None)) | (Member.birth_date <= cutoff)))
    else:
        stmt = (select(Member.id, Member.party_id).join(Seat, Seat.member_id == Member.id)
                .where(Seat.collective_id == motion.collective_id, Seat.body == motion.body,
                       Seat.status == "active", Member.status == MemberStatus.active))
    return sorted((int(m), int(p)) for m, p in session.execute(stmt).all())


def open_vote(session: Session, *, motion_id: int, actor: str, closes_at: datetime | None = None) -> Motion:
    """Open the vote: freeze the roster (members of voting age, or the body's seat holders) and seal its digest (L3)."""
    motion = queries.get_motion(session, motion_id, lock=True)
    if motion.status != MotionStatus.draft:
        raise CollectiveError.MOTION_NOT_DRAFT.error(status=motion.status)
    opened = now()
    if closes_at is not None and ensure_utc(closes_at) <= opened:
        raise CollectiveError.CLOSES_IN_PAST.error()
    config = collective_rules()
    voters = _roster(session, motion, today(), config.voting_age)
    if not voters:
        raise CollectiveError.EMPTY_ROSTER.error()
    for start in range(0, len(voters), CHUNK):
        session.execute(insert(_ROSTER), [{"motion_id": motion.id, "member_id": m, "party_id": p}
                                          for m, p in voters[start:start + CHUNK]])
    motion.status = MotionStatus.open
    motion.opened_at = opened
    motion.closes_at = ensure_utc(closes_at) if closes_at else None
    motion.roster_size = len(voters)
    motion.roster_sha256 = rules.roster_digest(m for m, _ in voters)
    motion.rule_version = config.effective_from.isoformat()
    motion.rule_digest = decided_by("collective", config.effective_from).digest
    motion.version += 1
    session.flush()
    motion.open_ledger_seq = record(
        session, event_type="vote_opened", subject=subjects.motion(motion.id), actor=actor,
        payload={"collective_id": motion.collective_id, "body": motion.body, "kind": motion.kind,
                 "threshold": motion.threshold, "quorum": str(config.quorums[motion.body]), "secrecy": motion.secrecy,
                 "roster_size": motion.roster_size, "roster_sha256": motion.roster_sha256,
                 "closes_at": motion.closes_at, "rule_version": motion.rule_version})
    session.flush()
    return motion


@dataclass(frozen=True)
class BallotReceipt:
    """What the voter is shown once: the receipt to find their ballot in the sealed list, and the ledger event of
    their participation (which names them and holds neither the choice nor the receipt)."""

    motion_id: int
    choice: str
    receipt: str
    channel: str
    secrecy: str
    ledger_seq: int


def _already_voted(motion_id: int) -> DomainError:
    return CollectiveError.ALREADY_VOTED.error(motion_id=motion_id)


def cast_ballot(session: Session, *, motion_id: int, member_id: int, choice: str, channel: str = "online",
                actor: str) -> BallotReceipt:
    """Cast one voter's ballot once: online by the member, or entered by the clerk for a member present (L3).

    Participation (who, by which channel) marks the voter's roster row with a conditional update the database
    applies once; the choice goes into the ballot box sealed, with a random id and a receipt digest and nothing
    about the voter (issue #12 item 2). A named vote also keeps the choice on the roster row and in the event.
    """
    motion = queries.get_motion(session, motion_id, lock=True)
    if motion.status != MotionStatus.open:
        raise CollectiveError.VOTE_NOT_OPEN.error(status=motion.status)
    if motion.closes_at is not None and now() >= ensure_utc(motion.closes_at):
        raise CollectiveError.VOTE_CLOSED.error()
    rules.check_choice(choice)
    try:
        channel_value = Channel(channel).value
    except ValueError:
        raise CollectiveError.INVALID_CHANNEL.error({"channel": channel}) from None
    entry = queries.find_roster_entry(session, motion.id, member_id=member_id)
    if entry is None:
        raise CollectiveError.NOT_ON_ROSTER_2.error()
    named = motion.secrecy == Secrecy.named
    took_part = session.execute(
        update(RosterEntry).where(RosterEntry.id == entry.id, RosterEntry.channel.is_(None))
        .values(channel=channel_value, named_choice=choice if named else None)
        .execution_options(synchronize_session=False))
    if took_part.rowcount != 1:  # type: ignore[attr-defined]
        raise _already_voted(motion.id)
    session.expire(entry)
    receipt = rules.new_receipt()
    entry_id = secrets.token_hex(16)
    sealed_choice = privacy.encrypt(choice, context=rules.box_context(motion.id, entry_id))
    session.execute(insert(_BOX), [{"id": entry_id, "motion_id": motion.id,
                                    "receipt_digest": rules.receipt_digest(receipt), "sealed_choice": sealed_choice,
                                    "choice": None, "position": None, "legacy": False}])
    participation: dict[str, Any] = {"member_id": member_id, "channel": channel_value}
    if named:
        participation["choice"] = choice
    seq = record(session, event_type="vote_participation", subject=subjects.motion(motion.id), actor=actor,
                 payload=participation)
    return BallotReceipt(motion.id, choice, receipt, channel_value, motion.secrecy, seq)


def _choice_of(entry: BallotBoxEntry) -> str:
    """The choice of a ballot in the box: in clear once published (or migrated sealed), else opened with the key."""
    if entry.choice is not None:
        return entry.choice
    if entry.sealed_choice is None:
        raise CollectiveError.BALLOT_UNREADABLE.error()
    try:
        return rules.check_choice(privacy.decrypt(entry.sealed_choice,
                                                  context=rules.box_context(entry.motion_id, entry.id)))
    except privacy.DecryptError:
        raise CollectiveError.BALLOT_UNREADABLE.error() from None


def _rules_of(motion: Motion) -> rules.CollectiveRules:
    """The collective rules a motion was opened under, refused with 409 ``rules.version_edited`` when the version
    no longer hashes to the digest stored on the motion (issue #13 item 2: tallying and deciding, L3)."""
    if not motion.rule_version:
        return collective_rules()
    day = date.fromisoformat(motion.rule_version)
    rules_used("collective", day, motion.rule_digest)
    return collective_rules(day)


def seal_vote(session: Session, *, motion_id: int, actor: str) -> Motion:
    """Close the vote, count the ballots, decide by quorum and threshold, publish the shuffled ballot list and
    seal the result in the ledger (L3, issue #12 item 2)."""
    motion = queries.get_motion(session, motion_id, lock=True)
    if motion.status != MotionStatus.open:
        raise CollectiveError.VOTE_NOT_OPEN_2.error(status=motion.status)
    config = _rules_of(motion)
    box = queries.ballot_box(session, motion.id)
    ballots = [(b.receipt_digest, _choice_of(b), b.legacy) for b in box]
    participants = queries.participation_count(session, motion.id)
    if len(ballots) != participants:
        raise CollectiveError.BALLOTS_PARTICIPATION_MISMATCH.error(ballots=len(ballots), participants=participants)
    threshold = config.threshold(motion.threshold)
    quorum = config.quorums[motion.body]
    result = rules.outcome([c for _, c, _ in ballots], int(motion.roster_size or 0), threshold, quorum)
    # the box is written anew in a cryptographically random order: neither the rows' order nor their ids
    # (fresh random ones) carry the order in which the ballots were cast
    session.execute(delete(BallotBoxEntry).where(BallotBoxEntry.motion_id == motion.id)
                    .execution_options(synchronize_session=False))
    for b in box:
        session.expunge(b)
    published = rules.shuffled(ballots)
    for start in range(0, len(published), CHUNK):
        session.execute(insert(_BOX), [
            {"id": secrets.token_hex(16), "motion_id": motion.id, "receipt_digest": digest, "sealed_choice": None,
             "choice": choice, "position": start + i, "legacy": legacy}
            for i, (digest, choice, legacy) in enumerate(published[start:start + CHUNK])])
    motion.status = MotionStatus.sealed
    motion.sealed_at = now()
    motion.yes_count, motion.no_count, motion.abstain_count = result.tally.yes, result.tally.no, result.tally.abstain
    motion.quorum_met, motion.passed = result.quorum_met, result.passed
    motion.ballots_sha256 = rules.ballots_digest((d, c) for d, c, _ in ballots)
    motion.version += 1
    session.flush()
    motion.seal_ledger_seq = record(
        session, event_type="vote_sealed", subject=subjects.motion(motion.id), actor=actor,
        payload={"collective_id": motion.collective_id, "kind": motion.kind, "subject_ref": motion.subject_ref,
                 "secrecy": motion.secrecy,
                 "threshold": threshold.name, "threshold_fraction": str(threshold.fraction),
                 "threshold_strict": threshold.strict, "quorum": str(quorum), "roster_size": result.roster_size,
                 "roster_sha256": motion.roster_sha256, "participants": participants, "ballots": result.tally.cast,
                 "yes": result.tally.yes, "no": result.tally.no, "abstain": result.tally.abstain,
                 "ballots_sha256": motion.ballots_sha256, "quorum_met": result.quorum_met, "passed": result.passed})
    session.flush()
    return motion


@dataclass(frozen=True)
class SealedBallot:
    """One line of a sealed ballot list: its place in the shuffled order, the receipt digest and the choice."""

    position: int
    receipt_digest: str
    choice: str


def sealed_ballots(session: Session, motion_id: int) -> list[SealedBallot]:
    """The published ballot list of a sealed motion, in its shuffled order (empty while the vote is open)."""
    motion = queries.get_motion(session, motion_id)
    if motion.status != MotionStatus.sealed:
        return []
    return [SealedBallot(int(b.position if b.position is not None else -1), b.receipt_digest, _choice_of(b))
            for b in queries.ballot_box(session, motion.id)]


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt tells whoever holds it: whether its ballot is counted and with which choice, nothing else."""

    status: str
    motion_id: int | None = None
    choice: str | None = None
    ballots_sha256: str | None = None
    seal_ledger_seq: int | None = None


def check_receipt(session: Session, receipt: str) -> ReceiptCheck:
    """A voter checks their receipt (回执核验): "counted with choice X" once sealed, "in the box" before; the
    answer names no one (issue #12 item 2). A migrated ballot's receipt is the old 64-hex receipt itself."""
    token = receipt.strip().lower()
    if not token or len(token) > 128:
        return ReceiptCheck("not_found")
    candidates = [rules.receipt_digest(token)]
    entry = queries.find_box_entry(session, candidates)
    if entry is None and _HEX64.match(token):
        legacy = queries.find_box_entry(session, [token])
        entry = legacy if legacy is not None and legacy.legacy else None
    if entry is None:
        return ReceiptCheck("not_found")
    motion = queries.get_motion(session, entry.motion_id)
    if motion.status != MotionStatus.sealed:
        return ReceiptCheck("in_box", motion_id=motion.id)
    return ReceiptCheck("counted", motion_id=motion.id, choice=_choice_of(entry),
                        ballots_sha256=motion.ballots_sha256, seal_ledger_seq=motion.seal_ledger_seq)


VoteVerdict = VerdictRead  # the service's name for the one verdict shape (issue #14: no twin data classes)


def vote_verdict(session: Session, motion_id: int, threshold: str) -> VoteVerdict:
    """Recount a motion and say whether it passed at ``threshold`` (e.g. "two_thirds" for market entry, L3).

    The published ballot list is recounted and its digest recomputed; both must match the motion row and the
    ``vote_sealed`` ledger event, the list must hold one ballot per voter who took part, and the roster must
    still hash to the digest frozen at opening.
    A motion passes at ``threshold`` only if it passed as sealed and its yes votes also meet ``threshold``.
    """
    motion = queries.get_motion(session, motion_id)
    config = _rules_of(motion)
    wanted = config.threshold(threshold)
    base: dict[str, Any] = {"motion_id": motion.id, "collective_id": motion.collective_id, "kind": motion.kind,
            "subject_ref": motion.subject_ref, "threshold": wanted.name}
    if motion.status != MotionStatus.sealed or motion.seal_ledger_seq is None:
        return VoteVerdict(**base, sealed=False, verified=False, passed=False, yes=0, no=0, abstain=0,
                           roster_size=int(motion.roster_size or 0), quorum_met=False, ballots_sha256=None,
                           seal_ledger_seq=None, reason="not_sealed")
    box = queries.ballot_box(session, motion.id)
    roster = queries.roster_of(session, motion.id)
    on_roster = {r.member_id for r in roster}
    participants = sum(1 for r in roster if r.channel is not None)
    sealed_payload = json.loads(get_event(session, motion.seal_ledger_seq).body)["payload"]
    published = all(b.choice is not None and b.position is not None and b.sealed_choice is None for b in box)
    listed = rules.check_ballot_list(((b.receipt_digest, _choice_of(b)) for b in box),
                                     sealed=rules.Tally(int(sealed_payload["yes"]), int(sealed_payload["no"]),
                                                        int(sealed_payload["abstain"])),
                                     participants=participants)
    count = listed.tally
    digest = listed.digest
    checks = {
        "published": published,
        "participation": listed.participation_matches
        and int(sealed_payload.get("participants", participants)) == participants,
        "roster": rules.roster_digest(on_roster) == motion.roster_sha256 == sealed_payload["roster_sha256"]
        and len(on_roster) == motion.roster_size == sealed_payload["roster_size"],
        "ballots": digest == motion.ballots_sha256 == sealed_payload["ballots_sha256"],
        "tally": listed.counts_match
        and (count.yes, count.no, count.abstain) == (motion.yes_count, motion.no_count, motion.abstain_count),
        "result": bool(motion.passed) == bool(sealed_payload["passed"]),
    }
    failed = [name for name, ok in checks.items() if not ok]
    verified = not failed
    passed = verified and bool(sealed_payload["passed"]) and wanted.met(count.yes, len(on_roster))
    return VoteVerdict(**base, sealed=True, verified=verified, passed=passed, yes=count.yes, no=count.no,
                       abstain=count.abstain, roster_size=len(on_roster), quorum_met=bool(sealed_payload["quorum_met"]),
                       ballots_sha256=digest, seal_ledger_seq=motion.seal_ledger_seq,
                       reason=("mismatch:" + ",".join(failed)) if failed else None)


def vote_passed(session: Session, motion_id: int, threshold: str) -> bool:
    """Whether a sealed, verified motion passed at ``threshold`` (other modules ask this, e.g. market entry, L3)."""
    return vote_verdict(session, motion_id, threshold).passed


def require_resolution(session: Session, *, collective_id: int, kind: str, motion_id: int | None,
                       resolution_ref: str | None) -> dict[str, Any]:
    """A decision of the members: a passed motion of ``kind`` on the platform, or a reference to a paper
    resolution made before the platform existed. Returns what the ledger event should cite."""
    if motion_id is not None:
        motion = queries.get_motion(session, motion_id)
        minimum = collective_rules().motion_kinds.get(kind, {}).get("threshold", "simple_majority")
        if motion.collective_id != collective_id or motion.kind != kind:
            raise CollectiveError.WRONG_MOTION.error({"motion_id": motion_id, "kind": kind})
        verdict = vote_verdict(session, motion_id, str(minimum))
        if not verdict.passed:
            raise CollectiveError.MOTION_NOT_PASSED.error(motion_id=motion_id, reason=verdict.reason)
        return {"motion_id": motion_id, "motion_seal_seq": verdict.seal_ledger_seq}
    if resolution_ref is not None and resolution_ref.strip():
        return {"resolution_ref": fit(resolution_ref.strip(), 200, "resolution_ref")}
    raise CollectiveError.RESOLUTION_REQUIRED.error(kind=kind)


def seal_due_votes(session: Session, *, actor: str = "system:worker") -> int:
    """Seal every open vote whose closing time has passed (idempotent: a sealed vote is not open); a vote whose
    rules were edited in place stays open, refused, and is not counted."""
    due = session.execute(select(Motion.id).where(Motion.status == MotionStatus.open, Motion.closes_at.is_not(None),
                                                  Motion.closes_at <= now()).order_by(Motion.id)).scalars().all()
    sealed = 0
    for motion_id in due:
        try:
            seal_vote(session, motion_id=motion_id, actor=actor)
        except RulesEdited:  # refused before writing anything; the others are still sealed (issue #13 item 2)
            continue
        sealed += 1
    return sealed

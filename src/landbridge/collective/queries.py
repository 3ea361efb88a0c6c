"""Collective reads: lookups that raise (``get_``) or may return None (``find_``), lists, the share
reconciliation and a member's own overview (C1, C2, L3)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    Asset,
    BallotBoxEntry,
    Book,
    BookOwner,
    Collective,
    DividendLine,
    DividendRun,
    Meeting,
    Member,
    MemberStatus,
    Motion,
    MotionStatus,
    RosterEntry,
    Seat,
    ShareAccount,
    ShareEntry,
    SharePledge,
)
from landbridge.collective.rules import VALUE_PER_SHARE_QUANTUM
from landbridge.db import for_update
from landbridge.kernel.clock import SHANGHAI, ensure_utc, to_local

T = TypeVar("T")


def _get(session: Session, model: type[T], obj_id: int, missing: CollectiveError, *, lock: bool = False) -> T:
    if lock and for_update(session):
        obj = session.execute(select(model).where(model.id == obj_id)  # type: ignore[attr-defined]
                              .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    else:
        obj = session.get(model, obj_id)
    if obj is None:
        raise missing.error({"obj_id": obj_id})
    return obj


def get_collective(session: Session, collective_id: int, *, lock: bool = False) -> Collective:
    """A collective economic organisation (农村集体经济组织) by id."""
    return _get(session, Collective, collective_id, CollectiveError.COLLECTIVE_NOT_FOUND, lock=lock)


def find_collective_by_party(session: Session, party_id: int) -> Collective | None:
    """The collective whose registry party is ``party_id``, if any."""
    return session.execute(select(Collective).where(Collective.party_id == party_id)).scalar_one_or_none()


def get_collective_by_party(session: Session, party_id: int) -> Collective:
    """The collective whose registry party is ``party_id``."""
    found = find_collective_by_party(session, party_id)
    if found is None:
        raise CollectiveError.COLLECTIVE_OF_PARTY_NOT_FOUND.error({"party_id": party_id})
    return found


def find_collective_of_organisation(session: Session, organisation_id: int) -> Collective | None:
    """The collective a clerk's organisation keeps, if any."""
    return session.execute(select(Collective).where(Collective.organisation_id == organisation_id)
                           .order_by(Collective.id).limit(1)).scalar_one_or_none()


def get_member(session: Session, member_id: int, *, lock: bool = False) -> Member:
    return _get(session, Member, member_id, CollectiveError.MEMBER_NOT_FOUND, lock=lock)


def find_active_membership(session: Session, party_id: int) -> Member | None:
    """The one active membership of a person, if any (one roll at a time)."""
    return session.execute(select(Member).where(Member.party_id == party_id,
                                                Member.status == MemberStatus.active)).scalar_one_or_none()


def get_seat(session: Session, seat_id: int, *, lock: bool = False) -> Seat:
    return _get(session, Seat, seat_id, CollectiveError.SEAT_NOT_FOUND, lock=lock)


def get_account(session: Session, account_id: int, *, lock: bool = False) -> ShareAccount:
    return _get(session, ShareAccount, account_id, CollectiveError.SHARE_ACCOUNT_NOT_FOUND, lock=lock)


def get_pledge(session: Session, pledge_id: int, *, lock: bool = False) -> SharePledge:
    return _get(session, SharePledge, pledge_id, CollectiveError.PLEDGE_NOT_FOUND, lock=lock)


def get_meeting(session: Session, meeting_id: int, *, lock: bool = False) -> Meeting:
    return _get(session, Meeting, meeting_id, CollectiveError.MEETING_NOT_FOUND, lock=lock)


def get_motion(session: Session, motion_id: int, *, lock: bool = False) -> Motion:
    return _get(session, Motion, motion_id, CollectiveError.MOTION_NOT_FOUND, lock=lock)


def get_book(session: Session, book_id: int, *, lock: bool = False) -> Book:
    return _get(session, Book, book_id, CollectiveError.BOOK_NOT_FOUND, lock=lock)


def get_dividend_run(session: Session, run_id: int) -> DividendRun:
    return _get(session, DividendRun, run_id, CollectiveError.DIVIDEND_RUN_NOT_FOUND, lock=False)


def collective_book_id(session: Session, collective_id: int) -> int | None:
    """The id of the collective's own book (集体账), None if it has none."""
    found = session.scalar(select(Book.id).where(Book.collective_id == collective_id,
                                                 Book.owner == BookOwner.collective))
    return None if found is None else int(found)


def books_of(session: Session, collective_id: int) -> list[Book]:
    return list(session.execute(select(Book).where(Book.collective_id == collective_id).order_by(Book.id)).scalars())


def list_members(session: Session, collective_id: int, *, status: str | None = None, limit: int = 100,
                 offset: int = 0) -> tuple[list[Member], int]:
    """A page of the member roll and the total count."""
    stmt = select(Member).where(Member.collective_id == collective_id)
    if status:
        stmt = stmt.where(Member.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Member.id).limit(limit).offset(offset)).scalars().all()
    return list(rows), int(total)


def list_seats(session: Session, collective_id: int, *, active_only: bool = True) -> list[Seat]:
    stmt = select(Seat).where(Seat.collective_id == collective_id)
    if active_only:
        stmt = stmt.where(Seat.status == "active")
    return list(session.execute(stmt.order_by(Seat.body, Seat.id)).scalars())


def list_accounts(session: Session, collective_id: int, *, limit: int = 100, offset: int = 0,
                  ) -> tuple[list[ShareAccount], int]:
    stmt = select(ShareAccount).where(ShareAccount.collective_id == collective_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(ShareAccount.id).limit(limit).offset(offset)).scalars().all()
    return list(rows), int(total)


def account_entries(session: Session, account_id: int) -> list[ShareEntry]:
    """An account's share ledger (股权台账), oldest first."""
    return list(session.execute(select(ShareEntry).where(ShareEntry.account_id == account_id)
                                .order_by(ShareEntry.id)).scalars())


def list_pledges(session: Session, account_ids: Sequence[int], *, active_only: bool = False) -> list[SharePledge]:
    if not account_ids:
        return []
    stmt = select(SharePledge).where(SharePledge.account_id.in_(account_ids))
    if active_only:
        stmt = stmt.where(SharePledge.status == "active")
    return list(session.execute(stmt.order_by(SharePledge.id)).scalars())


def list_meetings(session: Session, collective_id: int, *, limit: int = 50) -> list[Meeting]:
    return list(session.execute(select(Meeting).where(Meeting.collective_id == collective_id)
                                .order_by(Meeting.scheduled_at.desc(), Meeting.id.desc()).limit(limit)).scalars())


def list_motions(session: Session, collective_id: int, *, meeting_id: int | None = None, limit: int = 100,
                 ) -> list[Motion]:
    stmt = select(Motion).where(Motion.collective_id == collective_id)
    if meeting_id is not None:
        stmt = stmt.where(Motion.meeting_id == meeting_id)
    return list(session.execute(stmt.order_by(Motion.id.desc()).limit(limit)).scalars())


def passed_motions(session: Session, collective_id: int, *, kind: str, subject_ref: str, limit: int = 20,
                   ) -> list[Motion]:
    """The collective's sealed, passed motions of ``kind`` on ``subject_ref`` (e.g. a market-entry case number),
    newest first: what a step that cites the members' decision may pick from (the step re-checks the vote)."""
    return list(session.execute(select(Motion).where(
        Motion.collective_id == collective_id, Motion.kind == kind, Motion.subject_ref == subject_ref,
        Motion.status == MotionStatus.sealed, Motion.passed.is_(True)).order_by(Motion.id.desc()).limit(limit))
        .scalars())


def list_dividend_runs(session: Session, collective_id: int) -> list[DividendRun]:
    return list(session.execute(select(DividendRun).where(DividendRun.collective_id == collective_id)
                                .order_by(DividendRun.id.desc())).scalars())


def dividend_lines(session: Session, run_id: int, *, limit: int = 1000, offset: int = 0) -> list[DividendLine]:
    return list(session.execute(select(DividendLine).where(DividendLine.run_id == run_id)
                                .order_by(DividendLine.account_id).limit(limit).offset(offset)).scalars())


def roster_of(session: Session, motion_id: int) -> list[RosterEntry]:
    return list(session.execute(select(RosterEntry).where(RosterEntry.motion_id == motion_id)
                                .order_by(RosterEntry.member_id)).scalars())


def ballot_box(session: Session, motion_id: int) -> list[BallotBoxEntry]:
    """The ballot box of a motion; once sealed, the published ballot list in its shuffled order."""
    return list(session.execute(select(BallotBoxEntry).where(BallotBoxEntry.motion_id == motion_id)
                                .order_by(BallotBoxEntry.position, BallotBoxEntry.id)).scalars())


def participation_count(session: Session, motion_id: int) -> int:
    """How many voters on the frozen roster took part (participation, not choices)."""
    return int(session.execute(select(func.count()).select_from(RosterEntry)
                               .where(RosterEntry.motion_id == motion_id, RosterEntry.channel.is_not(None)))
               .scalar_one())


def find_box_entry(session: Session, receipt_digests: Sequence[str]) -> BallotBoxEntry | None:
    """The ballot whose published receipt digest is one of ``receipt_digests`` (a voter checking a receipt)."""
    return session.execute(select(BallotBoxEntry).where(BallotBoxEntry.receipt_digest.in_(list(receipt_digests)))
                           ).scalars().first()


def find_roster_entry(session: Session, motion_id: int, *, member_id: int | None = None,
                      party_id: int | None = None) -> RosterEntry | None:
    stmt = select(RosterEntry).where(RosterEntry.motion_id == motion_id)
    if member_id is not None:
        stmt = stmt.where(RosterEntry.member_id == member_id)
    if party_id is not None:
        stmt = stmt.where(RosterEntry.party_id == party_id)
    return session.execute(stmt).scalar_one_or_none()


@dataclass
class Reconciliation:
    """Share totals of a collective, recomputed three ways (C2: totals always reconcile)."""

    collective_id: int
    recorded_total: Decimal
    sum_of_balances: Decimal
    sum_of_entries: Decimal
    sum_of_pledged: Decimal
    sum_of_active_pledges: Decimal
    mismatched_accounts: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.recorded_total == self.sum_of_balances == self.sum_of_entries
                and self.sum_of_pledged == self.sum_of_active_pledges and not self.mismatched_accounts)


def reconcile_shares(session: Session, collective_id: int) -> Reconciliation:
    """Check that the collective's total equals the sum of account balances and of ledger lines, per account too."""
    collective = get_collective(session, collective_id)
    zero = Decimal("0.00")
    # SUM over a *_shares column keeps the column type, so results come back as Decimal shares.
    per_entry = {int(a): (d, p) for a, d, p in session.execute(
        select(ShareEntry.account_id, func.sum(ShareEntry.delta_shares), func.sum(ShareEntry.pledged_delta_shares))
        .where(ShareEntry.collective_id == collective_id).group_by(ShareEntry.account_id)).all()}
    accounts = session.execute(select(ShareAccount.id, ShareAccount.balance_shares, ShareAccount.pledged_shares)
                               .where(ShareAccount.collective_id == collective_id)).all()
    pledges = session.execute(select(func.sum(SharePledge.quantity_shares))
                              .where(SharePledge.collective_id == collective_id, SharePledge.status == "active")
                              ).scalar()
    mismatched: list[int] = []
    entry_total = zero
    for account_id, balance, pledged in accounts:
        delta, pledged_delta = per_entry.get(int(account_id), (None, None))
        delta_d, pledged_d = _shares(delta), _shares(pledged_delta)
        entry_total += delta_d
        if delta_d != balance or pledged_d != pledged:
            mismatched.append(int(account_id))
    return Reconciliation(
        collective_id=collective_id, recorded_total=collective.total_shares,
        sum_of_balances=sum((b for _, b, _ in accounts), zero), sum_of_entries=entry_total,
        sum_of_pledged=sum((p for _, _, p in accounts), zero), sum_of_active_pledges=_shares(pledges),
        mismatched_accounts=mismatched)


def _shares(value: Decimal | None) -> Decimal:
    return Decimal("0.00") if value is None else Decimal(value).quantize(Decimal("0.01"))


def holder_party_of(member: Member, holding_unit: str) -> int:
    """The party that holds a member's shares: their household (户内共享) or themselves."""
    if holding_unit == "household" and member.household_party_id is not None:
        return member.household_party_id
    return member.party_id


def memberships_of_party(session: Session, party_id: int) -> list[Member]:
    """Every roll entry (active or past) of a person."""
    return list(session.execute(select(Member).where(Member.party_id == party_id).order_by(Member.id)).scalars())


def accounts_for_member(session: Session, member: Member) -> list[ShareAccount]:
    """Accounts a member sees as their own: their household's and their personal one in that collective."""
    holders = [member.party_id] + ([member.household_party_id] if member.household_party_id else [])
    return list(session.execute(select(ShareAccount).where(ShareAccount.collective_id == member.collective_id,
                                                           ShareAccount.holder_party_id.in_(holders))
                                .order_by(ShareAccount.id)).scalars())


def dividends_for_accounts(session: Session, account_ids: Sequence[int]) -> list[tuple[DividendRun, DividendLine]]:
    if not account_ids:
        return []
    rows = session.execute(select(DividendRun, DividendLine).join(DividendLine, DividendLine.run_id == DividendRun.id)
                           .where(DividendLine.account_id.in_(account_ids))
                           .order_by(DividendRun.id.desc())).all()
    return [(r, line) for r, line in rows]


def motions_for_member(session: Session, member: Member, *, limit: int = 50) -> list[Motion]:
    """Motions of the member's collective that are open or on whose roster the member stands."""
    on_roster = select(RosterEntry.motion_id).where(RosterEntry.member_id == member.id)
    stmt = (select(Motion).where(Motion.collective_id == member.collective_id,
                                 or_(Motion.id.in_(on_roster), Motion.status == "sealed"))
            .order_by(Motion.id.desc()).limit(limit))
    return list(session.execute(stmt).scalars())


def book_value_per_share(session: Session, collective_id: int) -> Decimal | None:
    """账面每股净值: the collective's recorded operating assets (``collective_asset``, at book value) ÷ the shares
    issued to its accounts, to four places; None before any share is issued or while no asset is on the books."""
    assets = session.scalar(select(func.sum(Asset.value_cny)).where(Asset.collective_id == collective_id))
    issued = _shares(session.scalar(select(func.sum(ShareAccount.balance_shares))
                                    .where(ShareAccount.collective_id == collective_id)))
    if assets is None or issued <= 0:
        return None
    return (Decimal(assets) / issued).quantize(VALUE_PER_SHARE_QUANTUM)


def active_pledges(session: Session, pledge_ids: Iterable[int]) -> set[int]:
    """Which of these share pledges are still recorded (active) in the collective's share register (one read)."""
    ids = list(pledge_ids)
    if not ids:
        return set()
    return set(session.scalars(select(SharePledge.id).where(SharePledge.id.in_(ids), SharePledge.status == "active")))


def pledge_is_active(session: Session, pledge_id: int) -> bool:
    """Whether a share pledge is still recorded (active) in the collective's share register."""
    return pledge_id in active_pledges(session, [pledge_id])


def household_co_holders(session: Session, account_id: int, party_id: int) -> list[int]:
    """共有人: where the share account is held by a household, its other active members on the collective's roll
    (the co-holders whose consent a pledge of the household's shares needs); empty for a personal account."""
    account = get_account(session, account_id)
    return list(session.scalars(select(Member.party_id).where(
        Member.collective_id == account.collective_id, Member.status == MemberStatus.active,
        Member.household_party_id == account.holder_party_id, Member.party_id != party_id)
        .order_by(Member.party_id)))


def holder_in_collective(session: Session, collective_id: int, party_id: int) -> bool:
    """Whether a party is an active member of the collective or the household of one (who may acquire its shares)."""
    found = session.execute(select(func.count()).select_from(Member).where(
        Member.collective_id == collective_id, Member.status == MemberStatus.active,
        (Member.party_id == party_id) | (Member.household_party_id == party_id))).scalar()
    return bool(found)


@dataclass(frozen=True)
class DividendPaid:
    """A dividend run (分红) of a collective, distributed on ``paid_on`` (local day; the city's view, issue #19)."""

    run_id: int
    collective_id: int
    collective_name: str
    region_code: str
    period: str
    amount: Decimal
    paid_on: date


def dividends_paid(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[DividendPaid]:
    """Dividend runs made from ``start`` to ``end`` (local days, both included) by collectives of regions starting
    with ``region_prefix``, by run id."""
    low, high = (datetime.combine(d, time(), SHANGHAI).astimezone(UTC) for d in (start, end + timedelta(days=1)))
    stmt = (select(DividendRun.id, DividendRun.collective_id, Collective.name, Collective.region_code,
                   DividendRun.period, DividendRun.amount_cny, DividendRun.created_at)
            .join(Collective, Collective.id == DividendRun.collective_id)
            .where(DividendRun.created_at >= low, DividendRun.created_at < high))
    if region_prefix:
        stmt = stmt.where(Collective.region_code.startswith(region_prefix))
    return [DividendPaid(r.id, r.collective_id, r.name, r.region_code, r.period, r.amount_cny,
                         to_local(ensure_utc(r.created_at)).date())
            for r in session.execute(stmt.order_by(DividendRun.id))]

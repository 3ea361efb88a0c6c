"""Races where shares, money or votes move: threads, one transaction each, released together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from landbridge import collective
from landbridge.collective import queries
from landbridge.collective.models import BallotBoxEntry, DividendRun, Member
from landbridge.db import Database
from landbridge.errors import Conflict, DomainError
from landbridge.kernel.clock import Clock
from landbridge.registry import create_party
from tests.collective.conftest import ACTOR, OTHER_VILLAGE, Village, build_village, quantify, resident_id
from tests.collective.test_service import passed_motion
from tests.registry.test_race import race


def _funded(db: Database, village: Village, amount: str) -> int:
    with db.transaction() as s:
        quantify(s, village)
        book = next(b for b in queries.books_of(s, village.collective_id) if b.owner == "collective")
        collective.record_book_entry(s, book_id=book.id, direction="income", amount=amount,
                                     category="operating_income", memo="租金", actor=ACTOR)
        return passed_motion(s, village, "revenue_distribution")


def test_two_concurrent_dividend_runs_for_one_period_one_wins(db: Database, clock: Clock, village: Village) -> None:
    motion = _funded(db, village, "5000.00")
    results = race(db, [lambda s: collective.run_dividend(s, collective_id=village.collective_id, period="2025",
                                                          amount="1000.00", motion_id=motion, actor=ACTOR).id] * 2)
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if not isinstance(r, int)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict) and losers[0].code == "collective.dividend_period_exists"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DividendRun)) == 1
        book = next(b for b in queries.books_of(s, village.collective_id) if b.owner == "collective")
        assert book.balance_cny == Decimal("4000.00")


def test_two_runs_that_together_overdraw_the_book_one_wins(db: Database, clock: Clock, village: Village) -> None:
    motion = _funded(db, village, "1500.00")
    results = race(db, [
        lambda s, p=p: collective.run_dividend(s, collective_id=village.collective_id, period=p, amount="1000.00",
                                               motion_id=motion, actor=ACTOR).id
        for p in ("2024", "2025")])
    losers = [r for r in results if not isinstance(r, int)]
    assert len(losers) == 1 and isinstance(losers[0], Conflict), results
    assert losers[0].code == "collective.insufficient_funds"
    with db.transaction() as s:
        book = next(b for b in queries.books_of(s, village.collective_id) if b.owner == "collective")
        assert book.balance_cny == Decimal("500.00")


def _open_motion(db: Database, village: Village) -> int:
    with db.transaction() as s:
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="成员大会", scheduled_at=datetime(2026, 3, 2, tzinfo=UTC),
                                             actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="入市", text="", kind="market_entry_consent",
                                          actor=ACTOR)
        collective.open_vote(s, motion_id=motion.id, actor=ACTOR)
        return motion.id


def test_a_ballot_cast_twice_at_once_is_counted_once(db: Database, clock: Clock, village: Village) -> None:
    motion = _open_motion(db, village)
    voter = village.members[0]
    results = race(db, [lambda s, c=c: collective.cast_ballot(s, motion_id=motion, member_id=voter, choice=c,
                                                              actor=ACTOR).choice for c in ("yes", "no", "yes", "no")])
    counted = [r for r in results if isinstance(r, str)]
    assert len(counted) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "collective.already_voted" for r in results if r not in counted)
    with db.transaction() as s:
        ballots = s.execute(select(BallotBoxEntry).where(BallotBoxEntry.motion_id == motion)).scalars().all()
        assert len(ballots) == 1 and ballots[0].choice is None  # sealed in the box until the vote is sealed
        assert queries.participation_count(s, motion) == 1
        sealed = collective.seal_vote(s, motion_id=motion, actor=ACTOR)
        assert [b.choice for b in queries.ballot_box(s, motion)] == counted
        assert (sealed.yes_count, sealed.no_count) == ((1, 0) if counted == ["yes"] else (0, 1))


def test_ballots_racing_the_seal_are_either_counted_or_refused(db: Database, clock: Clock, village: Village) -> None:
    motion = _open_motion(db, village)
    jobs: list[Callable[[Any], Any]] = [
        lambda s, m=m: collective.cast_ballot(s, motion_id=motion, member_id=m, choice="yes", actor=ACTOR).receipt
        for m in village.members]
    jobs.append(lambda s: collective.seal_vote(s, motion_id=motion, actor=ACTOR).yes_count)
    results = race(db, jobs)
    receipts = [r for r in results[:-1] if isinstance(r, str)]
    refused = [r for r in results[:-1] if not isinstance(r, str)]
    assert all(isinstance(r, Conflict) and r.code == "collective.vote_not_open" for r in refused), refused
    assert results[-1] == len(receipts)
    with db.transaction() as s:
        verdict = collective.vote_verdict(s, motion, "two_thirds")
        assert verdict.verified and verdict.yes == len(receipts)


def test_concurrent_transfers_cannot_overspend_an_account(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        quantify(s, village)
        accounts = {a.holder_party_id: a for a in queries.list_accounts(s, village.collective_id)[0]}
        source = accounts[village.households[0]]
        half = (source.balance_shares / 2 + Decimal("0.01")).quantize(Decimal("0.01"))
    results = race(db, [
        lambda s, h=h: collective.transfer_shares(s, from_account_id=source.id, to_party_id=h, quantity=half,
                                                  ground="转让", actor=ACTOR)
        for h in (village.households[2], village.households[4])])
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(losers) == 1 and losers[0].code == "collective.shares_unavailable", results
    with db.transaction() as s:
        assert queries.reconcile_shares(s, village.collective_id).ok


def test_concurrent_admissions_of_one_person_one_wins(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        other = build_village(s, region=OTHER_VILLAGE, seed=1, enrol=False)
        bride = create_party(s, kind="person", name="新娘", id_number=resident_id(99, 1996), actor=ACTOR).id
    results = race(db, [
        lambda s, c=c: collective.admit_member(s, collective_id=c, party_id=bride, ground="marriage",
                                               admitted_on=date(2026, 3, 1), evidence="结婚证", actor=ACTOR).id
        for c in (village.collective_id, other.collective_id)])
    losers = [r for r in results if not isinstance(r, int)]
    assert len(losers) == 1 and isinstance(losers[0], Conflict), results
    assert losers[0].code == "collective.already_member"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).where(Member.party_id == bride, Member.status == "active")) == 1

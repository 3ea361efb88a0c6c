"""Property tests on the database: share totals reconcile after any sequence of service operations, a
dividend run pays out exactly its amount, and no member votes twice even when ballots race."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from landbridge import collective
from landbridge.collective import queries
from landbridge.collective.models import BallotBoxEntry, DividendLine, ShareAccount
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from tests.collective.conftest import ACTOR, Village, quantify
from tests.registry.test_race import race

PERIODS = itertools.count()
DB_SETTINGS = settings(max_examples=12, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

share_ops = st.lists(st.tuples(st.sampled_from(["transfer", "pledge", "release"]), st.integers(0, 2),
                               st.integers(0, 2), st.integers(1, 400)), min_size=1, max_size=8)


@DB_SETTINGS
@given(sequence=share_ops)
def test_share_totals_reconcile_after_any_sequence_of_services(db: Database, clock: Clock, village: Village,
                                                               sequence: list[tuple[str, int, int, int]]) -> None:
    with db.transaction() as s:
        if queries.get_collective(s, village.collective_id).total_shares == 0:
            quantify(s, village)
        accounts = [a.id for a in queries.list_accounts(s, village.collective_id)[0]]
        holders = [a.holder_party_id for a in queries.list_accounts(s, village.collective_id)[0]]
        total = queries.get_collective(s, village.collective_id).total_shares
    for op, a, b, hundredths in sequence:
        qty = Decimal(hundredths) / 100
        try:
            with db.transaction() as s:
                if op == "transfer":
                    collective.transfer_shares(s, from_account_id=accounts[a], to_party_id=holders[b], quantity=qty,
                                               ground="内部转让", actor=ACTOR)
                elif op == "pledge":
                    collective.pledge_shares(s, account_id=accounts[a], quantity=qty,
                                             pledgee_party_id=village.bank_id, reference="质押合同", actor=ACTOR)
                else:
                    pledges = queries.list_pledges(s, accounts, active_only=True)
                    if pledges:
                        collective.release_pledge(s, pledge_id=pledges[a % len(pledges)].id, actor=ACTOR)
        except DomainError:
            pass  # refused operations roll back; the invariants below must still hold
        with db.transaction() as s:
            rec = queries.reconcile_shares(s, village.collective_id)
            assert rec.ok, rec
            assert rec.recorded_total == total
            assert s.scalar(select(func.count()).select_from(ShareAccount)
                            .where(ShareAccount.pledged_shares > ShareAccount.balance_shares)) == 0


@DB_SETTINGS
@given(amount_fen=st.integers(min_value=1, max_value=10**10))
def test_a_dividend_run_pays_out_exactly_the_amount(db: Database, clock: Clock, village: Village,
                                                     amount_fen: int) -> None:
    amount = (Decimal(amount_fen) / 100).quantize(Decimal("0.01"))
    with db.transaction() as s:
        if queries.get_collective(s, village.collective_id).total_shares == 0:
            quantify(s, village)
        book = next(b for b in queries.books_of(s, village.collective_id) if b.owner == "collective")
        collective.record_book_entry(s, book_id=book.id, direction="income", amount=amount,
                                     category="operating_income", memo="收入", actor=ACTOR)
        before = book.balance_cny
        period = f"p{next(PERIODS)}"
        run = collective.run_dividend(s, collective_id=village.collective_id, period=period, amount=amount,
                                      resolution_ref="分配决议", actor=ACTOR)
        paid = s.scalar(select(func.sum(DividendLine.amount_cny)).where(DividendLine.run_id == run.id))
        assert paid == amount
        assert queries.get_book(s, book.id).balance_cny == before - amount


votes = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["yes", "no", "abstain"])), min_size=1, max_size=10)


@DB_SETTINGS
@given(casts=votes)
def test_no_member_votes_twice_even_concurrently(db: Database, clock: Clock, village: Village,
                                                 casts: list[tuple[int, str]]) -> None:
    with db.transaction() as s:
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="会", scheduled_at=datetime(2026, 3, 2, tzinfo=UTC), actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="事项", text="", actor=ACTOR).id
        collective.open_vote(s, motion_id=motion, actor=ACTOR)
    results = race(db, [lambda s, m=m, c=c: collective.cast_ballot(s, motion_id=motion, member_id=village.members[m],
                                                                   choice=c, actor=ACTOR).choice for m, c in casts])
    accepted = [r for r in results if isinstance(r, str)]
    assert all(isinstance(r, DomainError) and r.code == "collective.already_voted"
               for r in results if not isinstance(r, str)), results
    distinct = {m for m, _ in casts}
    assert len(accepted) == len(distinct)
    with db.transaction() as s:
        ballots = s.execute(select(BallotBoxEntry).where(BallotBoxEntry.motion_id == motion)).scalars().all()
        assert len(ballots) == len(distinct)
        took_part = [r.member_id for r in queries.roster_of(s, motion) if r.channel is not None]
        assert sorted(took_part) == sorted(village.members[m] for m in distinct)
        sealed = collective.seal_vote(s, motion_id=motion, actor=ACTOR)
        assert (sealed.yes_count or 0) + (sealed.no_count or 0) + (sealed.abstain_count or 0) == len(distinct)
        assert collective.vote_verdict(s, motion, "simple_majority").verified

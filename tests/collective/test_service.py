"""Collective services on the database: the roll, seats, quantification, the share ledger, books and
dividends, company conversion and land equity; every refusal changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.collective import MemberIn, queries, rules
from landbridge.collective.models import (
    BallotBoxEntry,
    Book,
    DividendLine,
    Member,
    ShareAccount,
    ShareEntry,
)
from landbridge.collective.schemas import VerdictRead
from landbridge.db import Database
from landbridge.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, get_event, list_events, subjects
from landbridge.registry import create_party
from tests.collective.conftest import ACTOR, OTHER_VILLAGE, Village, build_village, make_uscc, quantify, resident_id


def payload(s: Session, seq: int) -> dict[str, object]:
    return dict(json.loads(get_event(s, seq).body)["payload"])


def passed_motion(s: Session, v: Village, kind: str, *, yes: int | None = None, body: str = "members_assembly",
                  subject_ref: str | None = None) -> int:
    """Convene, table, open, vote (``yes`` yes votes, the rest no) and seal; returns the motion id."""
    meeting = collective.convene_meeting(s, collective_id=v.collective_id, body=body, title="成员大会",
                                         scheduled_at=datetime(2026, 3, 2, 2, tzinfo=UTC), actor=ACTOR)
    motion = collective.create_motion(s, meeting_id=meeting.id, title=f"{kind} 表决", text="", kind=kind,
                                      subject_ref=subject_ref, actor=ACTOR)
    collective.open_vote(s, motion_id=motion.id, actor=ACTOR)
    roster = [r.member_id for r in queries.roster_of(s, motion.id)]
    yes = len(roster) if yes is None else yes
    for i, member_id in enumerate(roster):
        collective.cast_ballot(s, motion_id=motion.id, member_id=member_id, choice="yes" if i < yes else "no",
                               channel="in_person", actor=ACTOR)
    collective.seal_vote(s, motion_id=motion.id, actor=ACTOR)
    return motion.id


# --- the organisation ---------------------------------------------------------------------------

def test_create_collective_checks_party_region_and_keeps_books_apart(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        company = create_party(s, kind="organisation", name="某公司", id_number=make_uscc("91", 1), actor=ACTOR).id
        coll = create_party(s, kind="organisation", name="某村股份经济合作社", id_number=make_uscc("93", 2),
                            actor=ACTOR).id
        committee = create_party(s, kind="organisation", name="某村村委会", id_number=make_uscc("54", 3),
                                 actor=ACTOR).id
    cases = [
        ({"party_id": company, "region_code": OTHER_VILLAGE}, "collective.not_a_collective_party"),
        ({"party_id": coll, "region_code": "360603101000"}, "collective.invalid_region_code"),
        ({"party_id": coll, "region_code": OTHER_VILLAGE, "village_committee_party_id": coll},
         "collective.committee_is_collective"),
    ]
    for kwargs, code in cases:
        with db.transaction() as s, pytest.raises(DomainError) as err:
            collective.create_collective(s, name="某村", actor=ACTOR, **kwargs)  # type: ignore[arg-type]
        assert err.value.code == code
    with db.transaction() as s:
        created = collective.create_collective(s, party_id=coll, region_code=OTHER_VILLAGE, name="某村股份经济合作社",
                                               village_committee_party_id=committee, actor=ACTOR)
        books = {b.owner: b for b in queries.books_of(s, created.id)}
        assert set(books) == {"collective", "village_committee"}
        assert books["collective"].owner_party_id == coll and books["village_committee"].owner_party_id == committee
    with db.transaction() as s, pytest.raises(Conflict):
        collective.create_collective(s, party_id=coll, region_code=OTHER_VILLAGE, name="again", actor=ACTOR)


# --- the roll -------------------------------------------------------------------------------------

def test_bulk_enrolment_seals_one_digest_and_refuses_people_already_enrolled(db: Database, clock: Clock,
                                                                            village: Village) -> None:
    with db.transaction() as s:
        events = list_events(s, module="collective", subject=f"collective:{village.collective_id}")
        enrolled = [e for e in events if e.event_type == "members_enrolled"]
        assert len(enrolled) == 1
        body = json.loads(enrolled[0].body)["payload"]
        members = s.execute(select(Member).where(Member.collective_id == village.collective_id)
                            .order_by(Member.id)).scalars().all()
        canon = [rules.canonical_row([m.party_id, m.household_party_id, m.admitted_on, m.admission_ground,
                                      m.admission_evidence, m.farm_since]) for m in members]
        assert body["count"] == 6 and body["rows_sha256"] == rules.lines_digest(canon)
        assert all(m.birth_date is not None for m in members)
        other = build_village(s, region=OTHER_VILLAGE, seed=1, enrol=False)
    for rows, code in [
        ([MemberIn(village.persons[0])], "collective.already_member"),
        ([MemberIn(other.persons[0]), MemberIn(other.persons[0])], "collective.duplicate_in_batch"),
        ([MemberIn(other.households[0])], "collective.member_not_a_person"),
        ([MemberIn(other.persons[0], ground="other")], "collective.resolution_required"),
        ([MemberIn(other.persons[0], ground="bogus")], "collective.invalid_ground"),
        ([], "collective.empty_batch"),
    ]:
        with db.transaction() as s:
            before = current_size(s)
        with db.transaction() as s, pytest.raises(DomainError) as err:
            collective.enrol_members_bulk(s, collective_party_id=other.party_id, members=rows, as_of=date(2020, 1, 1),
                                          actor=ACTOR)
        assert err.value.code == code, rows
        with db.transaction() as s:
            assert current_size(s) == before
            assert s.scalar(select(func.count()).where(Member.collective_id == other.collective_id)) == 0


def test_admission_loss_and_transfer_keep_one_roll_at_a_time(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        other = build_village(s, region=OTHER_VILLAGE, seed=1, enrol=False)
        baby = create_party(s, kind="person", name="新生儿", id_number=resident_id(77, 2025), actor=ACTOR).id
    with db.transaction() as s, pytest.raises(RuleViolation) as err:
        collective.admit_member(s, collective_id=village.collective_id, party_id=baby, ground="birth",
                                admitted_on=date(2025, 5, 1), actor=ACTOR)
    assert err.value.code == "collective.evidence_required"
    with db.transaction() as s, pytest.raises(RuleViolation) as err:
        collective.admit_member(s, collective_id=village.collective_id, party_id=baby, ground="other",
                                admitted_on=date(2025, 5, 1), evidence="申请书", actor=ACTOR)
    assert err.value.code == "collective.resolution_required"
    with db.transaction() as s:
        child = collective.admit_member(s, collective_id=village.collective_id, party_id=baby, ground="birth",
                                        admitted_on=date(2025, 5, 1), evidence="出生医学证明 N360001",
                                        household_party_id=village.households[0], actor=ACTOR)
        assert child.birth_date is not None and child.birth_date.year == 2025
    with db.transaction() as s, pytest.raises(Conflict) as conflict:
        collective.admit_member(s, collective_id=other.collective_id, party_id=baby, ground="birth",
                                admitted_on=date(2025, 5, 1), evidence="出生医学证明", actor=ACTOR)
    assert conflict.value.code == "collective.already_member"
    with db.transaction() as s:
        seat = collective.appoint_seat(s, collective_id=village.collective_id, member_id=village.members[0],
                                       body="board", started_on=date(2021, 1, 1), actor=ACTOR)
        moved = collective.transfer_member(s, member_id=village.members[0], to_collective_id=other.collective_id,
                                           transferred_on=date(2026, 1, 5), evidence="婚姻登记证 + 迁移证明",
                                           actor=ACTOR)
        old = queries.get_member(s, village.members[0])
        assert old.status == "transferred" and old.successor_member_id == moved.id
        assert moved.collective_id == other.collective_id and moved.admission_ground == "transfer_in"
        assert queries.get_seat(s, seat.id).status == "ended"
        assert queries.find_active_membership(s, village.persons[0]).id == moved.id  # type: ignore[union-attr]
    with db.transaction() as s:
        ended = collective.end_membership(s, member_id=village.members[1], ground="death", ended_on=date(2026, 2, 1),
                                          evidence="死亡证明", actor=ACTOR)
        assert ended.status == "lost"
    with db.transaction() as s, pytest.raises(Conflict):
        collective.end_membership(s, member_id=village.members[1], ground="death", ended_on=date(2026, 2, 1),
                                  evidence="死亡证明", actor=ACTOR)


def test_board_and_supervisory_board_are_exclusive(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        collective.appoint_seat(s, collective_id=village.collective_id, member_id=village.members[0], body="board",
                                role="chair", started_on=date(2021, 1, 1), actor=ACTOR)
    for member, body, role, code in [
        (village.members[0], "supervisory_board", "member", "collective.board_supervisory_conflict"),
        (village.members[0], "board", "member", "collective.seat_exists"),
        (village.members[1], "board", "chair", "collective.chair_taken"),
    ]:
        with db.transaction() as s, pytest.raises(Conflict) as err:
            collective.appoint_seat(s, collective_id=village.collective_id, member_id=member, body=body, role=role,
                                    started_on=date(2021, 1, 1), actor=ACTOR)
        assert err.value.code == code
    with db.transaction() as s:
        collective.appoint_seat(s, collective_id=village.collective_id, member_id=village.members[0],
                                body="representatives_assembly", started_on=date(2021, 1, 1), actor=ACTOR)


# --- shares ---------------------------------------------------------------------------------------

def test_quantification_by_household_reconciles(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s, pytest.raises(RuleViolation) as err:
        collective.quantify_shares(s, collective_id=village.collective_id, base_date=date(2019, 12, 31), actor=ACTOR,
                                   resolution_ref="决议")
    assert err.value.code == "collective.no_assets"
    with db.transaction() as s:
        quantify(s, village)
    with db.transaction() as s:
        accounts, total = queries.list_accounts(s, village.collective_id)
        assert total == 3 and {a.holder_party_id for a in accounts} == set(village.households)
        config = collective.service.shares.collective_rules(date(2019, 12, 31))  # type: ignore[attr-defined]
        members = s.execute(select(Member).where(Member.collective_id == village.collective_id)).scalars().all()
        expected = sum((rules.member_shares(config.quantification, birth_date=m.birth_date, admitted_on=m.admitted_on,
                                            farm_since=m.farm_since, base_date=date(2019, 12, 31)) for m in members),
                       Decimal("0"))
        assert queries.get_collective(s, village.collective_id).total_shares == expected
        assert sum((a.balance_shares for a in accounts), Decimal("0")) == expected
        assert queries.reconcile_shares(s, village.collective_id).ok
        assert s.scalar(select(func.count()).where(ShareEntry.kind == "issue")) == 6
    with db.transaction() as s, pytest.raises(Conflict) as again:
        quantify(s, village)
    assert again.value.code == "collective.already_quantified"


def test_share_ledger_transfer_pledge_release_inherit(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        quantify(s, village)
        accounts = {a.holder_party_id: a.id for a in queries.list_accounts(s, village.collective_id)[0]}
    a, _b, c = (accounts[h] for h in sorted(set(village.households), key=village.households.index))
    with db.transaction() as s:
        balance_a = queries.get_account(s, a).balance_shares
        pledge = collective.pledge_shares(s, account_id=a, quantity=balance_a - Decimal("1.00"),
                                          pledgee_party_id=village.bank_id, reference="余农商质2026-001", actor=ACTOR)
    with db.transaction() as s, pytest.raises(Conflict) as err:
        collective.transfer_shares(s, from_account_id=a, to_party_id=village.households[2], quantity="1.01",
                                   ground="赠与", actor=ACTOR)
    assert err.value.code == "collective.shares_unavailable"
    with db.transaction() as s, pytest.raises(RuleViolation) as outsider:
        collective.transfer_shares(s, from_account_id=a, to_party_id=village.bank_id, quantity="1.00", ground="卖出",
                                   actor=ACTOR)
    assert outsider.value.code == "collective.holder_not_in_collective"
    with db.transaction() as s:
        collective.transfer_shares(s, from_account_id=a, to_party_id=village.households[2], quantity="1.00",
                                   ground="户间赠与", actor=ACTOR)
        assert queries.get_account(s, a).balance_shares == balance_a - 1
    with db.transaction() as s:  # a household dissolves: the whole account, pledge included, goes to an heir
        collective.inherit_shares(s, from_account_id=a, heir_party_id=village.persons[0], evidence="继承公证书",
                                  actor=ACTOR)
        heir = s.execute(select(ShareAccount).where(ShareAccount.holder_party_id == village.persons[0])).scalar_one()
        assert heir.pledged_shares == pledge.quantity_shares and queries.get_pledge(s, pledge.id).account_id == heir.id
    with db.transaction() as s:
        collective.release_pledge(s, pledge_id=pledge.id, actor=ACTOR)
    with db.transaction() as s, pytest.raises(Conflict):
        collective.release_pledge(s, pledge_id=pledge.id, actor=ACTOR)
    with db.transaction() as s:
        rec = queries.reconcile_shares(s, village.collective_id)
        assert rec.ok, rec
        assert rec.sum_of_pledged == 0 and c  # nothing pledged any more
        kinds = [e.kind for e in queries.account_entries(s, a)]
        assert kinds == ["issue", "issue", "pledge", "transfer_out", "inherit_out"]


def test_inheritance_needs_the_holder_off_the_roll(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        v = build_village(s, seed=3)
        collective.record_asset(s, collective_id=v.collective_id, name="厂房", category="building", value="1000.00",
                                acquired_on=date(2015, 1, 1), actor=ACTOR)
        # holding unit is the household by the rule set; a person without household holds personally
        s.execute(update(Member).where(Member.id == v.members[0]).values(household_party_id=None))
        collective.quantify_shares(s, collective_id=v.collective_id, base_date=date(2019, 12, 31), actor=ACTOR,
                                   resolution_ref="决议")
        own = s.execute(select(ShareAccount).where(ShareAccount.holder_party_id == v.persons[0])).scalar_one().id
    with db.transaction() as s, pytest.raises(Conflict) as err:
        collective.inherit_shares(s, from_account_id=own, heir_party_id=v.persons[1], evidence="遗嘱", actor=ACTOR)
    assert err.value.code == "collective.holder_still_member"
    with db.transaction() as s:
        collective.end_membership(s, member_id=v.members[0], ground="death", ended_on=date(2026, 1, 1),
                                  evidence="死亡证明", actor=ACTOR)
        collective.inherit_shares(s, from_account_id=own, heir_party_id=v.persons[1], evidence="遗嘱", actor=ACTOR)
        assert queries.reconcile_shares(s, v.collective_id).ok


# --- votes ----------------------------------------------------------------------------------------

def test_vote_roster_is_frozen_and_each_voter_counts_once(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        teen = create_party(s, kind="person", name="少年", id_number=resident_id(88, 2012), actor=ACTOR).id
        collective.admit_member(s, collective_id=village.collective_id, party_id=teen, ground="birth",
                                admitted_on=date(2012, 1, 1), evidence="出生证明", actor=ACTOR)
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="2026年第一次成员大会",
                                             scheduled_at=datetime(2026, 3, 2, 2, tzinfo=UTC),
                                             location="村委会议室", actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="同意锦江村3号地块入市", text="入市方案……",
                                          kind="market_entry_consent", subject_ref="market_entry.entry_plan:7",
                                          actor=ACTOR)
        assert motion.threshold == "two_thirds"
        with pytest.raises(RuleViolation):
            collective.create_motion(s, meeting_id=meeting.id, title="x", text="", kind="market_entry_consent",
                                     threshold="simple_majority", actor=ACTOR)
        collective.open_vote(s, motion_id=motion.id, actor=ACTOR)
        roster = [r.member_id for r in queries.roster_of(s, motion.id)]
        assert roster == sorted(village.members)  # the 14-year-old has no vote
        late = create_party(s, kind="person", name="后来者", id_number=resident_id(89, 1990), actor=ACTOR).id
        newcomer = collective.admit_member(s, collective_id=village.collective_id, party_id=late, ground="marriage",
                                           admitted_on=date(2026, 3, 1), evidence="结婚证", actor=ACTOR)
    with db.transaction() as s, pytest.raises(Forbidden) as err:
        collective.cast_ballot(s, motion_id=motion.id, member_id=newcomer.id, choice="yes", actor=ACTOR)
    assert err.value.code == "collective.not_on_roster"
    with db.transaction() as s:
        receipt = collective.cast_ballot(s, motion_id=motion.id, member_id=roster[0], choice="yes", actor=ACTOR)
        assert receipt.secrecy == "secret" and len(receipt.receipt) == 40
        # the participation event names the voter and the channel, never the choice or the receipt (issue #12)
        assert payload(s, receipt.ledger_seq) == {"member_id": roster[0], "channel": "online"}
    with db.transaction() as s, pytest.raises(Conflict) as twice:
        collective.cast_ballot(s, motion_id=motion.id, member_id=roster[0], choice="no", actor=ACTOR)
    assert twice.value.code == "collective.already_voted"
    with db.transaction() as s:
        for member_id in roster[1:4]:
            collective.cast_ballot(s, motion_id=motion.id, member_id=member_id, choice="yes", channel="in_person",
                                   actor=ACTOR)
        collective.cast_ballot(s, motion_id=motion.id, member_id=roster[4], choice="no", actor=ACTOR)
        sealed = collective.seal_vote(s, motion_id=motion.id, actor=ACTOR)
        assert (sealed.yes_count, sealed.no_count, sealed.abstain_count) == (4, 1, 0)
        assert sealed.quorum_met and sealed.passed  # 4 of 6 = 2/3
        sealed_event = payload(s, sealed.seal_ledger_seq or 0)
        assert sealed_event["passed"] is True and sealed_event["ballots_sha256"] == sealed.ballots_sha256
    with db.transaction() as s, pytest.raises(Conflict):
        collective.cast_ballot(s, motion_id=motion.id, member_id=roster[5], choice="yes", actor=ACTOR)
    with db.transaction() as s:
        assert collective.vote_passed(s, motion.id, "two_thirds")
        assert collective.vote_passed(s, motion.id, "simple_majority")
        verdict = collective.vote_verdict(s, motion.id, "two_thirds")
        assert verdict.verified and verdict.yes == 4 and verdict.roster_size == 6
        # one shape for the service and the API (issue #14), immutable like the dataclass it replaced
        assert type(verdict) is VerdictRead and collective.VoteVerdict is VerdictRead
        with pytest.raises(ValidationError):
            verdict.passed = False  # type: ignore[misc]
        # tampering with a stored ballot is detected: the recount no longer matches the sealed event
        s.execute(update(BallotBoxEntry).where(BallotBoxEntry.motion_id == motion.id, BallotBoxEntry.choice == "no")
                  .values(choice="yes"))
        tampered = collective.vote_verdict(s, motion.id, "two_thirds")
        assert not tampered.verified and not tampered.passed and "ballots" in (tampered.reason or "")
        s.rollback()


def test_failed_and_unsealed_votes_do_not_pass(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        failed = passed_motion(s, village, "market_entry_consent", yes=3)  # 3 of 6 < 2/3
        assert not collective.vote_passed(s, failed, "two_thirds")
        assert not collective.vote_passed(s, failed, "simple_majority")  # failed as sealed stays failed
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="会", scheduled_at=datetime(2026, 3, 2, tzinfo=UTC), actor=ACTOR)
        draft = collective.create_motion(s, meeting_id=meeting.id, title="草案", text="", actor=ACTOR)
        verdict = collective.vote_verdict(s, draft.id, "simple_majority")
        assert not verdict.passed and verdict.reason == "not_sealed"
        majority = passed_motion(s, village, "general", yes=4)
        assert collective.vote_passed(s, majority, "simple_majority")
        assert collective.vote_passed(s, majority, "two_thirds")  # 4/6 meets 2/3 as well
        with pytest.raises(RuleViolation):
            collective.vote_passed(s, majority, "unanimity")


def test_board_votes_use_the_seat_roster_and_votes_close_on_time(db: Database, clock: Clock,
                                                                village: Village) -> None:
    with db.transaction() as s:
        for m in village.members[:3]:
            collective.appoint_seat(s, collective_id=village.collective_id, member_id=m, body="board",
                                    started_on=date(2021, 1, 1), actor=ACTOR)
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="board", title="理事会",
                                             scheduled_at=datetime(2026, 3, 2, tzinfo=UTC), actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="年度预算", text="", kind="board_resolution",
                                          actor=ACTOR)
        with pytest.raises(RuleViolation):
            collective.open_vote(s, motion_id=motion.id, actor=ACTOR, closes_at=datetime(2026, 3, 1, tzinfo=UTC))
        collective.open_vote(s, motion_id=motion.id, actor=ACTOR, closes_at=datetime(2026, 3, 2, 2, tzinfo=UTC))
        assert [r.member_id for r in queries.roster_of(s, motion.id)] == sorted(village.members[:3])
        for m in village.members[:2]:
            collective.cast_ballot(s, motion_id=motion.id, member_id=m, choice="yes", actor=ACTOR)
        assert collective.run_due(s) == 0
    clock.advance(datetime(2026, 3, 2, 2, tzinfo=UTC) - datetime(2026, 3, 2, 1, tzinfo=UTC))
    with db.transaction() as s, pytest.raises(Conflict) as late:
        collective.cast_ballot(s, motion_id=motion.id, member_id=village.members[2], choice="no", actor=ACTOR)
    assert late.value.code == "collective.vote_closed"
    with db.transaction() as s:
        assert collective.run_due(s) == 1
        assert collective.run_due(s) == 0
        assert collective.vote_passed(s, motion.id, "simple_majority")


def test_minutes_are_recorded_once_with_their_hash(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="supervisory_board",
                                             title="监事会", scheduled_at=datetime(2026, 3, 2, tzinfo=UTC), actor=ACTOR)
        held = collective.record_minutes(s, meeting_id=meeting.id, minutes="出席3人，审议财务公开。", actor=ACTOR)
        assert held.status == "held"
        assert payload(s, held.minutes_ledger_seq or 0)["minutes_sha256"] == held.minutes_sha256
    with db.transaction() as s, pytest.raises(Conflict):
        collective.record_minutes(s, meeting_id=meeting.id, minutes="改写", actor=ACTOR)


# --- books and dividends ----------------------------------------------------------------------------

def test_books_are_separate_and_never_negative(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        books = {b.owner: b.id for b in queries.books_of(s, village.collective_id)}
        collective.record_book_entry(s, book_id=books["collective"], direction="income", amount="100000.00",
                                     category="land_revenue", memo="3号地块入市收益", actor=ACTOR)
        collective.record_book_entry(s, book_id=books["village_committee"], direction="income", amount="500.00",
                                     category="fiscal_subsidy", memo="村级运转经费", actor=ACTOR)
    for book, direction, amount, category, code in [
        ("village_committee", "income", "10.00", "land_revenue", "collective.land_revenue_to_collective"),
        ("village_committee", "outgo", "500.01", "public_service_expense", "collective.insufficient_funds"),
        ("collective", "outgo", "10.00", "dividend", "collective.category_mismatch"),
        ("collective", "income", "10.00", "management_expense", "collective.category_mismatch"),
        ("collective", "income", "10.001", "other_income", None),
    ]:
        with db.transaction() as s, pytest.raises(DomainError) as err:
            collective.record_book_entry(s, book_id=books[book], direction=direction, amount=amount,
                                         category=category, memo="x", actor=ACTOR)
        if code:
            assert err.value.code == code
    with db.transaction() as s:
        balances = {b.owner: b.balance_cny for b in queries.books_of(s, village.collective_id)}
        assert balances == {"collective": Decimal("100000.00"), "village_committee": Decimal("500.00")}


def test_dividend_pays_exactly_the_amount_by_shares(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        quantify(s, village)
        book = next(b for b in queries.books_of(s, village.collective_id) if b.owner == "collective")
        collective.record_book_entry(s, book_id=book.id, direction="income", amount="10000.00",
                                     category="operating_income", memo="厂房租金", actor=ACTOR)
    with db.transaction() as s, pytest.raises(RuleViolation) as err:
        collective.run_dividend(s, collective_id=village.collective_id, period="2025", amount="1000.00", actor=ACTOR)
    assert err.value.code == "collective.resolution_required"
    with db.transaction() as s:
        motion = passed_motion(s, village, "revenue_distribution")
        run = collective.run_dividend(s, collective_id=village.collective_id, period="2025", amount="1000.01",
                                      motion_id=motion, actor=ACTOR)
        lines = s.execute(select(DividendLine).where(DividendLine.run_id == run.id)).scalars().all()
        assert sum((x.amount_cny for x in lines), Decimal("0")) == Decimal("1000.01")
        assert len(lines) == 3 and run.total_shares == queries.get_collective(s, village.collective_id).total_shares
        for x in lines:
            exact = Decimal("1000.01") * x.shares / run.total_shares
            assert abs(x.amount_cny - exact) < Decimal("0.01")
        assert s.get(Book, book.id).balance_cny == Decimal("8999.99")  # type: ignore[union-attr]
        assert payload(s, run.ledger_seq or 0)["rows_sha256"] == run.rows_sha256
    for period, amount, code in [("2025", "1.00", "collective.dividend_period_exists"),
                                 ("2026", "9000.00", "collective.insufficient_funds")]:
        with db.transaction() as s, pytest.raises(Conflict) as again:
            collective.run_dividend(s, collective_id=village.collective_id, period=period, amount=amount,
                                    motion_id=motion, actor=ACTOR)
        assert again.value.code == code


# --- urban-village companies ---------------------------------------------------------------------

def test_conversion_to_company_carries_shares_and_freezes_the_roll(db: Database, clock: Clock,
                                                                    village: Village) -> None:
    with db.transaction() as s:
        quantify(s, village)
        company = create_party(s, kind="organisation", name="锦江实业有限公司", id_number=make_uscc("91", 77),
                               actor=ACTOR).id
        weak = passed_motion(s, village, "conversion", yes=3)
    with db.transaction() as s, pytest.raises(Conflict) as err:
        collective.convert_to_company(s, collective_id=village.collective_id, company_party_id=company,
                                      motion_id=weak, actor=ACTOR)
    assert err.value.code == "collective.motion_not_passed"
    with db.transaction() as s:
        general = passed_motion(s, village, "general")
    with db.transaction() as s, pytest.raises(RuleViolation):
        collective.convert_to_company(s, collective_id=village.collective_id, company_party_id=company,
                                      motion_id=general, actor=ACTOR)
    with db.transaction() as s:
        motion = passed_motion(s, village, "conversion")
        conversion = collective.convert_to_company(s, collective_id=village.collective_id, company_party_id=company,
                                                   motion_id=motion, actor=ACTOR)
        assert conversion.holder_count == 3
        assert queries.get_collective(s, village.collective_id).status == "converted"
        newcomer = create_party(s, kind="person", name="新人", id_number=resident_id(91, 1995), actor=ACTOR).id
    with db.transaction() as s, pytest.raises(Conflict) as frozen:
        collective.admit_member(s, collective_id=village.collective_id, party_id=newcomer, ground="marriage",
                                admitted_on=date(2026, 3, 1), evidence="结婚证", actor=ACTOR)
    assert frozen.value.code == "collective.converted"


def test_land_contributed_as_equity_needs_the_collectives_right(db: Database, clock: Clock, village: Village) -> None:
    from tests.registry.conftest import register, square

    with db.transaction() as s:
        unit = register(s, square(3, row=7), [(village.party_id, "1")],
                        right_type="collective_construction_land_use_right")
        other_unit = register(s, square(4, row=7), [(village.persons[0], "1")])
        project = create_party(s, kind="organisation", name="城中村租赁住房项目公司", id_number=make_uscc("91", 88),
                               actor=ACTOR).id
        motion = passed_motion(s, village, "equity_contribution", subject_ref=f"registry.unit:{unit}")
    with db.transaction() as s, pytest.raises(Conflict) as err:
        collective.contribute_land_equity(s, collective_id=village.collective_id, unit_id=other_unit,
                                          project_name="租赁住房", project_party_id=project, valuation="3000000.00",
                                          equity_share="3/10", motion_id=motion, actor=ACTOR)
    assert err.value.code == "collective.not_holder"
    with db.transaction() as s:
        c = collective.contribute_land_equity(s, collective_id=village.collective_id, unit_id=unit,
                                              project_name="租赁住房", project_party_id=project,
                                              valuation="3000000.00", equity_share="3/10", motion_id=motion,
                                              actor=ACTOR)
        assert (c.equity_num, c.equity_den) == (3, 10)
        assert payload(s, c.ledger_seq or 0)["equity_share"] == "3/10"


def test_unknown_ids_are_404(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        for call in (lambda: queries.get_collective(s, 999), lambda: queries.get_motion(s, 999),
                     lambda: collective.vote_passed(s, 999, "two_thirds")):
            with pytest.raises(NotFound):
                call()


def test_pledged_shares_sold_to_a_member_in_one_step(db: Database, clock: Clock, village: Village) -> None:
    with db.transaction() as s:
        quantify(s, village)
        accounts = {a.holder_party_id: a.id for a in queries.list_accounts(s, village.collective_id)[0]}
    a = accounts[village.households[0]]
    with db.transaction() as s:
        balance = queries.get_account(s, a).balance_shares
        pledge = collective.pledge_shares(s, account_id=a, quantity="2.00", pledgee_party_id=village.bank_id,
                                          reference="余农商质2026-002", actor=ACTOR)
        assert collective.household_co_holders(s, a, village.persons[0]) == [village.persons[1]]
        assert collective.household_co_holders(s, a, village.persons[1]) == [village.persons[0]]
    with db.transaction() as s, pytest.raises(RuleViolation) as outsider:  # the bank itself may not take them
        collective.sell_pledged_shares(s, pledge_id=pledge.id, to_party_id=village.bank_id, ground="质权实现",
                                       actor=ACTOR)
    assert outsider.value.code == "collective.holder_not_in_collective"
    with db.transaction() as s:
        done, bought = collective.sell_pledged_shares(s, pledge_id=pledge.id, to_party_id=village.persons[2],
                                                      ground="质权实现", actor=ACTOR)
        assert done.status == "released" and bought.balance_shares == Decimal("2.00")
        source = queries.get_account(s, a)
        assert source.balance_shares == balance - 2 and source.pledged_shares == 0
        assert queries.reconcile_shares(s, village.collective_id).ok
        assert [e.event_type for e in list_events(s, subject=subjects.share_account(a))][-1] == "pledged_shares_sold"
    with db.transaction() as s, pytest.raises(Conflict) as again:
        collective.sell_pledged_shares(s, pledge_id=pledge.id, to_party_id=village.persons[2], ground="质权实现",
                                       actor=ACTOR)
    assert again.value.code == "collective.pledge_not_active"

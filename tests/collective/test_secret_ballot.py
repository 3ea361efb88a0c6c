"""Secret ballots that can still be checked (issue #12 item 2, L3, C1): the pure rules of the sealed list, the
participation / ballot box split, the scan for any stored (voter, choice) link, receipts checked by anyone, named
votes only by rule, the public sealed list, and the migration of the old linked ballots."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime, func, select, text
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.collective import queries, rules
from landbridge.collective.models import BallotBoxEntry, RosterEntry
from landbridge.collective.service._common import collective_rules
from landbridge.db import Database
from landbridge.errors import Conflict
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, get_event
from landbridge.schema import alembic_config, load_models
from tests.collective.conftest import ACTOR, Api, Village
from tests.collective.test_api import _vote, auth

CHOICES = ("yes", "no", "abstain")
choice_lists = st.lists(st.sampled_from(CHOICES), max_size=60)


# --- pure rules -----------------------------------------------------------------------------------

@given(choices=choice_lists)
def test_the_tally_of_a_shuffled_list_equals_the_counts(choices: list[str]) -> None:
    ballots = [(rules.receipt_digest(rules.new_receipt()), c) for c in choices]
    published = rules.shuffled(ballots)
    assert sorted(published) == sorted(ballots)  # a permutation: nothing lost, nothing added
    counted = rules.tally(c for _, c in published)
    expected = Counter(choices)
    assert (counted.yes, counted.no, counted.abstain) == (expected["yes"], expected["no"], expected["abstain"])
    check = rules.check_ballot_list(published, sealed=counted, participants=len(choices))
    assert check.ok and check.digest == rules.ballots_digest(ballots)  # the digest ignores the order


@given(choices=choice_lists.filter(bool), extra=st.sampled_from(CHOICES))
def test_a_list_that_differs_from_the_seal_or_the_participation_fails(choices: list[str], extra: str) -> None:
    ballots = [(rules.receipt_digest(rules.new_receipt()), c) for c in choices]
    sealed = rules.tally(choices)
    assert not rules.check_ballot_list(ballots, sealed=sealed, participants=len(choices) + 1).ok
    stuffed = [*ballots, (rules.receipt_digest(rules.new_receipt()), extra)]
    assert not rules.check_ballot_list(stuffed, sealed=sealed, participants=len(choices) + 1).counts_match
    flipped = [(d, "no" if c != "no" else "yes") for d, c in ballots[:1]] + ballots[1:]
    assert not rules.check_ballot_list(flipped, sealed=sealed, participants=len(choices)).ok


def test_receipts_are_random_and_their_digest_is_case_insensitive() -> None:
    receipts = {rules.new_receipt() for _ in range(200)}
    assert len(receipts) == 200 and all(len(r) == 40 for r in receipts)
    r = next(iter(receipts))
    assert rules.receipt_digest(r) == rules.receipt_digest(f"  {r.upper()} ")
    assert rules.receipt_digest(r) == hashlib.sha256(f"landbridge-receipt-v2|{r}".encode()).hexdigest()


def test_named_votes_only_for_kinds_the_rule_set_lists() -> None:
    config = collective_rules()  # the city profile's rule set in force
    assert config.named_vote_kinds == frozenset({"board_resolution", "supervisory_resolution"})
    assert rules.is_named_vote("board_resolution", config.named_vote_kinds)
    assert not rules.is_named_vote("market_entry_consent", config.named_vote_kinds)
    assert not rules.is_named_vote("board_resolution", ())  # no rule: secret


# --- the scan for a (voter, choice) link ----------------------------------------------------------

def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in [k, *_walk(v)]]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return [value]


def links(record: dict[str, Any], member_ids: set[int], party_ids: set[int], actors: set[str]) -> bool:
    """Whether one stored record holds both a voter's identity and a choice."""
    values = _walk(record)
    names_voter = (any(record.get(k) in member_ids for k in ("member_id",))
                   or any(record.get(k) in party_ids for k in ("party_id",))
                   or any(isinstance(v, str) and v in actors for v in values)
                   or any(isinstance(v, dict) and (v.get("member_id") in member_ids or v.get("party_id") in party_ids)
                          for v in [record.get("payload")]))
    return names_voter and any(isinstance(v, str) and v in CHOICES for v in values)


def test_the_link_detector_catches_the_old_linked_records() -> None:
    assert links({"member_id": 7, "choice": "yes"}, {7}, set(), set())
    assert links({"actor": "user:3:villager", "payload": {"receipt": "ab", "choice": "no"}}, set(), set(),
                 {"user:3:villager"})
    assert links({"actor": "user:1:clerk", "payload": {"member_id": 7, "choice": "abstain"}}, {7}, set(), set())
    assert not links({"member_id": 7, "channel": "online"}, {7}, set(), set())
    assert not links({"receipt_digest": "ab", "choice": "yes"}, {7}, {9}, {"user:3:villager"})


def _rows(s: Session, table_names: list[str]) -> list[dict[str, Any]]:
    metadata = load_models()
    out: list[dict[str, Any]] = []
    for name in table_names:
        out.extend(dict(r._mapping) for r in s.execute(select(metadata.tables[name])))
    return out


def test_no_stored_record_links_a_voter_to_a_choice(api: Api, db: Database) -> None:
    c, clerk, villager = api.client, auth(api.client, "clerk"), auth(api.client, "villager")
    with db.transaction(readonly=True) as s:
        start = current_size(s)
    motion = _vote(api)
    mine = c.post(f"/api/v1/collective/motions/{motion}/ballots", json={"choice": "no"}, headers=villager)
    assert mine.status_code == 201, mine.text
    for member, choice in zip(api.village.members[1:5], ["yes", "abstain", "yes", "no"], strict=True):
        r = c.post(f"/api/v1/collective/motions/{motion}/ballots", json={"choice": choice, "member_id": member},
                   headers=clerk)
        assert r.status_code == 201, r.text
    with db.transaction(readonly=True) as s:
        box_before_seal = {b.id for b in queries.ballot_box(s, motion)}
        assert all(b.choice is None and b.sealed_choice and b.position is None for b in queries.ballot_box(s, motion))
    sealed = c.post(f"/api/v1/collective/motions/{motion}/seal", headers=clerk)
    assert sealed.status_code == 200 and sealed.json()["yes_count"] == 2
    voters = set(api.village.members[:5])
    with db.transaction(readonly=True) as s:
        parties = {r.party_id for r in queries.roster_of(s, motion) if r.member_id in voters}
        events = [json.loads(get_event(s, seq).body) for seq in range(start + 1, current_size(s) + 1)]
        actors = {e["actor"] for e in events if e["event_type"] == "vote_participation"
                  and e["payload"]["channel"] == "online"}
        assert len(actors) == 1  # the villager's user
        tables = sorted(t for t in load_models().tables if t.startswith("collective_"))
        rows = _rows(s, tables)
        box = queries.ballot_box(s, motion)
        # after sealing the box is a new list: fresh ids, a shuffled order, choices in clear, nothing sealed
        assert not box_before_seal & {b.id for b in box}
        assert sorted(b.position for b in box) == list(range(5))
        assert all(b.sealed_choice is None for b in box)
        receipts = {b.receipt_digest for b in box}
    assert [r for r in rows if links(r, voters, parties, actors)] == []
    assert [e for e in events if links(e, voters, parties, actors)] == []
    # no event of the vote carries a receipt digest or a ballot box id (no adjacent-seq link either)
    bodies = json.dumps(events)
    assert not any(d in bodies for d in receipts | box_before_seal)
    participation = [e for e in events if e["event_type"] == "vote_participation"]
    assert len(participation) == 5 and all(set(e["payload"]) == {"member_id", "channel"} for e in participation)
    seal = next(e for e in events if e["event_type"] == "vote_sealed")["payload"]
    assert seal["participants"] == 5 and seal["secrecy"] == "secret"
    # the ballot box has nothing that orders ballots in time or names a voter
    box_columns = {col.name: col for col in BallotBoxEntry.__table__.columns}
    assert set(box_columns) == {"id", "motion_id", "receipt_digest", "sealed_choice", "choice", "position", "legacy"}
    assert not any(isinstance(col.type, DateTime) for col in box_columns.values())


# --- receipts and the public list -----------------------------------------------------------------

def test_anyone_checks_a_receipt_and_recounts_the_public_list(api: Api, db: Database) -> None:
    c, clerk, villager = api.client, auth(api.client, "clerk"), auth(api.client, "villager")
    motion = _vote(api)
    mine = c.post(f"/api/v1/collective/motions/{motion}/ballots", json={"choice": "abstain"}, headers=villager).json()
    for member in api.village.members[1:5]:
        c.post(f"/api/v1/collective/motions/{motion}/ballots", json={"choice": "yes", "member_id": member},
               headers=clerk)
    assert c.get(f"/api/v1/collective/motions/{motion}/sealed-ballots").json()["code"] == "collective.vote_not_sealed"
    assert c.get(f"/collective/motions/{motion}/sealed").status_code == 409
    sealed = c.post(f"/api/v1/collective/motions/{motion}/seal", headers=clerk).json()
    public = c.get(f"/api/v1/collective/motions/{motion}/sealed-ballots")  # no login
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["participants"] == 5 == len(body["ballots"]) and body["secrecy"] == "secret"
    counted = Counter(b["choice"] for b in body["ballots"])
    assert (counted["yes"], counted["no"], counted["abstain"]) == (body["yes"], body["no"], body["abstain"])
    assert (body["yes"], body["no"], body["abstain"]) == (4, 0, 1)
    lines = "".join(f"{b['receipt_digest']}:{b['choice']}\n" for b in sorted(body["ballots"],
                                                                            key=lambda b: b["receipt_digest"]))
    assert hashlib.sha256(lines.encode()).hexdigest() == sealed["ballots_sha256"] == body["ballots_sha256"]
    assert "member" not in json.dumps(body["ballots"]) and "party" not in json.dumps(body)
    page = c.get(f"/collective/motions/{motion}/sealed")  # the public page, zh-CN by default, English on request
    assert page.status_code == 200 and "封存的选票清单" in page.text and "无记名投票" in page.text
    assert all(b["receipt_digest"] in page.text for b in body["ballots"]) and page.text.count("<tr><td>") == 5
    assert "Sealed ballot list" in c.get(f"/collective/motions/{motion}/sealed", params={"lang": "en"}).text
    check = c.post("/api/v1/collective/receipts/check", json={"receipt": mine["receipt"]})  # no login
    assert check.status_code == 200
    assert check.json() == {"status": "counted", "motion_id": motion, "choice": "abstain",
                            "ballots_sha256": sealed["ballots_sha256"], "seal_ledger_seq": sealed["seal_ledger_seq"]}
    assert c.post("/api/v1/collective/receipts/check", json={"receipt": "f" * 40}).json()["status"] == "not_found"
    # the published digest is not a receipt: it does not check, so a list reader cannot pose as the voter
    digest = next(b["receipt_digest"] for b in body["ballots"] if b["choice"] == "abstain")
    assert c.post("/api/v1/collective/receipts/check", json={"receipt": digest}).json()["status"] == "not_found"
    assert c.post("/api/v1/collective/receipts/check", json={"receipt": "x" * 129}).status_code == 422
    me = c.get("/api/v1/collective/me", headers=villager).json()
    assert me["memberships"][0]["my_participation"] == {str(motion): "online"}
    assert mine["receipt"] not in json.dumps(me)


@pytest.mark.parametrize("user", [None, "villager", "outsider", "clerk2", "bank", "supervisor", "clerk"])
def test_public_list_and_receipt_check_permissions_change_nothing(api: Api, db: Database, user: str | None) -> None:
    c, clerk = api.client, auth(api.client, "clerk")
    motion = _vote(api)
    receipt = c.post(f"/api/v1/collective/motions/{motion}/ballots", json={"choice": "yes",
                                                                         "member_id": api.village.members[2]},
                     headers=clerk).json()["receipt"]
    c.post(f"/api/v1/collective/motions/{motion}/seal", headers=clerk)
    with db.transaction(readonly=True) as s:
        before = (current_size(s), s.scalar(select(func.count()).select_from(BallotBoxEntry)))
    h = auth(c, user)
    listed = c.get(f"/api/v1/collective/motions/{motion}/sealed-ballots", headers=h)
    assert listed.status_code == 200 and len(listed.json()["ballots"]) == 1
    checked = c.post("/api/v1/collective/receipts/check", json={"receipt": receipt}, headers=h)
    assert checked.status_code == 200 and checked.json()["choice"] == "yes"
    with db.transaction(readonly=True) as s:
        assert (current_size(s), s.scalar(select(func.count()).select_from(BallotBoxEntry))) == before


# --- services: named votes, the box, the seal -----------------------------------------------------

def _board_motion(s: Session, village: Village, kind: str) -> int:
    for m in village.members[:3]:
        collective.appoint_seat(s, collective_id=village.collective_id, member_id=m, body="board",
                                started_on=datetime(2021, 1, 1, tzinfo=UTC).date(), actor=ACTOR)
    meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="board", title="理事会",
                                         scheduled_at=datetime(2026, 3, 2, 2, tzinfo=UTC), actor=ACTOR)
    motion = collective.create_motion(s, meeting_id=meeting.id, title="年度预算", text="", kind=kind, actor=ACTOR)
    collective.open_vote(s, motion_id=motion.id, actor=ACTOR)
    return motion.id


def test_a_named_vote_records_choices_by_name_only_where_the_rule_says(db: Database, clock: Clock,
                                                                       village: Village) -> None:
    with db.transaction() as s:
        named = _board_motion(s, village, "board_resolution")
        assert queries.get_motion(s, named).secrecy == "named"
        receipt = collective.cast_ballot(s, motion_id=named, member_id=village.members[0], choice="no", actor=ACTOR)
        assert receipt.secrecy == "named"
        event = json.loads(get_event(s, receipt.ledger_seq).body)["payload"]
        assert event == {"member_id": village.members[0], "channel": "online", "choice": "no"}
        collective.cast_ballot(s, motion_id=named, member_id=village.members[1], choice="yes", actor=ACTOR)
        collective.seal_vote(s, motion_id=named, actor=ACTOR)
        roster = {r.member_id: r.named_choice for r in queries.roster_of(s, named)}
        assert roster == {village.members[0]: "no", village.members[1]: "yes", village.members[2]: None}
        assert collective.vote_verdict(s, named, "simple_majority").verified
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="会", scheduled_at=datetime(2026, 3, 2, 2, tzinfo=UTC), actor=ACTOR)
        secret = collective.create_motion(s, meeting_id=meeting.id, title="事项", text="", kind="general",
                                          actor=ACTOR)
        assert secret.secrecy == "secret"
        collective.open_vote(s, motion_id=secret.id, actor=ACTOR)
        collective.cast_ballot(s, motion_id=secret.id, member_id=village.members[0], choice="no", actor=ACTOR)
        assert all(r.named_choice is None for r in queries.roster_of(s, secret.id))


def _seal_refused(s: Session, motion: int, code: str) -> None:
    s.flush()
    with pytest.raises(Conflict) as err:
        collective.seal_vote(s, motion_id=motion, actor=ACTOR)
    assert err.value.code == code
    s.rollback()


def _open_general(s: Session, village: Village, title: str = "事项") -> int:
    meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                         title="会", scheduled_at=datetime(2026, 3, 2, 2, tzinfo=UTC), actor=ACTOR)
    motion = collective.create_motion(s, meeting_id=meeting.id, title=title, text="", actor=ACTOR)
    collective.open_vote(s, motion_id=motion.id, actor=ACTOR)
    return motion.id


def test_a_ballot_box_that_disagrees_with_participation_cannot_be_sealed(db: Database, clock: Clock,
                                                                        village: Village) -> None:
    with db.transaction() as s:
        motion = _open_general(s, village)
        for m in village.members[:4]:
            collective.cast_ballot(s, motion_id=motion, member_id=m, choice="yes", actor=ACTOR)
    with db.transaction() as s:
        # a stuffed ballot (no participation behind it) is caught at sealing
        s.add(BallotBoxEntry(id="f" * 32, motion_id=motion, receipt_digest="e" * 64, choice="yes", legacy=False))
        _seal_refused(s, motion, "collective.ballots_participation_mismatch")
    with db.transaction() as s:
        # a sealed choice moved to another entry does not open
        first, second = queries.ballot_box(s, motion)[:2]
        first.sealed_choice, second.sealed_choice = second.sealed_choice, first.sealed_choice
        _seal_refused(s, motion, "collective.ballot_unreadable")
    with db.transaction() as s:
        sealed = collective.seal_vote(s, motion_id=motion, actor=ACTOR)
        assert sealed.yes_count == 4 and queries.participation_count(s, motion) == 4


# --- the migration of the old linked ballots ------------------------------------------------------

def test_the_migration_splits_old_ballots_and_keeps_sealed_tallies_verifiable(db: Database, clock: Clock,
                                                                              village: Village) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    with db.transaction() as s:
        sealed_id, open_id = _open_general(s, village, "已封存"), _open_general(s, village, "进行中")
    command.downgrade(alembic_config(url), "0019-1")
    old: dict[int, list[tuple[int, str, str]]] = {}
    try:
        with db.engine.begin() as conn:
            for motion_id, choices in ((sealed_id, ["yes", "no", "yes", "abstain"]), (open_id, ["no", "yes"])):
                for member_id, choice in zip(village.members, choices, strict=False):
                    nonce = f"{member_id:032x}"
                    receipt = rules.ballot_receipt(motion_id, member_id, choice, nonce)
                    old.setdefault(motion_id, []).append((member_id, choice, receipt))
                    conn.execute(text(
                        "INSERT INTO collective_ballot (motion_id, member_id, choice, channel, receipt, nonce, "
                        "cast_at, entered_by) VALUES (:m, :v, :c, 'in_person', :r, :n, :t, :a)"),
                        {"m": motion_id, "v": member_id, "c": choice, "r": receipt, "n": nonce,
                         "t": datetime(2026, 3, 2, 2, tzinfo=UTC), "a": ACTOR})
            digest = rules.ballots_digest((r, c) for _, c, r in old[sealed_id])
            conn.execute(text("UPDATE collective_motion SET status = 'sealed', yes_count = 2, no_count = 1, "
                              "abstain_count = 1, ballots_sha256 = :d WHERE id = :m"), {"d": digest, "m": sealed_id})
    finally:
        command.upgrade(alembic_config(url), "head")
    with db.transaction() as s:
        roster = {(r.motion_id, r.member_id): r.channel
                  for r in s.execute(select(RosterEntry)).scalars()}
        for motion_id, ballots in old.items():
            assert all(roster[(motion_id, m)] == "in_person" for m, _, _ in ballots)
            assert sum(1 for (mid, _), ch in roster.items() if mid == motion_id and ch) == len(ballots)
        box = queries.ballot_box(s, sealed_id)
        assert all(b.legacy and b.choice and b.sealed_choice is None for b in box)
        assert sorted(b.position for b in box) == [0, 1, 2, 3]
        assert rules.ballots_digest((b.receipt_digest, b.choice or "") for b in box) == digest  # still recounts
        _, choice, receipt = old[sealed_id][1]
        check = collective.check_receipt(s, receipt)  # the old receipt still checks
        assert (check.status, check.choice) == ("counted", choice)
        opened = queries.ballot_box(s, open_id)
        assert all(b.legacy and b.choice is None and b.sealed_choice for b in opened)
        assert collective.check_receipt(s, old[open_id][0][2]).status == "in_box"
        sealed = collective.seal_vote(s, motion_id=open_id, actor=ACTOR)  # the migrated sealed choices open
        assert (sealed.yes_count, sealed.no_count) == (1, 1)
        assert collective.vote_verdict(s, open_id, "simple_majority").verified
    # the link is gone for good: a downgrade with ballots in the box is refused
    with pytest.raises(RuntimeError, match="cannot be downgraded"):
        command.downgrade(alembic_config(url), "0019-1")
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM collective_ballot_box"))
    command.downgrade(alembic_config(url), "0019-1")
    command.upgrade(alembic_config(url), "head")

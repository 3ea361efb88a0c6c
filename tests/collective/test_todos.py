"""The collective's to-dos in the service hall (issue #20 item 1; L3): a vote open to a member on its frozen roster,
due when it closes, until the member takes part; the clerk's open votes, urgent once closed and waiting to be
sealed; nothing for a member of another collective."""

from __future__ import annotations

from datetime import timedelta

from landbridge import collective
from landbridge.auth import OrgKind, Principal, Role, create_organisation
from landbridge.collective.models import Collective, Motion
from landbridge.collective.todos import todos
from landbridge.db import Database
from landbridge.kernel.clock import Clock, ensure_utc
from tests.collective.conftest import ACTOR, Village, build_village


def open_motion(db: Database, clock: Clock, village: Village) -> int:
    with db.transaction() as s:
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="成员大会", scheduled_at=clock.now(), actor=ACTOR)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="入市", text="", kind="market_entry_consent",
                                          actor=ACTOR)
        collective.open_vote(s, motion_id=motion.id, actor=ACTOR, closes_at=clock.now() + timedelta(days=3))
        return motion.id


def who(role: Role, *, party_id: int | None = None, organisation_id: int = 1) -> Principal:
    return Principal(user_id=1, username=role.value, display_name=role.value, role=role,
                     organisation_id=organisation_id, organisation_name="x", region_code="360600000000",
                     party_id=party_id)


def test_an_open_vote_waits_for_each_member_until_they_take_part(db: Database, clock: Clock,
                                                                 village: Village) -> None:
    with db.transaction() as s:
        org = create_organisation(s, name="锦江村股份经济合作社", kind=OrgKind.collective, region_code="360603101001")
        s.get_one(Collective, village.collective_id).organisation_id = org.id
        other = build_village(s, seed=7, region="360603101002")
    motion_id = open_motion(db, clock, village)
    with db.transaction(readonly=True) as s:
        closes = ensure_utc(s.get_one(Motion, motion_id).closes_at)  # type: ignore[arg-type]
        voter, bystander = who(Role.member, party_id=village.persons[0]), who(Role.member, party_id=other.persons[0])
        mine = list(todos(s, voter))
        assert [(t.kind, t.href, t.due, t.urgent) for t in mine] == [
            ("collective.vote", f"/collective/motions/{motion_id}", closes, False)]
        assert list(todos(s, bystander)) == []
        clerk = list(todos(s, who(Role.collective_clerk, organisation_id=org.id)))
        assert [(t.kind, t.urgent) for t in clerk] == [("collective.open_vote", False)]
        assert list(todos(s, who(Role.collective_clerk, organisation_id=org.id + 999))) == []
    with db.transaction() as s:
        collective.cast_ballot(s, motion_id=motion_id, member_id=village.members[0], choice="yes", actor=ACTOR)
    clock.advance(closes + timedelta(minutes=1) - clock.now())
    with db.transaction(readonly=True) as s:
        assert list(todos(s, voter)) == []  # took part
        assert [t.urgent for t in todos(s, who(Role.member, party_id=village.persons[1]))] == [True]  # past close
        clerk = list(todos(s, who(Role.collective_clerk, organisation_id=org.id)))
        assert [(t.kind, t.urgent) for t in clerk] == [("collective.seal", True)] and "待封存" in clerk[0].title_zh

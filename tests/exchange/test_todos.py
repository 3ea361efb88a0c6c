"""The exchange's to-dos in the service hall (issue #20 item 1): a bidder's running lots with their end time (the
bidder of the issue's demo reaches the lot it bid on from the home page), and an operator's drafts to announce."""

from __future__ import annotations

from landbridge.auth import Principal, Role
from landbridge.db import Database
from landbridge.exchange.search import search
from landbridge.exchange.todos import todos
from landbridge.kernel.clock import Clock, ensure_utc
from tests.exchange.conftest import World, enrol, new_lot


def who(role: Role, party_id: int | None = None, region: str = "360600000000") -> Principal:
    return Principal(user_id=1, username=role.value, display_name=role.value, role=role, organisation_id=1,
                     organisation_name="x", region_code=region, party_id=party_id)


def test_a_bidder_sees_the_lots_it_is_on_and_an_operator_its_drafts(db: Database, world: World,
                                                                    clock: Clock) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world)
        enrol(s, lot, world, world.bidders[0])
        draft = new_lot(s, world, publish=False)
        lot_id, ends, draft_id, starts = lot.id, lot.ends_at, draft.id, draft.starts_at
    with db.transaction(readonly=True) as s:
        mine = list(todos(s, who(Role.bidder, world.bidders[0])))
        assert [(t.kind, t.href, t.due, t.urgent) for t in mine] == [
            ("exchange.bid", f"/exchange/lots/{lot_id}", ensure_utc(ends) if ends else None, False)]
        assert mine[0].title_zh.startswith("竞买 ") and "范家村" in mine[0].title_zh
        assert list(todos(s, who(Role.bidder, world.bidders[1]))) == []  # not enrolled
        drafts = list(todos(s, who(Role.exchange_operator)))
        assert [(t.kind, t.href, t.due) for t in drafts] == [
            ("exchange.draft", f"/exchange/lots/{draft_id}", ensure_utc(starts))]
        assert list(todos(s, who(Role.exchange_operator, region="360681000000"))) == []  # another county
        assert list(todos(s, who(Role.supervisor))) == []


def test_search_finds_a_published_lot_for_anyone_and_a_draft_for_insiders_only(db: Database, world: World) -> None:
    """Issue #20 item 1 (search): a lot by its number or a word of its title; a draft only for its operators
    and supervisors, as its page."""
    with db.transaction() as s:
        lot = new_lot(s, world)
        draft = new_lot(s, world, publish=False)
        lot_id, number, title, draft_id, draft_number = lot.id, lot.number, lot.title, draft.id, draft.number
    with db.transaction(readonly=True) as s:
        public = list(search(s, None, number.lower()))
        assert [(h.href, h.label) for h in public] == [(f"/exchange/lots/{lot_id}", f"{number} {title}")]
        assert public[0].detail_zh != public[0].detail_en  # the phase in each language
        assert f"/exchange/lots/{lot_id}" in {h.href for h in search(s, None, title[2:6])}
        assert list(search(s, None, draft_number)) == []
        assert list(search(s, who(Role.bidder, world.bidders[0]), draft_number)) == []
        assert [h.href for h in search(s, who(Role.exchange_operator), draft_number)] == [
            f"/exchange/lots/{draft_id}"]

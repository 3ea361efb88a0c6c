"""Saved searches (issue #23 item 2; L6, P1, F1): a signed-in user saves a finder search, lists and deletes only
their own; the worker job tells them once (a notice with a dedupe key) of a lot published later on a parcel that
meets the search, and never of one that does not; bad filters are typed 422."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from landbridge import notices, registry
from landbridge.db import Database
from landbridge.finder.models import LotWatermark
from landbridge.finder.saved import SETTLE, notify_new_lots, saved_searches_max
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import World as LotWorld
from tests.exchange.conftest import new_lot
from tests.finder.test_finder import Row, _world
from tests.notices.test_notices import uid
from tests.web.test_bounds import bearer
from tests.web.test_pages import csrf_of, login
from tests.web.world import World

API = "/api/v1/finder/saved-searches"
TERM = {"term_start": date(2027, 1, 1), "term_end": date(2036, 12, 31)}


@pytest.fixture
def rows(db: Database, world: World, clock: Clock) -> tuple[list[Row], int]:
    """The finder's fixture of 18 parcels beside the web world's accounts, on a day the finder rules are in force."""
    clock.set(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    with db.transaction() as s:
        return _world(s)


def save(client: TestClient, headers: dict[str, str], **filters: Any) -> Any:
    return client.post(API, headers=headers, json={"name": "", "filters": filters})


def publish(db: Database, row: Row, holder: int) -> int:
    with db.transaction() as s:
        right = registry.current_rights(s, row.unit_id)[0].id
        return new_lot(s, LotWorld(seller=holder, unit=row.unit_id, right=right), **TERM).id  # type: ignore[arg-type]


def tick(db: Database) -> int:
    with db.transaction() as s:
        return notify_new_lots(s)


def inbox(db: Database, user: int) -> list[tuple[str, str, str | None]]:
    with db.transaction(readonly=True) as s:
        return [(n.kind, n.href, n.dedupe_key) for n in notices.inbox(s, user)[0]]


def test_a_matching_lot_notifies_once_and_a_non_matching_one_not(db: Database, clock: Clock,
                                                                 rows: tuple[list[Row], int]) -> None:
    found, holder = rows
    target = next(r for r in found if r.right_type == "land_contract_right" and r.row == 0)
    other = next(r for r in found if r.region != target.region and r.right_type == "land_contract_right")
    member, bank = uid(db, "member"), uid(db, "bank")
    with TestClient(create_app()) as client:
        mine = save(client, bearer(client, "member"), region=target.region, right_type="land_contract_right",
                    max_road_m=300)
        assert mine.status_code == 201, mine.text
        assert save(client, bearer(client, "member"), region=target.region, area_min=1).status_code == 201
        theirs = save(client, bearer(client, "bank"), region=other.region, use="0601")
        assert theirs.status_code == 201
    lot = publish(db, target, holder)
    assert tick(db) == 0  # published just now: not read before it settled
    clock.advance(SETTLE + timedelta(seconds=1))
    assert tick(db) == 1  # two of member's searches meet it: one notice
    got = inbox(db, member)
    assert got == [
        ("finder.lot_published", f"/exchange/lots/{lot}", f"finder.lot:{lot}")]
    assert inbox(db, bank) == []  # the bank's search is of another village
    assert tick(db) == 0
    with db.transaction() as s:  # the watermark lost: the lot is read again, the notice still arrives once
        s.execute(delete(LotWatermark))
    assert tick(db) == 0 and len(inbox(db, member)) == 1
    far = next(r for r in found if r.region == target.region and r.row == 10 and r.right_type == "land_contract_right")
    publish(db, far, holder)  # 1 000 m from the road: member's first search does not meet it, the second does
    clock.advance(SETTLE + timedelta(seconds=1))
    assert tick(db) == 1 and len(inbox(db, member)) == 2
    miss = [r for r in found if r.region == target.region and r.row == 10 and r.right_type == "land_contract_right"][1]
    with TestClient(create_app()) as client:  # member deletes the broad search: only the narrow one is left
        broad = [i for i in client.get(API, headers=bearer(client, "member")).json()["items"]
                 if "area_min" in i["filters"]]
        assert client.delete(f"{API}/{broad[0]['id']}", headers=bearer(client, "member")).status_code == 200
    publish(db, miss, holder)  # 1 000 m from the road: the narrow search does not meet it
    clock.advance(SETTLE + timedelta(seconds=1))
    assert tick(db) == 0 and len(inbox(db, member)) == 2 and inbox(db, bank) == []


def test_a_lot_published_before_the_search_was_saved_is_not_notified(db: Database, clock: Clock,
                                                                       rows: tuple[list[Row], int]) -> None:
    found, holder = rows
    publish(db, found[0], holder)
    clock.advance(timedelta(minutes=1))
    with TestClient(create_app()) as client:
        assert save(client, bearer(client, "member"), region=found[0].region).status_code == 201
    clock.advance(SETTLE)
    assert tick(db) == 0 and inbox(db, uid(db, "member")) == []
    with db.transaction(readonly=True) as s:
        assert s.scalars(select(LotWatermark)).one().lot_id > 0  # read, and passed


def test_another_users_search_is_neither_listed_nor_deletable(db: Database, rows: tuple[list[Row], int]) -> None:
    with TestClient(create_app()) as client:
        member, bank = bearer(client, "member"), bearer(client, "bank")
        made = save(client, member, use="0601", price_max="300").json()
        assert made["filters"] == {"use": "0601", "price_max": "300"} and made["url"].startswith("/finder?")
        assert [i["id"] for i in client.get(API, headers=member).json()["items"]] == [made["id"]]
        assert client.get(API, headers=bank).json()["items"] == []
        r = client.delete(f"{API}/{made['id']}", headers=bank)
        assert r.status_code == 404 and r.json()["code"] == "finder.saved_search_not_found"
        assert client.get(API).status_code == 401
        assert client.post(API, json={"filters": {"use": "0601"}}).status_code == 401
        assert client.delete(f"{API}/{made['id']}", headers=member).status_code == 200
        again = client.delete(f"{API}/{made['id']}", headers=member)
        assert again.status_code == 404 and again.json()["code"] == "finder.saved_search_not_found"
        assert client.delete(f"{API}/{2**40}", headers=member).status_code == 422


@pytest.mark.parametrize(("filters", "code"), [
    ({"area_min": 900, "area_max": 100}, "finder.invalid_range"),
    ({"use": "9999"}, "finder.unknown_use"),
    ({"right_type": "castle"}, "finder.unknown_right_type"),
    ({"region": "3606"}, "finder.invalid_region"),
    ({}, "finder.empty_search"),
    ({"area_min": -1}, "request.invalid"),
    ({"colour": "red"}, "request.invalid"),
])
def test_bad_filters_are_typed(db: Database, rows: tuple[list[Row], int], filters: dict[str, Any],
                               code: str) -> None:
    with TestClient(create_app()) as client:
        r = client.post(API, headers=bearer(client, "member"), json={"filters": filters})
        assert r.status_code == 422 and r.json()["code"] == code, r.text
        assert client.get(API, headers=bearer(client, "member")).json()["items"] == []


def test_a_user_keeps_at_most_the_rules_number_of_searches(db: Database, rows: tuple[list[Row], int]) -> None:
    limit = saved_searches_max()
    assert limit == 20
    with TestClient(create_app()) as client:
        member = bearer(client, "member")
        for k in range(limit):
            assert save(client, member, area_min=k).status_code == 201
        r = save(client, member, area_min=limit)
        assert r.status_code == 422 and r.json()["code"] == "finder.saved_searches_full"
        r = client.post(API, headers=member, json={"name": "x" * 61, "filters": {"use": "0601"}})
        assert r.status_code == 422
        assert save(client, bearer(client, "bank"), area_min=1).status_code == 201  # per user


def test_the_page_saves_lists_and_deletes(db: Database, rows: tuple[list[Row], int]) -> None:
    with TestClient(create_app()) as client:
        assert "/login?next=/finder" in client.get("/finder?use=0601").text
        assert client.post("/finder/saved-searches", data={"use": "0601"}, follow_redirects=False
                           ).headers["location"].startswith("/login")
        login(client, "member")
        page = client.get("/finder?use=0601&max_road_m=300")
        token = csrf_of(page.text)
        r = client.post("/finder/saved-searches", data={"csrf": token, "use": "0601", "max_road_m": "300",
                                                        "name": "工业用地近路"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/finder?max_road_m=300&use=0601"
        listed = client.get("/finder")
        assert "工业用地近路" in listed.text and 'data-saved="' in listed.text
        sid = int(listed.text.split('data-saved="')[1].split('"')[0])
        bad = client.post("/finder/saved-searches", data={"csrf": token, "use": "9999"})
        assert bad.status_code == 422 and "finder.unknown_use" in bad.text
        r = client.post(f"/finder/saved-searches/{sid}/delete", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and 'data-saved="' not in client.get("/finder").text

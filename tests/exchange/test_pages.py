"""Exchange pages: public list and lot page in both languages, the bidding room and the operator's desk."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from landbridge.auth import create_demo_accounts, link_user_party
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import build_world, enrol, new_lot


def login(client: TestClient, username: str) -> None:
    token = csrf(client.get("/login?lang=zh_CN").text)
    r = client.post("/login", data={"username": username, "password": "demo", "csrf": token}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_pages_bidding_room_and_desk(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s)
        link_user_party(s, username="bidder", party_id=world.bidders[0])
        lot = new_lot(s, world)
        enrol(s, lot, world, world.bidders[0])
        walk_in = enrol(s, lot, world, world.bidders[1])
        draft = new_lot(s, world, publish=False)
        lot_id, draft_id, code = lot.id, draft.id, walk_in.bidder_code
    clock.set(clock.now() + timedelta(days=8))
    with TestClient(create_app()) as c:
        page = c.get("/exchange")
        assert page.status_code == 200 and "农村产权交易" in page.text and "挂牌中" not in page.text
        assert f"/exchange/lots/{draft_id}" not in page.text
        assert "Rural property-rights exchange" in c.get("/exchange?lang=en").text
        c.get("/exchange?lang=zh_CN")
        assert c.get(f"/exchange/lots/{draft_id}").status_code == 404
        public = c.get(f"/exchange/lots/{lot_id}")
        assert public.status_code == 200 and 'id="countdown"' in public.text and "bidding-room" not in public.text
        assert 'id="parcel-map"' in public.text and '"geometry": {"type"' in public.text  # the lot's parcel, mapped
        assert "标的位置" in public.text
        login(c, "bidder")
        room = c.get(f"/exchange/lots/{lot_id}")
        assert 'id="bidding-room"' in room.text and 'id="desk"' not in room.text
        assert "保证金: 10000.00 · 已到账" in room.text  # the deposit's status in words
        token = csrf(room.text)
        r = c.post(f"/exchange/lots/{lot_id}/bid", data={"amount_cny": "100000.00", "idempotency_key": "p1",
                                                          "csrf": token}, follow_redirects=True)
        assert "已被接受" in r.text and "100000.00" in r.text
        r = c.post(f"/exchange/lots/{lot_id}/bid", data={"amount_cny": "101500.00", "idempotency_key": "p2",
                                                          "csrf": token}, follow_redirects=True)
        assert "整数倍" in r.text
        assert c.post(f"/exchange/lots/{lot_id}/bid", data={"amount_cny": "1", "idempotency_key": "p3",
                                                             "csrf": "forged"}).status_code == 403
        assert c.post(f"/exchange/lots/{lot_id}/offline-bid", data={
            "bidder_code": code, "amount_cny": "101000", "idempotency_key": "d0", "evidence": "x",
            "csrf": token}).status_code == 403
    with TestClient(create_app()) as c:
        login(c, "exchange")
        assert "Operator" in c.get(f"/exchange/lots/{lot_id}?lang=en").text
        desk = c.get(f"/exchange/lots/{lot_id}?lang=zh_CN")
        assert 'id="desk"' in desk.text and "交易员工作台" in desk.text
        r = c.post(f"/exchange/lots/{lot_id}/offline-bid", data={
            "bidder_code": code, "amount_cny": "101000.00", "idempotency_key": "d1", "evidence": "书面报价单 #7",
            "csrf": csrf(desk.text)}, follow_redirects=True)
        assert r.status_code == 200 and "已被接受" in r.text and "线下" in r.text

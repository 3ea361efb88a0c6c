"""Supervision flags (issue #6 scope 7): one address or device across bidders, a single bidder, a price far
from the appraisal, repeated re-listing; stored once, in the ledger, listed for supervisors only."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge import exchange
from landbridge.auth import create_demo_accounts
from landbridge.db import Database
from landbridge.exchange.models import Lot, SupervisionFlag
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events
from landbridge.main import create_app
from tests.exchange.conftest import OPERATOR, World, enrol, new_lot, to
from tests.exchange.test_api import auth
from tests.exchange.test_pages import csrf, login


def kinds(db: Database, lot_id: int) -> dict[str, str]:
    with db.transaction(readonly=True) as s:
        return {f.kind: f.key for f in s.scalars(select(SupervisionFlag).where(SupervisionFlag.lot_id == lot_id))}


def test_flags_at_close_and_relisting(db: Database, clock: Clock, world: World) -> None:
    a, b, c = world.bidders[:3]
    with db.transaction() as s:
        create_demo_accounts(s)
        shared = new_lot(s, world, appraised_value="50000.00")  # the award will be far above the appraisal
        bidders = [enrol(s, shared, world, p) for p in (a, b, c)]
        sole = new_lot(s, world, kind="collateral", start_price="70000.00", appraised_value="100000.00")
        only = enrol(s, sole, world, a)
        shared_id, sole_id = shared.id, sole.id
    to(clock, shared.starts_at)
    with db.transaction() as s:
        exchange.run_due(s)
        for bidder, amount, ip, device in ((bidders[0], "100000.00", "10.0.0.7", "d-1"),
                                           (bidders[1], "101000.00", "10.0.0.7", "d-2"),
                                           (bidders[2], "102000.00", "10.0.0.9", "d-2")):
            assert exchange.place_bid(s, lot_id=shared_id, bidder_id=bidder.id, amount=amount, idempotency_key=amount,
                                      actor="x", client_ip=ip, device_id=device).accepted
    to(clock, sole.starts_at)
    with db.transaction() as s:
        exchange.run_due(s)
        assert exchange.place_bid(s, lot_id=sole_id, bidder_id=only.id, amount="70000.00", idempotency_key="k",
                                  actor="x").accepted
    assert kinds(db, shared_id) == {}  # nothing is raised before the close
    with db.transaction(readonly=True) as s:
        end = max(s.get(Lot, shared_id).ends_at, s.get(Lot, sole_id).ends_at)  # type: ignore[union-attr,type-var]
    to(clock, end, timedelta(days=2))
    with db.transaction() as s:
        exchange.run_due(s)
    assert kinds(db, shared_id) == {"shared_address": "10.0.0.7", "shared_device": "d-2",
                                    "price_far_from_appraisal": "102000.00"}
    assert kinds(db, sole_id) == {"single_bidder": "1"}
    with db.transaction() as s:
        assert exchange.scan_lot(s, s.get(Lot, shared_id)) == []  # type: ignore[arg-type]  # once only
        events = [e for e in list_events(s, module="exchange", limit=1000) if e.event_type == "flag_raised"]
        assert len(events) == 4
        assert {json.loads(e.body)["payload"]["kind"] for e in events} >= {"shared_address", "single_bidder"}
        # the sole-bidder collateral lot failed? no: judicial style awards the sole bidder; fail it to re-list
        exchange.record_default(s, lot_id=sole_id, actor=OPERATOR, reason="未付款")
        second = exchange.relist_lot(s, lot_id=sole_id, actor=OPERATOR, starts_at=clock.now() + timedelta(days=8))
        second_id = second.id
    assert "repeated_relisting" not in kinds(db, second_id)  # attempt 2 is ordinary

    with TestClient(create_app()) as client:
        assert client.get("/api/v1/exchange/flags").status_code == 401
        for user in ("bidder", "exchange"):
            r = client.get("/api/v1/exchange/flags", headers=auth(client, user))
            assert r.status_code == 403 and r.json()["code"] == "auth.forbidden_role"
        sup = auth(client, "supervisor")
        r = client.get("/api/v1/exchange/flags", headers=sup)
        assert r.status_code == 200 and r.json()["total"] == 4
        r = client.get("/api/v1/exchange/flags?kind=shared_device", headers=sup)
        assert [f["details"]["bidders"] for f in r.json()["items"]] == [2]
        assert client.get("/api/v1/exchange/flags?kind=nonsense", headers=sup).status_code == 422
        assert client.get("/exchange/supervision", follow_redirects=False).status_code == 303
        login(client, "bidder")
        assert client.get("/exchange/supervision").status_code == 403
        client.post("/logout", data={"csrf": csrf(client.get("/exchange").text)})
        login(client, "supervisor")
        page = client.get("/exchange/supervision?lang=zh_CN")
        assert page.status_code == 200 and "监管预警" in page.text and "10.0.0.7" in page.text
        assert page.text.count('class="flag-') == 4 and "不同竞买人同一设备报价" in page.text


def test_repeated_relisting_is_flagged_from_the_third_attempt(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        lot_id = new_lot(s, world).id
    attempts = {}
    for attempt in (1, 2, 3):
        with db.transaction() as s:
            lot = s.get(Lot, lot_id)
            assert lot is not None and lot.attempt == attempt
            attempts[attempt] = lot_id
            end = lot.ends_at
        to(clock, end, timedelta(hours=1))
        with db.transaction() as s:
            exchange.run_due(s)  # no bids: unsuccessful
            assert s.get(Lot, lot_id).phase == "unsuccessful"  # type: ignore[union-attr]
            if attempt < 3:
                lot_id = exchange.relist_lot(s, lot_id=lot_id, actor=OPERATOR,
                                             starts_at=clock.now() + timedelta(days=8)).id
                exchange.publish_lot(s, lot_id=lot_id, actor=OPERATOR)
    assert "repeated_relisting" not in kinds(db, attempts[1]) and "repeated_relisting" not in kinds(db, attempts[2])
    assert kinds(db, attempts[3])["repeated_relisting"] == "3"


def test_a_negotiated_transfer_is_not_flagged_for_its_single_counterparty(db: Database, clock: Clock,
                                                                        world: World) -> None:
    """A negotiated transfer (协议转让) has one counterparty by its nature: no single-bidder flag (F4)."""
    from tests.exchange.test_methods import negotiated_lot, to_publicity_end
    from tests.exchange.test_service import run_due

    lot_id, bidder = negotiated_lot(db, world)
    lot = to_publicity_end(db, clock, lot_id)
    to(clock, lot.ends_at)
    run_due(db)
    with db.transaction() as s:
        exchange.record_agreement(s, lot_id=lot_id, party_id=bidder.party_id, price="105000.00", actor=OPERATOR)
        assert s.get(Lot, lot_id).phase == "award_pending"  # type: ignore[union-attr]
    assert "single_bidder" not in kinds(db, lot_id)

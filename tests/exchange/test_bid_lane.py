"""The bid lane (``exchange.bid_lane``, F4, issue #6 speed): a bearer-token bid answered by the lane gets exactly
the answer the framework's route gives, and every request the lane does not take reaches the framework.

The same script of requests runs against two lots, one through an application with the lane and one through
an application without it; the two transcripts must be equal (ids, times and bidder codes aside).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange import run_due
from landbridge.exchange.bid_lane import BidLane
from landbridge.exchange.models import Bid, Lot
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import build_world, enrol, new_lot

VOLATILE = {"id", "bid_id", "placed_at", "server_time", "countdown_end", "lot_id"}


@dataclass
class Side:
    client: TestClient
    app: FastAPI
    lot: Lot
    codes: dict[str, str]  # bidder code -> the user it belongs to


def _without_lane(app: FastAPI) -> FastAPI:
    app.user_middleware = [m for m in app.user_middleware if m.cls is not BidLane]
    return app


def _lane(app: FastAPI) -> BidLane | None:
    """The application's lane, found down its built middleware stack."""
    layer: Any = app.middleware_stack
    while layer is not None:
        if isinstance(layer, BidLane):
            return layer
        layer = getattr(layer, "app", None)
    return None


@pytest.fixture
def sides(db: Database, clock: Clock) -> Iterator[dict[str, Side]]:
    with db.transaction() as s:
        create_demo_accounts(s)
        people = create_organisation(s, name="竞买人", kind=OrgKind.individual, region_code="360600000000")
        lots: dict[str, tuple[Lot, dict[str, str]]] = {}
        for col, name in enumerate(("lane", "route")):
            world = build_world(s, n_bidders=3, col=col)
            lot = new_lot(s, world)
            codes = {}
            for i, paid in enumerate((True, True, False)):
                user = f"{name}{i}"
                create_user(s, username=user, password="demo", display_name=user, role=Role.bidder,
                            organisation_id=people.id, party_id=world.bidders[i], is_demo=True)
                codes[enrol(s, lot, world, world.bidders[i], paid=paid).bidder_code] = f"bidder{i}"
            lots[name] = (lot, codes)
        create_user(s, username="nobody", password="demo", display_name="无身份竞买人", role=Role.bidder,
                    organisation_id=people.id, is_demo=True)
    apps = {"lane": create_app(), "route": _without_lane(create_app())}
    with TestClient(apps["lane"]) as a, TestClient(apps["route"]) as b:
        yield {name: Side(c, apps[name], *lots[name]) for name, c in (("lane", a), ("route", b))}


def _token(client: TestClient, username: str) -> str:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _normal(value: Any, codes: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: "…" if k in VOLATILE else _normal(v, codes) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v, codes) for v in value]
    return codes.get(value, value) if isinstance(value, str) else value


def _script(side: Side, name: str, opened: bool) -> list[tuple[str, int, Any]]:
    """Every kind of bid request, in order; the answers as (step, status, body without volatile values)."""
    url = f"/api/v1/exchange/lots/{side.lot.id}/bids"
    t0, t1, t2 = (_token(side.client, f"{name}{i}") for i in range(3))
    bearer = {k: {"Authorization": f"Bearer {t}"} for k, t in (("b0", t0), ("b1", t1), ("b2", t2))}
    bearer["none"] = {"Authorization": f"Bearer {_token(side.client, 'nobody')}"}
    bearer["sup"] = {"Authorization": f"Bearer {_token(side.client, 'supervisor')}"}
    bearer["bad"] = {"Authorization": "Bearer not-a-token"}
    steps: list[tuple[str, str, dict[str, str], Any]] = [("not open", "b0", {}, {"amount_cny": "100000.00",
                                                                                "idempotency_key": "a0"})]
    if opened:
        steps = [
            ("deposit", "b2", {}, {"amount_cny": "100000.00", "idempotency_key": "c0"}),
            ("below", "b0", {}, {"amount_cny": "99000.00", "idempotency_key": "c1"}),
            ("multiple", "b0", {}, {"amount_cny": "100100.00", "idempotency_key": "c2"}),
            ("amount", "b0", {}, {"amount_cny": "abc", "idempotency_key": "c3"}),
            ("accepted", "b0", {"x-device-id": "dev-1"}, {"amount_cny": "100000.00", "idempotency_key": "k1"}),
            ("replay", "b0", {}, {"amount_cny": "100000.00", "idempotency_key": "k1"}),
            ("beaten", "b1", {}, {"amount_cny": "100000.00", "idempotency_key": "k2"}),
            ("reused", "b1", {}, {"amount_cny": "102000.00", "idempotency_key": "k2"}),
            ("raise", "b1", {}, {"amount_cny": "102000.00", "idempotency_key": "k3"}),
            ("unknown token", "bad", {}, {"amount_cny": "103000.00", "idempotency_key": "k4"}),
            ("not a bidder", "sup", {}, {"amount_cny": "103000.00", "idempotency_key": "k4"}),
            ("no party", "none", {}, {"amount_cny": "103000.00", "idempotency_key": "k4"}),
            ("blank key", "b0", {}, {"amount_cny": "103000.00", "idempotency_key": " "}),
            ("missing key", "b0", {}, {"amount_cny": "103000.00"}),
            ("number", "b0", {}, {"amount_cny": 103000, "idempotency_key": "k5"}),
            ("list", "b0", {}, []),
            ("long key", "b0", {}, {"amount_cny": "103000.00", "idempotency_key": "k" * 2000}),
        ]
    out: list[tuple[str, int, Any]] = []
    for step, who, extra, body in steps:
        r = side.client.post(url, json=body, headers={**bearer[who], **extra})
        out.append((step, r.status_code, _normal(r.json(), side.codes)))
    for step, headers, content in (
            ("not json", {"content-type": "application/json"}, b"{"),
            ("form", {"content-type": "application/x-www-form-urlencoded"}, b"amount_cny=1&idempotency_key=x")):
        r = side.client.post(url, content=content, headers={**bearer["b0"], **headers})
        out.append((step, r.status_code, _normal(r.json(), side.codes)))
    r = side.client.post("/api/v1/exchange/lots/999999/bids", json={"amount_cny": "1.00", "idempotency_key": "z"},
                         headers=bearer["b0"])
    out.append(("no lot", r.status_code, r.json()))
    return out


def test_the_lane_answers_exactly_as_the_route(sides: dict[str, Side], db: Database, clock: Clock) -> None:
    before = {name: _script(side, name, opened=False) for name, side in sides.items()}
    assert before["lane"] == before["route"]
    assert (before["lane"][0][1], before["lane"][0][2]["code"]) == (409, "exchange.lot_not_open")
    clock.set(clock.now() + timedelta(days=8))
    with db.transaction() as s:
        run_due(s)
    after = {name: _script(side, name, opened=True) for name, side in sides.items()}
    assert after["lane"] == after["route"]
    answers = {step: (status, body.get("code", body.get("status"))) for step, status, body in after["lane"]}
    assert answers["accepted"] == (201, "accepted") and answers["replay"] == (200, "accepted")
    assert answers["below"] == (422, "exchange.bid_below_increment")
    assert answers["multiple"] == (422, "exchange.bid_not_multiple_of_increment")
    assert answers["deposit"] == (409, "exchange.deposit_not_confirmed")
    assert answers["reused"] == (409, "exchange.idempotency_key_reused")
    assert answers["unknown token"] == (401, "auth.invalid_token")
    assert answers["not a bidder"][0] == 403 and answers["no party"][0] == 422
    assert answers["blank key"] == (422, "exchange.invalid_idempotency_key")
    for step in ("missing key", "number", "list", "long key", "not json", "form"):
        assert answers[step] == (422, "request.invalid"), step
    assert answers["no lot"] == (404, "exchange.lot_not_found")
    # the lane took the well-formed bearer-token bids, the framework every other request
    lane = _lane(sides["lane"].app)
    assert lane is not None and _lane(sides["route"].app) is None
    assert lane.taken == 2 + 14  # each script's well-formed bodies (before opening 1, after it 13) and "no lot"
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(Bid.lot_id, Bid.device_id, Bid.client_ip, Bid.status, Bid.amount_cny)
                         .where(Bid.idempotency_key == "k1")).all()
        assert {(r.device_id, r.client_ip, r.status) for r in rows} == {("dev-1", "testclient", "accepted")}
    assert len(rows) == 2  # one per lot: the lane records the device header and the address as the route does


def test_a_cookie_session_bid_is_left_to_the_framework(sides: dict[str, Side], clock: Clock) -> None:
    """Without a bearer token the lane steps aside: an anonymous bid gets the framework's 401."""
    side = sides["lane"]
    r = side.client.post(f"/api/v1/exchange/lots/{side.lot.id}/bids",
                         json={"amount_cny": "100000.00", "idempotency_key": "x"})
    assert r.status_code == 401 and r.json()["code"] == "auth.login_required"
    lane = _lane(side.app)
    assert lane is not None and lane.taken == 0

"""Test helpers for settlement (价款结算): a lot won and confirmed, through the services or the API, and the
winner paying the balance into the settlement sub-account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.exchange.models import Bidder, Lot
from landbridge.exchange.settlement_models import Settlement
from landbridge.kernel.clock import Clock
from tests.exchange.conftest import OPERATOR, World, bid, enrol, new_lot, to
from tests.exchange.test_api import Api, auth, lot_body, pay


def pay_balance(s: Session, lot_id: int, *, ref: str | None = None) -> Settlement:
    """The simulated bank credits the lot's settlement sub-account with the full balance, in the winner's name."""
    row = exchange.get_settlement(s, lot_id)
    return exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                                payer_name=registry.get_party(s, row.party_id).name,
                                bank_ref=ref or f"BANK-{row.sub_account}", actor="bank:callback")


def awarded(db: Database, clock: Clock, world: World, *, n: int = 3, **lot: Any) -> tuple[int, list[Bidder]]:
    """A listing lot (``new_lot(**lot)``) whose ``n`` bidders bid 100 000, 101 000, … yuan in turn: the last wins
    when the countdown ends and the award is confirmed. Returns the lot's id and its bidders."""
    with db.transaction() as s:
        row = new_lot(s, world, **lot)
        bidders = [enrol(s, row, world, p) for p in world.bidders[:n]]
        lot_id = row.id
    to(clock, row.starts_at)
    with db.transaction() as s:
        current = s.get(Lot, lot_id)
        assert current is not None
        for i, b in enumerate(bidders):
            assert bid(s, current, b, str(100000 + 1000 * i)).accepted
    to(clock, row.ends_at, timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    return lot_id, bidders


def confirmed_by_api(api: Api, db: Database, *, kind: str) -> int:
    """Through the API: the operator lists a lot of ``kind`` (announced 21 days ahead), the bidder registers and
    pays a 20,000 yuan deposit, bids 100,000 as the only bidder, the listing ends and the operator confirms the
    award. Returns the lot's id."""
    h = auth(api.client, "exchange")
    body = lot_body(api, kind=kind, starts_at=(api.clock.now() + timedelta(days=21)).isoformat())
    lid = int(api.client.post("/api/v1/exchange/lots", json=body, headers=h).json()["id"])
    assert api.client.post(f"/api/v1/exchange/lots/{lid}/publish", headers=h).status_code == 200
    winner = api.world.names[api.world.bidders[0]]
    reg = api.client.post(f"/api/v1/exchange/lots/{lid}/applications", headers=auth(api.client, "bidder")).json()
    assert pay(api, reg["sub_account"], "20000.00", winner, "D1").status_code == 200
    api.clock.set(api.clock.now() + timedelta(days=21))
    r = api.client.post(f"/api/v1/exchange/lots/{lid}/bids", json={"amount_cny": "100000", "idempotency_key": "w"},
                        headers=auth(api.client, "bidder"))
    assert r.status_code == 201, r.text
    api.clock.set(api.clock.now() + timedelta(days=30))
    with db.transaction() as s:
        exchange.run_due(s)
    h = auth(api.client, "exchange")
    assert api.client.post(f"/api/v1/exchange/lots/{lid}/award/confirm", headers=h).status_code == 200
    return lid

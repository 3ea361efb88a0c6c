"""Lending's disposal API (issue #17): the fixed-price sale after two failed auctions, its failure back to workout
and the settlement from the exchange's sale, for the lending bank only; a refusal changes nothing."""

from __future__ import annotations

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.lending import service
from tests.lending.conftest import World
from tests.lending.test_api import Api, api, auth
from tests.lending.test_disposal import defaulted_loan, fail, relist, start
from tests.lending.test_service import snapshot

__all__ = ["api"]


def test_fixed_price_sale_and_its_failure_over_http(db: Database, clock: Clock, world: World, api: Api) -> None:
    loan_id, _ = defaulted_loan(db, clock, world)
    c = api.client
    base = f"/api/v1/lending/loans/{loan_id}"
    first = start(db, clock, loan_id)
    r = c.post(f"{base}/settlement/from-sale", headers=auth(c, "bank1"))
    assert r.status_code == 409 and r.json()["code"] == "lending.sale_not_paid"
    r = c.post(f"{base}/disposal/fixed-price-sale", json={}, headers=auth(c, "bank1"))
    assert r.status_code == 409 and r.json()["code"] == "lending.fixed_sale_not_due"
    fail(db, clock, first)
    fail(db, clock, relist(db, clock, first))
    before = snapshot(db)
    for user, status in (("bank2", 403), ("farmer", 403), (None, 401)):
        assert c.post(f"{base}/disposal/fixed-price-sale", json={}, headers=auth(c, user)).status_code == status
    assert snapshot(db) == before
    r = c.post(f"{base}/disposal/fixed-price-sale", json={}, headers=auth(c, "bank1"))
    assert r.status_code == 200 and r.json()["status"] == "in_disposal"
    r = c.post(f"{base}/disposal/failed", headers=auth(c, "bank1"))
    assert r.status_code == 409 and r.json()["code"] == "lending.fixed_sale_not_failed"
    with db.transaction(readonly=True) as s:
        third = service.get_loan(s, loan_id).lot_id or 0
    fail(db, clock, third)
    r = c.post(f"{base}/disposal/failed", headers=auth(c, "bank1"))
    assert r.status_code == 200 and r.json()["status"] == "defaulted"

"""Reserve API: designation by the lot's operator only, sealing by the designated officer only, bad input
answered 422 with a stable code, and nothing (not even a ledger event) changed on a denial."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from landbridge.db import Database
from landbridge.exchange.models import SealedReserve
from landbridge.ledger import current_size
from tests.exchange.test_api import MATRIX, Api, api, auth, make_lot

__all__ = ["api"]


def officer_id(db: Database, username: str = "nr") -> int:
    with db.transaction(readonly=True) as s:
        return int(s.execute(text("SELECT id FROM auth_user WHERE username = :u"), {"u": username}).scalar_one())


def reserve_state(db: Database) -> tuple[Any, ...]:
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(SealedReserve.officer_user_id, SealedReserve.ciphertext)).all()
        return current_size(s), tuple(map(tuple, rows))


@pytest.mark.parametrize(("user", "status"), [*MATRIX, ("exchange", 200)])
def test_designate_officer_permissions(api: Api, db: Database, user: str | None, status: int) -> None:
    lot = make_lot(api)
    before = reserve_state(db)
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/reserve/officer", json={"officer_user_id": officer_id(db)},
                        headers=auth(api.client, user))
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.json()["code"].startswith("auth.") and reserve_state(db) == before
    else:
        assert r.json()["sealed"] is False


def test_seal_and_read_by_the_designated_officer_only(api: Api, db: Database) -> None:
    lot = make_lot(api)
    url = f"/api/v1/exchange/lots/{lot['id']}/reserve"
    op = auth(api.client, "exchange")
    bad = api.client.post(url + "/officer", json={"officer_user_id": 999_999}, headers=op)
    assert bad.status_code == 422 and bad.json()["code"] == "exchange.officer_not_found"
    assert api.client.post(url + "/officer", json={"officer_user_id": "x"}, headers=op).status_code == 422
    assert api.client.post(url + "/officer", json={"officer_user_id": officer_id(db)}, headers=op).status_code == 200
    before = reserve_state(db)
    assert api.client.post(url, json={"amount_cny": "150000"}).status_code == 401
    for user in ("exchange", "supervisor", "bidder"):
        r = api.client.post(url, json={"amount_cny": "150000"}, headers=auth(api.client, user))
        assert r.status_code == 403 and r.json()["code"] == "exchange.not_reserve_officer"
    officer = auth(api.client, "nr")
    for amount, code in (("abc", "exchange.invalid_amount"), ("1.001", "exchange.invalid_amount"),
                         ("50000", "exchange.reserve_below_start")):
        r = api.client.post(url, json={"amount_cny": amount}, headers=officer)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert reserve_state(db) == before  # nothing changed, no ledger event
    r = api.client.post(url, json={"amount_cny": "150000.00"}, headers=officer)
    assert r.status_code == 201 and r.json()["sealed"] is True and r.json()["amount_cny"] is None
    again = api.client.post(url, json={"amount_cny": "160000.00"}, headers=officer)
    assert again.status_code == 409 and again.json()["code"] == "exchange.reserve_already_sealed"
    assert api.client.get(url, headers=officer).json()["amount_cny"] == "150000.00"
    sealed = api.client.get(url, headers=auth(api.client, "supervisor"))
    assert sealed.status_code == 403 and sealed.json()["code"] == "exchange.reserve_sealed"
    assert api.client.get(url).status_code == 401
    missing = api.client.get("/api/v1/exchange/lots/999999/reserve", headers=officer)
    assert missing.status_code == 404

"""Exchange JSON API: the permission matrix (nothing changes on denial), the bidding API with its stable
error codes, the signed bank callback, the public anonymous views and a 4xx for every bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user, link_user_party
from landbridge.db import Database
from landbridge.exchange import run_due
from landbridge.exchange.document_models import BankCredit
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot
from landbridge.exchange.views import sign_callback
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events, verify_ledger
from landbridge.main import create_app
from tests.exchange.conftest import World, build_world
from tests.exchange.test_pages import login
from tests.registry.conftest import VILLAGE


@dataclass
class Api:
    client: TestClient
    world: World
    clock: Clock


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s)
        other = create_organisation(s, name="贵溪市农村产权交易所", kind=OrgKind.exchange, region_code="360681000000")
        create_user(s, username="exchange2", password="demo", display_name="外县交易所", role=Role.exchange_operator,
                    organisation_id=other.id, is_demo=True)
        link_user_party(s, username="bidder", party_id=world.bidders[0])
        people = create_organisation(s, name="其他竞买人", kind=OrgKind.individual, region_code="360600000000")
        for i, name in ((1, "bidder2"), (2, "bidder3")):
            create_user(s, username=name, password="demo", display_name=name, role=Role.bidder,
                        organisation_id=people.id, party_id=world.bidders[i], is_demo=True)
        create_user(s, username="nobody", password="demo", display_name="无身份竞买人", role=Role.bidder,
                    organisation_id=people.id, is_demo=True)
    with TestClient(create_app()) as c:
        yield Api(c, world, clock)


def auth(client: TestClient, username: str | None) -> dict[str, str]:
    if username is None:
        return {}
    r = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def state(db: Database) -> tuple[int, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), *(s.scalar(select(func.count()).select_from(m)) or 0
                                   for m in (Lot, Bidder, Deposit, Bid)))


def lot_body(api: Api, **kw: Any) -> dict[str, Any]:
    body = {"kind": "land_management_right", "title": "范家村 20 亩耕地经营权", "region_code": VILLAGE,
            "starts_at": (api.clock.now() + timedelta(days=8)).isoformat(), "start_price_cny": "100000.00",
            "increment_cny": "1000.00", "unit_id": api.world.unit, "right_id": api.world.right,
            "seller_party_id": api.world.seller, "term_start": "2026-06-01", "term_end": "2036-05-31"}
    body.update(kw)
    return body


def make_lot(api: Api, publish: bool = True) -> dict[str, Any]:
    h = auth(api.client, "exchange")
    r = api.client.post("/api/v1/exchange/lots", json=lot_body(api), headers=h)
    assert r.status_code == 201, r.text
    if publish:
        r = api.client.post(f"/api/v1/exchange/lots/{r.json()['id']}/publish", headers=h)
        assert r.status_code == 200, r.text
    return dict(r.json())


def pay(api: Api, sub_account: str, amount: str, name: str, ref: str) -> Any:
    raw = json.dumps({"sub_account": sub_account, "amount_cny": amount, "payer_name": name, "bank_ref": ref}).encode()
    return api.client.post("/api/v1/exchange/bank/callback", content=raw,
                           headers={"x-bank-signature": sign_callback(raw), "content-type": "application/json"})


def denied(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.json()["code"].startswith("auth.")


MATRIX = [(None, 401), ("bidder", 403), ("supervisor", 403), ("bank", 403), ("admin", 403), ("exchange2", 403)]


@pytest.mark.parametrize(("user", "status"), [*MATRIX, ("exchange", 201)])
def test_create_lot_permissions(api: Api, db: Database, user: str | None, status: int) -> None:
    before = state(db)
    r = api.client.post("/api/v1/exchange/lots", json=lot_body(api), headers=auth(api.client, user))
    if status >= 400:
        denied(r, status)
        assert state(db) == before
    else:
        assert r.status_code == 201, r.text
        assert r.json()["phase"] == "draft" and r.json()["deposit_cny"] == "10000.00"


@pytest.mark.parametrize(("user", "status"), [*MATRIX, ("exchange", 200)])
def test_publish_permissions(api: Api, db: Database, user: str | None, status: int) -> None:
    lot = make_lot(api, publish=False)
    before = state(db)
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/publish", headers=auth(api.client, user))
    if status >= 400:
        denied(r, status)
        assert state(db) == before
    else:
        assert r.status_code == 200 and r.json()["phase"] == "announced"


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("supervisor", 403), ("bank", 403), ("admin", 403),
                                              ("bidder", 201)])
def test_apply_permissions(api: Api, db: Database, user: str | None, status: int) -> None:
    lot = make_lot(api)
    before = state(db)
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/applications", headers=auth(api.client, user))
    if status >= 400:
        denied(r, status)
        assert state(db) == before
    else:
        assert r.status_code == 201, r.text
        assert r.json()["sub_account"].startswith("LB") and r.json()["deposit_status"] == "pending"


def test_offline_application_and_bid_need_the_operator_of_the_area(api: Api, db: Database) -> None:
    lot = make_lot(api)
    party = api.world.bidders[3]
    before = state(db)
    for user in ("exchange2", "bidder"):
        r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/applications", json={"party_id": party},
                            headers=auth(api.client, user))
        assert r.status_code == 403, r.text
    assert state(db) == before
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/applications", json={"party_id": party},
                        headers=auth(api.client, "exchange"))
    assert r.status_code == 201 and r.json()["channel"] == "offline"
    code, sub = r.json()["bidder_code"], r.json()["sub_account"]
    assert pay(api, sub, "10000.00", api.world.names[party], "OFF-1").status_code == 200
    api.clock.set(api.clock.now() + timedelta(days=8))
    body = {"bidder_code": code, "amount_cny": "100000.00", "idempotency_key": "desk-1", "evidence": "书面报价单 #1"}
    before = state(db)
    for user, status in ((None, 401), ("bidder", 403), ("exchange2", 403), ("supervisor", 403)):
        r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/offline-bids", json=body,
                            headers=auth(api.client, user))
        denied(r, status)
    assert state(db) == before
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/offline-bids", json=body,
                        headers=auth(api.client, "exchange"))
    assert r.status_code == 201 and r.json()["channel"] == "offline", r.text


def test_bid_permissions_token_or_session(api: Api, db: Database) -> None:
    """Only a bidder bids: anonymous 401, an unknown token 401, other roles 403, a bidder's account without a
    party 422; nothing is recorded on a refusal. A bidder may bid by token or by the browser session."""
    lot = make_lot(api)
    lid = lot["id"]
    reg = api.client.post(f"/api/v1/exchange/lots/{lid}/applications", headers=auth(api.client, "bidder")).json()
    assert pay(api, reg["sub_account"], "10000.00", api.world.names[api.world.bidders[0]], "PM1").status_code == 200
    api.clock.set(api.clock.now() + timedelta(days=8))
    with db.transaction() as s:
        run_due(s)  # the listing opens: a deadline, not a change by the refused requests below
    url = f"/api/v1/exchange/lots/{lid}/bids"
    body = {"amount_cny": "100000.00", "idempotency_key": "m1"}
    before = state(db)
    for user, status in ((None, 401), ("supervisor", 403), ("exchange", 403), ("bank", 403), ("admin", 403)):
        denied(api.client.post(url, json=body, headers=auth(api.client, user)), status)
    r = api.client.post(url, json=body, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid_token"
    r = api.client.post(url, json=body, headers=auth(api.client, "bidder3"))  # a bidder not registered for the lot
    assert r.status_code == 404 and r.json()["code"] == "exchange.bidder_not_found"
    assert state(db) == before
    login(api.client, "bidder")
    r = api.client.post(url, json=body)  # the session cookie alone, no Origin: refused (issue #12 item 6)
    assert r.status_code == 403 and r.json()["code"] == "web.csrf_failed" and state(db) == before
    r = api.client.post(url, json=body, headers={"Origin": "http://testserver"})  # the browser session's bidder
    assert r.status_code == 201 and r.json()["status"] == "accepted", r.text


def test_bidding_api_codes_replay_and_public_views(api: Api, db: Database) -> None:
    lot = make_lot(api)
    lid = lot["id"]
    regs = {}
    for user in ("bidder", "bidder2", "bidder3"):
        r = api.client.post(f"/api/v1/exchange/lots/{lid}/applications", headers=auth(api.client, user))
        regs[user] = r.json()
    for i, user in enumerate(("bidder", "bidder2")):
        r = pay(api, regs[user]["sub_account"], "10000.00", api.world.names[api.world.bidders[i]], f"R{i}")
        assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text
    url = f"/api/v1/exchange/lots/{lid}/bids"
    r = api.client.post(url, json={"amount_cny": "100000.00", "idempotency_key": "a0"},
                        headers=auth(api.client, "bidder"))
    assert r.status_code == 409 and r.json()["code"] == "exchange.lot_not_open"
    api.clock.set(api.clock.now() + timedelta(days=8))
    h1, h2, h3 = (auth(api.client, u) for u in ("bidder", "bidder2", "bidder3"))
    cases = [(h3, "100000.00", 409, "exchange.deposit_not_confirmed"),
             (h1, "99000.00", 422, "exchange.bid_below_increment"),
             (h1, "100100.00", 422, "exchange.bid_not_multiple_of_increment"),
             (h1, "abc", 422, "exchange.invalid_amount"),
             (h1, "100000.001", 422, "exchange.invalid_amount")]
    for i, (h, amount, status, code) in enumerate(cases):
        r = api.client.post(url, json={"amount_cny": amount, "idempotency_key": f"c{i}"}, headers=h)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    r = api.client.post(url, json={"amount_cny": "100000.00", "idempotency_key": "b1"}, headers=h1)
    assert r.status_code == 201 and r.json()["status"] == "accepted", r.text
    again = api.client.post(url, json={"amount_cny": "100000.00", "idempotency_key": "b1"}, headers=h1)
    assert again.status_code == 200 and again.json()["replay"] and again.json()["id"] == r.json()["id"]
    r = api.client.post(url, json={"amount_cny": "100000.00", "idempotency_key": "b2"}, headers=h2)
    assert r.status_code == 422 and r.json()["code"] == "exchange.bid_below_increment"
    assert r.json()["details"]["current_price_cny"] == "100000.00"  # the price to beat, without another read
    r = api.client.post(url, json={"amount_cny": "102000.00", "idempotency_key": "b2"}, headers=h2)
    assert r.status_code == 409 and r.json()["code"] == "exchange.idempotency_key_reused"
    for bad in ({"amount_cny": "1"}, {"idempotency_key": "x"}, {"amount_cny": 5, "idempotency_key": "y"}, []):
        r = api.client.post(url, json=bad, headers=h2)
        assert r.status_code == 422, r.text
    public = api.client.get(f"/api/v1/exchange/lots/{lid}").json()
    assert public["current_price_cny"] == "100000.00" and public["leader_code"] == regs["bidder"]["bidder_code"]
    assert public["next_min_bid_cny"] == "101000.00"
    history = api.client.get(f"/api/v1/exchange/lots/{lid}/bids").json()
    assert [b["bidder_code"] for b in history] == [regs["bidder"]["bidder_code"]]
    assert "party_id" not in json.dumps(history)
    assert api.client.get("/api/v1/exchange/time").json()["server_time_ms"] > 0
    assert api.client.get(f"/api/v1/exchange/lots/{lid}/bidders").status_code == 401
    assert api.client.get(f"/api/v1/exchange/lots/{lid}/bidders", headers=h1).status_code == 403
    assert len(api.client.get(f"/api/v1/exchange/lots/{lid}/bidders",
                              headers=auth(api.client, "supervisor")).json()) == 3
    with db.transaction(readonly=True) as s:
        rejected = s.scalar(select(func.count()).select_from(Bid).where(Bid.status == "rejected"))
    assert rejected == 5  # every refused bid is recorded with its code (unparseable amounts never become bids)


def credits(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(BankCredit)) or 0


def events_since(db: Database, seq: int) -> list[tuple[str, str, dict[str, Any]]]:
    with db.transaction(readonly=True) as s:
        return [(e.event_type, e.subject, json.loads(e.body)["payload"]) for e in list_events(s, after=seq, limit=100)]


def credit_id(db: Database, bank_ref: str) -> int:
    with db.transaction(readonly=True) as s:
        return s.execute(select(BankCredit.id).where(BankCredit.bank_ref == bank_ref)).scalar_one()


def test_bank_callback_signature_and_bad_input(api: Api, db: Database) -> None:
    lot = make_lot(api)
    reg = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/applications",
                          headers=auth(api.client, "bidder")).json()
    name = api.world.names[api.world.bidders[0]]
    raw = json.dumps({"sub_account": reg["sub_account"], "amount_cny": "10000.00", "payer_name": name,
                      "bank_ref": "X1"}).encode()
    before, stored = state(db), credits(db)
    # refused before anything is stored: a bad signature, a malformed body or amount write nothing, not even an event
    for sig in ("", "sha256=00", sign_callback(raw, b"wrong-secret")):
        r = api.client.post("/api/v1/exchange/bank/callback", content=raw, headers={"x-bank-signature": sig})
        assert r.status_code == 401 and r.json()["code"] == "exchange.bad_signature"
    junk = b'{"sub_account": 1}'
    r = api.client.post("/api/v1/exchange/bank/callback", content=junk,
                        headers={"x-bank-signature": sign_callback(junk)})
    assert r.status_code == 422 and r.json()["code"] == "exchange.invalid_callback"
    r = pay(api, reg["sub_account"], "ten thousand", name, "X0")
    assert r.status_code == 422 and r.json()["code"] == "exchange.invalid_amount"
    assert state(db) == before and credits(db) == stored
    # refused credits are stored for the reconciliation, and each stored credit is logged: exactly one event
    seq = before[0]
    for ref, sub, amount, payer, status, code in (
            ("X2", "LB-none", "1.00", name, 404, "exchange.sub_account_not_found"),
            ("X3", reg["sub_account"], "9999.00", name, 422, "exchange.deposit_amount_mismatch"),
            ("X4", reg["sub_account"], "10000.00", "冒名", 422, "exchange.deposit_payer_mismatch")):
        r = pay(api, sub, amount, payer, ref)
        assert r.status_code == status and r.json()["code"] == code
        logged = events_since(db, seq)
        cid = credit_id(db, ref)
        assert logged == [("bank_credit_recorded", f"bank_credit:{cid}", {
            "credit_id": cid, "sub_account": sub, "amount_cny": amount, "bank_ref": ref, "outcome": code,
            "lot": None if sub == "LB-none" else lot["number"]})]
        assert payer not in json.dumps(logged, ensure_ascii=False)  # no personal data in the ledger
        seq += 1
    assert state(db)[1:] == before[1:] and credits(db) == stored + 3  # no lot, bidder, deposit or bid changed
    assert pay(api, "LB-none", "1.00", name, "X2").status_code == 404  # the bank repeats itself: nothing new
    assert events_since(db, seq) == [] and credits(db) == stored + 3
    r = pay(api, reg["sub_account"], "10000.00", name, "X1")
    assert r.json()["status"] == "confirmed"
    cid = credit_id(db, "X1")
    assert [(kind, payload.get("outcome")) for kind, _, payload in events_since(db, seq)] == [
        ("deposit_confirmed", None), ("bank_credit_recorded", "matched")]
    assert events_since(db, seq)[1][2] == {"credit_id": cid, "sub_account": reg["sub_account"],
                                           "amount_cny": "10000.00", "bank_ref": "X1", "outcome": "matched",
                                           "lot": lot["number"]}
    seq += 2
    assert pay(api, reg["sub_account"], "10000.00", name, "X1").status_code == 200  # a repeated callback
    assert events_since(db, seq) == []


def test_bank_credit_refused_then_matched_is_logged(api: Api, db: Database) -> None:
    """A refused credit the bank sends again under the same reference, now matching: the deposit's event and the
    stored credit's re-match event, in the same transaction."""
    lot = make_lot(api)
    reg = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/applications",
                          headers=auth(api.client, "bidder")).json()
    name = api.world.names[api.world.bidders[0]]
    assert pay(api, reg["sub_account"], "10000.00", "冒名", "Y1").status_code == 422
    seq, stored = state(db)[0], credits(db)
    assert pay(api, reg["sub_account"], "10000.00", name, "Y1").json()["status"] == "confirmed"
    cid = credit_id(db, "Y1")
    logged = events_since(db, seq)
    assert [kind for kind, _, _ in logged] == ["deposit_confirmed", "bank_credit_rematched"]
    assert logged[1][1:] == (f"bank_credit:{cid}", {
        "credit_id": cid, "sub_account": reg["sub_account"], "amount_cny": "10000.00", "bank_ref": "Y1",
        "outcome": "matched", "previous_outcome": "exchange.deposit_payer_mismatch", "lot": lot["number"]})
    assert credits(db) == stored
    with db.transaction(readonly=True) as s:
        assert s.get(BankCredit, cid).outcome == "matched"  # type: ignore[union-attr]
        assert verify_ledger(s).ok


def test_bad_input_and_hidden_drafts(api: Api) -> None:
    h = auth(api.client, "exchange")
    for bad in (lot_body(api, kind="spaceship"), lot_body(api, start_price_cny="-5"),
                lot_body(api, start_price_cny="1.234"), lot_body(api, region_code="12"),
                lot_body(api, starts_at="yesterday"), lot_body(api, right_id=999999),
                lot_body(api, unit_id=None), lot_body(api, increment_cny="0.10"), lot_body(api, term_end=None)):
        r = api.client.post("/api/v1/exchange/lots", json=bad, headers=h)
        assert 400 <= r.status_code < 500, (bad, r.text)
    draft = make_lot(api, publish=False)
    assert api.client.get(f"/api/v1/exchange/lots/{draft['id']}").status_code == 404
    assert api.client.get(f"/api/v1/exchange/lots/{draft['id']}", headers=h).status_code == 200
    assert api.client.get("/api/v1/exchange/lots").json()["total"] == 0
    assert api.client.get("/api/v1/exchange/lots", headers=h).json()["total"] == 1
    assert api.client.get("/api/v1/exchange/lots/424242").status_code == 404
    r = api.client.post("/api/v1/exchange/applications", headers=auth(api.client, "nobody"))
    assert r.status_code in (404, 405)
    lot = make_lot(api)
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/applications", headers=auth(api.client, "nobody"))
    assert r.status_code == 422 and r.json()["code"] == "exchange.party_required"
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/award/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "exchange.invalid_transition"


def test_result_and_handover_through_the_api(api: Api, db: Database) -> None:
    lot = make_lot(api)
    lid = lot["id"]
    reg = api.client.post(f"/api/v1/exchange/lots/{lid}/applications", headers=auth(api.client, "bidder")).json()
    pay(api, reg["sub_account"], "10000.00", api.world.names[api.world.bidders[0]], "W1")
    api.clock.set(api.clock.now() + timedelta(days=8))
    h1 = auth(api.client, "bidder")
    assert api.client.post(f"/api/v1/exchange/lots/{lid}/bids", json={"amount_cny": "100000", "idempotency_key": "w"},
                           headers=h1).status_code == 201
    api.clock.set(api.clock.now() + timedelta(days=30))
    with db.transaction() as s:
        assert run_due(s) >= 1
    assert api.client.get(f"/api/v1/exchange/lots/{lid}/result").json()["winner_code"] == reg["bidder_code"]
    h = auth(api.client, "exchange")
    for user, status in ((None, 401), ("bidder", 403), ("exchange2", 403)):
        denied(api.client.post(f"/api/v1/exchange/lots/{lid}/award/confirm", headers=auth(api.client, user)), status)
    assert api.client.post(f"/api/v1/exchange/lots/{lid}/award/confirm", headers=h).json()["confirmation_no"]
    early = api.client.post(f"/api/v1/exchange/lots/{lid}/handover", headers=h)
    assert early.status_code == 409 and early.json()["code"] == "exchange.not_settled"
    due = api.client.get(f"/api/v1/exchange/lots/{lid}/settlement", headers=auth(api.client, "bidder")).json()
    paid = pay(api, due["sub_account"], due["balance_cny"], api.world.names[api.world.bidders[0]], "W2")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    out = api.client.post(f"/api/v1/exchange/lots/{lid}/handover", headers=h).json()
    assert out["registry_application_id"] is not None

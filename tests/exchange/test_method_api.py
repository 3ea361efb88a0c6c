"""Tender and negotiated API: the permission matrix of every write (nothing changed on denial, not even a ledger
event), sealed tenders readable only as counts and one's own receipt before the opening, bad input answered
4xx with a stable code, and both journeys through to award_pending; the tenders page renders for the panel."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange import rules_for, run_due, tender_rules
from landbridge.exchange.method_models import Objection, Tender, TenderEvaluator, TenderScore
from landbridge.exchange.models import Lot, LotResult
from landbridge.ledger import current_size, verify_ledger
from tests.exchange.test_api import MATRIX, Api, api, auth, denied, lot_body, pay
from tests.registry.conftest import VILLAGE

__all__ = ["api"]
RULES = rules_for("land_management_right")
BIDDERS = ("bidder", "bidder2", "bidder3")


def state(db: Database) -> tuple[int, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), *(s.scalar(select(func.count()).select_from(m)) or 0
                                   for m in (TenderEvaluator, Tender, TenderScore, Objection, LotResult)))


def lot_of(db: Database, lot_id: int) -> Lot:
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        return lot


def panel_users(db: Database) -> list[int]:
    with db.transaction() as s:
        org = create_organisation(s, name="评标专家库", kind=OrgKind.exchange, region_code=VILLAGE)
        return [create_user(s, username=f"eval{i}", password="demo", display_name=f"评标人{i}", role=Role.supervisor,
                            organisation_id=org.id, is_demo=True).id for i in range(RULES.tender_panel_size)]


def create(api: Api, **kw: Any) -> dict[str, Any]:
    h = auth(api.client, "exchange")
    r = api.client.post("/api/v1/exchange/lots", json=lot_body(api, **kw), headers=h)
    assert r.status_code == 201, r.text
    r = api.client.post(f"/api/v1/exchange/lots/{r.json()['id']}/publish", headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json())


def enrol(api: Api, lot_id: int, user: str) -> None:
    r = api.client.post(f"/api/v1/exchange/lots/{lot_id}/applications", headers=auth(api.client, user))
    assert r.status_code == 201, r.text
    me = r.json()
    name = {"bidder": 0, "bidder2": 1, "bidder3": 2}[user]
    party = api.world.bidders[name]
    paid = pay(api, me["sub_account"], me["deposit_cny"], api.world.names[party], f"REF-{me['sub_account']}")
    assert paid.status_code == 200, paid.text


def run(db: Database) -> None:
    with db.transaction() as s:
        run_due(s)


def test_method_not_allowed_is_422(api: Api) -> None:
    r = api.client.post("/api/v1/exchange/lots", json=lot_body(api, method="negotiated", kind="forest_right"),
                        headers=auth(api.client, "exchange"))
    assert r.status_code == 422 and r.json()["code"] == "exchange.method_not_allowed", r.text
    r = api.client.post("/api/v1/exchange/lots", json=lot_body(api, method="dutch"),
                        headers=auth(api.client, "exchange"))
    assert r.status_code == 422


@pytest.mark.parametrize(("user", "status"), [*MATRIX, ("exchange", 200)])
def test_designate_evaluators_permissions(api: Api, db: Database, user: str | None, status: int) -> None:
    lot = create(api, method="tender")
    panel = panel_users(db)
    before = state(db)
    r = api.client.post(f"/api/v1/exchange/lots/{lot['id']}/evaluators", json={"user_ids": panel},
                        headers=auth(api.client, user))
    if status >= 400:
        denied(r, status)
        assert state(db) == before
    else:
        assert r.status_code == 200 and r.json()["user_ids"] == sorted(panel)


def test_tender_journey_sealed_until_opening(api: Api, db: Database) -> None:
    lot = create(api, method="tender")
    lot_id, url = lot["id"], f"/api/v1/exchange/lots/{lot['id']}"
    assert lot["method"] == "tender"
    panel = panel_users(db)
    op = auth(api.client, "exchange")
    assert api.client.post(url + "/evaluators", json={"user_ids": panel[:2]}, headers=op).json()["code"] == \
        "exchange.invalid_panel"
    assert api.client.post(url + "/evaluators", json={"user_ids": panel}, headers=op).status_code == 200
    for name in BIDDERS:
        enrol(api, lot_id, name)
    api.clock.set(lot_of(db, lot_id).starts_at)
    run(db)
    body = {"price_cny": "120000.00", "plan_summary": "发展稻虾共养", "documents": ["营业执照.pdf"]}
    before = state(db)
    cases: tuple[tuple[str | None, int, str], ...] = (
        (None, 401, "auth."), ("supervisor", 403, "auth."), ("exchange", 403, "auth."),
        ("nobody", 404, "exchange.bidder_not_found"))
    for user, status, code in cases:
        r = api.client.post(url + "/tenders", json=body, headers=auth(api.client, user))
        assert r.status_code == status and r.json()["code"].startswith(code), r.text
    for bad, code in (({**body, "price_cny": "abc"}, "exchange.invalid_amount"),
                      ({**body, "price_cny": "1.001"}, "exchange.invalid_amount"),
                      ({**body, "price_cny": "99999"}, "exchange.tender_below_start"),
                      ({**body, "documents": ["  "]}, "exchange.invalid_text")):
        r = api.client.post(url + "/tenders", json=bad, headers=auth(api.client, "bidder"))
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert api.client.post(url + "/tenders", json={**body, "plan_summary": ""},
                           headers=auth(api.client, "bidder")).status_code == 422
    assert state(db) == before
    receipts = {}
    for name, price in zip(BIDDERS, ("120000.00", "150000.00", "130000.00"), strict=True):
        r = api.client.post(url + "/tenders", json={**body, "price_cny": price}, headers=auth(api.client, name))
        assert r.status_code == 201, r.text
        receipts[name] = r.json()["receipt"]
    again = api.client.post(url + "/tenders", json=body, headers=auth(api.client, "bidder"))
    assert again.status_code == 409 and again.json()["code"] == "exchange.tender_already_submitted"
    mine = api.client.get(url + "/tenders", headers=auth(api.client, "bidder2")).json()
    assert mine["opened"] is False and mine["count"] == 3 and mine["items"] == []
    assert mine["mine"]["receipt"] == receipts["bidder2"]
    viewers: tuple[str | None, ...] = (None, "supervisor", "exchange")
    for user in viewers:
        sealed = api.client.get(url + "/tenders", headers=auth(api.client, user)).json()
        assert sealed["count"] == 3 and sealed["items"] == [] and sealed["mine"] is None
        assert "150000" not in str(sealed)
    ends = lot_of(db, lot_id).ends_at
    assert ends is not None
    api.clock.set(tender_rules.opening_at(RULES, ends))
    run(db)
    opened = api.client.get(url + "/tenders", headers=auth(api.client, "bidder")).json()
    assert opened["opened"] is True and sorted(t["price_cny"] for t in opened["items"]) == [
        "120000.00", "130000.00", "150000.00"]
    public = api.client.get(url + "/tenders").json()
    assert public["opened"] is True and public["items"] == []
    tender_ids = [t["id"] for t in opened["items"]]
    score = {"plan_score": "80", "credentials_score": "90"}
    before = state(db)
    cases = ((None, 401, "auth."), ("exchange", 403, "exchange.not_evaluator"),
             ("bidder", 403, "exchange.not_evaluator"))
    for user, status, code in cases:
        r = api.client.post(f"{url}/tenders/{tender_ids[0]}/scores", json=score, headers=auth(api.client, user))
        assert r.status_code == status and r.json()["code"].startswith(code), r.text
    evaluator = auth(api.client, "eval0")
    r = api.client.post(f"{url}/tenders/{tender_ids[0]}/scores", json={**score, "plan_score": "120"}, headers=evaluator)
    assert r.status_code == 422 and r.json()["code"] == "exchange.invalid_score"
    r = api.client.post(f"{url}/tenders/999999/scores", json=score, headers=evaluator)
    assert r.status_code == 404 and r.json()["code"] == "exchange.tender_not_found"
    assert state(db) == before
    page = api.client.get(f"/exchange/lots/{lot_id}/tenders", headers=evaluator)
    assert page.status_code == 200 and page.text.count('class="score-form"') == 3
    last: dict[str, Any] = {}
    for i in range(RULES.tender_panel_size):
        h = auth(api.client, f"eval{i}")
        for tid in tender_ids:
            r = api.client.post(f"{url}/tenders/{tid}/scores", json=score, headers=h)
            assert r.status_code == 201, r.text
            last = r.json()
    assert last["lot_phase"] == "award_pending"
    result = api.client.get(url + "/result").json()
    assert result["price_cny"] == "150000.00" and result["reason"] == "tender_evaluation"  # equal plans: price wins
    ranked = api.client.get(url + "/tenders", headers=auth(api.client, "bidder")).json()["items"]
    assert [t["rank"] for t in ranked] == [1, 2, 3] and ranked[0]["price_cny"] == "150000.00"
    lot_page = api.client.get(f"/exchange/lots/{lot_id}")
    assert lot_page.status_code == 200 and 'id="method-section"' in lot_page.text
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok


def negotiated_lot(api: Api, db: Database) -> tuple[int, str]:
    lot = create(api, method="negotiated", kind="collective_asset", unit_id=None, right_id=None, term_start=None,
                 term_end=None)
    assert lot["method"] == "negotiated"
    enrol(api, lot["id"], "bidder")
    api.clock.set(lot_of(db, lot["id"]).starts_at)
    run(db)
    assert lot_of(db, lot["id"]).phase == "publicity"
    return lot["id"], f"/api/v1/exchange/lots/{lot['id']}"


def test_objections_and_rulings(api: Api, db: Database) -> None:
    lot_id, url = negotiated_lot(api, db)
    before = state(db)
    anonymous = api.client.post(url + "/objections", json={"text": "权属有争议"})
    assert anonymous.status_code == 401 and state(db) == before
    assert api.client.post(url + "/objections", json={"text": ""}, headers=auth(api.client, "bidder2")).status_code \
        == 422
    r = api.client.post(url + "/objections", json={"text": "权属有争议"}, headers=auth(api.client, "bidder2"))
    assert r.status_code == 201 and r.json()["status"] == "pending"
    oid = r.json()["id"]
    before = state(db)
    for user, status in MATRIX:
        denied(api.client.post(f"{url}/objections/{oid}/ruling", json={"upheld": True, "ruling": "属实"},
                               headers=auth(api.client, user)), status)
    assert state(db) == before
    listed = api.client.get(url + "/objections", headers=auth(api.client, "supervisor"))
    assert listed.status_code == 200 and listed.json()[0]["text"] == "权属有争议"
    denied(api.client.get(url + "/objections", headers=auth(api.client, "bidder")), 403)
    r = api.client.post(f"{url}/objections/{oid}/ruling", json={"upheld": True, "ruling": "属实"},
                        headers=auth(api.client, "exchange"))
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    assert lot_of(db, lot_id).phase == "unsuccessful"
    again = api.client.post(f"{url}/objections/{oid}/ruling", json={"upheld": False, "ruling": "x"},
                            headers=auth(api.client, "exchange"))
    assert again.status_code == 409 and again.json()["code"] == "exchange.objection_already_ruled"


def test_agreement_permissions_and_floor(api: Api, db: Database) -> None:
    lot_id, url = negotiated_lot(api, db)
    ends = lot_of(db, lot_id).ends_at
    assert ends is not None
    api.clock.set(ends)
    run(db)
    party = api.world.bidders[0]
    body = {"party_id": party, "price_cny": "100000.00"}
    before = state(db)
    for user, status in MATRIX:
        denied(api.client.post(url + "/agreement", json=body, headers=auth(api.client, user)), status)
    op = auth(api.client, "exchange")
    for bad, status, code in (({**body, "price_cny": "99999.99"}, 422, "exchange.agreed_price_below_floor"),
                              ({**body, "price_cny": "x"}, 422, "exchange.invalid_amount"),
                              ({**body, "party_id": api.world.bidders[1]}, 409,
                               "exchange.counterparty_not_registered")):
        r = api.client.post(url + "/agreement", json=bad, headers=op)
        assert r.status_code == status and r.json()["code"] == code, r.text
    assert state(db) == before
    late = api.client.post(url + "/objections", json={"text": "迟到"}, headers=auth(api.client, "bidder2"))
    assert late.status_code == 409 and late.json()["code"] == "exchange.publicity_closed"
    r = api.client.post(url + "/agreement", json=body, headers=op)
    assert r.status_code == 201 and r.json()["price_cny"] == "100000.00" and r.json()["reason"] == "negotiated"
    assert lot_of(db, lot_id).phase == "award_pending"
    r = api.client.post(f"/api/v1/exchange/lots/{lot_id}/award/confirm", headers=op)
    assert r.status_code == 200, r.text
    wrong = api.client.post(f"{url}/tenders", json={"price_cny": "1", "plan_summary": "x"},
                            headers=auth(api.client, "bidder"))
    assert wrong.status_code == 409 and wrong.json()["code"] == "exchange.wrong_method"

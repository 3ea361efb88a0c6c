"""Claims, shadow ledger and restructuring over HTTP: the permission matrix (anonymous, wrong role, wrong sharer,
wrong bank, right role), pagination in the database, each denial changing nothing (issue #17)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from landbridge import registry
from landbridge.db import Database
from landbridge.ledger import current_size
from landbridge.lending import service, servicing
from landbridge.lending.models import Claim, FundEntry, Loan
from tests.lending.test_api import Api, api, auth  # noqa: F401 - api is a fixture
from tests.lending.test_claims import SHARERS
from tests.lending.test_service import BANK, apply, to_disbursed
from tests.registry.conftest import ACTOR


def state(db: Database) -> tuple[object, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), tuple(s.execute(select(Claim.status, Claim.advanced_cny).order_by(Claim.id))),
                s.scalar(select(func.count()).select_from(FundEntry)),
                tuple(s.execute(select(Loan.version, Loan.months).order_by(Loan.id))))


def two_defaults(api: Api, db: Database) -> list[int]:  # noqa: F811
    """Two 100,000 bullet loans of the farmer's (forest right, land management right), in default on 07-20."""
    ids = []
    for right_id in (api.world.right, api.world.house_right):
        loan_id = apply(db, api.world, principal="100000", months=12, method="bullet", right_id=right_id)
        with db.transaction() as s:
            service.decide_loan(s, loan_id=loan_id, approve=True, actor=BANK, mortgagee_party_id=api.world.bank_party)
            app_id = service.lodge_lien(s, loan_id=loan_id, actor=BANK).lien_application_id
        with db.transaction() as s:
            registry.approve_application(s, application_id=app_id or 0, actor=ACTOR)
        with db.transaction() as s:
            service.disburse(s, loan_id=loan_id, actor=BANK)
            service.get_loan(s, loan_id).sharers = SHARERS
        ids.append(loan_id)
    with db.transaction() as s:
        assert servicing.run_cob(s, day=date(2026, 7, 20), actor="system:cli").defaulted == 2
    return ids


def test_claims_list_matrix_and_pagination(api: Api, db: Database) -> None:  # noqa: F811
    c = api.client
    two_defaults(api, db)
    expected = {None: 401, "farmer": 403, "registrar": 403, "bank2": 200, "bank1": 200, "guarantor": 200,
                "fund": 200, "insurer": 200, "supervisor": 200}
    seen = {}
    for user, code in expected.items():
        r = c.get("/api/v1/lending/claims", headers=auth(c, user))
        assert r.status_code == code, (user, r.text)
        if code == 200:
            seen[user] = (r.json()["total"], sorted({x["party"] for x in r.json()["items"]}))
    assert seen == {"bank2": (0, []), "bank1": (6, ["fund", "guarantor", "insurer"]), "guarantor": (2, ["guarantor"]),
                    "fund": (2, ["fund"]), "insurer": (2, ["insurer"]),
                    "supervisor": (6, ["fund", "guarantor", "insurer"])}
    page = c.get("/api/v1/lending/claims", params={"limit": 1, "offset": 1}, headers=auth(c, "guarantor")).json()
    everything = c.get("/api/v1/lending/claims", headers=auth(c, "guarantor")).json()
    assert page["total"] == 2 and [x["id"] for x in page["items"]] == [everything["items"][1]["id"]]
    assert everything["items"][0]["claimed_cny"] == "30000.00" and everything["items"][0]["loan_no"].startswith("LN")
    loan_id = everything["items"][0]["loan_id"]
    read = c.get(f"/api/v1/lending/loans/{loan_id}", headers=auth(c, "guarantor")).json()
    assert everything["items"][0]["id"] in {x["id"] for x in read["claims"]}  # the loan's page links its claims
    r = c.get("/api/v1/lending/claims", params={"status": "advanced"}, headers=auth(c, "supervisor"))
    assert r.json()["total"] == 0


def test_advance_matrix(api: Api, db: Database) -> None:  # noqa: F811
    c = api.client
    two_defaults(api, db)
    items = c.get("/api/v1/lending/claims", headers=auth(c, "guarantor")).json()["items"]
    claim_id = items[0]["id"]
    body = {"amount_cny": "10000", "paid_on": "2026-08-01"}
    for user, code, error in ((None, 401, None), ("farmer", 403, None), ("bank1", 403, None),
                              ("supervisor", 403, None), ("fund", 403, "lending.claim_not_yours"),
                              ("insurer", 403, "lending.claim_not_yours")):
        before = state(db)
        r = c.post(f"/api/v1/lending/claims/{claim_id}/advance", json=body, headers=auth(c, user))
        assert r.status_code == code, (user, r.text)
        assert error is None or r.json()["code"] == error
        assert state(db) == before
    before = state(db)
    r = c.post(f"/api/v1/lending/claims/{claim_id}/advance", json={"amount_cny": "30000.01", "paid_on": "2026-08-01"},
               headers=auth(c, "guarantor"))
    assert r.status_code == 422 and r.json()["code"] == "lending.advance_exceeds_share"
    assert c.post("/api/v1/lending/claims/999999/advance", json=body,
                  headers=auth(c, "guarantor")).json()["code"] == "lending.claim_not_found"
    assert state(db) == before
    r = c.post(f"/api/v1/lending/claims/{claim_id}/advance", json=body, headers=auth(c, "guarantor"))
    assert r.status_code == 200 and (r.json()["advanced_cny"], r.json()["left_cny"]) == ("10000.00", "20000.00")
    fund_claim = c.get("/api/v1/lending/claims", headers=auth(c, "fund")).json()["items"][0]["id"]
    r = c.post(f"/api/v1/lending/claims/{fund_claim}/advance", json=body, headers=auth(c, "fund"))
    assert r.status_code == 200 and (r.json()["status"], r.json()["left_cny"]) == ("lodged", "30000.00")  # of 40 %
    r = c.get("/api/v1/lending/fund", headers=auth(c, "fund")).json()
    assert r["entries"][0]["kind"] == "advance" and r["entries"][0]["amount_cny"] == "-10000.00"
    r = c.get("/api/v1/lending/shadow-ledger", headers=auth(c, "supervisor"))
    assert r.status_code == 200 and r.json()["reconciled"] is True, r.json()
    ledger = {x["party"]: x for x in r.json()["participants"]}
    assert ledger["guarantor"]["advances_cny"] == "10000.00" and ledger["fund"]["advances_cny"] == "10000.00"
    for user, code in ((None, 401), ("bank1", 403), ("guarantor", 403), ("fund", 200)):
        assert c.get("/api/v1/lending/shadow-ledger", headers=auth(c, user)).status_code == code


def test_restructure_matrix(api: Api, db: Database) -> None:  # noqa: F811
    c = api.client
    loan_id = apply(db, api.world, principal="120000", months=12, method="annuity")
    to_disbursed(db, api.world, loan_id)
    body = {"months": 24, "annual_rate": "0.05", "method": "equal_principal", "day": "2026-05-01"}
    for user, code, error in ((None, 401, None), ("farmer", 403, None), ("guarantor", 403, None),
                              ("supervisor", 403, None), ("bank2", 403, "lending.wrong_organisation")):
        before = state(db)
        r = c.post(f"/api/v1/lending/loans/{loan_id}/restructure", json=body, headers=auth(c, user))
        assert r.status_code == code, (user, r.text)
        assert error is None or r.json()["code"] == error
        assert state(db) == before
    before = state(db)
    r = c.post(f"/api/v1/lending/loans/{loan_id}/restructure", json=body | {"months": 72}, headers=auth(c, "bank1"))
    assert r.status_code == 422 and r.json()["code"] == "lending.term_out_of_range"
    assert state(db) == before
    r = c.post(f"/api/v1/lending/loans/{loan_id}/restructure", json=body, headers=auth(c, "bank1"))
    assert r.status_code == 200, r.text
    assert (r.json()["months"], r.json()["maturity"], r.json()["restructured_on"], r.json()["tier"]) == (
        24, "2028-05-01", "2026-05-01", "substandard")

# ruff: noqa: F811 - the api fixture is imported from test_api and taken by name
"""The portal's workout forms (issue #17): the bank restructures a loan and settles a disposal from the exchange's
sale, a sharer pays an advance on its claim, through the loan page; refusals show their message with a 4xx status
and change nothing (a claim of another loan, a sale not yet paid, a term out of range)."""

from __future__ import annotations

import re

from landbridge.db import Database
from tests.lending.test_api import Api, api  # noqa: F401
from tests.lending.test_claims_api import state, two_defaults
from tests.lending.test_portal import act, as_user, status_of
from tests.lending.test_service import apply, to_disbursed


def test_restructure_through_the_loan_page(api: Api, db: Database) -> None:
    loan_id = apply(db, api.world, principal="120000", months=12, method="annuity")
    to_disbursed(db, api.world, loan_id)
    as_user(api, "bank1")
    page = api.client.get(f"/lending/loans/{loan_id}").text
    assert 'id="action-restructure"' in page and 'name="months"' in page and 'value="12"' in page
    fields = {"months": "72", "annual_rate": "0.05", "method": "equal_principal", "day": "2026-05-01"}
    before = state(db)
    r = act(api, loan_id, "restructure", fields)
    assert r.status_code == 422 and "期限须在" in r.text and state(db) == before
    r = act(api, loan_id, "restructure", fields | {"months": "24"})
    assert r.status_code == 303, r.text[:400]
    page = api.client.get(r.headers["location"]).text
    assert "已办理：贷款重组" in page and "次级" in page
    as_user(api, "guarantor")  # not the bank's form
    assert 'id="action-restructure"' not in api.client.get(f"/lending/loans/{loan_id}").text


def test_a_sharer_advances_on_its_own_claim_from_the_page(api: Api, db: Database) -> None:
    first, second = two_defaults(api, db)
    as_user(api, "guarantor")
    page = api.client.get(f"/lending/loans/{first}").text
    assert 'id="action-advance"' in page
    options = re.findall(r'<select name="claim_id"><option value="(\d+)"', page)
    assert len(options) == 1  # its own claim on this loan, not the fund's or the insurer's
    other = re.findall(r'<select name="claim_id"><option value="(\d+)"',
                       api.client.get(f"/lending/loans/{second}").text)[0]
    before = state(db)
    r = act(api, first, "advance", {"claim_id": other, "amount_cny": "100", "paid_on": "2026-07-21"})
    assert r.status_code == 422 and "代偿请求" in r.text and state(db) == before  # another loan's claim
    r = act(api, first, "advance", {"claim_id": options[0], "amount_cny": "99999999", "paid_on": "2026-07-21"})
    assert r.status_code == 422 and state(db) == before  # more than its share
    r = act(api, first, "advance", {"claim_id": options[0], "amount_cny": "1000.00", "paid_on": "2026-07-21"})
    assert r.status_code == 303, r.text[:400]
    assert "已办理：代偿" in api.client.get(r.headers["location"]).text
    as_user(api, "bank1")  # the bank takes the disposal to the exchange; the sale is not paid: no settlement yet
    assert act(api, first, "disposal", {"costs_cny": ""}).status_code == 303
    assert status_of(db, first) == "in_disposal"
    page = api.client.get(f"/lending/loans/{first}").text
    assert 'id="action-settle-sale"' in page and 'id="action-fixed-price"' in page
    before = state(db)
    r = act(api, first, "settle-sale")
    assert r.status_code == 409 and "尚未成交付款" in r.text and state(db) == before
    r = act(api, first, "fixed-price")  # no auction has failed twice yet
    assert r.status_code == 409 and "不能变卖" in r.text and state(db) == before

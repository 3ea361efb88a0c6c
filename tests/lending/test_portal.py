# ruff: noqa: F811 - the api fixture is imported from test_api and taken by name
"""The portal's pages (普惠金融服务平台, issue #17): the permission matrix of every page and form (anonymous → login,
wrong role or another bank's loan → the 403 page, the right party → the page and its forms), application to
disbursement done entirely through the forms, and each form refusal showing its message with a 4xx status and
changing nothing (a failed form token, an out-of-bounds field, a rule the service refuses, another role's action).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from landbridge import registry
from landbridge.db import Database
from landbridge.lending import pages
from landbridge.lending.models import Loan
from tests.exchange.test_pages import login
from tests.lending.test_api import Api, api, auth, body, state  # noqa: F401
from tests.registry.conftest import ACTOR


def as_user(api: Api, user: str | None) -> None:
    api.client.cookies.clear()
    if user is not None:
        login(api.client, user)


def token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:400]
    return found.group(1)


def applied(api: Api) -> int:
    r = api.client.post("/api/v1/lending/loans", json=body(api), headers=auth(api.client, "farmer"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def form(api: Api) -> dict[str, str]:
    return {k: str(v) for k, v in body(api).items()}


def act(api: Api, loan_id: int, action: str, fields: dict[str, str] | None = None) -> Any:
    csrf = token(api.client.get(f"/lending/loans/{loan_id}").text)
    return api.client.post(f"/lending/loans/{loan_id}/actions/{action}", data={**(fields or {}), "csrf": csrf},
                           follow_redirects=False)


def status_of(db: Database, loan_id: int) -> str:
    with db.transaction(readonly=True) as s:
        return str(s.scalar(select(Loan.status).where(Loan.id == loan_id)))


@pytest.mark.parametrize(("user", "code"), [
    (None, 303), ("registrar", 403), ("neighbour", 403), ("bank2", 403), ("guarantor", 403), ("insurer", 403),
    ("farmer", 200), ("bank1", 200), ("supervisor", 200)])
def test_loan_page_matrix(api: Api, user: str | None, code: int) -> None:
    """A loan's file: its borrower, its bank and supervisors; not a neighbour, another bank, an unbound sharer."""
    loan_id = applied(api)
    as_user(api, user)
    r = api.client.get(f"/lending/loans/{loan_id}", follow_redirects=False)
    assert r.status_code == code, r.text[:300]
    if code == 303:
        assert r.headers["location"].startswith("/login")
    if code == 403:
        assert "LN20" not in r.text and "action-" not in r.text
    if code == 200:
        assert "LN20" in r.text
        forms = set(re.findall(r'id="action-([a-z-]+)"', r.text))
        assert forms == {"farmer": {"withdraw"}, "bank1": {"decide"}, "supervisor": set()}[str(user)]


@pytest.mark.parametrize(("user", "code"), [(None, 303), ("bank1", 403), ("supervisor", 403), ("farmer", 200)])
def test_apply_page_is_the_members(api: Api, user: str | None, code: int) -> None:
    as_user(api, user)
    r = api.client.get("/lending/apply", follow_redirects=False)
    assert r.status_code == code
    if code == 200:  # the right picker lists the farmer's own current rights, the banks and the products
        assert f'<option value="{api.world.right}"' in r.text and "集体林权" in r.text
        assert f'<option value="{api.world.bank_org}"' in r.text and "两权抵押贷款" in r.text


def test_application_to_disbursement_through_the_forms(api: Api, db: Database) -> None:
    as_user(api, "farmer")
    csrf = token(api.client.get("/lending/apply").text)
    before = state(db)
    r = api.client.post("/lending/apply", data={**form(api), "intent": "preview", "csrf": csrf})
    assert r.status_code == 200 and 'id="schedule-preview"' in r.text and "2028-03-15" in r.text
    assert state(db) == before  # a preview writes nothing
    r = api.client.post("/lending/apply", data={**form(api), "intent": "apply", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    loan_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert "已提交贷款申请" in api.client.get(r.headers["location"]).text
    as_user(api, "bank1")
    desk = api.client.get("/lending").text
    assert 'id="desk"' in desk and f"/lending/loans/{loan_id}" in desk and "1000000.00" in desk
    r = act(api, loan_id, "decide", {"approve": "yes", "mortgagee_party_id": str(api.world.bank_party)})
    assert r.status_code == 303 and status_of(db, loan_id) == "approved"
    assert act(api, loan_id, "lien").status_code == 303 and status_of(db, loan_id) == "lien_lodged"
    before = state(db)
    r = act(api, loan_id, "disburse")  # the forest right's mortgage is constitutive: no money before 登簿
    assert r.status_code == 409 and "抵押权尚未登记" in r.text and state(db) == before
    r = act(api, loan_id, "lien-confirm")
    assert r.status_code == 409 and "尚未登簿" in r.text and state(db) == before
    with db.transaction() as s:
        app_id = s.scalar(select(Loan.lien_application_id).where(Loan.id == loan_id))
        registry.approve_application(s, application_id=app_id, actor=ACTOR)
    assert act(api, loan_id, "lien-confirm").status_code == 303 and status_of(db, loan_id) == "lien_registered"
    assert act(api, loan_id, "disburse").status_code == 303 and status_of(db, loan_id) == "disbursed"
    r = act(api, loan_id, "repay", {"amount_cny": "13587.50", "paid_on": "2026-04-15"})
    assert r.status_code == 303
    page = api.client.get(r.headers["location"]).text
    assert "已办理：登记还款" in page and "287500.00" in page and 'id="payments"' in page
    as_user(api, "farmer")  # the borrower sees the schedule with what is paid, and no bank forms
    page = api.client.get(f"/lending/loans/{loan_id}").text
    assert "287500.00" in page and 'id="action-' not in page
    as_user(api, "guarantor")  # bound at approval: the guarantor sees it and its exposure
    assert api.client.get(f"/lending/loans/{loan_id}").status_code == 200
    assert "本机构风险敞口" in api.client.get("/lending").text


@pytest.mark.parametrize(("fields", "code", "text"), [
    ({"months": "9999"}, 422, "期限（月）"),
    ({"principal_cny": "12abc"}, 422, "金额（元）"),
    ({"principal_cny": "9" * 600}, 422, "金额（元）"),
    ({"start": "2026-02-30"}, 422, "贷款起始日"),
    ({"right_id": ""}, 422, "抵押物权利"),
    ({"method": "weekly"}, 422, "还款方式"),
    ({"months": "4"}, 422, "期限须在"),
    ({"annual_rate": "0.5"}, 422, "利率须在"),
    ({"product_code": "nope"}, 404, "贷款产品 nope 不存在"),
])
def test_application_form_refusals(api: Api, db: Database, fields: dict[str, str], code: int, text: str) -> None:
    as_user(api, "farmer")
    csrf = token(api.client.get("/lending/apply").text)
    before = state(db)
    r = api.client.post("/lending/apply", data={**form(api), **fields, "intent": "apply", "csrf": csrf},
                        follow_redirects=False)
    assert r.status_code == code and text in r.text, r.text[:800]
    assert state(db) == before


def test_action_refusals_change_nothing(api: Api, db: Database) -> None:
    loan_id = applied(api)
    as_user(api, "bank1")
    before = state(db)
    r = api.client.post(f"/lending/loans/{loan_id}/actions/decide", data={"approve": "yes", "csrf": "forged"})
    assert r.status_code == 403 and "web.csrf_failed" in r.text
    for action, fields, code in (("decide", {"approve": "maybe"}, 422),
                                 ("decide", {"approve": "yes", "grade": "Z"}, 422),
                                 ("decide", {"approve": "no", "reason": "x" * 501}, 422),
                                 ("nonsense", {}, 422), ("withdraw", {}, 403), ("disburse", {}, 409),
                                 ("repay", {"amount_cny": "-5", "paid_on": "2026-04-01"}, 422)):
        r = act(api, loan_id, action, fields)
        assert r.status_code == code, (action, r.status_code, r.text[:300])
        assert state(db) == before and status_of(db, loan_id) == "applied"
    as_user(api, "bank2")  # another bank's loan: the refusal page, not even the file
    r = api.client.post(f"/lending/loans/{loan_id}/actions/decide", data={"approve": "yes", "csrf": "x"})
    assert r.status_code == 403
    as_user(api, "farmer")
    r = act(api, loan_id, "decide", {"approve": "yes"})  # the borrower cannot decide their own loan
    assert r.status_code == 403 and state(db) == before
    assert api.client.get("/lending/loans/999999").status_code == 404
    as_user(api, "neighbour")
    r = api.client.post(f"/lending/loans/{loan_id}/actions/withdraw", data={"csrf": "x"})
    assert r.status_code == 403 and status_of(db, loan_id) == "applied"
    as_user(api, "farmer")
    r = act(api, loan_id, "withdraw")
    assert r.status_code == 303 and status_of(db, loan_id) == "withdrawn"


def test_english_and_pagination(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [applied(api) for _ in range(3)]
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    as_user(api, "farmer")
    first = api.client.get("/lending?lang=en").text
    assert "Inclusive finance portal" in first and "Page 1 / 2" in first and f"/lending/loans/{ids[2]}" in first
    second = api.client.get("/lending?page=2&lang=en").text
    assert f"/lending/loans/{ids[0]}" in second and f"/lending/loans/{ids[2]}" not in second
    assert "Page 2 / 2" in api.client.get("/lending?page=999999999&lang=en").text  # bounded, not an error
    assert api.client.get("/lending?page=abc").status_code == 200
    assert api.client.get("/lending?status=approved").text.count("/lending/loans/") == 0


def test_supervisor_and_fund_views(api: Api, db: Database) -> None:
    """The supervisor's five-tier counts and portfolio; the fund's ledger; neither shown to a bank or borrower."""
    from datetime import date

    from landbridge.lending import contribute_to_fund

    with db.transaction() as s:
        contribute_to_fund(s, amount="2000000", day=date(2026, 3, 1), actor="user:5:fund_manager")
    as_user(api, "supervisor")
    page = api.client.get("/lending").text
    assert 'id="portfolio"' in page and "五级分类" in page and "关注" in page and "2000000.00" in page
    as_user(api, "fund")
    page = api.client.get("/lending").text
    assert 'id="fund"' in page and "注资" in page and 'id="exposure"' in page and 'id="portfolio"' not in page
    for user in ("bank1", "farmer", "guarantor"):
        as_user(api, user)
        page = api.client.get("/lending").text
        assert 'id="fund"' not in page and 'id="portfolio"' not in page, user

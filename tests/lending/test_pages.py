"""The inclusive-finance portal page: anonymous → login, wrong role → 403, each role its own view (issue #17)."""

from __future__ import annotations

from datetime import date

from landbridge.db import Database
from landbridge.lending import contribute_to_fund
from tests.lending.test_api import Api, api, auth, body

__all__ = ["api"]


def test_portal_by_role(api: Api) -> None:
    c = api.client
    assert c.post("/api/v1/lending/loans", json=body(api), headers=auth(c, "farmer")).status_code == 201
    r = c.get("/lending", follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    assert c.get("/lending", headers=auth(c, "registrar")).status_code == 403
    r = c.get("/lending", headers=auth(c, "farmer"))
    assert r.status_code == 200 and "普惠金融服务平台" in r.text and "已申请" in r.text
    assert "LN" in c.get("/lending", headers=auth(c, "bank1")).text
    assert "LN" not in c.get("/lending", headers=auth(c, "bank2")).text
    assert "LN" not in c.get("/lending", headers=auth(c, "neighbour")).text
    r = c.get("/lending", headers=auth(c, "supervisor"))
    assert r.status_code == 200 and "不良率" in r.text and "风险补偿基金" in r.text
    assert "本机构风险敞口" in c.get("/lending", headers=auth(c, "guarantor")).text


def test_fund_leverage_against_its_floor(api: Api, db: Database) -> None:
    """The fund's leverage is shown against the rule's floor (banks lend ≥ 10 × the fund); below it, a warning."""
    c = api.client
    with db.transaction() as s:
        contribute_to_fund(s, amount="1000", day=date(2026, 3, 1), actor="user:5:fund_manager")
    r = c.get("/api/v1/lending/fund", headers=auth(c, "fund"))
    assert r.status_code == 200
    assert (r.json()["leverage"], r.json()["leverage_min"], r.json()["below_leverage_floor"]) == ("0.00", "10", True)
    page = c.get("/lending", headers=auth(c, "fund")).text
    assert "最低放大倍数" in page and "低于最低放大倍数" in page

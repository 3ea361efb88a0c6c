"""Deposit reconciliation (issue #6 item 3): bank credits by signed callback (refused ones kept), against the
deposits expected; refunds on time, late and overdue; conversion and forfeiture; fen-exact totals; the API's
permission matrix, the page and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange import reconcile
from landbridge.exchange.document_models import BankCredit
from landbridge.exchange.document_views import detail_words
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.pages import LOCALE_DIR
from landbridge.exchange.views import sign_callback
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events
from landbridge.main import create_app
from landbridge.web.i18n import layered_translator, module_catalogue
from tests.exchange.conftest import OPERATOR, World, bid, build_world, new_lot, pay, to
from tests.exchange.test_api import auth


@dataclass
class Setup:
    client: TestClient
    world: World
    clock: Clock
    lot_id: int
    bidders: list[Bidder]


def callback(client: TestClient, sub_account: str, amount: str, payer: str, ref: str) -> int:
    body = json.dumps({"sub_account": sub_account, "amount_cny": amount, "payer_name": payer,
                       "bank_ref": ref}).encode()
    r = client.post("/api/v1/exchange/bank/callback", content=body,
                    headers={"x-bank-signature": sign_callback(body), "content-type": "application/json"})
    return int(r.status_code)




@pytest.fixture
def setup(db: Database, clock: Clock) -> Iterator[Setup]:
    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s)
        other = create_organisation(s, name="贵溪市农村产权交易所", kind=OrgKind.exchange, region_code="360681000000")
        create_user(s, username="exchange2", password="demo", display_name="外县交易所", role=Role.exchange_operator,
                    organisation_id=other.id, is_demo=True)
        lot = new_lot(s, world)
        bidders = [exchange.apply_for_lot(s, lot_id=lot.id, party_id=p, actor=OPERATOR) for p in world.bidders]
        lot_id = bidders[0].lot_id
    with TestClient(create_app()) as c:
        yield Setup(c, world, clock, lot_id, bidders)


def sub(db: Database, bidder: Bidder) -> str:
    with db.transaction(readonly=True) as s:
        return s.execute(select(Deposit.sub_account).where(Deposit.bidder_id == bidder.id)).scalar_one()


def totals(report: reconcile.Reconciliation) -> dict[str, tuple[int, Decimal]]:
    return {c.value: (t.count, t.amount_cny) for c, t in report.totals.items() if t.count}


def test_reconciliation_figures_on_a_constructed_set(setup: Setup, db: Database, clock: Clock) -> None:
    c, w = setup.client, setup.world
    a, b, cc, _ = setup.bidders
    names = [w.names[p] for p in w.bidders]
    assert callback(c, sub(db, a), "10000.00", names[0], "REF-A") == 200
    assert callback(c, sub(db, b), "9000.00", names[1], "REF-B1") == 422  # wrong amount: refused, kept
    assert callback(c, "LB999999NOSUCH", "5000.00", "某某", "REF-X") == 404  # unknown sub-account: refused, kept
    assert callback(c, "LB999999NOSUCH", "5000.00", "某某", "REF-X") == 404  # the bank repeats itself
    assert callback(c, sub(db, b), "10000.00", names[1], "REF-B2") == 200
    assert callback(c, sub(db, b), "10000.00", names[1], "REF-B2") == 200  # idempotent
    with db.transaction() as s:
        pay(s, s.get(Bidder, cc.id), names[2], ref="DESK-C")  # type: ignore[arg-type] # confirmed without a callback
        assert s.scalar(select(func.count()).select_from(BankCredit)) == 4  # A, B1, X once, B2 once
        found = s.get(Lot, setup.lot_id)
        assert found is not None
        lot = found
    to(clock, lot.starts_at)
    with db.transaction() as s:
        exchange.run_due(s)
        live = s.get(Lot, setup.lot_id)
        assert live is not None
        assert bid(s, live, a, "100000.00").accepted and bid(s, live, b, "101000.00").accepted
    to(clock, lot.ends_at, timedelta(seconds=301))
    with db.transaction() as s:
        exchange.advance_lot(s, s.get(Lot, setup.lot_id))  # type: ignore[arg-type] # decided; no refund run
        exchange.record_default(s, lot_id=setup.lot_id, actor=OPERATOR, reason="拒签成交确认书")
        refund_due_on = s.execute(select(Deposit.refund_due_on).where(Deposit.bidder_id == cc.id)).scalar_one()
        events = [e.event_type for e in list_events(s, limit=1000)]
        assert "deposit_forfeited" in events
    clock.set(clock.now() + timedelta(days=20))
    first, last = date(2026, 3, 1), clock.now().date()
    with db.transaction(readonly=True) as s:
        report = reconcile.reconcile_deposits(s, date_from=first, date_to=last)
    ten = Decimal("10000.00")
    assert totals(report) == {
        "matched": (2, 2 * ten), "amount_mismatch": (1, Decimal("9000.00")),
        "unknown_sub_account": (1, Decimal("5000.00")), "confirmed_without_credit": (1, ten),
        "outstanding": (1, ten), "overdue_refund": (1, ten), "converted": (1, ten), "forfeited": (1, ten)}
    overdue = next(line for line in report.lines if line.category == "overdue_refund")
    assert overdue.bidder_code == cc.bidder_code and overdue.day == refund_due_on and refund_due_on < last
    forfeited = next(line for line in report.lines if line.category == "forfeited")
    assert forfeited.bidder_code == b.bidder_code
    mismatch = next(line for line in report.lines if line.category == "amount_mismatch")
    assert (mismatch.expected_cny, mismatch.amount_cny) == (ten, Decimal("9000.00"))
    # a range before anything happened is empty; the worker then refunds late
    with db.transaction(readonly=True) as s:
        assert reconcile.reconcile_deposits(s, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)).lines == []
    with db.transaction() as s:
        assert exchange.run_due(s) == 1
    with db.transaction(readonly=True) as s:
        after = totals(reconcile.reconcile_deposits(s, date_from=first, date_to=last))
    assert after["refunded_late"] == (1, ten) and "overdue_refund" not in after and "refunded" not in after


def test_reconciliation_api_permissions_page_and_csv(setup: Setup, db: Database) -> None:
    c, w = setup.client, setup.world
    assert callback(c, sub(db, setup.bidders[0]), "10000.00", w.names[w.bidders[0]], "REF-A") == 200
    assert callback(c, "LB000000UNKNOWN", "12.34", "某某", "REF-U") == 404
    url = "/api/v1/exchange/reconciliation?from=2026-03-01&to=2026-03-31"
    with db.transaction(readonly=True) as s:
        before = current_size(s), s.scalar(select(func.count()).select_from(BankCredit))
    for user, code in ((None, 401), ("bidder", 403), ("member", 403)):
        r = c.get(url, headers=auth(c, user))
        assert r.status_code == code, (user, r.text)
    r = c.get(url, headers=auth(c, "exchange"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totals"]["matched"] == {"count": 1, "amount_cny": "10000.00", "label": "Credit matched"}
    assert body["totals"]["unknown_sub_account"]["amount_cny"] == "12.34" and body["total"] == len(body["items"]) == 5
    # another county's operator sees the credit no lot claims, not this lot's lines
    other = c.get(url, headers=auth(c, "exchange2")).json()
    assert [i["category"] for i in other["items"]] == ["unknown_sub_account"]
    assert c.get(url, headers=auth(c, "supervisor")).json()["total"] == 5
    paged = c.get(url + "&limit=2&offset=4", headers=auth(c, "supervisor")).json()
    assert len(paged["items"]) == 1 and paged["total"] == 5
    for bad in ("from=2026-03-31&to=2026-03-01", "from=2020-01-01&to=2026-03-01", "from=x&to=2026-03-01"):
        r = c.get(f"/api/v1/exchange/reconciliation?{bad}", headers=auth(c, "exchange"))
        assert r.status_code == 422, bad
    page = c.get("/exchange/reconciliation?from=2026-03-01&to=2026-03-31", headers=auth(c, "exchange"))
    assert page.status_code == 200 and "保证金对账" in page.text and "未知子账户来款" in page.text
    assert "LB000000UNKNOWN" in page.text
    # the refusal code in words of the page's language, never the raw code (the CSV and the API keep the code)
    assert "子账户不存在" in page.text and "exchange.sub_account_not_found" not in page.text
    english = c.get("/exchange/reconciliation?from=2026-03-01&to=2026-03-31&lang=en", headers=auth(c, "exchange"))
    assert "No such sub-account" in english.text and "exchange.sub_account_not_found" not in english.text
    assert c.get("/exchange/reconciliation", headers=auth(c, "bidder")).status_code == 403
    assert c.get("/exchange/reconciliation", follow_redirects=False).status_code == 303
    exported = c.get("/exchange/reconciliation?from=2026-03-01&to=2026-03-31&format=csv", headers=auth(c, "exchange"))
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0] == list(reconcile.CSV_HEADER) and len(rows) == 6
    assert any(r[0] == "unknown_sub_account" and r[8] == "12.34" for r in rows)
    with db.transaction(readonly=True) as s:
        assert (current_size(s), s.scalar(select(func.count()).select_from(BankCredit))) == before


@pytest.mark.parametrize(("detail", "zh", "en"), [
    ("", "", ""),
    ("due 2026-10-28", "期限 2026-10-28", "due 2026-10-28"),
    ("due 2026-10-28, 12 days overdue", "期限 2026-10-28，已逾期 12 天", "due 2026-10-28, 12 days overdue"),
    ("due 2026-12-02; fee 478.40, payout 47361.60", "期限 2026-12-02；服务费 478.40，支付出让方 47361.60",
     "due 2026-12-02; fee 478.40, payout 47361.60"),
    ("due 2026-12-02; winner defaulted", "期限 2026-12-02；竞得人违约", "due 2026-12-02; winner defaulted"),
    ("instalment 2/3, due 2027-01-05", "第 2/3 期，期限 2027-01-05", "instalment 2/3, due 2027-01-05"),
    ("exchange.deposit_amount_mismatch", "金额与应缴保证金不符", "Amount differs from the deposit due"),
    ("exchange.something_new", "exchange.something_new", "exchange.something_new"),
])
def test_reconciliation_details_in_words(detail: str, zh: str, en: str) -> None:
    for locale, want in (("zh_CN", zh), ("en", en)):
        _ = layered_translator(locale, module_catalogue(str(LOCALE_DIR), locale) if locale != "en" else {})
        assert detail_words(detail, _, zh=locale == "zh_CN") == want

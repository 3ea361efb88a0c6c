"""Browser journeys on the system Chromium with an accelerated clock (issue #6 done-means): a listing with
countdown (the operator publishes, two bidders apply, the bank's signed callback confirms their deposits,
they bid in the bidding room, the countdown runs out, the result and the award confirmation are shown) and
a collateral auction (the debtor is refused, a late bid extends the auction, the award is shown)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user, link_user_party
from landbridge.db import Database
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.views import SIGNATURE_HEADER, sign_callback
from landbridge.kernel.clock import Clock, ensure_utc, set_clock
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots
from tests.exchange.conftest import World, build_world, new_lot

pytestmark = pytest.mark.browser
__all__ = ["server", "shots"]  # fixtures used by this module


def _accounts(s: Session, world: World, extra: dict[str, int]) -> None:
    create_demo_accounts(s)
    link_user_party(s, username="bidder", party_id=world.bidders[0])
    people = create_organisation(s, name="其他竞买人", kind=OrgKind.individual, region_code="360600000000")
    for username, party in extra.items():
        create_user(s, username=username, password="demo", display_name=username, role=Role.bidder,
                    organisation_id=people.id, party_id=party, is_demo=True)


def _bank_pays(server: str, db: Database, lot_id: int, names: dict[int, str]) -> None:
    """The simulated bank: a signed callback for every pending deposit of the lot, paid in the bidder's name."""
    with db.transaction(readonly=True) as s:
        rows = [(d.sub_account, str(d.amount_cny), d.bidder_id) for d in
                s.scalars(select(Deposit).where(Deposit.lot_id == lot_id, Deposit.status == "pending"))]
        party = {b.id: b.party_id for b in s.scalars(select(Bidder).where(Bidder.lot_id == lot_id))}
    assert rows
    for sub_account, amount, bidder_id in rows:
        body = json.dumps({"sub_account": sub_account, "amount_cny": amount, "payer_name": names[party[bidder_id]],
                           "bank_ref": f"JOURNEY-{sub_account}"}).encode()
        req = urllib.request.Request(server + "/api/v1/exchange/bank/callback", data=body, method="POST",
                                     headers={"content-type": "application/json",
                                              SIGNATURE_HEADER: sign_callback(body)})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())["status"] == "confirmed"


def _worker(db: Database) -> int:
    with db.transaction() as s:
        return exchange.run_due(s)


def _lot(db: Database, lot_id: int) -> Lot:
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        return lot


@contextmanager
def zh_browser() -> Iterator[Any]:
    """A zh-CN page (15 s timeouts) in the system Chromium, closed however the journey ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()


def _log_in(page: Any, server: str, lot_id: int, username: str) -> None:
    page.goto(server + f"/login?next=/exchange/lots/{lot_id}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(server + f"/exchange/lots/{lot_id}")


def log_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def _accelerate(at: datetime, speed: float) -> Clock:
    fast = Clock(ensure_utc(at), speed=speed)
    set_clock(fast)
    return fast


def test_listing_with_countdown_journey(server: str, db: Database, clock: Clock, shots: Path) -> None:
    from playwright.sync_api import Page, expect

    with db.transaction() as s:
        world = build_world(s)
        _accounts(s, world, {"bidder2": world.bidders[1]})
        draft = new_lot(s, world, publish=False)
        lot_id = draft.id

    def log_in(page: Page, username: str) -> None:
        _log_in(page, server, lot_id, username)

    with zh_browser() as page:
        status = page.locator("#message")
        # 1. the operator publishes the announcement of the draft lot
        log_in(page, "exchange")
        page.get_by_role("button", name="发布公告").click()
        expect(status).to_contain_text("已发布公告")
        expect(page.locator("#phase")).to_have_text("公告中")
        log_out(page)

        # 2. two bidders apply and are given anonymous codes and deposit sub-accounts
        codes = []
        for username in ("bidder", "bidder2"):
            log_in(page, username)
            page.get_by_role("button", name="报名竞买").click()
            expect(status).to_contain_text("报名成功")
            expect(page.locator("#bidding-room")).to_contain_text("待缴纳")
            codes.append(page.locator("#bidding-room h2").inner_text().split()[-1])
            log_out(page)

        # 3. the bank's signed callbacks confirm both deposits
        _bank_pays(server, db, lot_id, world.names)
        lot = _lot(db, lot_id)
        clock.set(ensure_utc(lot.starts_at) + timedelta(minutes=1))
        assert _worker(db) == 1

        # 4. both bid in the bidding room during the listing, each in a browser of its own: the other's bid
        #    appears live (price, history, the next admissible bid) without a reload (SSE)
        other = page.context.browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
        other.set_default_timeout(15_000)
        _log_in(other, server, lot_id, "bidder2")
        log_in(page, "bidder")
        for room in (page, other):
            expect(room.locator("#bidding-room")).to_contain_text("已到账")
            expect(room.locator("body")).to_have_attribute("data-live", "sse")
        for room, watcher, amount, code in ((page, other, "100000.00", 0), (other, page, "101000.00", 1)):
            expect(room.locator("input[name=amount_cny]")).to_have_value(amount)  # the next admissible bid
            room.get_by_role("button", name="报价").click()
            expect(room.locator("#message")).to_have_text(f"报价 {amount} 元已被接受")
            expect(watcher.locator("#current-price")).to_have_text(amount)
            expect(watcher.locator("#history tbody tr").first).to_contain_text(amount)
            expect(watcher.locator("#history tbody tr").first).to_contain_text(codes[code])
        expect(page.locator("input[name=amount_cny]")).to_have_value("102000.00")  # moved by bidder2's bid
        page.screenshot(path=str(shots / "exchange-live.png"), full_page=True)
        other.context.close()
        log_out(page)

        # 5. listing end with two bidders: the countdown; a bid restarts it, then the clock runs fast
        clock.set(ensure_utc(lot.ends_at) + timedelta(seconds=5))  # type: ignore[arg-type]
        assert _worker(db) == 1 and _lot(db, lot_id).phase == "countdown"
        log_in(page, "bidder")
        expect(page.locator("#phase")).to_have_text("限时竞价")
        page.get_by_role("button", name="报价").click()
        expect(status).to_have_text("报价 102000.00 元已被接受")
        end = ensure_utc(_lot(db, lot_id).countdown_end)  # type: ignore[arg-type]
        assert end == clock.now() + timedelta(seconds=300)
        page.screenshot(path=str(shots / "exchange-countdown.png"), full_page=True)
        _accelerate(end - timedelta(seconds=30), speed=15.0)  # 30 s of the countdown in 2 s
        page.reload()
        expect(page.locator("#countdown")).to_have_text("00:00:00", timeout=20_000)
        assert _worker(db) == 1  # the worker fires the close once

        # 6. the result: award to the highest bid; the bidder sees it with the winning code
        page.reload()
        expect(page.locator("#phase")).to_have_text("待确认成交")
        expect(page.locator("#result")).to_contain_text("102000.00")
        expect(page.locator("#winner")).to_have_text(codes[0])
        log_out(page)

        # 7. the operator signs the award confirmation
        log_in(page, "exchange")
        page.get_by_role("button", name="签署成交确认书").click()
        expect(status).to_contain_text("已签署成交确认书 CJ-")
        expect(page.locator("#result")).to_contain_text("CJ-")
        page.screenshot(path=str(shots / "exchange-award.png"), full_page=True)


def test_collateral_auction_journey(server: str, db: Database, clock: Clock, shots: Path) -> None:
    from playwright.sync_api import Page, expect

    with db.transaction() as s:
        world = build_world(s)
        _accounts(s, world, {"bidder2": world.bidders[1], "debtor": world.seller})
        lot = new_lot(s, world, kind="collateral", start_price="70000.00", increment="1000.00",
                      appraised_value="100000.00")
        lot_id = lot.id

    def log_in(page: Page, username: str) -> None:
        _log_in(page, server, lot_id, username)

    with zh_browser() as page:
        status = page.locator("#message")
        # 1. the debtor may not bid on its own collateral; two others apply
        log_in(page, "debtor")
        page.get_by_role("button", name="报名竞买").click()
        expect(page.locator("#message")).to_have_text("该竞买人被禁止参与本标的竞买")
        log_out(page)
        for username in ("bidder", "bidder2"):
            log_in(page, username)
            page.get_by_role("button", name="报名竞买").click()
            expect(status).to_contain_text("报名成功")
            log_out(page)
        _bank_pays(server, db, lot_id, world.names)

        # 2. registration closes, the online auction opens (24 h)
        clock.set(ensure_utc(lot.starts_at) + timedelta(minutes=1))
        assert _worker(db) == 2 and _lot(db, lot_id).phase == "live_auction"
        log_in(page, "bidder")
        expect(page.locator("#phase")).to_have_text("网络拍卖")
        page.get_by_role("button", name="报价").click()
        expect(status).to_have_text("报价 70000.00 元已被接受")
        log_out(page)

        # 3. a bid in the last five minutes extends the auction by five minutes
        ends = ensure_utc(_lot(db, lot_id).countdown_end)  # type: ignore[arg-type]
        clock.set(ends - timedelta(minutes=2))
        log_in(page, "bidder2")
        page.get_by_role("button", name="报价").click()
        expect(status).to_have_text("报价 71000.00 元已被接受")
        extended = ensure_utc(_lot(db, lot_id).countdown_end)  # type: ignore[arg-type]
        assert extended == clock.now() + timedelta(minutes=5) and extended > ends
        page.screenshot(path=str(shots / "exchange-auction.png"), full_page=True)

        # 4. the clock runs fast to the extended end; the worker closes; the award is shown
        _accelerate(extended - timedelta(seconds=20), speed=10.0)
        page.reload()
        expect(page.locator("#countdown")).to_have_text("00:00:00", timeout=20_000)
        assert _worker(db) == 2  # the close, then the loser's deposit refund (no promotion for collateral)
        assert _worker(db) == 0
        page.reload()
        expect(page.locator("#result")).to_contain_text("71000.00")
        expect(page.locator("#phase")).to_have_text("待确认成交")

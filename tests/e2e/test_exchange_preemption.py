"""Browser journey (issue #24): a land management right lot won by a member of the collective's pre-emption.

The lot page explains the pre-emption before anyone bids; the member registers its ground from the page, the
outside bidders bid, and after the close the member matches the best offer from the page and wins; the award is
confirmed and the public results notice names the member as the rules publish it (masked). Screenshots go to
``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from landbridge import exchange, registry
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import Clock
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.exchange.conftest import OPERATOR, bid, build_world, enrol, new_lot, put_on_roll
from tests.registry.conftest import VILLAGE, resident_id

pytestmark = pytest.mark.browser


def sign_in(page: Any, base: str, lot_id: int) -> None:
    page.goto(f"{base}/login?next=/exchange/lots/{lot_id}")
    page.fill("input[name=username]", "villager")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.goto(f"{base}/exchange/lots/{lot_id}")


def test_a_member_wins_a_lot_by_pre_emption_in_the_browser(server: str, db: Database, clock: Clock,  # noqa: F811
                                                             shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s)
        member = registry.create_party(s, kind="person", name="范建国", id_number=resident_id(991),
                                       region_code=VILLAGE, actor=OPERATOR).id
        put_on_roll(s, member)
        world.names[member] = "范建国"
        org = create_organisation(s, name="范家村村民", kind=OrgKind.individual, region_code="360600000000")
        create_user(s, username="villager", password="demo", display_name="范建国", role=Role.bidder,
                    organisation_id=org.id, party_id=member, is_demo=True)
        lot = new_lot(s, world)
        rivals = [enrol(s, lot, world, p) for p in world.bidders[:2]]
        enrol(s, lot, world, member)
        lot_id, starts, ends = lot.id, lot.starts_at, lot.ends_at
    url = f"{server}/exchange/lots/{lot_id}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. before anyone bids, the lot page explains who may pre-empt, in what order and for how long
            page.goto(url + "?lang=zh_CN")
            expect(page.locator("#preemption-grounds li")).to_have_count(3)
            expect(page.locator("#preemption-grounds")).to_contain_text("本集体经济组织成员")
            expect(page.locator("#legal-rules")).to_contain_text("48 小时内")
            page.locator("#legal-rules").screenshot(path=str(shots / "preemption_rules.png"))

            # 2. the member signs in and registers its pre-emption on the ground of membership
            sign_in(page, server, lot_id)
            page.select_option("#preemption-form select[name=ground]", "member")
            page.click("#preemption-form button[type=submit]")
            expect(page.locator(".notice").first).to_contain_text("已登记优先购买权")
            expect(page.locator("#my-preemption")).to_contain_text("已登记")

            # 3. the outside bidders bid; the listing and its countdown end: the best offer is known
            assert starts is not None and ends is not None
            clock.set(starts + timedelta(minutes=5))
            with db.transaction() as s:
                row = s.get(Lot, lot_id)
                assert row is not None
                for bidder, amount in zip(rivals, ("100000", "103000"), strict=True):
                    assert bid(s, row, bidder, amount).accepted
            clock.set(ends + timedelta(seconds=301))
            with db.transaction() as s:
                exchange.run_due(s)

            # 4. the member (signed in again: days have passed) matches the best offer within the period, and wins
            sign_in(page, server, lot_id)
            expect(page.locator("#preemption-open")).to_be_visible()
            page.screenshot(path=str(shots / "preemption_open.png"), full_page=True)
            page.click("#match-form button[type=submit]")
            expect(page.locator(".notice").first).to_contain_text("优先购买权成立")
            expect(page.locator("#preemption-exercised")).to_contain_text("本集体经济组织成员")
            expect(page.locator("#result")).to_contain_text("同等条件下行使优先购买权")
            expect(page.locator("#result")).to_contain_text("103000")
            page.screenshot(path=str(shots / "preemption_won.png"), full_page=True)

            # 5. the operator confirms the award; the public results notice names the member masked
            with db.transaction() as s:
                exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
            anonymous = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
            anonymous.goto(url + "?lang=zh_CN")
            expect(anonymous.locator("#results-notice")).to_contain_text("范**")
            expect(anonymous.locator("#results-notice")).not_to_contain_text("范建国")
            anonymous.locator("#legal-rules").screenshot(path=str(shots / "results_notice.png"))
        finally:
            browser.close()

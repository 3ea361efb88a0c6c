"""Browser journeys of the service hall (办事大厅, issue #20 "done means"), each at a desktop and a phone-sized
viewport (390 × 844, touch, as most villagers will use it):

(a) a villager logs in, sees the vote open to them with its near deadline on the hall, submits a demand (群众诉求);
    the department responsible accepts and answers it on its work page; the villager rates the answer;
(b) the registrar clears the to-do list: the lodged application the hall lists is approved and the hall is empty;
(c) a bidder reaches the lot it bid on from the hall.

Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp, named by viewport. Viewport screenshots are
taken before a click (a full-page one resizes the viewport and the click misses), full-page ones only at the end.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from landbridge import collective
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.db import Database
from landbridge.demands.models import DemandTicket
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import Clock, now
from tests.collective.conftest import accounts_world
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.exchange.conftest import bid, build_world, enrol, new_lot
from tests.web.world import build_world as registry_world

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"viewport": {"width": 1360, "height": 900}},
             "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                       "device_scale_factor": 2}}
SIZES = pytest.mark.parametrize("size", list(VIEWPORTS))
VOTE = "2027 年度集体机动地发包方案"


def open_browser(pw: Any, size: str) -> tuple[Any, Any]:
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    page = browser.new_context(locale="zh-CN", **VIEWPORTS[size]).new_page()
    page.set_default_timeout(20_000)
    return browser, page


def log_in(page: Any, base: str, user: str) -> None:
    """Log in from the login page with no page to return to: the hall is the front door."""
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/hall")
    expect(page.locator("h1")).to_have_text("办事大厅")


def todo(page: Any, module: str, text: str) -> Any:
    return page.locator(f'table.todos tr[data-module="{module}"]', has_text=text)


def fits_the_width(page: Any) -> None:
    """Nothing pushes the page wider than the viewport (a table scrolls inside its own box, if at all)."""
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 1, f"the page is {wide}px wider than the viewport at {page.url}"


@SIZES
def test_a_villager_sees_a_vote_submits_a_demand_and_rates_the_answer(
        server: str, db: Database, clock: Clock, shots: Path, size: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with db.transaction() as s:
        village, _ = accounts_world(s)  # the user ``villager`` is the first person of 锦江村's collective
        meeting = collective.convene_meeting(s, collective_id=village.collective_id, body="members_assembly",
                                             title="2026 年第 1 次成员大会", scheduled_at=now(), actor="user:9:clerk")
        motion = collective.create_motion(s, meeting_id=meeting.id, title=VOTE, text="机动地 30 亩公开发包",
                                          kind="general", actor="user:9:clerk")
        collective.open_vote(s, motion_id=motion.id, actor="user:9:clerk", closes_at=now() + timedelta(days=2))
        motion_id = motion.id
    with sync_playwright() as pw:
        browser, page = open_browser(pw, size)
        try:
            # 1. the villager logs in and lands in the hall: the vote open to them, closing in two days
            log_in(page, server, "villager")
            vote = todo(page, "collective", VOTE)
            expect(vote).to_have_class("soon")
            expect(vote).to_contain_text("还剩 2 天")
            expect(vote.locator("a")).to_have_attribute("href", f"/collective/motions/{motion_id}")
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-a1-villager-hall.png"))

            # 2. a demand from the hall's services: about the homestead, routed to the natural resources bureau
            page.locator('ul.services a[href="/demands"]').click()
            expect(page.locator("h1")).to_have_text("我要诉求")
            page.select_option("#demand-type", "help")
            page.select_option("#demand-category", "homestead")
            page.fill("#demand-title", "宅基地翻建审批进度")
            page.fill("#demand-description", "去年提交的宅基地翻建申请一直没有答复，请帮忙查询进度。")
            page.fill("#demand-phone", "13900000000")
            page.screenshot(path=str(shots / f"{size}-a2-demand-form.png"))
            page.locator("#demand-form button[type=submit]").click()
            expect(page.locator("#demand-message")).to_contain_text("诉求已受理，编号")
            with db.transaction(readonly=True) as s:
                ticket = s.scalars(select(DemandTicket)).one()
                ticket_id, number = ticket.id, ticket.number
            mine = page.locator(f"#demand-{ticket_id}")
            expect(mine).to_contain_text(number)
            expect(mine).to_contain_text("待签收")
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-a3-demand-taken.png"))

            # 3. the bureau's official finds it on their hall, accepts it and answers on the work page
            log_in(page, server, "nr")
            todo(page, "demands", f"诉求 {number}：签收").locator("a").click()
            expect(page).to_have_url(f"{server}/demands/work")
            work = page.locator(f"#work-{ticket_id}")
            expect(work).to_contain_text("宅基地翻建审批进度")
            expect(work).to_contain_text("13900000000")  # the contact, to the department in clear
            fits_the_width(page)
            hidden = work.locator(f'label[for="transfer-{ticket_id}"]').bounding_box()  # for screen readers only
            assert hidden is not None and hidden["width"] <= 1 and hidden["height"] <= 1
            work.get_by_role("button", name="签收").click()
            expect(work).to_contain_text("办理中")
            work.locator(f"#answer-{ticket_id}").fill("已查询：申请已于本月通过乡镇审核，正在公示，公示期满即发放批准书。")
            page.screenshot(path=str(shots / f"{size}-a4-department-answers.png"))
            work.get_by_role("button", name="答复", exact=True).click()
            expect(page.locator(f"#work-{ticket_id}")).to_have_count(0)
            expect(page.locator("p.notice")).to_have_text("暂无待办诉求。")

            # 4. the villager's hall asks for a rating; the rating is stored and the to-do gone
            log_in(page, server, "villager")
            rate = todo(page, "demands", f"诉求 {number} 已答复：请评价")
            expect(todo(page, "collective", VOTE)).to_have_count(1)  # the vote still waits
            page.screenshot(path=str(shots / f"{size}-a5-hall-rate.png"))
            rate.locator("a").click()
            expect(page).to_have_url(f"{server}/demands")
            expect(mine).to_contain_text("正在公示")
            page.select_option(f"#rate-{ticket_id}", "5")
            page.fill(f"#comment-{ticket_id}", "答复及时，谢谢")
            page.screenshot(path=str(shots / f"{size}-a6-rate-form.png"))
            mine.get_by_role("button", name="评价").click()
            expect(mine).to_contain_text("已评价 5/5")
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-a7-rated.png"), full_page=True)
            with db.transaction(readonly=True) as s:
                stored = s.get(DemandTicket, ticket_id)
                assert stored is not None and stored.satisfaction == 5
                assert stored.rating_comment == "答复及时，谢谢"
            page.goto(f"{server}/hall")
            expect(todo(page, "demands", number)).to_have_count(0)
            expect(todo(page, "collective", VOTE)).to_have_count(1)
        finally:
            browser.close()


@SIZES
def test_the_registrar_clears_the_to_do_list(server: str, db: Database, clock: Clock, shots: Path,  # noqa: F811
                                             size: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    world = registry_world(db)  # one application lodged, waiting for the registrar
    with sync_playwright() as pw:
        browser, page = open_browser(pw, size)
        try:
            log_in(page, server, "registrar")
            expect(page.locator("table.todos tbody tr")).to_have_count(1)
            item = todo(page, "registry", f"申请 {world.lodged_application_number}")
            expect(item).to_contain_text("还剩")
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-b1-registrar-hall.png"))
            item.locator("a").click()
            expect(page).to_have_url(f"{server}/registrar/queue")
            row = page.locator(f"#application-{world.lodged_application}")
            fits_the_width(page)  # the queue's wide table scrolls in its own box on a phone
            page.screenshot(path=str(shots / f"{size}-b2-queue.png"))
            row.get_by_role("button", name="登簿").click()
            expect(page.locator(".notice")).to_have_text(f"申请 {world.lodged_application_number} 已登簿")
            if page.locator("button.menu-toggle").is_visible():  # a phone: the menu is folded behind its button
                page.locator("button.menu-toggle").click()
            page.locator("nav").get_by_role("link", name="办事大厅").click()
            expect(page).to_have_url(f"{server}/hall")
            expect(page.locator("table.todos")).to_have_count(0)
            expect(page.locator(".hall-todos")).to_contain_text("暂无待办事项。")
            expect(page.locator("body")).to_contain_text("待办 0 项")
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-b3-hall-cleared.png"), full_page=True)
        finally:
            browser.close()


@SIZES
def test_a_bidder_reaches_the_lot_it_bid_on_from_the_hall(server: str, db: Database, clock: Clock,  # noqa: F811
                                                          shots: Path, size: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with db.transaction() as s:
        create_demo_accounts(s)
        world = build_world(s)
        me = world.bidders[0]
        people = create_organisation(s, name="竞买人", kind=OrgKind.individual, region_code="360600000000").id
        create_user(s, username="buyer", password="demo", display_name=world.names[me], role=Role.bidder,
                    organisation_id=people, party_id=me, is_demo=True)
        lot = new_lot(s, world)
        mine, rival = enrol(s, lot, world, me), enrol(s, lot, world, world.bidders[1])
        lot_id, number, starts, code = lot.id, lot.number, lot.starts_at, mine.bidder_code
    assert starts is not None
    clock.set(starts + timedelta(minutes=5))  # the listing runs: both bid, the rival leads
    with db.transaction() as s:
        row = s.get(Lot, lot_id)
        assert row is not None
        assert bid(s, row, mine, "100000").accepted and bid(s, row, rival, "101000").accepted
    with sync_playwright() as pw:
        browser, page = open_browser(pw, size)
        try:
            log_in(page, server, "buyer")
            item = todo(page, "exchange", f"竞买 {number}")
            expect(item).to_contain_text("挂牌中")
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-c1-bidder-hall.png"))
            item.locator("a").click()
            expect(page).to_have_url(f"{server}/exchange/lots/{lot_id}")
            expect(page.locator("h1")).to_contain_text("范家村 20 亩耕地经营权")
            expect(page.locator("#current-price")).to_contain_text("101000")
            expect(page.locator("#history tbody tr")).to_have_count(2)
            expect(page.locator("#history tbody tr", has_text=code)).to_contain_text("100000")  # its own bid
            expect(page.locator("#bidding-room h2")).to_contain_text(f"您的号牌 {code}")  # it may bid again here
            fits_the_width(page)
            page.screenshot(path=str(shots / f"{size}-c2-lot.png"), full_page=True)
        finally:
            browser.close()

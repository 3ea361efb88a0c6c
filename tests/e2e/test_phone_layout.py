"""The shell's phone layout (issue #20 item 1, requirement P1: most villagers use a phone browser): at 390 × 844 no
list page scrolls sideways (a table with a header row becomes a list of "label: value" cards, ``shell.js`` copying
each column's name into its cells), and the menu folds behind a toggle button (aria-expanded, keyboard, Escape)
that a desktop does not show. Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from landbridge import demands
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from tests.demands.world import build as demands_world
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1360, "height": 900}}
NOWHERE = "360622100101"  # a place no township of the test world covers: the demand waits for the dispatcher
# (account, list page, whether this world gives it a table): public lists, a work list with forms in its rows, the
# admin's list of accounts
PAGES = [(None, "/exchange", False), (None, "/demands/stats", False), (None, "/rules", True),
         ("hotline", "/demands/work", True), ("admin", "/admin/users", True)]


def world(db: Database) -> None:
    with db.transaction() as s:
        w = demands_world(s)
        platform = create_organisation(s, name="平台运营", kind=OrgKind.platform, region_code="360600000000")
        create_user(s, username="admin", password="demo", display_name="平台管理员", role=Role.admin,
                    organisation_id=platform.id, is_demo=True)
        for n in range(3):
            demands.submit(s, actor="user:1:member", channel="phone", demand_type="help", category="other",
                           title=f"村道路灯损坏第 {n + 1} 处，夜间出行不便，请尽快维修",
                           description="路灯不亮已有一周" * 20,
                           region_code=NOWHERE, resident_user_id=w.users["resident"], contact_name="李秀英",
                           contact_phone="13807015678")


def log_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_list_pages_fit_a_phone_and_tables_stack(server: str, db: Database, clock: Clock,  # noqa: F811
                                                  shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    world(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
            context = browser.new_context(locale="zh-CN", **options)
            page = context.new_page()
            page.set_default_timeout(20_000)
            who = None
            for user, path, has_table in PAGES:
                if user != who and user is not None:
                    context.clear_cookies()
                    log_in(page, server, user)
                    who = user
                page.goto(f"{server}{path}")
                page.wait_for_load_state("load")
                over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert over <= 0, f"{path} scrolls {over}px sideways at {size}"
                stacked = page.evaluate("""() => [...document.querySelectorAll('main table.stack')].map(t => [
                    getComputedStyle(t.querySelector('tbody tr') || t).display,
                    !!t.querySelector('td[data-label]')])""")
                assert stacked or not has_table, f"{path} has no list table"
                if size == "phone":  # a row is a card, its cells labelled with their column's name
                    assert all(display == "block" and labelled for display, labelled in stacked), (path, stacked)
                else:  # the desktop keeps its grid
                    assert all(display == "table-row" for display, _ in stacked), (path, stacked)
                page.screenshot(path=str(shots / f"layout-{size}{path.replace('/', '-')}.png"), full_page=True)
            context.close()
        browser.close()


def test_the_menu_folds_behind_a_keyboard_operable_toggle(server: str, db: Database, clock: Clock,  # noqa: F811
                                                          shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    world(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(locale="zh-CN", **PHONE).new_page()
        page.set_default_timeout(20_000)
        log_in(page, server, "hotline")
        toggle, nav = page.locator("button.menu-toggle"), page.locator("#site-nav")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_have_attribute("aria-controls", "site-nav")
        expect(nav).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav.get_by_role("link", name="诉求办理")).to_be_visible()
        page.screenshot(path=str(shots / "layout-phone-menu-open.png"))
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        nav.get_by_role("link").first.focus()
        page.keyboard.press("Escape")  # Escape closes it and gives the focus back to the button
        expect(nav).to_be_hidden()
        expect(toggle).to_be_focused()
        page.keyboard.press("Enter")  # the keyboard opens it again
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(nav).to_be_visible()
        page.keyboard.press("Space")
        expect(nav).to_be_hidden()
        nav_link = page.locator("#site-nav a", has_text="诉求办理")
        toggle.click()
        nav_link.click()
        expect(page).to_have_url(f"{server}/demands/work")

        desktop = browser.new_context(locale="zh-CN", **DESKTOP).new_page()  # a desktop shows the menu, no button
        desktop.goto(f"{server}/exchange")
        expect(desktop.locator("button.menu-toggle")).to_be_hidden()
        expect(desktop.locator("#site-nav")).to_be_visible()

        nojs = browser.new_context(locale="zh-CN", java_script_enabled=False, **PHONE).new_page()  # no script
        nojs.goto(f"{server}/demands/stats")
        expect(nojs.locator("button.menu-toggle")).to_be_hidden()
        expect(nojs.locator("#site-nav")).to_be_visible()
        browser.close()

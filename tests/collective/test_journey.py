"""Browser journey on the system Chromium (L3): the clerk convenes a meeting, tables a motion and opens
the vote, enters ballots cast in person; a member votes online; the clerk seals; the member verifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from landbridge.db import Database
from tests.collective.conftest import accounts_world
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots

pytestmark = pytest.mark.browser
__all__ = ["server", "shots"]  # fixtures used by this module


def _world(db: Database) -> list[int]:
    with db.transaction() as s:
        return accounts_world(s)[0].members


def test_open_vote_cast_seal_and_verify(server: str, db: Database, shots: Path) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    members = _world(db)

    def log_in(page: Page, username: str, target: str) -> None:
        page.goto(server + target)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.click("button[type=submit]")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. the clerk convenes the members' assembly and tables a market-entry motion
            log_in(page, "clerk", "/collective")
            expect(page).to_have_url(server + "/collective")
            expect(page.locator("h1")).to_contain_text("测试村0股份经济合作社")
            page.get_by_label("会议名称").fill("2026年第一次成员大会")
            page.get_by_label("地点").fill("村委会议室")
            page.get_by_role("button", name="召集会议").click()
            expect(page.locator("p[role=status]")).to_have_text("已召集会议：2026年第一次成员大会")
            page.get_by_label("表决事项名称").fill("同意3号地块入市")
            page.get_by_label("类型").select_option("market_entry_consent")
            page.get_by_role("button", name="提出表决事项").click()
            page.get_by_role("link", name="同意3号地块入市").click()

            # 2. open the vote (the roster freezes) and enter three ballots cast in person
            page.get_by_role("button", name="开始表决").click()
            expect(page.locator("p[role=status]")).to_have_text("表决已开始，名册 6 人已冻结")
            for member in members[1:4]:
                page.locator(f"#voter-{member}").get_by_role("button", name="同意").click()
                expect(page.locator(f"#voter-{member}")).to_contain_text("已投票")
            expect(page.locator("#ballots-cast")).to_have_text("3")
            page.screenshot(path=str(shots / "collective-vote-clerk.png"), full_page=True)
            motion_url = page.url
            page.get_by_role("button", name="退出").click()

            # 3. the member votes online from their own page
            log_in(page, "villager", "/collective/me")
            expect(page.locator("h1")).to_have_text("我的股权与表决")
            page.get_by_role("link", name="去投票").click()
            page.locator("#my-vote").get_by_role("button", name="同意").click()
            expect(page.locator("#my-receipt")).to_be_visible()
            receipt = page.locator("#my-receipt").inner_text()
            page.get_by_role("button", name="退出").click()

            # 4. the clerk seals the result
            log_in(page, "clerk", motion_url.removeprefix(server))
            page.get_by_role("button", name="结束表决并封存结果").click()
            expect(page.locator("p[role=status]")).to_have_text("表决结果已封存：通过")
            page.get_by_role("button", name="退出").click()

            # 5. the member verifies: the recount matches the sealed event and their receipt is counted
            log_in(page, "villager", motion_url.removeprefix(server))
            expect(page.locator("#verification")).to_contain_text("选票复核与封存结果一致")
            expect(page.locator("#secrecy")).to_contain_text("无记名投票")
            expect(page.get_by_role("link", name="包含证明").first).to_be_visible()
            page.screenshot(path=str(shots / "collective-vote-verified.png"), full_page=True)
            # 6. anyone with the receipt checks it: counted, with the choice, and nothing about who
            page.goto(server + "/collective/receipt")
            page.fill("input[name=receipt]", receipt)
            page.get_by_role("button", name="核验").click()
            expect(page.locator("#receipt-result")).to_contain_text("已计入，选项：同意")
        finally:
            browser.close()

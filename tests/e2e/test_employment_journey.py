"""Employment in a browser (issue #20 item 4): an employer posts a job from the desk, the employment officer publishes
it, a resident registers as a job seeker with consent, sees the job matched with its reasons and applies (on a
phone-sized viewport), the employer sees the application; screenshots of each page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from landbridge.db import Database
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots
from tests.employment.world import CLOSES, build

pytestmark = pytest.mark.browser
__all__ = ["server", "shots"]


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def test_employment_journey(server: str, db: Database, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with db.transaction() as s:
        build(s)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            _login(page, server, "acme")
            page.goto(server + "/employment/desk")
            page.fill("#job-title", "铜杆连铸操作工")
            page.select_option("#job-industry", "copper")
            page.fill("#job-description", "三班倒，包食宿")
            page.fill("#job-wage-min", "4500")
            page.fill("#job-wage-max", "6500")
            page.fill("#job-headcount", "5")
            page.fill("#job-skills", "电工、叉车")
            page.fill("#job-closes", CLOSES.isoformat())
            page.locator("#job-form button[type=submit]").click()
            expect(page.locator("#employment-message")).to_contain_text("等待审核")
            page.screenshot(path=str(shots / "employment_employer_posted.png"), full_page=True)
            _login(page, server, "jobs")
            page.goto(server + "/employment/desk")
            page.screenshot(path=str(shots / "employment_officer_review.png"), full_page=True)
            page.locator("form[action$='/publish'] button").first.click()
            expect(page.locator("#employment-message")).to_contain_text("已发布")
            phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            _login(phone, server, "worker")
            phone.goto(server + "/employment")
            phone.fill("#seeker-skills", "电工、焊工")
            phone.select_option("#seeker-industry", "copper")
            phone.fill("#seeker-wage", "5000")
            phone.check("input[name=consent]")
            phone.locator("#seeker-form button[type=submit]").click()
            expect(phone.locator("#matches")).to_contain_text("技能匹配")
            phone.locator("#jobs form button").first.click()
            expect(phone.locator("#my-applications")).to_contain_text("已申请")
            phone.screenshot(path=str(shots / "employment_seeker_phone.png"), full_page=True)
            _login(page, server, "acme")
            page.goto(server + "/employment/desk")
            expect(page.locator("[id^=application-]")).to_contain_text("电工")
            page.screenshot(path=str(shots / "employment_employer_applications.png"), full_page=True)
        finally:
            browser.close()

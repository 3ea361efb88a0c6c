"""The second city's journey in Chromium (issue #13 item 4, leftover c): the invented 东乡区 profile, found through
LANDBRIDGE_PROFILE_DIR and picked by LANDBRIDGE_CITY_PROFILE, builds its small demo world; a browser walks the
public home page, the rules page with its own amendment, the registrar's queue, the exchange's lot with its
labelled defaults, the clerk's collective, and its own login rule (three failures lock, not Yingtan's five)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.world import build_world
from landbridge.exchange.models import Lot
from tests.cityprofile.test_second_profile import TODAY, dongxiang  # noqa: F401  (the fixture)
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

def test_the_second_city_in_the_browser(dongxiang: None, server: str, db: Database,  # noqa: F811
                                       shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    profile = get_profile()
    assert profile.code == "dongxiang"
    build_world(db, profile, scale="small", seed=20260101, today=TODAY)
    with db.transaction(readonly=True) as s:
        lot_id = s.execute(select(Lot.id).order_by(Lot.id)).scalars().first()
    assert lot_id is not None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(15_000)

        def login(username: str, password: str = "demo") -> None:
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")

        def logout() -> None:
            page.get_by_role("button", name="退出").click()

        try:
            # 1. the public home page is the other city's, with no trace of Yingtan
            page.goto(server + "/?lang=zh_CN")
            expect(page.locator("body")).to_contain_text("东乡区")
            expect(page.locator("body")).not_to_contain_text("鹰潭")
            page.screenshot(path=str(shots / "dongxiang-map.png"))

            # 2. its rules page shows its own amendment: three failed logins, five before
            page.goto(server + "/rules")
            row = page.locator('[id="rule-auth-login_max_failures"]')
            expect(row).to_contain_text("3")
            expect(row).to_contain_text("2021-01-01: 5")

            # 3. the registrar of the invented county signs in and finds the applications waiting
            page.goto(server + "/registrar/queue")
            expect(page).to_have_url(server + "/login?next=/registrar/queue")
            login("registrar")
            expect(page).to_have_url(server + "/registrar/queue")
            expect(page.locator("body")).to_contain_text("SQ")
            page.screenshot(path=str(shots / "dongxiang-queue.png"), full_page=True)
            logout()

            # 4. the exchange's lot, its deposit labelled as a platform default awaiting the city
            page.goto(server + f"/exchange/lots/{lot_id}")
            expect(page.locator("#deposit")).to_contain_text("平台默认值，待本市确认")

            # 5. the clerk keeps the invented village's collective
            page.goto(server + "/login?next=/collective")
            login("clerk")
            expect(page).to_have_url(server + "/collective")
            expect(page.locator("body")).to_contain_text("云岭村")
            logout()

            # 6. its own login rule: the third failure locks the account, the right password then waits
            page.goto(server + "/login")
            for _ in range(3):
                login("bidder", "wrong")
            login("bidder")
            expect(page.locator(".alert")).to_have_text("登录失败次数过多，请稍后再试")
        finally:
            browser.close()

"""The pages under the content security policy in the system Chromium (issue #12 item 6): the map draws its
parcels with Leaflet, Swagger UI renders the API, nothing is refused by the policy and nothing is
fetched from another host."""

from __future__ import annotations

from typing import Any

import pytest

from landbridge.db import Database
from tests.e2e.test_journey import ARGS, CHROMIUM, server, wait_for  # noqa: F401 - the live-server fixture
from tests.web.world import ORIGIN, build_world

pytestmark = pytest.mark.browser


def test_map_and_api_docs_work_under_the_policy_and_load_nothing_from_elsewhere(server: str,  # noqa: F811
                                                                                db: Database) -> None:
    from playwright.sync_api import expect, sync_playwright

    build_world(db)
    refused: list[str] = []
    foreign: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(20_000)

        def console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                refused.append(message.text)

        def request(req: Any) -> None:
            if not req.url.startswith((server, "data:", "blob:")):
                foreign.append(req.url)

        page.on("console", console)
        page.on("request", request)
        try:
            page.goto(server + "/")
            page.evaluate(f"window.landbridgeMap.setView([{ORIGIN[1] + 0.0004}, {ORIGIN[0] + 0.0012}], 18)")
            wait_for(page, "Number(document.body.dataset.parcels || 0) >= 2")
            expect(page.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(2)

            page.goto(server + "/api/v1/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            assert page.locator(".opblock").count() > 100
            expect(page.locator(".info .title")).to_contain_text("LandBridge")
        finally:
            browser.close()
    assert not refused, refused
    assert not foreign, foreign

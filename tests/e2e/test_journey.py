"""Browser journey on the system Chromium: map → login → queue → approve → parcel page → verify (R1-R3, P2).

A real uvicorn server runs in a thread on a free loopback port against the test database.
Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set (``docs/screenshots`` for the docs), else tmp.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.web.world import ORIGIN, World, build_world

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    reason = ""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed"
    if reason:
        if os.environ.get("LANDBRIDGE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser journey required but {reason}")
        pytest.skip(reason)


def wait_for(page: Any, expression: str, timeout_s: float = 20.0) -> None:
    """Wait until a JavaScript expression is true on the page. Playwright's ``wait_for_function`` compiles its
    predicate with ``eval`` inside the page, which the content security policy (issue #12) refuses; an
    ``evaluate`` from outside is not bound by the page's policy."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {expression}")
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(db: Database, clock: Clock) -> Iterator[str]:
    _require_browser()
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LANDBRIDGE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_public_map_registrar_approval_and_verification(server: str, db: Database, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    world: World = build_world(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. the public map draws the current parcels of the viewport (not the one still lodged)
            page.goto(server + "/")
            expect(page.locator("h1")).to_have_text("全景看地")
            page.evaluate(f"window.landbridgeMap.setView([{ORIGIN[1] + 0.0004}, {ORIGIN[0] + 0.0012}], 18)")
            wait_for(page, "Number(document.body.dataset.parcels || 0) >= 2")
            paths = page.locator(".leaflet-overlay-pane path.leaflet-interactive")
            expect(paths).to_have_count(2)
            expect(page.locator("#map-status")).to_contain_text("已显示 2 宗")
            page.screenshot(path=str(shots / "map.png"))
            paths.first.click()
            popup = page.locator(".leaflet-popup-content")
            expect(popup).to_contain_text("宗地代码")
            expect(popup.locator("a")).to_have_text("查看宗地详情")

            # 2. the registrar logs in and opens the queue
            page.goto(server + "/registrar/queue")
            expect(page).to_have_url(server + "/login?next=/registrar/queue")
            page.fill("input[name=username]", "registrar")
            page.fill("input[name=password]", "wrong")
            page.click("button[type=submit]")
            expect(page.locator(".alert")).to_have_text("用户名或密码错误")
            page.fill("input[name=password]", "demo")
            page.click("button[type=submit]")
            expect(page).to_have_url(server + "/registrar/queue")
            row = page.locator(f"#application-{world.lodged_application}")
            expect(row).to_contain_text(world.lodged_application_number)
            page.screenshot(path=str(shots / "queue.png"), full_page=True)
            parcel_href = row.locator("a").first.get_attribute("href")
            assert parcel_href == f"/parcels/{world.lodged_parcel}"

            # 3. approve (登簿): the application leaves the queue
            row.get_by_role("button", name="登簿").click()
            expect(page.locator(".notice")).to_have_text(f"申请 {world.lodged_application_number} 已登簿")
            expect(page.locator(f"#application-{world.lodged_application}")).to_have_count(0)

            # 4. the parcel page shows the now current forest right and its certificate
            page.goto(server + parcel_href)
            expect(page.locator("h1")).to_contain_text("现势")
            expect(page.locator("body")).to_contain_text("集体林权")
            expect(page.locator("#parcel-map path.leaflet-interactive")).to_have_count(1)
            page.goto(server + f"/parcels/{world.homestead_parcel}")
            expect(page.locator("body")).to_contain_text("抵押权")
            page.screenshot(path=str(shots / "parcel.png"), full_page=True)

            # 5. public verification of the homestead certificate (the QR code's target), logged out
            page.get_by_role("button", name="退出").click()
            page.goto(server + f"/verify/{world.verify_token}")
            expect(page.locator("h1")).to_have_text("证书核验")
            expect(page.locator("body")).to_contain_text(world.certificate_number)
            expect(page.locator("body")).to_contain_text("现行有效")
            expect(page.get_by_role("link", name="包含证明")).to_have_count(1)
            page.screenshot(path=str(shots / "verify.png"), full_page=True)
        finally:
            browser.close()

"""Browser check (issue #15 scope 5): the public map's market-entry overlay (全景看地) draws an entered parcel, a
parcel whose entry case is published and a candidate, each with its colour and popup, for an anonymous user.
Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp."""

from __future__ import annotations

from pathlib import Path

import pytest

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots, wait_for  # noqa: F401 - fixtures
from tests.market_entry.conftest import EntryWorld, register_unit, to_state, world  # noqa: F401 - fixture
from tests.registry.conftest import ORIGIN

pytestmark = pytest.mark.browser


def test_the_overlay_shows_entered_published_and_candidate_land(server: str, db: Database, clock: Clock,  # noqa: F811
                                                                world: EntryWorld, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    to_state(db, clock, world, "in_use")
    with db.transaction() as s:
        filed_unit = register_unit(s, world.village.party_id, col=2)
        register_unit(s, world.village.party_id, col=4)
    world.unit = filed_unit
    to_state(db, clock, world, "filed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(server + "/?layers=entry")
            page.evaluate(f"window.landbridgeMap.setView([{ORIGIN[1] + 0.0002}, {ORIGIN[0] + 0.0025}], 17)")
            wait_for(page, "Number(document.body.dataset.entryParcels || 0) >= 3")
            expect(page.locator("#entry-status")).to_contain_text("显示 3 宗入市地块")
            paths = page.locator(".leaflet-entryParcels-pane path.leaflet-interactive")
            expect(paths).to_have_count(3)
            colours = sorted(paths.nth(i).get_attribute("stroke") or "" for i in range(3))
            assert colours == ["#2e86c1", "#c0392b", "#f39c12"]
            page.screenshot(path=str(shots / "entry_overlay.png"))
            paths.nth(1).dispatch_event("click")  # a DOM click on the path itself: no hit-testing of a map that may
            # still be redrawing its SVG (a forced mouse click there once found the path without a box)
            popup = page.locator(".leaflet-popup-content")
            expect(popup).to_contain_text("入市")
            page.screenshot(path=str(shots / "entry_overlay_popup.png"))
            assert "竞买企业" not in page.content() and not errors, errors
        finally:
            browser.close()

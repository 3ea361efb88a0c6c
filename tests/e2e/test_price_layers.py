"""Browser check (issue #23): the public map's price and market layers drawn by an anonymous user, each with a
legend in the sidebar whose swatches are exactly the colours of the drawn features' classes; the land finder's
list and map. Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp."""

from __future__ import annotations

from pathlib import Path

import pytest

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots, wait_for  # noqa: F401 - fixtures
from tests.registry.conftest import ORIGIN
from tests.valuation.test_map_layers import BUYER, NAME, _world

pytestmark = pytest.mark.browser


def test_price_layers_and_their_legends(server: str, db: Database, clock: Clock, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    _world(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            for layers, zoom, attr, expected in (("values", 17, "values", 6), ("values,sales", 11, "sales", 1),
                                                 ("trend", 12, "trend", 2)):
                page.goto(server + f"/?layers={layers}")
                page.evaluate(f"window.landbridgeMap.setView([{ORIGIN[1] + 0.0005}, {ORIGIN[0] + 0.004}], {zoom})")
                wait_for(page, f"Number(document.body.dataset.price{attr.capitalize()} || 0) >= {expected}")
                page.wait_for_timeout(300)
                for name in layers.split(","):
                    legend = page.eval_on_selector_all(f'.price-legend[data-layer="{name}"] .swatch',
                                                       "els => els.map(e => e.getAttribute('data-colour'))")
                    assert legend and len(set(legend)) == len(legend), (name, legend)
                fills = set(page.eval_on_selector_all(
                    ".leaflet-priceAreas-pane path, .leaflet-pricePoints-pane path",
                    "els => els.map(e => e.getAttribute('fill'))"))
                swatches = set(page.eval_on_selector_all(".price-legend .swatch",
                                                         "els => els.map(e => e.getAttribute('data-colour'))"))
                assert fills and fills <= swatches, (layers, fills, swatches)
                page.screenshot(path=str(shots / f"price_layers_{attr}_{zoom}.png"))
            assert NAME not in page.content() and BUYER not in page.content() and not errors, errors
            page.goto(server + "/finder?region=360603&area_min=100")
            wait_for(page, "document.body.dataset.finderPoints !== undefined")
            assert page.locator(".finder-results li").count() == 6
            assert int(page.evaluate("document.body.dataset.finderPoints")) == 6
            page.screenshot(path=str(shots / "finder.png"))
            assert not errors, errors
        finally:
            browser.close()

"""The public map's plan layers: the page carries their configuration, and Chromium draws them (browser)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.planning import create_features, create_zones
from tests.demo.test_planning_zones import fake_geography
from tests.e2e import test_journey as journey

# the browser journey's fixtures: a uvicorn server in a thread and the screenshot folder
server = journey.server
shots = journey.shots
KEYS = ["zones", "roads", "rivers", "towns", "boundaries"]
LABELS_ZH = ["规划分区", "道路", "河流", "乡镇驻地", "行政区界"]


def _config(html: str) -> dict[str, object]:
    match = re.search(r'<script id="planning-config" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_map_page_configures_the_plan_layers(db: Database, clock: Clock) -> None:
    with TestClient(create_app()) as client:
        zh = client.get("/").text
        en = client.get("/", params={"lang": "en"}).text
    assert "/static/js/planning_layers.js" in zh and "planning-legend" in zh
    assert _config(zh)["layers"] == dict(zip(KEYS, LABELS_ZH, strict=True))
    assert _config(en)["layers"] == dict(zip(KEYS, ["Plan zones", "Roads", "Rivers", "Town centres", "Boundaries"],
                                             strict=True))
    assert _config(zh)["zonesApi"] == "/api/v1/planning/zones"


def load_demo_plan(db: Database) -> None:
    """A generated plan (two counties around the map centre) with its layers."""
    from landbridge.demo.planning_zones import features_from_geography, plan_version_for, zones_from_geography

    geography = fake_geography()
    with db.transaction() as s:
        create_zones(s, zones_from_geography(geography, seed=5), actor="system:demo",
                     plan_version=plan_version_for(geography))
        create_features(s, features_from_geography(geography), actor="system:demo")


@pytest.mark.browser
def test_plan_layers_are_drawn_and_toggled(server: str, db: Database) -> None:
    from playwright.sync_api import expect, sync_playwright

    load_demo_plan(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(journey.CHROMIUM), args=journey.ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            page.goto(server + "/?layers=zones,roads,rivers,towns,boundaries")
            page.evaluate("window.landbridgeMap.setView([28.13, 117.1], 11)")
            journey.wait_for(page, "Number(document.body.dataset.planZones || 0) >= 10")
            journey.wait_for(page, "Number(document.body.dataset.planBoundaries || 0) >= 3")
            journey.wait_for(page, "Number(document.body.dataset.planRoads || 0) >= 1")
            plan_control = page.locator(".leaflet-control-layers").first  # market entry has a control of its own
            control = plan_control.locator(".leaflet-control-layers-overlays label")
            expect(control).to_have_count(5)
            for label in LABELS_ZH:
                expect(plan_control.locator(".leaflet-control-layers-overlays")).to_contain_text(label)
            expect(page.locator("#planning-legend")).to_be_visible()
            expect(page.locator("#planning-legend-items li")).to_have_count(10)
            expect(page.locator("#planning-status")).to_contain_text("规划分区")
            zones = page.locator(".leaflet-planZones-pane path.leaflet-interactive")
            assert zones.count() >= 10
            page.mouse.click(700, 450)  # a zone beneath the click: its planning conditions
            expect(page.locator(".leaflet-popup-content")).to_contain_text("分区编号")
            expect(page.locator(".leaflet-popup-content")).to_contain_text("容积率")
            # switching the zone layer off removes its shapes and its legend
            control.filter(has_text="规划分区").locator("input").uncheck()
            expect(zones).to_have_count(0)
            expect(page.locator("#planning-legend")).to_be_hidden()
        finally:
            browser.close()


@pytest.mark.browser
def test_screenshot_plan_layers_of_the_demo_city(server: str, db: Database, shots: Path) -> None:
    """docs/screenshots/map_planning_layers*.png from the real demo geography (only when making screenshots)."""
    from playwright.sync_api import expect, sync_playwright

    if not os.environ.get("LANDBRIDGE_SCREENSHOTS"):
        pytest.skip("set LANDBRIDGE_SCREENSHOTS to draw the documentation screenshots")
    try:
        from landbridge.demo.geography import build_geography
    except ModuleNotFoundError:
        pytest.skip("landbridge.demo.geography is not there yet")
    from landbridge.demo.planning_zones import features_from_geography, plan_version_for, zones_from_geography

    geography = build_geography(get_profile(), seed=20260101)
    with db.transaction() as s:
        create_zones(s, zones_from_geography(geography, seed=20260101), actor="system:demo",
                     plan_version=plan_version_for(geography))
        create_features(s, features_from_geography(geography), actor="system:demo")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(journey.CHROMIUM), args=journey.ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        page.set_default_timeout(30_000)
        try:
            page.goto(server + "/?layers=zones,roads,rivers,towns,boundaries")
            centre = geography.city.geometry.centroid
            page.evaluate(f"window.landbridgeMap.setView([{centre.y}, {centre.x}], 10)")
            journey.wait_for(page, "Number(document.body.dataset.planZones || 0) >= 100")
            journey.wait_for(page, "Number(document.body.dataset.planRoads || 0) >= 10")
            page.wait_for_timeout(800)
            page.screenshot(path=str(shots / "map_planning_layers.png"))
            town = next(t for t in geography.town_centres if t.rank == "county").point
            page.evaluate(f"window.landbridgeMap.setView([{town.y}, {town.x}], 13)")
            page.wait_for_timeout(1500)
            page.mouse.click(880, 490)  # inside the county seat's urban construction zone
            expect(page.locator(".leaflet-popup-content")).to_contain_text("城镇集中建设区")
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "map_planning_layers_zoom.png"))
        finally:
            browser.close()

"""Browser check of the bureau's desk (issue #16 item 6): the county bureau opens a planned reclamation project from
/quota, starts the works and accepts them with the measured area, grade and date on the project page (the quota
credit shows in the ledger history), then drafts the year's supply plan on the plan page. Screenshots go to
``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.e2e.test_lending_journey import sign_in
from tests.land_quota.conftest import build_world, project

pytestmark = pytest.mark.browser


def test_the_bureau_accepts_a_project_on_its_page(server: str, db: Database, clock: Clock,  # noqa: F811
                                                  shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    clock.set(datetime(2026, 7, 1, 2, tzinfo=UTC))
    with db.transaction() as s:
        w = build_world(s)
        org = create_organisation(s, name="余江区自然资源局", kind=OrgKind.nr_bureau, region_code="360603000000")
        create_user(s, username="bureau", password="demo", display_name="县局", role=Role.nr_official,
                    organisation_id=org.id, is_demo=True)
        pid = project(s, w, col=1, planned="400")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            sign_in(page, server, "bureau", "/quota?year=2026")
            page.locator(f'a[href="/quota/projects/{pid}"]').click()
            expect(page.locator("#status")).to_have_text("已立项")
            page.get_by_role("button", name="开工").click()
            expect(page.locator("#status")).to_have_text("施工中")
            page.get_by_label("实测面积（平方米）").fill("388.5")
            page.get_by_label("耕地质量等别（1至15）").fill("6")
            page.get_by_label("验收日期").fill("2026-06-30")
            page.get_by_role("button", name="验收并入库指标").click()
            expect(page.locator("#status")).to_have_text("已验收")
            expect(page.locator("#facts")).to_contain_text("388.50")
            expect(page.locator("#ledger-history")).to_contain_text("quota_credited")
            page.screenshot(path=str(shots / "quota-project-accepted.png"), full_page=True)
            page.goto(f"{server}/quota/plans/360603/2026")  # the year's plan: the bureau drafts it
            page.get_by_label("计划指标（平方米） 1").fill("300")
            page.get_by_label("计划宗数 1").fill("2")
            page.get_by_role("button", name="起草计划").click()
            expect(page.locator("#status")).to_have_text("草案")
            expect(page.locator("#balance")).to_contain_text("388.50")
            page.screenshot(path=str(shots / "quota-plan-draft.png"), full_page=True)
        finally:
            browser.close()

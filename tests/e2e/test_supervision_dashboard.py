"""Browser journey (issue #19 done-means; P2, S2, S92): the supervisor opens the dashboard, selects 余江区's NPL
ratio, then the non-performing loan behind it, then its ledger event's inclusion proof: three clicks. Screenshots
of the dashboard (charts in zh-CN), the records and the loan go to ``$LANDBRIDGE_SCREENSHOTS`` when set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.supervision import service
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.e2e.test_lending_journey import sign_in
from tests.supervision.conftest import CITY, YUJIANG, SupervisionWorld, sw  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_npl_ratio_to_a_loans_ledger_proof_in_three_clicks(server: str, db: Database,  # noqa: F811
                                                            sw: SupervisionWorld, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with db.transaction() as s:
        org = create_organisation(s, name="市监管局", kind=OrgKind.nr_bureau, region_code=CITY)
        create_user(s, username="sup", password="demo", display_name="监管员", role=Role.supervisor,
                    organisation_id=org.id, is_demo=True)
        for day in (date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)):
            service.record_values(s, service.parse_period("2026"), day)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            sign_in(page, server, "sup", "/supervision/dashboard?period=2026")
            expect(page.locator("h1")).to_contain_text("监管驾驶舱")
            expect(page.locator("#trend svg")).to_be_visible()
            page.screenshot(path=str(shots / "supervision-dashboard.png"), full_page=True)
            page.locator(f'#figures a[data-indicator="lending.npl_ratio"][data-area="{YUJIANG}"]').click()
            expect(page.locator("h1")).to_contain_text("不良率")
            expect(page.locator("#rederived")).to_contain_text("66.67%")
            expect(page.locator("#stored")).to_contain_text("66.67%")
            page.screenshot(path=str(shots / "supervision-records.png"), full_page=True)
            page.get_by_role("link", name="LN-1").click()
            expect(page.locator("#ledger-history")).to_contain_text("loan.disbursed")
            page.screenshot(path=str(shots / "supervision-loan.png"), full_page=True)
            page.locator("#ledger-history a", has_text="包含证明").first.click()
            expect(page.locator("body")).to_contain_text("audit_path")
        finally:
            browser.close()

"""Browser journey (issue #18 item 6, 我的信用): the household opens its credit page from the navigation, sees its
grade with the explanation, objects to a record through the row's form and sees the objection open; the public
designations page. Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp."""

from __future__ import annotations

from pathlib import Path

import pytest

from landbridge import credit, registry
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.e2e.test_lending_journey import sign_in
from tests.lending.conftest import World, world  # noqa: F401 - fixture
from tests.registry.conftest import ACTOR, VILLAGE, resident_id

pytestmark = pytest.mark.browser


def test_household_credit_page(server: str, db: Database, world: World, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with db.transaction() as s:
        people = create_organisation(s, name="村民", kind=OrgKind.individual, region_code="360600000000").id
        create_user(s, username="farmer", password="demo", display_name="村民甲", role=Role.member,
                    organisation_id=people, party_id=world.borrower, is_demo=True)
        villager = registry.create_party(s, kind="person", name="村民丙", id_number=resident_id(77),
                                         region_code=VILLAGE, actor=ACTOR).id
        credit.grade_parties(s, [world.borrower, world.other, villager], actor=ACTOR)
        credit.designate(s, year=2026, actor=ACTOR)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            sign_in(page, server, "farmer", "/")
            page.get_by_role("link", name="我的信用").click()
            expect(page.locator("h1")).to_have_text("我的信用")
            expect(page.locator("#grade-letter")).to_have_text("AAA")
            expect(page.locator("#line-assets")).to_contain_text("登记的权利")
            page.screenshot(path=str(shots / "credit-household.png"), full_page=True)
            row = page.locator("#records tbody tr").first
            row.locator("summary").click()
            row.locator("textarea[name=reason]").fill("还有一项林权未计入")
            row.locator("input[name=claimed_value]").fill("3")
            # the viewport only: a full-page screenshot resizes the viewport and leaves a scroll position that the
            # next mouse press corrects, moving the button away from under the pointer
            page.screenshot(path=str(shots / "credit-objection-form.png"))
            row.locator("button[type=submit]").click()
            expect(page.locator("#message")).to_contain_text("已提出异议")
            expect(page.locator("#objections")).to_contain_text("还有一项林权未计入")
            page.screenshot(path=str(shots / "credit-objected.png"), full_page=True)
            page.goto(f"{server}/credit/designations")
            expect(page.locator("h1")).to_have_text("信用村和信用乡镇")
            expect(page.locator("#year-2026")).to_contain_text("信用村")
            page.screenshot(path=str(shots / "credit-designations.png"), full_page=True)
        finally:
            browser.close()

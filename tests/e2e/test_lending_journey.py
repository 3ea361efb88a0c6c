"""Browser journey (issue #17, 普惠金融服务平台): a loan from its application to its disbursement, every step taken on
the portal's pages: the borrower picks their forest right, previews the schedule and applies; the bank sees the
application on its desk with the registry extract, the valuation and the grade, approves it and lodges the
mortgage; disbursement is refused while the mortgage waits for 登簿; the registrar registers it from the registry
queue; the bank confirms it and disburses; the borrower sees the loan disbursed with its schedule.

Screenshots go to ``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.lending.models import Loan
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.lending.conftest import World, world  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def accounts(db: Database, w: World) -> None:
    """The borrower, the bank's officer and the registrar (password ``demo``)."""
    with db.transaction() as s:
        people = create_organisation(s, name="村民", kind=OrgKind.individual, region_code="360600000000").id
        centre = create_organisation(s, name="登记中心", kind=OrgKind.registration_centre,
                                     region_code="360600000000").id
        create_user(s, username="farmer", password="demo", display_name="村民甲", role=Role.member,
                    organisation_id=people, party_id=w.borrower, is_demo=True)
        create_user(s, username="bank1", password="demo", display_name="信贷员", role=Role.bank_officer,
                    organisation_id=w.bank_org, party_id=w.bank_party, is_demo=True)
        create_user(s, username="registrar", password="demo", display_name="登记员", role=Role.registrar,
                    organisation_id=centre, is_demo=True)


def sign_in(page: Any, base: str, user: str, target: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.goto(base + target)


def do(page: Any, action: str, fields: dict[str, str] | None = None) -> None:
    """Submit one action's form on the loan page; the page comes back with the success notice."""
    from playwright.sync_api import expect

    form = page.locator(f"#action-{action}")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_contain_text("已办理")


def test_application_to_disbursement(server: str, db: Database, world: World, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    accounts(db, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. the borrower applies against their own forest right, after a look at the schedule
            sign_in(page, server, "farmer", "/lending")
            expect(page.locator("h1")).to_have_text("普惠金融服务平台")
            page.locator("#apply-link").click()
            form = page.locator("#apply-form")
            form.locator("select[name=right_id]").select_option(str(world.right))
            form.locator("select[name=product_code]").select_option("two_rights")
            form.locator("[name=principal_cny]").fill("300000")
            form.locator("[name=months]").fill("24")
            form.locator("select[name=method]").select_option("equal_principal")
            form.locator("[name=start]").fill("2026-03-15")
            page.locator("#preview").click()
            expect(page.locator("#schedule-preview tbody tr")).to_have_count(24)
            expect(page.locator("#schedule-preview")).to_contain_text("2028-03-15")
            page.screenshot(path=str(shots / "lending-apply.png"), full_page=True)
            page.locator("#submit-apply").click()
            expect(page.locator("#message")).to_contain_text("已提交贷款申请")
            expect(page.locator("#loan-status")).to_have_text("已申请")
            loan_id = int(page.url.rsplit("/", 1)[1].split("?")[0])

            # 2. the bank's desk: the application with its registry extract, valuation and grade
            sign_in(page, server, "bank1", "/lending")
            desk = page.locator("#desk")
            expect(desk).to_contain_text("1000000.00")
            expect(desk).to_contain_text("集体林权")
            page.screenshot(path=str(shots / "lending-desk.png"), full_page=True)
            desk.get_by_role("link").first.click()
            do(page, "decide", {"mortgagee_party_id": str(world.bank_party)})
            expect(page.locator("#loan-status")).to_have_text("已审批")
            expect(page.locator("#facts")).to_contain_text("风险补偿基金")
            do(page, "lien")
            expect(page.locator("#loan-status")).to_have_text("抵押登记已申请")
            # no money before 登簿: the refusal is shown and the loan stays as it was
            page.locator("#action-disburse button[type=submit]").click()
            expect(page.locator("#message")).to_contain_text("抵押权尚未登记")
            expect(page.locator("#loan-status")).to_have_text("抵押登记已申请")
            page.screenshot(path=str(shots / "lending-refused.png"), full_page=True)

            # 3. the registrar registers the mortgage (登簿) from the registry queue
            with db.transaction() as s:
                app_id = s.scalar(select(Loan.lien_application_id).where(Loan.id == loan_id))
            sign_in(page, server, "registrar", "/registrar/queue")
            row = page.locator(f"#application-{app_id}")
            row.get_by_role("button", name="登簿").click()
            expect(page.locator(".notice")).to_contain_text("已登簿")

            # 4. the bank confirms the registration and disburses
            sign_in(page, server, "bank1", f"/lending/loans/{loan_id}")
            expect(page.locator("#extract")).to_contain_text("抵押")
            do(page, "lien-confirm")
            expect(page.locator("#loan-status")).to_have_text("抵押已登记")
            do(page, "disburse")
            expect(page.locator("#loan-status")).to_have_text("已放款")
            expect(page.locator("#facts")).to_contain_text("300000.00")
            page.screenshot(path=str(shots / "lending-disbursed.png"), full_page=True)

            # 5. the borrower sees the loan disbursed, with its schedule, and no bank forms
            sign_in(page, server, "farmer", "/lending")
            expect(page.locator("#loans")).to_contain_text("已放款")
            page.locator("#loans").get_by_role("link").first.click()
            expect(page.locator("#schedule tbody tr")).to_have_count(24)
            expect(page.locator("#actions")).to_have_count(0)
            page.screenshot(path=str(shots / "lending-borrower.png"), full_page=True)
        finally:
            browser.close()
    with db.transaction(readonly=True) as s:
        loan = s.get(Loan, loan_id)
        assert loan is not None and loan.status == "disbursed" and loan.restriction_id is not None

"""Browser journeys (issue #15, 一次不跑): a market-entry case from its opening to the land in use, every party's step
taken on the case page; and 代办, a township desk taking the collective's step with the collective's authorisation
on file, the signed steps showing it was done on behalf.

The members' vote and the exchange's auction and payment are driven through their own services (as the
pre-emption journey does for bids); everything of the entry case itself is done in the browser. Screenshots go to
``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from landbridge import exchange, planning, registry
from landbridge.auth.models import Organisation
from landbridge.db import Database
from landbridge.exchange.models import Deposit
from landbridge.kernel.clock import Clock, now, to_local
from landbridge.market_entry.models import EntryCase
from tests.collective.conftest import Village, accounts_world
from tests.collective.test_service import passed_motion
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.market_entry.conftest import NR, OPERATOR, register_unit
from tests.planning.conftest import PLAN, rect, zone
from tests.registry.conftest import resident_id

pytestmark = pytest.mark.browser
ACK = "本人已阅读并确认以上内容"
PDF = b"%PDF-1.4\n% authorisation\n" + b"0" * 100


@dataclass
class Scene:
    village: Village
    unit: int
    bidders: list[int]
    names: dict[int, str]


def build(db: Database) -> Scene:
    """The demo accounts, the clerk's quantified village holding construction land in an industrial zone, and
    two companies that will bid."""
    with db.transaction() as s:
        village, _ = accounts_world(s)
        z = planning.create_zone(s, zone("Z-ME-E2E", "industrial", rect(-50, -50, 2000, 500)), actor=NR,
                                 plan_version=PLAN)
        planning.approve_zone(s, zone_id=z.id, actor=NR)
        unit = register_unit(s, village.party_id, col=0)
        names = {registry.create_party(s, kind="person", name=f"竞买企业{i}", id_number=resident_id(800 + i),
                                       actor=OPERATOR).id: f"竞买企业{i}" for i in range(2)}
    return Scene(village, unit, list(names), names)


def sign_in(page: Any, base: str, user: str, target: str) -> None:
    """A fresh sign-in as ``user`` (days pass between the parties' steps), then the target page."""
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.goto(base + target)


def take(page: Any, step: str, fields: dict[str, str] | None = None, selects: dict[str, str] | None = None,
         ack: str = ACK) -> None:
    """Fill a step's form on the case page and submit it; the page comes back with the success notice."""
    from playwright.sync_api import expect

    form = page.locator(f"#step-{step}")
    expect(form).to_be_visible()
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, value in (selects or {}).items():
        form.locator(f"select[name={name}]").select_option(value)
    form.locator("[name=acknowledgement]").fill(ack)
    form.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_contain_text("已办理")


def case_of(db: Database, cid: int) -> EntryCase:
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None
        s.expunge(case)
        return case


def auction(db: Database, clock: Clock, scene: Scene, lot_id: int) -> None:
    """Two companies register, pay their deposits and bid; the listing ends and the award is confirmed."""
    with db.transaction() as s:
        lot = exchange.get_lot(s, lot_id)
        bidders = []
        for party in scene.bidders:
            b = exchange.apply_for_lot(s, lot_id=lot_id, party_id=party, actor=f"party:{party}")
            d = s.execute(select(Deposit).where(Deposit.bidder_id == b.id)).scalar_one()
            exchange.confirm_deposit(s, sub_account=d.sub_account, amount=d.amount_cny,
                                     payer_name=scene.names[party], bank_ref=f"BANK-{d.sub_account}",
                                     actor="bank:callback")
            bidders.append((b.id, b.party_id))
        starts, ends = lot.starts_at, lot.ends_at
    clock.set(starts)
    with db.transaction() as s:
        for i, (bidder, party) in enumerate(bidders):
            assert exchange.place_bid(s, lot_id=lot_id, bidder_id=bidder, amount=str(100000 + 1000 * i),
                                      idempotency_key=f"e2e{bidder}", actor=f"party:{party}").accepted
    assert ends is not None
    clock.set(ends + timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)


def pay(db: Database, lot_id: int) -> None:
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                             payer_name=registry.get_party(s, row.party_id).name, bank_ref=f"BANK-{row.sub_account}",
                             actor="bank:callback")


def test_a_case_from_its_opening_to_the_land_in_use_on_the_pages(server: str, db: Database,  # noqa: F811
                                                                 clock: Clock, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    scene = build(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. the clerk opens the case from the queue page
            sign_in(page, server, "clerk", "/market-entry")
            page.fill("#open-form [name=unit_id]", str(scene.unit))
            page.fill("#open-form [name=acknowledgement]", ACK)
            page.screenshot(path=str(shots / "entry_queue_open.png"), full_page=True)
            page.click("#open-form button[type=submit]")
            expect(page.locator("#message")).to_contain_text("已申请入市")
            cid = int(page.url.rsplit("/", 1)[1].split("?")[0])
            case_url = f"/market-entry/cases/{cid}"
            expect(page.locator("#case-state")).to_have_text("已申请，待核发规划条件")
            expect(page.locator("#nothing-to-do")).to_be_visible()  # the conditions are the bureau's

            # 2. the bureau issues the planning conditions on the page
            sign_in(page, server, "nr", case_url)
            take(page, "issue-conditions", {"land_use": "0601", "ind_max_plot_ratio": "1.2",
                                            "ind_max_height_m": "24", "ind_min_green_ratio": "0.15",
                                            "industry_requirements": "农产品加工，无重污染",
                                            "environment_requirements": "环评备案，雨污分流"})
            expect(page.locator("#case-state")).to_have_text("规划条件已核发")

            # 3. the clerk drafts the plan (prefilled from the conditions), consults the council, records the vote
            sign_in(page, server, "clerk", case_url)
            plan = page.locator("#step-draft-plan")
            expect(plan.locator("[name=plan_land_use]")).to_have_value("0601")
            expect(plan.locator("[name=plan_industry_requirements]")).to_have_value("农产品加工，无重污染")
            plan.locator("[name=plan_boundary]").fill("东至村道，南至河，西至林地，北至厂房")
            plan.locator("[name=plan_area_m2]").fill("400.00")
            plan.locator("[name=plan_term_years]").fill("50")
            plan.locator("select[name=plan_method]").select_option("grant")
            plan.locator("select[name=plan_transaction_method]").select_option("listing")
            plan.locator("[name=plan_floor_price]").fill("70000.00")
            plan.locator("[name=plan_retained_share]").fill("0.30")
            plan.locator("[name=acknowledgement]").fill(ACK)
            page.screenshot(path=str(shots / "entry_plan_form.png"), full_page=True)
            plan.locator("button[type=submit]").click()
            expect(page.locator("#message")).to_contain_text("已办理：编制入市方案")
            take(page, "consult-council", {"attendees": "7", "opinion": "理事会同意提交成员大会表决"})
            number = case_of(db, cid).number
            with db.transaction() as s:
                motion = passed_motion(s, scene.village, "market_entry_consent", subject_ref=number)
            page.reload()  # the vote picks the passed motion on the case (chosen already, the newest)
            expect(page.locator("#pick-motion_id")).to_have_value(str(motion))
            page.locator("#step-record-vote").screenshot(path=str(shots / "entry_vote_picker.png"))
            take(page, "record-vote", selects={"motion_id": str(motion)})
            expect(page.locator("#case-state")).to_have_text("成员表决通过")
            # a transaction day too early for the filing's lead time is refused on the page, nothing changes
            early = to_local(now()).date().isoformat()
            form = page.locator("#step-file")
            form.locator("[name=transaction_on]").fill(early)
            form.locator("[name=acknowledgement]").fill(ACK)
            form.locator("button[type=submit]").click()
            expect(page.locator("#step-error")).to_contain_text("备案须在交易前至少 10 个工作日")
            expect(page.locator("#case-state")).to_have_text("成员表决通过")
            take(page, "file", {"transaction_on": (to_local(now()).date() + timedelta(days=35)).isoformat()})
            expect(page.locator("#case-state")).to_have_text("已报县级备案")

            # 4. the objection window passes; the bureau clears the case, the exchange lists it
            clock.advance(timedelta(days=10))
            sign_in(page, server, "nr", case_url)
            take(page, "clear")
            sign_in(page, server, "exchange", case_url)
            listing = page.locator("#step-list")
            expect(listing.locator("[name=starts_at]")).not_to_have_value("")  # the planned transaction day
            take(page, "list", {"start_price": "100000.00", "appraised_value": "100000.00",
                                "appraisal_ref": "估价报告 2026-001"})
            expect(page.locator("#case-state")).to_have_text("已挂牌交易")
            expect(page.locator("#lot-phase")).to_have_text("公告中")
            # nothing to confirm or record as no deal while the lot is still at the exchange
            expect(page.locator("#step-confirm-result")).to_have_count(0)
            expect(page.locator("#step-mark-unsuccessful")).to_have_count(0)
            page.screenshot(path=str(shots / "entry_listed.png"), full_page=True)

            # 5. the auction and the payment run at the exchange (services); the parties' steps on the pages
            lot_id = case_of(db, cid).lot_id
            assert lot_id is not None
            auction(db, clock, scene, lot_id)
            sign_in(page, server, "exchange", case_url)
            take(page, "confirm-result")
            sign_in(page, server, "clerk", case_url)
            take(page, "sign-contract")
            pay(db, lot_id)
            sign_in(page, server, "exchange", case_url)
            take(page, "record-payment")
            take(page, "settle-fees")
            sign_in(page, server, "clerk", case_url)
            take(page, "distribute-revenue")
            expect(page.locator("#where")).to_contain_text("101000")
            page.screenshot(path=str(shots / "entry_distributed.png"), full_page=True)
            sign_in(page, server, "registrar", case_url)
            take(page, "register")
            application = case_of(db, cid).registry_application_id
            assert application is not None
            with db.transaction() as s:
                registry.approve_application(s, application_id=application, actor="user:1:registrar")
            page.reload()
            take(page, "put-in-use")
            expect(page.locator("#case-state")).to_have_text("已交付使用")
            expect(page.locator("#buyer")).to_have_text("竞买企业1")  # the highest bidder, now the right holder
            expect(page.locator("#upload-form")).to_have_count(0)
            expect(page.locator("#act")).to_have_count(0)  # a closed case offers no steps
            expect(page.locator("#signed-steps tbody tr")).to_have_count(15)
            page.screenshot(path=str(shots / "entry_in_use.png"), full_page=True)
            # the buyer's right is the registered one
            buyer = case_of(db, cid).buyer_party_id
            with db.transaction() as s:
                assert registry.get_application(s, application).status == "approved"
                held = [r for r in registry.current_rights(s, scene.unit)
                        if any(p == buyer for p, _ in registry.holders_of(s, r.id))]
                assert len(held) == 1  # a new termed right in the buyer's name is registered
            # the English page
            page.goto(server + case_url + "?lang=en")
            expect(page.locator("#case-state")).to_have_text("In use")
        finally:
            browser.close()


def test_a_township_desk_takes_the_collectives_step_on_its_behalf(server: str, db: Database,  # noqa: F811
                                                                   clock: Clock, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    scene = build(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            sign_in(page, server, "clerk", "/market-entry")
            page.fill("#open-form [name=unit_id]", str(scene.unit))
            page.fill("#open-form [name=acknowledgement]", ACK)
            page.click("#open-form button[type=submit]")
            expect(page.locator("#message")).to_contain_text("已申请入市")
            cid = int(page.url.rsplit("/", 1)[1].split("?")[0])
            case_url = f"/market-entry/cases/{cid}"
            sign_in(page, server, "nr", case_url)
            take(page, "issue-conditions", {"land_use": "0601", "industry_requirements": "农产品加工",
                                            "environment_requirements": "环评备案"})

            # without the collective's authorisation the desk is told so and offered nothing
            sign_in(page, server, "township", case_url)
            expect(page.locator("#no-authorisation")).to_be_visible()
            expect(page.locator("#step-draft-plan")).to_have_count(0)

            # the clerk puts the signed authorisation on file on the queue page; the desk drafts the plan for it
            with db.transaction() as s:
                desk_org = s.execute(select(Organisation.id).where(
                    Organisation.name == "余江区锦江镇人民政府")).scalar_one()
            sign_in(page, server, "clerk", "/market-entry")
            expect(page.locator("#no-desk-authorisation")).to_be_visible()
            form = page.locator("#desk-form")
            form.locator("select[name=desk_organisation_id]").select_option(str(desk_org))
            form.locator("[name=valid_until]").fill("2027-03-01")
            form.locator("input[type=file]").set_input_files(
                {"name": "授权委托书.pdf", "mimeType": "application/pdf", "buffer": PDF})
            form.locator("button[type=submit]").click()
            expect(page.locator("#desk-authorisations tr.standing-active")).to_contain_text("锦江镇")
            page.screenshot(path=str(shots / "entry_desk_authorised.png"), full_page=True)
            sign_in(page, server, "township", case_url)
            take(page, "draft-plan", {"plan_boundary": "东至村道，南至河", "plan_area_m2": "400.00",
                                      "plan_term_years": "50", "plan_floor_price": "70000.00",
                                      "plan_retained_share": "0.30"},
                 selects={"plan_method": "lease", "plan_transaction_method": "listing"})
            expect(page.locator("#case-state")).to_have_text("入市方案已拟定")
            signed = page.locator("#signed-steps")
            expect(signed.locator("tr.on-behalf")).to_have_count(1)
            expect(signed.locator("tr.on-behalf")).to_contain_text("代办（乡镇服务站）")
            expect(signed.locator("tr.on-behalf")).to_contain_text("编制入市方案")
            expect(signed.locator("tr.on-behalf")).to_contain_text("锦江镇 张华")
            page.screenshot(path=str(shots / "entry_on_behalf.png"), full_page=True)
            with db.transaction() as s:
                case = s.get(EntryCase, cid)
                assert case is not None and case.plan is not None and case.plan["method"] == "lease"
        finally:
            browser.close()

"""Browser journey (issue #17, 普惠金融服务平台): a disbursed loan from its default to its lien's release, the steps
a person takes on the portal's and the exchange's pages: the loan falls overdue (close of business); the bank
declares the default on the loan page and the claims go to the risk sharers; the guarantor pays an advance on its
own claim; the bank starts the disposal; the exchange's operator publishes the collateral lot; the first auction
draws nobody and the lot is relisted at 80 %; two bidders apply and bid in the bidding room; the operator signs the
award and the buyer pays; the bank settles the loan from the exchange's sale and the loan page shows the sale
price, the waterfall, each sharer's loss and true-up; the hand-over is registered (登簿) and the bank writes the
loss off; the registry no longer shows the mortgage.

The set-up before the default (the disbursed loan), the bank's callbacks (deposits, the buyer's payment), the
exchange's clock-driven phases and the hand-over (no page yet) are service calls. Screenshots go to
``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from landbridge import exchange, registry
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange.models import Bidder, Deposit
from landbridge.kernel.clock import Clock
from landbridge.lending import servicing
from landbridge.lending.models import Claim, Loan
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.e2e.test_lending_journey import do, sign_in
from tests.lending.conftest import World, world  # noqa: F401 - fixture
from tests.lending.test_disposal import OPERATOR, fail, relist
from tests.lending.test_service import apply, to_disbursed
from tests.registry.conftest import resident_id

pytestmark = pytest.mark.browser
D = Decimal
REGION = "360600000000"


def accounts(db: Database, w: World) -> list[int]:
    """The bank's officer, the guarantor's officer, the exchange's operator, the registrar and two bidders (password
    ``demo``). Returns the bidders' registry parties."""
    with db.transaction() as s:
        orgs = {kind: create_organisation(s, name=name, kind=kind, region_code=REGION).id for kind, name in (
            (OrgKind.guarantor, "鹰潭市融资担保公司"), (OrgKind.exchange, "鹰潭市农村产权交易中心"),
            (OrgKind.registration_centre, "登记中心"), (OrgKind.individual, "竞买人"))}
        create_user(s, username="bank1", password="demo", display_name="信贷员", role=Role.bank_officer,
                    organisation_id=w.bank_org, party_id=w.bank_party, is_demo=True)
        create_user(s, username="guar", password="demo", display_name="担保员", role=Role.guarantor_officer,
                    organisation_id=orgs[OrgKind.guarantor], is_demo=True)
        create_user(s, username="operator", password="demo", display_name="交易员", role=Role.exchange_operator,
                    organisation_id=orgs[OrgKind.exchange], is_demo=True)
        create_user(s, username="registrar", password="demo", display_name="登记员", role=Role.registrar,
                    organisation_id=orgs[OrgKind.registration_centre], is_demo=True)
        parties = []
        for i in range(2):
            party = registry.create_party(s, kind="person", name=f"竞买人{i + 1}", id_number=resident_id(900 + i),
                                          actor="system:test").id
            create_user(s, username=f"bidder{i + 1}", password="demo", display_name=f"竞买人{i + 1}",
                        role=Role.bidder, organisation_id=orgs[OrgKind.individual], party_id=party, is_demo=True)
            parties.append(party)
    return parties


def disbursed_and_overdue(db: Database, clock: Clock, w: World) -> int:
    """A 600,000 bullet loan on the forest right (appraised 1,000,000), disbursed; nothing paid, the close of
    business of 2026-06-30 finds its interest 76 days overdue (below the 90-day default trigger)."""
    with db.transaction() as s:
        servicing.contribute_to_fund(s, amount="1000000", day=date(2026, 3, 1), actor="user:5:fund_manager")
    loan_id = apply(db, w, principal="600000", months=12, method="bullet")
    to_disbursed(db, w, loan_id)
    with db.transaction() as s:
        assert servicing.run_cob(s, day=date(2026, 6, 30), actor="system:cli").defaulted == 0
    clock.set(datetime(2026, 7, 16, 2, 0, tzinfo=UTC))
    return loan_id


def pay_deposits(db: Database, lot_id: int) -> None:
    """The bank's callbacks: each applicant's deposit arrives on its sub-account."""
    with db.transaction() as s:
        rows = s.execute(select(Deposit, Bidder.party_id).join(Bidder, Bidder.id == Deposit.bidder_id)
                         .where(Bidder.lot_id == lot_id)).all()
        assert len(rows) == 2
        for dep, party in rows:
            exchange.confirm_deposit(s, sub_account=dep.sub_account, amount=dep.amount_cny,
                                     payer_name=registry.get_party(s, party).name, bank_ref=f"DEP-{dep.id}",
                                     actor="bank:callback")


def run_exchange_to(db: Database, clock: Clock, when: datetime) -> None:
    clock.set(when)
    with db.transaction() as s:
        exchange.run_due(s)


def bid(page: Any, base: str, user: str, lot_id: int, amount: Decimal) -> None:
    from playwright.sync_api import expect

    sign_in(page, base, user, f"/exchange/lots/{lot_id}")
    room = page.locator("#bidding-room")
    room.locator("input[name=amount_cny]").fill(str(amount))
    room.get_by_role("button").last.click()
    expect(page.locator("#message")).to_contain_text(f"报价 {amount} 元已被接受")


def test_default_disposal_loss_sharing_and_release(server: str, db: Database, clock: Clock,  # noqa: F811
                                                   world: World, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    bidders = accounts(db, world)
    loan_id = disbursed_and_overdue(db, clock, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. the bank sees the loan overdue; a default before the trigger is refused, on the 92nd day it holds
            sign_in(page, server, "bank1", f"/lending/loans/{loan_id}")
            expect(page.locator("#loan-status")).to_have_text("已放款")
            expect(page.locator("#facts")).to_contain_text("关注 · 逾期天数 76")
            do_refused = page.locator("#action-default")
            do_refused.locator("[name=day]").fill("2026-07-13")
            do_refused.locator("button[type=submit]").click()
            expect(page.locator("#message")).to_contain_text("90")
            expect(page.locator("#loan-status")).to_have_text("已放款")
            do(page, "default", {"day": "2026-07-16"})
            expect(page.locator("#loan-status")).to_have_text("违约")
            expect(page.locator("#facts")).to_contain_text("次级 · 逾期天数 92")  # classified on the day declared
            claims = page.locator("#claims")
            expect(claims).to_contain_text("担保机构")
            expect(claims).to_contain_text("240000.00")
            page.screenshot(path=str(shots / "disposal-defaulted.png"), full_page=True)

            # 2. the guarantor pays an advance on its own claim (代偿)
            sign_in(page, server, "guar", f"/lending/loans/{loan_id}")
            option = page.locator("#action-advance select[name=claim_id] option")
            expect(option).to_have_count(1)
            expect(option).to_contain_text("请求代偿金额 240000.00")
            do(page, "advance", {"amount_cny": "240000", "paid_on": "2026-07-16"})
            guarantor_row = page.locator("#claims tr", has_text="担保机构")
            expect(guarantor_row).to_contain_text("已代偿")
            expect(page.locator("#action-advance")).to_have_count(0)  # nothing of its own left to pay
            page.screenshot(path=str(shots / "disposal-advance.png"), full_page=True)

            # 3. the bank starts the disposal (15,000 enforcement costs): a collateral lot on the exchange
            sign_in(page, server, "bank1", f"/lending/loans/{loan_id}")
            do(page, "disposal", {"costs_cny": "15000"})
            expect(page.locator("#loan-status")).to_have_text("处置中")
            with db.transaction(readonly=True) as s:
                first = s.scalar(select(Loan.lot_id).where(Loan.id == loan_id)) or 0
            expect(page.locator("#lot-link")).to_contain_text(f"#{first}")

            # 4. the operator publishes it; nobody applies, the auction fails and the lot is relisted at 80 %
            sign_in(page, server, "operator", f"/exchange/lots/{first}")
            expect(page.locator("dl.facts").first).to_contain_text("700000.00")
            page.get_by_role("button", name="发布公告").click()
            expect(page.locator("#message")).to_contain_text("已发布公告")
            fail(db, clock, first)
            lot_id = relist(db, clock, first)

            # 5. two bidders apply on the lot page; their deposits arrive; the auction opens; they bid
            for user in ("bidder1", "bidder2"):
                sign_in(page, server, user, f"/exchange/lots/{lot_id}")
                page.get_by_role("button", name="报名竞买").click()
                expect(page.locator("#message")).to_contain_text("报名成功")
            pay_deposits(db, lot_id)
            with db.transaction(readonly=True) as s:
                lot = exchange.get_lot(s, lot_id)
                starts, step, start_price = lot.starts_at, lot.increment_cny, lot.start_price_cny
            run_exchange_to(db, clock, starts + timedelta(seconds=1))
            bid(page, server, "bidder1", lot_id, start_price)
            bid(page, server, "bidder2", lot_id, start_price + step)
            expect(page.locator("#current-price")).to_contain_text(str(start_price + step))
            page.screenshot(path=str(shots / "disposal-bidding.png"), full_page=True)
            with db.transaction(readonly=True) as s:
                ends = exchange.get_lot(s, lot_id).ends_at
            assert ends is not None
            run_exchange_to(db, clock, ends + timedelta(seconds=301))

            # 6. the operator signs the award; the buyer pays the balance (the bank's callback)
            sign_in(page, server, "operator", f"/exchange/lots/{lot_id}")
            page.get_by_role("button", name="签署成交确认书").click()
            expect(page.locator("#message")).to_contain_text("已签署成交确认书")
            with db.transaction() as s:
                row = exchange.get_settlement(s, lot_id)
                assert row.party_id == bidders[1]
                exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny, payer_name="竞买人2",
                                     bank_ref=f"PAY-{lot_id}", actor="bank:callback")
                sale = exchange.collateral_sale(s, lot_id)
                assert sale is not None and sale.paid
            page.reload()
            expect(page.locator("#settlement")).to_contain_text("已付清")
            page.screenshot(path=str(shots / "disposal-award.png"), full_page=True)

            # 7. the bank settles the loan from the exchange's sale: price, waterfall, each sharer's loss, true-up
            sign_in(page, server, "bank1", f"/lending/loans/{loan_id}")
            do(page, "settle-sale")
            expect(page.locator("#loan-status")).to_have_text("已结算")
            with db.transaction(readonly=True) as s:
                loss = s.scalar(select(Loan.loss_cny).where(Loan.id == loan_id)) or D(0)
                assert loss > 0
                claims_by = {c.party: (c.advanced_cny, c.loss_cny)
                             for c in s.scalars(select(Claim).where(Claim.loan_id == loan_id))}
            settlement = page.locator("#disposal-settlement")
            expect(settlement.locator("#sale-costs")).to_contain_text(str(sale.sale_costs))
            expect(settlement.locator("#sale-loss")).to_contain_text(str(loss))
            expect(settlement.locator("#sale-price")).to_contain_text(str(sale.price))
            expect(settlement.locator("#waterfall .payee-loan")).to_contain_text(str(sale.net))  # all of the net
            advanced, borne = claims_by["guarantor"]
            assert advanced == D("240000.00") and borne == (loss * D("0.4")).quantize(D("0.01"))
            row = page.locator("#claim-guarantor")
            expect(row).to_contain_text(str(borne))
            expect(row).to_contain_text(f"+{advanced - borne}")  # refunded to the guarantor
            advanced, borne = claims_by["fund"]
            expect(page.locator("#claim-fund")).to_contain_text(str(advanced - borne))
            assert sum(b for _, b in claims_by.values()) == loss  # every fen of the loss borne once
            page.screenshot(path=str(shots / "disposal-settled.png"), full_page=True)

            # 8. the hand-over discharges the mortgage; the registrar registers it; the bank writes the loss off
            with db.transaction() as s:
                transfer = exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR).registry_application_id
            sign_in(page, server, "registrar", "/registrar/queue")
            page.locator(f"#application-{transfer}").get_by_role("button", name="登簿").click()
            expect(page.locator(".notice")).to_contain_text("已登簿")
            sign_in(page, server, "bank1", f"/lending/loans/{loan_id}")
            page.locator("#action-release [name=write_off]").check()
            do(page, "release")
            expect(page.locator("#loan-status")).to_have_text("已核销")
            expect(page.locator("#extract")).to_contain_text("无")
            expect(page.locator("#extract table")).to_have_count(0)
            page.screenshot(path=str(shots / "disposal-released.png"), full_page=True)
        finally:
            browser.close()
    with db.transaction(readonly=True) as s:
        assert registry.current_restrictions(s, world.unit) == []
        loan = s.get(Loan, loan_id)
        assert loan is not None and loan.status == "written_off"

"""Browser journey of a sealed tender (招标, issue #6 item 2) on the system Chromium: three bidders submit sealed
tenders from the lot page and see only the count and their own receipt; after the opening the five panel members
score every tender on the tenders page; the last score decides and the lot page shows the award."""

from __future__ import annotations

from pathlib import Path

import pytest

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.exchange import tender_rules
from landbridge.kernel.clock import Clock, ensure_utc
from tests.e2e.test_journey import server, shots
from tests.exchange.conftest import OPERATOR, build_world, enrol, new_lot
from tests.exchange.test_journey import _accounts, _log_in, _lot, _worker, log_out, zh_browser
from tests.registry.conftest import VILLAGE

pytestmark = pytest.mark.browser
__all__ = ["server", "shots"]  # fixtures used by this module


def test_sealed_tender_journey(server: str, db: Database, clock: Clock, shots: Path) -> None:
    from playwright.sync_api import Page, expect

    with db.transaction() as s:
        world = build_world(s)
        _accounts(s, world, {"bidder2": world.bidders[1], "bidder3": world.bidders[2]})
        lot = new_lot(s, world, method="tender")
        lot_id = lot.id
        rules = exchange.rules_for("land_management_right")
        org = create_organisation(s, name="评标专家库", kind=OrgKind.exchange, region_code=VILLAGE)
        panel = [f"eval{i}" for i in range(rules.tender_panel_size)]
        ids = [create_user(s, username=u, password="demo", display_name=u, role=Role.supervisor,
                           organisation_id=org.id, is_demo=True).id for u in panel]
        exchange.designate_evaluators(s, lot_id=lot_id, user_ids=ids, actor=OPERATOR)
        for party in world.bidders[:3]:
            enrol(s, lot, world, party)
    lot = _lot(db, lot_id)
    clock.set(ensure_utc(lot.starts_at))
    assert _worker(db) == 1 and _lot(db, lot_id).phase == "tendering"

    def log_in(page: Page, username: str) -> None:
        _log_in(page, server, lot_id, username)

    with zh_browser() as page:
        status = page.locator("#message")
        # 1. each bidder seals its tender from the lot page and keeps the receipt
        receipts = {}
        for username, price in (("bidder", "120000.00"), ("bidder2", "150000.00"), ("bidder3", "130000.00")):
            log_in(page, username)
            expect(page.locator("#phase")).to_have_text("投标中")
            form = page.locator("#tender-form")
            form.locator("input[name=price_cny]").fill(price)
            form.locator("textarea[name=plan_summary]").fill("稻虾共养，三年投入 50 万元")
            form.locator("textarea[name=documents]").fill("营业执照.pdf\n经营方案.pdf")
            page.get_by_role("button", name="密封提交投标文件（不可撤回）").click()
            expect(status).to_contain_text("投标文件已密封提交")
            receipts[username] = status.inner_text().split()[-1]
            # the one-time form gives way to the receipt and the time of submission
            expect(page.locator("#tender-form")).to_have_count(0)
            expect(page.locator("#my-tender-receipt")).to_have_text(receipts[username])
            if username == "bidder":
                page.locator("#method-section").screenshot(path=str(shots / "exchange-tender-receipt.png"))
            log_out(page)

        # 2. before the opening a bidder sees the count and its own receipt, never a price
        log_in(page, "bidder2")
        page.goto(server + f"/exchange/lots/{lot_id}/tenders")
        expect(page.locator("#tender-count")).to_contain_text("3")
        expect(page.locator("#my-receipt")).to_contain_text(receipts["bidder2"])
        expect(page.locator("#sealed")).to_be_visible()
        assert "150000" not in page.content()
        log_out(page)

        # 3. the opening (worker deadline), then every panel member scores every tender
        assert lot.ends_at is not None
        clock.set(tender_rules.opening_at(rules, lot.ends_at))
        assert _worker(db) == 1 and _lot(db, lot_id).phase == "evaluation"
        for n, username in enumerate(panel):
            log_in(page, username)
            page.goto(server + f"/exchange/lots/{lot_id}/tenders")
            expect(page.locator("#tenders tbody tr")).to_have_count(3)
            for _ in range(3):
                form = page.locator(".score-form").first
                form.locator("input[name=plan_score]").fill("80")
                form.locator("input[name=credentials_score]").fill("90")
                form.get_by_role("button", name="评分").click()
                expect(status).to_have_text("评分已记录")
            if n == 0:
                page.screenshot(path=str(shots / "exchange-tender-scoring.png"), full_page=True)
            expect(page.locator(".score-form")).to_have_count(0)
            log_out(page)

        # 4. the last score decided: equal plans and credentials, so the highest price wins
        log_in(page, "bidder2")
        expect(page.locator("#phase")).to_have_text("待确认成交")
        expect(page.locator("#result")).to_contain_text("150000.00")
        page.goto(server + f"/exchange/lots/{lot_id}/tenders")
        expect(page.locator("#tenders tbody tr").first).to_contain_text("150000.00")
        page.screenshot(path=str(shots / "exchange-tender-result.png"), full_page=True)
        log_out(page)
        log_in(page, "exchange")  # the operator's view of the opened, ranked tenders
        page.goto(server + f"/exchange/lots/{lot_id}/tenders")
        expect(page.locator("#tenders tbody tr")).to_have_count(3)
        page.screenshot(path=str(shots / "exchange-tenders-operator.png"), full_page=True)


def test_objection_ruling_journey(server: str, db: Database, clock: Clock, shots: Path) -> None:
    """A negotiated transfer (协议) in publicity: a bidder lodges two objections from the lot page; the operator
    sees them with the ruling form, dismisses one and upholds the other, and the lot fails."""
    from playwright.sync_api import Page, expect

    with db.transaction() as s:
        world = build_world(s)
        _accounts(s, world, {"bidder2": world.bidders[1]})
        lot = new_lot(s, world, method="negotiated", kind="collective_asset", unit_id=None, right_id=None)
        lot_id = lot.id
        enrol(s, lot, world, world.bidders[0])
    clock.set(ensure_utc(_lot(db, lot_id).starts_at))
    assert _worker(db) == 1 and _lot(db, lot_id).phase == "publicity"

    def log_in(page: Page, username: str) -> None:
        _log_in(page, server, lot_id, username)

    with zh_browser() as page:
        status = page.locator("#message")
        log_in(page, "bidder2")
        for text in ("该资产权属存在争议，村民小组未表决", "公示内容缺少评估报告"):
            page.locator("#objection-form textarea[name=text]").fill(text)
            page.get_by_role("button", name="提出异议").click()
            expect(status).to_have_text("异议已受理")
        expect(page.locator(".ruling-form")).to_have_count(0)
        log_out(page)

        log_in(page, "exchange")
        rows = page.locator("#objections tbody tr")
        expect(rows).to_have_count(2)
        expect(page.locator(".ruling-form")).to_have_count(2)
        page.locator("#method-section").screenshot(path=str(shots / "exchange-objection-ruling-form.png"))
        first = rows.nth(0)
        first.get_by_label("驳回异议").check()
        first.locator("textarea[name=ruling]").fill("经核实，村民小组已于公示前表决同意，异议不成立")
        first.get_by_role("button", name="作出处理决定").click()
        expect(status).to_contain_text("已驳回")
        expect(rows.nth(0)).to_contain_text("经核实，村民小组已于公示前表决同意")
        expect(page.locator("#phase")).to_have_text("公示中")
        second = rows.nth(1)
        second.get_by_label("异议成立（本次转让终止）").check()
        second.locator("textarea[name=ruling]").fill("公示材料确缺评估报告，本次转让终止")
        second.get_by_role("button", name="作出处理决定").click()
        expect(status).to_contain_text("成立")
        expect(page.locator("#phase")).to_have_text("流拍")
        expect(page.locator(".ruling-form")).to_have_count(0)
        page.screenshot(path=str(shots / "exchange-objection-ruled.png"), full_page=True)
    assert _lot(db, lot_id).phase == "unsuccessful"

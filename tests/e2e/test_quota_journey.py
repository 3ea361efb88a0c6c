"""Browser journey (issue #16, "done means"; requirements S18, S30, L4, L5): a household of 锦江村 withdraws its
second homestead on the pages — application, the collective's decision on the members' sealed vote, the township's
valuation, the collective's payment, the registry cancellation, the bureau's hand-over to reclamation — the county
accepts the reclamation and the quota is credited, the year's supply plan allocates it to collective construction
land in an industrial cluster, and the market-entry case of that land consumes it.

Where pages exist the browser takes the step (every withdrawal step, the quota desk ``/quota``); the reclamation
project's works and acceptance, the supply plan and the allocation go through the JSON API (no pages for them yet);
the members' vote, the registrar's registration of the cancellation and the market-entry case (whose own page
journey is tests/e2e/test_market_entry_journey.py) through their services. Screenshots go to
``$LANDBRIDGE_SCREENSHOTS`` when set, else tmp.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from landbridge import land_quota, planning, registry
from landbridge.db import Database
from landbridge.kernel.clock import Clock, now, to_local
from landbridge.land_quota import entry
from landbridge.land_quota.models import QuotaAllocation, ReclamationProject
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal
from tests.collective.conftest import Village, accounts_world
from tests.collective.test_service import passed_motion
from tests.e2e.test_journey import ARGS, CHROMIUM, server, shots  # noqa: F401 - fixtures
from tests.land_quota.conftest import register
from tests.land_quota.homestead_world import REGISTRAR, homestead
from tests.market_entry.conftest import NR, EntryWorld, register_unit, to_state
from tests.planning.conftest import PLAN, rect, zone
from tests.registry.conftest import resident_id, square

pytestmark = pytest.mark.browser
COUNTY = "360603"


@dataclass
class Scene:
    village: Village
    spare: int     # the homestead the household gives up
    kept: int      # the one it keeps
    entry: EntryWorld


def build(db: Database) -> Scene:
    """The demo accounts; 锦江村's collective owning its land (a 300 m square), its first household (the user
    ``villager``) holding two homesteads, and collective construction land in an approved industrial zone."""
    with db.transaction() as s:
        village, _ = accounts_world(s)
        z = planning.create_zone(s, zone("Z-QUOTA-E2E", "industrial", rect(-50, -50, 2000, 500)), actor=NR,
                                 plan_version=PLAN)
        planning.approve_zone(s, zone_id=z.id, actor=NR)
        unit = register_unit(s, village.party_id, col=0)
        register(s, village.party_id, square(0, size_m=300), land_use="0702", right_type="collective_land_ownership")
        # the spare homestead (22 m × 22 m, an old courtyard) frees more quota than the 400 m² entry parcel takes
        spare, kept = homestead(s, village.households[0], 1, size_m=22.0), homestead(s, village.households[0], 2)
        world = EntryWorld(village, unit, registry.current_rights(s, unit)[0].id, registry.get_unit(s, unit).parcel_id)
        for i in range(3):
            pid = registry.create_party(s, kind="person", name=f"入园企业{i}", id_number=resident_id(760 + i),
                                        actor="user:7:exchange").id
            world.bidders.append(pid)
            world.names[pid] = f"入园企业{i}"
    return Scene(village, spare, kept, world)


def sign_in(page: Any, base: str, user: str, target: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.goto(base + target)


def api(base: str, user: str) -> httpx.Client:
    token = httpx.post(f"{base}/api/v1/auth/token", json={"username": user, "password": "demo"}).json()
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30)


def submit(page: Any, form: str, notice: str) -> None:
    from playwright.sync_api import expect

    page.locator(f"#{form} button[type=submit]").click()
    expect(page.locator("#message")).to_contain_text(notice)


def test_a_homestead_withdrawn_reclaimed_and_its_quota_consumed_by_an_entry_in_an_industrial_cluster(
        server: str, db: Database, clock: Clock, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    scene = build(db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(15_000)
        try:
            # 1. the household applies on its page (S30: it keeps its other homestead)
            sign_in(page, server, "villager", "/quota/withdrawals/new")
            page.select_option("#right_id", str(scene.spare))
            page.fill("#household_size", "4")
            page.locator("#apply").screenshot(path=str(shots / "quota_apply_form.png"))
            submit(page, "apply-form", "退出申请")
            cid = int(page.url.rsplit("/", 1)[1].split("?")[0])
            case_url = f"/quota/withdrawals/{cid}"
            expect(page.locator("#status")).to_have_text("已申请")
            expect(page.locator("#waiting")).to_be_visible()  # the decision is the collective's
            with db.transaction(readonly=True) as s:
                number = s.get(HomesteadWithdrawal, cid).number  # type: ignore[union-attr]

            # 2. the council and the members' sealed vote (collective services); the clerk records the decision
            from landbridge import collective

            with db.transaction() as s:
                meeting = collective.consult_affairs_council(
                    s, collective_id=scene.village.collective_id, subject_ref=number, held_at=now(), attendees=7,
                    opinion="理事会核实该户另有宅基地一处，同意提交成员大会表决", actor="user:9:clerk").id
                motion = passed_motion(s, scene.village, "general", subject_ref=number)
            sign_in(page, server, "clerk", case_url)
            expect(page.locator("#motion_id")).to_have_value(str(motion))  # the passed vote on the case, offered
            page.fill("#council_meeting_id", str(meeting))
            submit(page, "decision-form", "集体决定已记录")
            expect(page.locator("#status")).to_have_text("集体同意")

            # 3. the township values the compensation from the rule set
            sign_in(page, server, "township", case_url)
            page.select_option("#house_structure", "brick_wood")
            page.fill("#house_floor_m2", "80")
            submit(page, "valuation-form", "补偿已核定")
            expect(page.locator("#compensation")).to_contain_text("¥8,000.00")  # 80 m² × 100 yuan, to the fen

            # 4. the collective pays exactly the amount valued
            sign_in(page, server, "clerk", case_url)
            page.fill("#payment_ref", "农商行 20260305-01")
            page.fill("#paid_on", to_local(now()).date().isoformat())
            submit(page, "payment-form", "补偿支付已记录")

            # 5. the township lodges the registry cancellation; the registrar registers it
            sign_in(page, server, "township", case_url)
            submit(page, "cancellation-form", "注销登记申请已提交")
            with db.transaction() as s:
                case = s.get(HomesteadWithdrawal, cid)
                assert case is not None and case.cancellation_application_ids
                registry.approve_application(s, application_id=int(case.cancellation_application_ids[0]),
                                             actor=REGISTRAR)

            # 6. the bureau hands the land over to reclamation
            sign_in(page, server, "nr", case_url)
            page.fill("#plan_ref", "余江区宅基地复垦方案〔2026〕9号")
            submit(page, "hand-over-form", "已移交复垦")
            expect(page.locator("#status")).to_have_text("已移交复垦")
            expect(page.locator("#steps li.done")).to_have_count(6)
            page.screenshot(path=str(shots / "quota_case_handed_over.png"), full_page=True)
            with db.transaction(readonly=True) as s:
                assert registry.find_current_right(s, scene.spare) is None  # the right is cancelled
                assert registry.find_current_right(s, scene.kept) is not None  # 一户一宅: the other stays
                project_id = s.get(HomesteadWithdrawal, cid).project_id  # type: ignore[union-attr]
                assert project_id is not None
                area = s.get(ReclamationProject, project_id).planned_area_m2  # type: ignore[union-attr]

            # 7. the county accepts the reclamation (API): the quota is credited on acceptance only (L5)
            year = to_local(now()).year
            bureau = api(server, "nr")
            early = bureau.post("/api/v1/quota/allocations", json={
                "county_code": COUNTY, "year": year, "parcel_id": scene.entry.parcel, "amount_m2": "100",
                "land_use": "industrial", "quarter": 2})
            assert early.status_code in (404, 409), early.text  # nothing credited yet: nothing to allocate
            assert bureau.post(f"/api/v1/quota/projects/{project_id}/works").status_code == 200
            measured = (area * Decimal("0.96")).quantize(Decimal("0.01"))
            accepted = bureau.post(f"/api/v1/quota/projects/{project_id}/acceptance", json={
                "accepted_area_m2": str(measured), "quality_grade": 6,
                "accepted_on": to_local(now()).date().isoformat()})
            assert accepted.status_code == 200 and accepted.json()["kind"] == "credit", accepted.text

            # 8. the year's supply plan and the allocation to the industrial cluster's parcel (API)
            assert bureau.post("/api/v1/quota/plans", json={"county_code": COUNTY, "year": year, "lines": [
                {"land_use": "industrial", "quarter": 2, "quota_m2": str(measured), "parcels": 2}]}).status_code == 201
            assert bureau.post(f"/api/v1/quota/plans/{COUNTY}/{year}/approval",
                               json={"approved_on": to_local(now()).date().isoformat()}).status_code == 200
            allocated = bureau.post("/api/v1/quota/allocations", json={
                "county_code": COUNTY, "year": year, "parcel_id": scene.entry.parcel, "amount_m2": str(measured),
                "land_use": "industrial", "quarter": 2})
            assert allocated.status_code == 201, allocated.text

            # 9. the land enters the market (its case to the signed contract); the worker's sweep consumes its area
            to_state(db, clock, scene.entry, "contract_signed")
            with db.transaction() as s:
                assert entry.run_due(s) == 1
            with db.transaction(readonly=True) as s:
                allocation = s.scalars(select(QuotaAllocation).where(
                    QuotaAllocation.parcel_id == scene.entry.parcel)).one()
                consumed = allocation.consumed_m2
                assert allocation.entry_case_id is not None and consumed == Decimal("400.00")  # the case's area
                totals = land_quota.balance_of(s, COUNTY, year)
                assert totals.consumed == consumed and totals.allocated == totals.accepted == measured

            # 10. the bureau's quota desk shows the flow: credited, allocated, consumed
            sign_in(page, server, "nr", f"/quota?year={year}")
            balances = page.locator("#balances")
            expect(balances).to_contain_text(f"{measured:,.2f}")
            expect(balances).to_contain_text(f"{consumed:,.2f}")
            entries = page.locator("#entries")
            for kind in ("入库", "分配", "使用"):
                expect(entries).to_contain_text(kind)
            expect(page.locator("#withdrawals")).to_contain_text(number)
            expect(page.locator("#withdrawals")).to_contain_text("已移交复垦")
            page.screenshot(path=str(shots / "quota_desk.png"))
            page.goto(f"{server}{case_url}?lang=en")
            expect(page.locator("#status")).to_have_text("Handed over to reclamation")
        finally:
            browser.close()

"""Entry purposes (L8): collective land for rental housing (集体土地建设租赁住房, rent-only) and urban-village phased
redevelopment (城中村分期改造, only for a converted or converting collective, phases filed in order), each with its own
rules from the rule set's 2026-06-01 version and its own refusals, which change nothing; one case of each purpose
goes through to the exchange and beyond."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from landbridge import collective, exchange, planning, registry
from landbridge.db import Database
from landbridge.kernel.clock import Clock, now
from landbridge.main import create_app
from landbridge.market_entry import service
from landbridge.market_entry.models import EntryCase
from tests.collective.conftest import accounts_world, make_uscc
from tests.collective.test_service import passed_motion
from tests.exchange.test_api import auth
from tests.exchange.test_pages import login
from tests.market_entry.conftest import ACTOR, NR, EntryWorld, build_world, plan_body, register_unit, to_state
from tests.market_entry.test_service import refused
from tests.planning.conftest import PLAN, rect, zone

IN_FORCE = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)  # the rule set's L8 version takes effect on 2026-06-01
RENTAL = {"operator": "锦江村股份经济合作社与某住房租赁公司联营", "dwelling_units": 120,
          "rent_plan": "只租不售；租金不高于同地段市场租金 90%，单次租期不超过 10 年"}
PHASE_PLAN = {"programme_plan": "锦江村城中村改造总体方案（区政府批复）",
              "resettlement_arrangement": "先安置后拆迁，原址回迁安置房由改制公司自建"}


@pytest.fixture
def late(db: Database, clock: Clock) -> EntryWorld:
    """The test world in an urban construction zone (城镇集中建设区, which permits housing and operating uses), on a
    day the purposes are in force."""
    clock.set(IN_FORCE)
    with db.transaction() as s:
        return build_world(s, zone_kind="urban_construction")


def more_units(db: Database, w: EntryWorld, n: int) -> list[int]:
    with db.transaction() as s:
        return [register_unit(s, w.village.party_id, col=c) for c in range(1, n + 1)]


def case_row(db: Database, cid: int) -> EntryCase:
    with db.transaction() as s:
        row = s.get(EntryCase, cid)
        assert row is not None
        s.expunge(row)
        return row


def draft(cid: int, **kw: Any) -> Any:
    def act(s: Any) -> Any:
        case = s.get(EntryCase, cid)
        return service.draft_plan(s, case_id=cid, plan=plan_body(case, **kw), actor=ACTOR)
    return act


# --- rental housing ------------------------------------------------------------------------------

def test_rental_housing_is_leased_through_the_exchange_and_put_in_use(db: Database, clock: Clock,
                                                                      late: EntryWorld) -> None:
    cid = to_state(db, clock, late, "in_use", opening={"purpose": "rental_housing"}, land_use="0701",
                   method="lease", term_years=20, **RENTAL)
    row = case_row(db, cid)
    assert (row.status, row.purpose, row.programme_ref, row.phase) == ("in_use", "rental_housing", None, None)
    assert row.plan is not None and row.plan["operator"] == RENTAL["operator"]
    with db.transaction() as s:
        lot = exchange.get_lot(s, row.lot_id)  # type: ignore[arg-type]
        terms = exchange.entry_terms_of(s, lot)
        assert terms is not None and (terms.method, terms.land_use, terms.term_years) == ("lease", "residential", 20)
        # the partner holds a 20-year lease right; the collective keeps its own right's successor chain
        entered = [r for r in registry.current_rights(s, late.unit) if registry.is_entered_right(r)]
        assert len(entered) == 1 and entered[0].attrs["term_years"] == 20
        assert [p for p, _ in registry.holders_of(s, entered[0].id)] == [row.buyer_party_id]


def test_rental_housing_refusals_each_with_its_code(db: Database, clock: Clock, late: EntryWorld) -> None:
    cid = to_state(db, clock, late, "conditions_issued", opening={"purpose": "rental_housing"}, land_use="0701")
    # residential land is never granted (sold): rent-only
    refused(db, "market_entry.residential_grant_refused", draft(cid, land_use="0701", method="grant",
                                                                term_years=20, **RENTAL), cid)
    # the rental housing's own plan fields are mandatory
    refused(db, "market_entry.plan_field_missing", draft(cid, land_use="0701", method="lease", term_years=20,
                                                         operator=RENTAL["operator"]), cid)
    # a lease runs 20 years at most (the residential category would allow 70)
    refused(db, "market_entry.purpose_term_over_cap", draft(cid, land_use="0701", method="lease", term_years=21,
                                                            **RENTAL), cid)
    with db.transaction() as s:
        service.draft_plan(s, case_id=cid, plan=plan_body(s.get(EntryCase, cid), land_use="0701", method="equity",
                                                          equity_share="2/5", term_years=70, **RENTAL), actor=ACTOR)
    assert case_row(db, cid).status == "plan_drafted"
    with db.transaction() as s:
        service.withdraw(s, case_id=cid, reason="改以工业用地建设", actor=ACTOR)
    # idle industrial land (S87) may house rental housing too, but not by grant: the wrong method for the purpose
    cid = to_state(db, clock, late, "conditions_issued", opening={"purpose": "rental_housing"})
    refused(db, "market_entry.method_not_for_purpose", draft(cid, method="grant", term_years=20, **RENTAL), cid)
    with db.transaction() as s:
        service.withdraw(s, case_id=cid, reason="改为商服", actor=ACTOR)
    # a commercial use does not fit rental housing: refused when the bureau issues the conditions
    cid = to_state(db, clock, late, "opened", opening={"purpose": "rental_housing"})
    refused(db, "market_entry.use_not_for_purpose", lambda s: service.issue_conditions(
        s, case_id=cid, land_use="05", indicators={}, industry_requirements="商业", environment_requirements="备案",
        actor=NR), cid)


def test_residential_grant_is_refused_for_an_operating_case_too_but_only_from_the_rules_version(
        db: Database, clock: Clock) -> None:
    with db.transaction() as s:  # 2026-03-02: the version of 2021 alone is in force
        w = build_world(s, zone_kind="urban_construction")
    before = to_state(db, clock, w, "plan_drafted", land_use="0701", method="grant", term_years=70)
    assert case_row(db, before).status == "plan_drafted"
    with db.transaction() as s:
        service.withdraw(s, case_id=before, reason="重新编制", actor=ACTOR)
    refused(db, "market_entry.purpose_unknown", lambda s: service.open_case(
        s, collective_id=w.village.collective_id, unit_id=w.unit, actor=ACTOR, purpose="rental_housing"))
    clock.set(IN_FORCE)
    cid = to_state(db, clock, w, "conditions_issued", land_use="0701")
    refused(db, "market_entry.residential_grant_refused", draft(cid, land_use="0701", method="grant",
                                                                term_years=70), cid)


def test_opening_refuses_unknown_purposes_and_misplaced_programmes(db: Database, late: EntryWorld) -> None:
    v = late.village

    def opening(**kw: Any) -> Any:
        return lambda s: service.open_case(s, collective_id=v.collective_id, unit_id=late.unit, actor=ACTOR, **kw)

    refused(db, "market_entry.purpose_unknown", opening(purpose="villas"))
    refused(db, "market_entry.programme_required", opening(purpose="urban_village_phase", phase=1))
    refused(db, "market_entry.programme_required", opening(purpose="urban_village_phase", programme_ref="  ", phase=1))
    refused(db, "market_entry.programme_not_for_purpose", opening(purpose="rental_housing", programme_ref="P", phase=1))
    refused(db, "market_entry.programme_not_for_purpose", opening(phase=2))


# --- urban-village phased redevelopment -------------------------------------------------------------

def company(db: Database) -> int:
    with db.transaction() as s:
        return registry.create_party(s, kind="organisation", name="锦江实业有限公司", id_number=make_uscc("91", 78),
                                     actor=ACTOR).id


def test_urban_village_needs_a_converted_or_converting_collective(db: Database, clock: Clock,
                                                                  late: EntryWorld) -> None:
    v = late.village

    def opening(**kw: Any) -> Any:
        return lambda s: service.open_case(s, collective_id=v.collective_id, unit_id=late.unit, actor=ACTOR,
                                           purpose="urban_village_phase", programme_ref="JJ-2026", phase=1, **kw)

    refused(db, "market_entry.collective_not_converted", opening())
    with db.transaction() as s:
        weak = passed_motion(s, v, "conversion", yes=3)  # short of two thirds
        general = passed_motion(s, v, "general")  # passed, but not a conversion
    refused(db, "market_entry.collective_not_converted", opening(conversion_motion_id=weak))
    refused(db, "market_entry.collective_not_converted", opening(conversion_motion_id=general))
    with db.transaction() as s:
        motion = passed_motion(s, v, "conversion")
    with db.transaction() as s:  # converting: the members passed the conversion, the company is not formed yet
        case = opening(conversion_motion_id=motion)(s)
        assert (case.purpose, case.programme_ref, case.phase, case.conversion_motion_id) == (
            "urban_village_phase", "JJ-2026", 1, motion)
        service.withdraw(s, case_id=case.id, reason="待改制完成", actor=ACTOR)
    with db.transaction() as s:
        collective.convert_to_company(s, collective_id=v.collective_id, company_party_id=company(db),
                                      motion_id=motion, actor=ACTOR)
    with db.transaction() as s:  # converted: no motion needed
        case = opening()(s)
        assert case.status == "opened" and case.conversion_motion_id is None


def test_phases_are_filed_in_order_and_each_phase_is_taken_once(db: Database, clock: Clock,
                                                                late: EntryWorld) -> None:
    v = late.village
    with db.transaction() as s:
        motion = passed_motion(s, v, "conversion")
    with db.transaction() as s:
        collective.convert_to_company(s, collective_id=v.collective_id, company_party_id=company(db),
                                      motion_id=motion, actor=ACTOR)
    second, third, other = more_units(db, late, 3)

    def phase(n: int, ref: str = "JJ-2026") -> dict[str, Any]:
        return {"purpose": "urban_village_phase", "programme_ref": ref, "phase": n}

    one = to_state(db, clock, late, "filed", opening=phase(1), **PHASE_PLAN)
    refused(db, "market_entry.phase_taken", lambda s: service.open_case(
        s, collective_id=v.collective_id, unit_id=other, actor=ACTOR, **phase(1)))
    two = to_state(db, clock, late, "vote_passed", unit=second, opening=phase(2), **PHASE_PLAN)
    lonely = to_state(db, clock, late, "vote_passed", unit=third, opening=phase(2, "OTHER-1"), **PHASE_PLAN)

    def filing(cid: int) -> Any:
        return lambda s: service.file_with_county(s, case_id=cid, transaction_on=now().date().replace(month=9),
                                                  actor=ACTOR)

    refused(db, "market_entry.phase_out_of_order", filing(two), two)  # phase 1 is filed, not yet cleared
    refused(db, "market_entry.phase_out_of_order", filing(lonely), lonely)  # its programme has no phase 1
    clock.set(IN_FORCE.replace(day=28))
    with db.transaction() as s:
        service.clear(s, case_id=one, actor=NR)
    with db.transaction() as s:
        service.file_with_county(s, case_id=two, transaction_on=now().date().replace(month=9), actor=ACTOR)
    assert case_row(db, two).status == "filed"
    # the plan of an urban-village phase carries its own fields
    assert case_row(db, two).plan["resettlement_arrangement"] == PHASE_PLAN["resettlement_arrangement"]  # type: ignore[index]


def test_an_urban_village_phase_is_listed_and_sold(db: Database, clock: Clock, late: EntryWorld) -> None:
    v = late.village
    with db.transaction() as s:
        motion = passed_motion(s, v, "conversion")
    cid = to_state(db, clock, late, "result_confirmed",
                   opening={"purpose": "urban_village_phase", "programme_ref": "JJ-2026", "phase": 1,
                            "conversion_motion_id": motion}, **PHASE_PLAN)
    row = case_row(db, cid)
    assert (row.status, row.purpose, row.phase) == ("result_confirmed", "urban_village_phase", 1)
    assert row.lot_id is not None and row.buyer_party_id is not None


def test_missing_phase_plan_fields_are_refused(db: Database, clock: Clock, late: EntryWorld) -> None:
    v = late.village
    with db.transaction() as s:
        motion = passed_motion(s, v, "conversion")
    cid = to_state(db, clock, late, "conditions_issued",
                   opening={"purpose": "urban_village_phase", "programme_ref": "JJ-2026", "phase": 1,
                            "conversion_motion_id": motion})
    refused(db, "market_entry.plan_field_missing",
            draft(cid, programme_plan=PHASE_PLAN["programme_plan"]), cid)


# --- the API -----------------------------------------------------------------------------------------

def test_the_api_opens_a_case_with_its_purpose_and_shows_it(db: Database, clock: Clock) -> None:
    clock.set(IN_FORCE)
    with db.transaction() as s:
        village, _ = accounts_world(s)
        z = planning.create_zone(s, zone("Z-ME-U", "urban_construction", rect(-50, -50, 2000, 500)), actor=NR,
                                 plan_version=PLAN)
        planning.approve_zone(s, zone_id=z.id, actor=NR)
        unit = register_unit(s, village.party_id, col=0)
    body = {"collective_id": village.collective_id, "unit_id": unit, "acknowledgement": "本人已阅读并确认"}
    with TestClient(create_app()) as c:
        def post(extra: dict[str, Any]) -> Any:
            return c.post("/api/v1/market-entry/cases", json={**body, **extra}, headers=auth(c, "clerk"))

        assert post({"purpose": "Rental Housing!"}).status_code == 422
        assert post({"purpose": "x" * 33}).status_code == 422
        assert post({"purpose": "urban_village_phase", "programme_ref": "P", "phase": 0}).status_code == 422
        assert post({"purpose": "urban_village_phase", "programme_ref": "P" * 61, "phase": 1}).status_code == 422
        r = post({"purpose": "urban_village_phase", "programme_ref": "JJ-2026", "phase": 1})
        assert (r.status_code, r.json()["code"]) == (409, "market_entry.collective_not_converted"), r.text
        r = post({"purpose": "rental_housing"})
        assert r.status_code == 201, r.text
        read = c.get(f"/api/v1/market-entry/cases/{r.json()['id']}", headers=auth(c, "clerk")).json()
        assert (read["purpose"], read["programme_ref"], read["phase"]) == ("rental_housing", None, None)
        login(c, "clerk")  # the case file names the purpose, in Chinese by default and in English
        page = c.get(f"/market-entry/cases/{read['id']}")
        assert page.status_code == 200 and "入市用途类型" in page.text and "集体土地建设租赁住房" in page.text
        assert "Rental housing on collective land" in c.get(f"/market-entry/cases/{read['id']}?lang=en").text

"""Market-entry service (issue #15): the whole case from eligibility to the land in use with the real
collective, planning and exchange services, and each gate refused with its own code, changing nothing."""

from __future__ import annotations

from decimal import Decimal

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.market_entry.models import EntryCase
from tests.market_entry.conftest import EntryWorld, to_state


def test_a_case_goes_from_eligibility_to_the_land_in_use(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "in_use")
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.status == "in_use"
        assert case.price_cny == Decimal("101000.00")
        assert case.proceeds_cny is not None and case.retained_cny is not None and case.members_cny is not None
        assert case.retained_cny + case.members_cny == case.proceeds_cny
        assert case.adjustment_fee_cny == Decimal("20200.00")  # industrial 20 % of the price (exchange rules)
        # the buyer holds a NEW 50-year right out of the collective's use right, which it supersedes (the collective
        # keeps its ownership, a right of its own kind) (L2)
        rights = {r.id: r for r in registry.current_rights(s, world.unit)}
        entered = [r for r in rights.values() if registry.is_entered_right(r)]
        assert len(entered) == 1 and world.right not in rights and entered[0].predecessor_id == world.right
        assert [p for p, _ in registry.holders_of(s, entered[0].id)] == [case.buyer_party_id]
        assert entered[0].attrs["term_years"] == 50 and entered[0].attrs["plan_ref"] == case.number
        assert (entered[0].term_end - entered[0].term_start).days // 365 == 50


# --- each gate refuses with its own code and changes nothing -----------------------------------------

from collections.abc import Callable  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from landbridge import collective, planning, registry  # noqa: E402
from landbridge.errors import DomainError  # noqa: E402
from landbridge.kernel.clock import now  # noqa: E402
from landbridge.ledger.models import LedgerEvent  # noqa: E402
from landbridge.market_entry import deal, service  # noqa: E402
from tests.collective.test_service import passed_motion  # noqa: E402
from tests.market_entry.conftest import (  # noqa: E402
    ACTOR,
    NR,
    OPERATOR,
    company_bidders,
    pay_all,
    plan_body,
    register_unit,
    win,
)


def snapshot(db: Database, cid: int | None = None) -> tuple[Any, ...]:
    with db.transaction() as s:
        events = s.execute(select(func.count()).select_from(LedgerEvent)).scalar_one()
        cases = s.execute(select(func.count()).select_from(EntryCase)).scalar_one()
        row = s.get(EntryCase, cid) if cid else None
        return events, cases, (row.status, row.version) if row else None


def refused(db: Database, code: str, act: Callable[[Session], Any], cid: int | None = None) -> None:
    before = snapshot(db, cid)
    with pytest.raises(DomainError) as e, db.transaction() as s:
        act(s)
    assert e.value.code == code, e.value
    assert snapshot(db, cid) == before


def test_not_eligible_wrong_right_wrong_plan_use_seized(db: Database, clock: Clock, world: EntryWorld) -> None:
    v = world.village
    with db.transaction() as s:
        homestead = register_unit(s, v.party_id, col=3, right_type="homestead_use_right", land_use="0702")
    refused(db, "market_entry.not_registered",
            lambda s: service.open_case(s, collective_id=v.collective_id, unit_id=homestead, actor=ACTOR))
    with db.transaction() as s:  # a unit outside any operating zone (far north of the industrial zone)
        from tests.registry.conftest import square

        app = registry.lodge_first_registration(
            s, actor=ACTOR, region_code="360603101001", geometry=square(0, row=20), land_use_class="0601",
            location="锦江村", right_type="collective_construction_land_use_right", holders=[(v.party_id, "1")],
            attachment="W", term_start=None, term_end=None)
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
        far = int(app.payload["unit_id"])
    refused(db, "market_entry.not_operating_use",
            lambda s: service.open_case(s, collective_id=v.collective_id, unit_id=far, actor=ACTOR))
    with db.transaction() as s:
        seizure = registry.lodge_seizure(s, actor=ACTOR, unit_id=world.unit, document_no="(2026)赣0622执1号")
        registry.approve_application(s, application_id=seizure.id, actor=ACTOR)
    refused(db, "market_entry.seized",
            lambda s: service.open_case(s, collective_id=v.collective_id, unit_id=world.unit, actor=ACTOR))


def test_one_open_case_per_unit(db: Database, clock: Clock, world: EntryWorld) -> None:
    to_state(db, clock, world, "opened")
    refused(db, "market_entry.case_open", lambda s: service.open_case(
        s, collective_id=world.village.collective_id, unit_id=world.unit, actor=ACTOR))


def test_plan_missing_a_field_and_term_over_the_cap(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "conditions_issued")
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None
        missing, long = plan_body(case, revenue_arrangement=None), plan_body(case, term_years=51)
        other_use = plan_body(case, land_use="0508", term_years=40)
        no_share, bad_share = plan_body(case, method="equity"), plan_body(case, method="equity", equity_share="7/5")
        stray_share, bad_grade = plan_body(case, equity_share="1/2"), plan_body(case, land_grade=0)
    refused(db, "market_entry.plan_field_missing", lambda s: service.draft_plan(s, case_id=cid, plan=missing,
                                                                                 actor=ACTOR), cid)
    refused(db, "market_entry.term_over_cap", lambda s: service.draft_plan(s, case_id=cid, plan=long, actor=ACTOR), cid)
    refused(db, "market_entry.use_not_permitted", lambda s: service.draft_plan(s, case_id=cid, plan=other_use,
                                                                                actor=ACTOR), cid)
    for body in (no_share, bad_share, stray_share, bad_grade):
        refused(db, "market_entry.invalid_plan", lambda s, b=body: service.draft_plan(s, case_id=cid, plan=b,
                                                                                      actor=ACTOR), cid)


def test_vote_needs_the_council_first_and_two_thirds_on_this_case(db: Database, clock: Clock,
                                                                   world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "plan_drafted")
    with db.transaction() as s:
        number = s.get(EntryCase, cid).number  # type: ignore[union-attr]
        short = passed_motion(s, world.village, "market_entry_consent", yes=3, subject_ref=number)  # 3 of 6
        other = passed_motion(s, world.village, "market_entry_consent", subject_ref="RS2026-99999")
    refused(db, "market_entry.council_not_consulted",
            lambda s: service.record_vote(s, case_id=cid, motion_id=short, actor=ACTOR), cid)
    with db.transaction() as s:
        service.consult_council(s, case_id=cid, held_at=now(), attendees=5, opinion="同意", actor=ACTOR)
    refused(db, "market_entry.vote_not_passed",
            lambda s: service.record_vote(s, case_id=cid, motion_id=short, actor=ACTOR), cid)
    refused(db, "market_entry.wrong_motion",
            lambda s: service.record_vote(s, case_id=cid, motion_id=other, actor=ACTOR), cid)


def test_filing_too_late_and_the_objection_window(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "vote_passed")
    refused(db, "market_entry.filing_too_late", lambda s: service.file_with_county(
        s, case_id=cid, transaction_on=(now() + timedelta(days=7)).date(), actor=ACTOR), cid)
    with db.transaction() as s:
        service.file_with_county(s, case_id=cid, transaction_on=(now() + timedelta(days=30)).date(), actor=ACTOR)
    refused(db, "market_entry.objection_window_open", lambda s: service.clear(s, case_id=cid, actor=NR), cid)
    with db.transaction() as s:
        service.lodge_objection(s, case_id=cid, text="地块边界与邻村有争议", actor=NR)
        service.rule_objection(s, case_id=cid, uphold=True, reason="须先解决边界争议", actor=NR)
    clock.advance(timedelta(days=14))
    refused(db, "market_entry.invalid_transition", lambda s: service.clear(s, case_id=cid, actor=NR), cid)
    with db.transaction() as s:
        assert s.get(EntryCase, cid).status == "revision_required"  # type: ignore[union-attr]


def test_objection_after_the_window_is_refused(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "filed")
    clock.advance(timedelta(days=10))
    refused(db, "market_entry.objection_window_closed",
            lambda s: service.lodge_objection(s, case_id=cid, text="迟到的异议", actor=NR), cid)


def test_price_below_floor_is_refused_with_the_industrial_exception(db: Database, clock: Clock,
                                                                    world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "cleared")

    def listing(price: str) -> Callable[[Session], Any]:
        return lambda s: service.list_on_exchange(s, case_id=cid, start_price=price, appraised_value="100000.00",
                                                  appraisal_ref="估价报告", starts_at=now() + timedelta(days=21),
                                                  actor=OPERATOR)
    refused(db, "market_entry.price_below_floor", listing("69999.99"), cid)
    with db.transaction() as s:  # 70 % of the appraisal is the industrial floor
        listing("70000.00")(s)
        assert s.get(EntryCase, cid).floor_price_cny == Decimal("70000.00")  # type: ignore[union-attr]


def test_contract_without_valid_conditions_and_registration_before_payment(db: Database, clock: Clock,
                                                                          world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "result_confirmed")
    refused(db, "market_entry.registration_before_payment", lambda s: deal.register(s, case_id=cid, actor=OPERATOR),
            cid)
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.conditions_id is not None
        planning.revoke_conditions(s, conditions_id=case.conditions_id, reason="规划调整", actor=NR)
    refused(db, "market_entry.no_conditions", lambda s: deal.sign_contract(s, case_id=cid, actor=ACTOR), cid)


def test_payment_is_read_from_the_exchange(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "contract_signed")
    refused(db, "market_entry.not_paid", lambda s: deal.record_payment(s, case_id=cid, actor=OPERATOR), cid)
    pay_all(db, world, cid)
    with db.transaction() as s:
        assert deal.record_payment(s, case_id=cid, actor=OPERATOR).status == "paid"


def test_revenue_reaches_the_book_and_the_members_to_the_fen(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "revenue_distributed")
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.dividend_run_id is not None
        from landbridge.collective.models import DividendLine, DividendRun

        run = s.get(DividendRun, case.dividend_run_id)
        assert run is not None and run.amount_cny == case.members_cny
        lines = s.execute(select(func.sum(DividendLine.amount_cny)).where(DividendLine.run_id == run.id)).scalar_one()
        assert Decimal(lines) == case.members_cny or lines == case.members_cny
        assert case.retained_cny == (case.proceeds_cny * Decimal("0.30")).quantize(Decimal("0.01"), "ROUND_DOWN")


def test_unsuccessful_relist_and_withdraw(db: Database, clock: Clock, world: EntryWorld) -> None:
    cid = to_state(db, clock, world, "listed")
    refused(db, "market_entry.lot_not_decided", lambda s: service.mark_unsuccessful(s, case_id=cid, actor=OPERATOR),
            cid)
    with db.transaction() as s:
        from landbridge import exchange

        lot = exchange.get_lot(s, s.get(EntryCase, cid).lot_id)  # type: ignore[union-attr, arg-type]
        ends = lot.ends_at
    assert ends is not None
    clock.set(ends + timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        service.mark_unsuccessful(s, case_id=cid, actor=OPERATOR)
        service.relist(s, case_id=cid, starts_at=now() + timedelta(days=21), actor=OPERATOR)
        case = s.get(EntryCase, cid)
        assert case is not None and case.status == "listed" and case.attempts == 2
    with db.transaction() as s:
        service.suspend(s, case_id=cid, reason="法院协助执行通知", actor=OPERATOR)
        service.resume(s, case_id=cid, reason="解除", actor=OPERATOR)
    _ = win, collective


@pytest.mark.parametrize(("method", "extra"), [("lease", {}), ("equity", {"equity_share": "3/10"})])
def test_lease_and_equity_hand_over_their_own_rights(db: Database, clock: Clock, world: EntryWorld, method: str,
                                                     extra: dict[str, str]) -> None:
    """出租 carries its rent schedule, 作价出资（入股） the collective's share of the venture (L2, L8)."""
    if method == "equity":  # an equity lot admits only organisations
        with db.transaction() as s:
            company_bidders(s, world)
    cid = to_state(db, clock, world, "in_use", method=method, term_years=20, land_grade=2, **extra)
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.status == "in_use"
        entered = [r for r in registry.current_rights(s, world.unit) if registry.is_entered_right(r)]
        assert len(entered) == 1 and entered[0].attrs["grade"] == 2 and entered[0].attrs["term_years"] == 20
        if method == "lease":
            rent = entered[0].attrs["rent_schedule"]
            assert len(rent) == 20 and sum(Decimal(r["amount_cny"]) for r in rent) == case.price_cny
        else:
            assert entered[0].attrs["equity_share"] == "3/10"


def test_the_floor_rests_on_the_platforms_own_appraisal_when_it_is_higher(db: Database, clock: Clock,
                                                                          world: EntryWorld) -> None:
    """A low appraisal report cannot take the land below what valuation supports (issue #15: "a floor price that
    valuation supports"): the newest mass appraisal of the parcel (200,000) raises the industrial floor to 140,000."""
    from landbridge.ledger import list_events
    from tests.lending.conftest import appraise

    cid = to_state(db, clock, world, "cleared")
    with db.transaction() as s:
        appraise(s, [world.parcel], Decimal("200000.00"))

    def listing(price: str) -> Callable[[Session], Any]:
        return lambda s: service.list_on_exchange(s, case_id=cid, start_price=price, appraised_value="100000.00",
                                                  appraisal_ref="估价报告", starts_at=now() + timedelta(days=21),
                                                  actor=OPERATOR)
    refused(db, "market_entry.price_below_floor", listing("139999.99"), cid)
    with db.transaction() as s:
        listing("140000.00")(s)
        case = s.get(EntryCase, cid)
        assert case is not None and case.floor_price_cny == Decimal("140000.00") and case.status == "listed"
        listed = [e for e in list_events(s, module="market_entry", limit=500) if e.event_type.endswith("case_listed")]
        assert listed and listed[-1].payload["platform_run_no"] == "MR-TEST-1"
        assert listed[-1].payload["platform_value_cny"] == "200000.00"

"""Market-entry test world: a village collective with quantified shares holding a registered construction land
use right on a unit that an approved industrial plan zone covers, bidders, and helpers that drive a case through
its steps with the real collective, planning and exchange services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, exchange, planning, registry
from landbridge.collective.models import Book
from landbridge.db import Database
from landbridge.kernel.clock import Clock, now
from landbridge.market_entry import deal, service
from landbridge.market_entry.models import EntryCase
from tests.collective.conftest import Village, build_village, make_uscc, quantify
from tests.collective.test_service import passed_motion
from tests.planning.conftest import PLAN, rect, zone
from tests.registry.conftest import resident_id, square

ACTOR = "user:9:test-clerk"
NR = "user:3:nr"
OPERATOR = "user:7:exchange"
VILLAGE = "360603101001"


@dataclass
class EntryWorld:
    village: Village
    unit: int
    right: int
    parcel: int
    bidders: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def register_unit(s: Session, holder: int, *, col: int = 0, land_use: str = "0601",
                  right_type: str = "collective_construction_land_use_right") -> int:
    app = registry.lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(col),
                                            land_use_class=land_use, location="锦江村", right_type=right_type,
                                            holders=[(holder, "1")], attachment="W", term_start=date(2020, 1, 1),
                                            term_end=date(2070, 1, 1))
    registry.approve_application(s, application_id=app.id, actor=ACTOR)
    return int(app.payload["unit_id"])


def build_world(s: Session, *, zone_kind: str = "industrial") -> EntryWorld:
    village = build_village(s)
    quantify(s, village)
    z = planning.create_zone(s, zone("Z-ME-1", zone_kind, rect(-50, -50, 2000, 500)), actor=NR, plan_version=PLAN)
    planning.approve_zone(s, zone_id=z.id, actor=NR)
    unit = register_unit(s, village.party_id)
    right = registry.current_rights(s, unit)[0].id
    world = EntryWorld(village, unit, right, registry.get_unit(s, unit).parcel_id)
    for i in range(3):
        name = f"竞买企业{i}"
        pid = registry.create_party(s, kind="person", name=name, id_number=resident_id(700 + i), actor=OPERATOR).id
        world.bidders.append(pid)
        world.names[pid] = name
    return world


def company_bidders(s: Session, w: EntryWorld) -> None:
    """The world's bidders become companies (an equity lot admits only organisations)."""
    w.bidders.clear()
    w.names.clear()
    for i in range(3):
        name = f"入股项目公司{i}"
        pid = registry.create_party(s, kind="organisation", name=name, id_number=make_uscc("91", 700 + i),
                                    actor=OPERATOR).id
        w.bidders.append(pid)
        w.names[pid] = name


@pytest.fixture
def world(db: Database, clock: Clock) -> EntryWorld:
    with db.transaction() as s:
        return build_world(s)


def plan_body(case: EntryCase, **kw: Any) -> dict[str, Any]:
    assert case.conditions is not None
    body: dict[str, Any] = {
        "boundary": "东至村道，南至河，西至林地，北至厂房", "area_m2": "400.00", "land_use": "0601",
        "conditions": case.conditions["number"], "industry_requirements": "农产品加工，无重污染",
        "environment_requirements": "环评备案，雨污分流", "term_years": 50, "method": "grant",
        "transaction_method": "listing", "floor_price": "70000.00",
        "revenue_arrangement": {"retained_share": "0.30"}}
    body.update(kw)
    return body


def to_state(db: Database, clock: Clock, w: EntryWorld, state: str, *, unit: int | None = None,
             opening: dict[str, Any] | None = None, **plan: Any) -> int:
    """Drive a new case of the world's unit (or ``unit``) up to ``state`` through the services (``opening`` adds
    to the opening's arguments, e.g. the purpose; ``plan`` amends the plan's fields, its land use also the
    conditions'); returns the case id."""
    order = ["opened", "conditions_issued", "plan_drafted", "council_consulted", "vote_passed", "filed", "cleared",
             "listed", "result_confirmed", "contract_signed", "paid", "fees_settled", "revenue_distributed",
             "registered", "in_use"]
    target = order.index(state)
    with db.transaction() as s:
        case = service.open_case(s, collective_id=w.village.collective_id, unit_id=unit or w.unit, actor=ACTOR,
                                 **(opening or {}))
        cid = case.id
        if target >= 1:
            service.issue_conditions(s, case_id=cid, land_use=plan.get("land_use", "0601"),
                                     indicators={"max_plot_ratio": "1.2"},
                                     industry_requirements="农产品加工，无重污染", environment_requirements="环评备案",
                                     actor=NR)
        if target >= 2:
            service.draft_plan(s, case_id=cid, plan=plan_body(case, **plan), actor=ACTOR)
        if target >= 3:
            service.consult_council(s, case_id=cid, held_at=now(), attendees=7, opinion="理事会同意提交成员大会表决",
                                    actor=ACTOR)
        if target >= 4:
            motion = passed_motion(s, w.village, "market_entry_consent", subject_ref=case.number)
            equity = passed_motion(s, w.village, "equity_contribution", subject_ref=case.number) \
                if plan.get("method") == "equity" else None  # 作价入股: the members' second decision
            service.record_vote(s, case_id=cid, motion_id=motion, equity_motion_id=equity, actor=ACTOR)
        if target >= 5:
            service.file_with_county(s, case_id=cid, transaction_on=(now() + timedelta(days=30)).date(), actor=ACTOR)
    if target >= 6:
        clock.advance(timedelta(days=10))
        with db.transaction() as s:
            service.clear(s, case_id=cid, actor=NR)
    if target >= 7:
        with db.transaction() as s:
            service.list_on_exchange(s, case_id=cid, start_price="100000.00", appraised_value="100000.00",
                                     appraisal_ref="估价报告 2026-001", starts_at=now() + timedelta(days=21),
                                     actor=OPERATOR)
    if target >= 8:
        win(db, clock, w, cid)
        with db.transaction() as s:
            deal.confirm_result(s, case_id=cid, actor=OPERATOR)
    steps = [("contract_signed", deal.sign_contract, ACTOR), ("paid", deal.record_payment, OPERATOR),
             ("fees_settled", deal.settle_fees, OPERATOR), ("revenue_distributed", deal.distribute_revenue, ACTOR),
             ("registered", deal.register, OPERATOR)]
    for name, step, actor in steps:
        if target < order.index(name):
            break
        if name == "paid":
            pay_all(db, w, cid)
        if name == "fees_settled" and plan.get("method") == "equity":
            fund_book(db, w, "30000.00")  # settled in kind, the collective pays the fees from its own book
        with db.transaction() as s:
            step(s, case_id=cid, actor=actor)
    if target >= order.index("in_use"):
        with db.transaction() as s:
            case = s.get(EntryCase, cid)
            assert case is not None and case.registry_application_id is not None
            registry.approve_application(s, application_id=case.registry_application_id, actor="user:1:registrar")
            deal.put_in_use(s, case_id=cid, actor="user:1:registrar")
    return cid


def lot_of(db: Database, cid: int) -> int:
    with db.transaction() as s:
        case = s.get(EntryCase, cid)
        assert case is not None and case.lot_id is not None
        return case.lot_id


def win(db: Database, clock: Clock, w: EntryWorld, cid: int, *, n: int = 2) -> None:
    """Two bidders register and pay deposits, bid 100 000 and 101 000, the listing ends, the award is confirmed."""
    lot_id = lot_of(db, cid)
    with db.transaction() as s:
        lot = exchange.get_lot(s, lot_id)
        bidders = []
        for party in w.bidders[:n]:
            b = exchange.apply_for_lot(s, lot_id=lot_id, party_id=party, actor=f"party:{party}")
            from landbridge.exchange.models import Deposit

            d = s.query(Deposit).filter(Deposit.bidder_id == b.id).one()
            exchange.confirm_deposit(s, sub_account=d.sub_account, amount=d.amount_cny, payer_name=w.names[party],
                                     bank_ref=f"BANK-{d.sub_account}", actor="bank:callback")
            bidders.append(b)
        starts, ends = lot.starts_at, lot.ends_at
    clock.set(starts)
    with db.transaction() as s:
        for i, b in enumerate(bidders):
            assert exchange.place_bid(s, lot_id=lot_id, bidder_id=b.id, amount=str(100000 + 1000 * i),
                                      idempotency_key=f"k{b.id}", actor=f"party:{b.party_id}").accepted
    assert ends is not None
    clock.set(ends + timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)


def fund_book(db: Database, w: EntryWorld, amount: str) -> int:
    """Credit the collective's own book (other income) by ``amount``; returns the book's id."""
    with db.transaction() as s:
        book_id = s.execute(select(Book.id).where(Book.collective_id == w.village.collective_id,
                                                  Book.owner == "collective")).scalar_one()
        collective.record_book_entry(s, book_id=book_id, direction="income", amount=amount,
                                     category="other_income", memo="集体经营收入（测试）", actor=ACTOR)
        return int(book_id)


def pay_all(db: Database, w: EntryWorld, cid: int) -> None:
    """The winner pays the balance; a lot contributed as equity (作价入股) is settled in kind: nothing to pay."""
    lot_id = lot_of(db, cid)
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        if row.status == exchange.SettlementStatus.in_kind_due:
            return
        exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                             payer_name=registry.get_party(s, row.party_id).name, bank_ref=f"BANK-{row.sub_account}",
                             actor="bank:callback")



"""Market entry on the exchange (集体经营性建设用地入市, issue #15 items 1-5): a grant, lease or contribution as
equity hands over a NEW termed right to the buyer (the collective keeps its ownership), the term capped by use
as rule data; the adjustment fee by use, grade and method; the completed lot fed to valuation as a sale through
the ledger; the secondary market of the entered right within its term, with notice to the collective."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.entered_rights import seed_entered_rights
from landbridge.errors import DomainError
from landbridge.exchange import reconcile
from landbridge.exchange.document_views import detail_words
from landbridge.exchange.entry import set_entry_terms
from landbridge.exchange.entry_models import EntryTerms
from landbridge.exchange.entry_terms import (
    check_term,
    fee_rate,
    rent_schedule,
    term_end,
)
from landbridge.exchange.models import Lot
from landbridge.exchange.pages import LOCALE_DIR
from landbridge.exchange.settlement_rules import settlement_terms
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, list_events, subjects
from landbridge.valuation.sales.feed import feed_exchange_sales
from landbridge.valuation.sales.models import Sale
from landbridge.web.i18n import layered_translator, module_catalogue
from tests.exchange.conftest import OPERATOR, World, bid, enrol, start_in, to
from tests.exchange.settling import pay_balance
from tests.registry.conftest import ACTOR, VILLAGE, org_uscc, square

CCL = "collective_construction_land"
FEN = Decimal("0.01")
CAPS = {"residential": 70, "commercial": 40, "industrial": 50, "other": 50}


def rules_now() -> dict:
    return get_profile().rules("exchange").version_at(date(2026, 3, 2)).rules  # type: ignore[return-value]


# --- pure rules -----------------------------------------------------------------------------------

def test_term_caps_are_rule_data_with_sources() -> None:
    caps = rules_now()[f"{CCL}.entry_term_caps"]
    assert caps.value == CAPS and "土地管理法" in caps.source
    table = rules_now()[f"{CCL}.adjustment_fee_table"]
    assert "财税〔2016〕41号" in table.source and table.verified is False
    assert fee_rate(table.value, "industrial", 3, "lease").rate == Decimal("0.20")
    assert fee_rate(table.value, "residential", None, "grant").use == "other"


@pytest.mark.parametrize(("use", "years", "ok"), [("residential", 70, True), ("residential", 71, False),
                                                  ("commercial", 40, True), ("commercial", 41, False),
                                                  ("industrial", 50, True), ("industrial", 51, False),
                                                  ("other", 51, False), ("other", 0, False)])
def test_term_cap_by_use(use: str, years: int, ok: bool) -> None:
    if ok:
        assert check_term(use, years, CAPS) == years
        return
    with pytest.raises(DomainError) as err:
        check_term(use, years, CAPS)
    assert err.value.code in ("exchange.entry_term_over_cap", "exchange.invalid_entry_term")


def test_fee_by_use_grade_and_method_reads_each_cell() -> None:
    table = {"commercial": {"1": {"grant": "0.48", "lease": "0.40", "equity": "0.44"},
                            "*": {"grant": "0.32", "lease": "0.28", "equity": "0.30"}},
             "other": {"*": {"grant": "0.25", "lease": "0.25", "equity": "0.25"}}}
    assert fee_rate(table, "commercial", 1, "grant").rate == Decimal("0.48")
    assert fee_rate(table, "commercial", 1, "lease").rate == Decimal("0.40")
    assert fee_rate(table, "commercial", 2, "equity").rate == Decimal("0.30")
    assert (fee_rate(table, "industrial", 1, "grant").use, fee_rate(table, "commercial", 2, "grant").grade) == (
        "other", "*")


@given(price=st.integers(1, 10**12), grade=st.sampled_from([None, 1, 2, 3]),
       method=st.sampled_from(["grant", "lease", "equity"]), use=st.sampled_from(sorted(CAPS)))
def test_entry_fee_and_payout_add_up_to_the_fen(price: int, grade: int | None, method: str, use: str) -> None:
    table = {"commercial": {"1": {"grant": "0.48", "lease": "0.40", "equity": "0.44"},
                            "*": {"grant": "0.32", "lease": "0.28", "equity": "0.30"}},
             "other": {"*": {"grant": "0.25", "lease": "0.2", "equity": "0.5"}}}
    amount = Decimal(price) * FEN
    rate = fee_rate(table, use, grade, method).rate
    t = settlement_terms(amount, Decimal(0), Decimal("0.01"), rate)
    assert t.fee + t.adjustment_fee + t.payout == amount
    assert abs(t.adjustment_fee - amount * rate) <= Decimal("0.005")


@given(total=st.integers(1, 10**11), years=st.integers(1, 70))
def test_rent_schedule_sums_to_the_fen(total: int, years: int) -> None:
    amount = Decimal(total) * FEN
    if total < years:
        rows = rent_schedule(amount, date(2026, 2, 28), years)
        assert sum(r.amount for r in rows) == amount
        return
    rows = rent_schedule(amount, date(2024, 2, 29), years)
    assert len(rows) == years and sum(r.amount for r in rows) == amount
    assert max(r.amount for r in rows) - min(r.amount for r in rows) <= FEN
    assert [r.due_on.year for r in rows] == list(range(2024, 2024 + years))


def test_term_end_is_the_day_before_the_anniversary() -> None:
    assert term_end(date(2026, 4, 1), 50) == date(2076, 3, 31)
    assert term_end(date(2024, 2, 29), 1) == date(2025, 2, 27)


# --- through the services -------------------------------------------------------------------------

def collective_world(s: Session, world: World, *, land_use_class: str = "0601",
                     right_type: str = "collective_land_ownership", col: int = 9) -> tuple[int, int, int]:
    """A village collective (organisation) holding ``right_type`` on a unit of ``land_use_class``; (party, unit,
    right)."""
    party = registry.create_party(s, kind="organisation", name=f"范家村股份经济合作社{col}",
                                  id_number=org_uscc(900 + col), actor=OPERATOR).id
    world.names[party] = f"范家村股份经济合作社{col}"
    app = registry.lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(col),
                                            land_use_class=land_use_class, location="范家村", right_type=right_type,
                                            holders=[(party, "1")], attachment="W")
    registry.approve_application(s, application_id=app.id, actor=ACTOR)
    unit = int(app.payload["unit_id"])
    return party, unit, registry.current_rights(s, unit)[0].id


def entry_lot(db: Database, clock: Clock, world: World, *, method: str = "grant", years: int = 50,
              grade: int | None = 2, land_use_class: str = "0601", right_type: str = "collective_land_ownership",
              col: int = 9, win: bool = True) -> tuple[int, int, int]:
    """A collective construction land lot with entry terms, announced, bid on by two bidders (or none), decided and
    (when won) confirmed and paid in full. Returns (lot, collective party, unit)."""
    with db.transaction() as s:
        collective, unit, right = collective_world(s, world, land_use_class=land_use_class, right_type=right_type,
                                                   col=col)
        lot = exchange.create_lot(s, actor=OPERATOR, kind=CCL, title="范家村 入市地块", region_code=VILLAGE,
                                  starts_at=start_in(21), start_price="100000.00", increment="1000.00",
                                  seller_party_id=collective, unit_id=unit, right_id=right,
                                  appraised_value="100000.00")
        set_entry_terms(s, lot_id=lot.id, method=method, term_years=years, grade=grade, actor=OPERATOR,
                        equity_share="3/10" if method == "equity" else None, plan_ref="余江入市方案〔2026〕1号")
        exchange.publish_lot(s, lot_id=lot.id, actor=OPERATOR)
        bidders = [enrol(s, lot, world, p) for p in world.bidders[:2]] if win else []
        lot_id, starts, ends = lot.id, lot.starts_at, lot.ends_at
    to(clock, starts)
    with db.transaction() as s:
        current = s.get(Lot, lot_id)
        assert current is not None
        for i, b in enumerate(bidders):
            assert bid(s, current, b, str(100000 + 1000 * i)).accepted
    to(clock, ends, timedelta(seconds=301))
    with db.transaction() as s:
        exchange.run_due(s)
    if win:
        with db.transaction() as s:
            exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        with db.transaction() as s:
            if method == "equity":  # 作价入股: settled in kind, no price to pay (issue #15)
                assert exchange.settle_in_kind(s, lot_id=lot_id, actor=OPERATOR).status == "in_kind"
            else:
                pay_balance(s, lot_id, ref=f"ALL-{lot_id}")
    return lot_id, collective, unit


def handed_over(db: Database, clock: Clock, world: World, **kw: object) -> tuple[int, int, int, int]:
    """An entry lot handed over and its registration approved: (lot, collective, unit, new right)."""
    lot_id, collective, unit = entry_lot(db, clock, world, **kw)  # type: ignore[arg-type]
    with db.transaction() as s:
        result = exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
        assert result.registry_application_id is not None
        app = registry.approve_application(s, application_id=result.registry_application_id, actor=ACTOR)
        right_id = int(app.payload["right_ids"][0])
    return lot_id, collective, unit, right_id


def test_grant_creates_a_new_termed_right_and_the_collective_keeps_its_ownership(db: Database, clock: Clock,
                                                                                world: World) -> None:
    lot_id, collective, unit, right_id = handed_over(db, clock, world)
    with db.transaction(readonly=True) as s:
        rights = {r.id: r for r in registry.current_rights(s, unit)}
        new = rights[right_id]
        assert new.right_type == "collective_construction_land_use_right"
        assert new.collective_party_id == collective and new.attrs["entry_method"] == "grant"
        assert new.term_end == term_end(new.term_start, 50)  # type: ignore[arg-type]
        assert [p for p, _ in registry.holders_of(s, right_id)] == [world.bidders[1]]
        owner = [r for r in rights.values() if r.right_type == "collective_land_ownership"]
        assert len(owner) == 1 and [p for p, _ in registry.holders_of(s, owner[0].id)] == [collective]
        settlement = exchange.get_settlement(s, lot_id)
        assert (settlement.adjustment_land_use, settlement.adjustment_rate) == ("industrial", "0.20")
        assert settlement.adjustment_fee_cny == Decimal("20200.00")
        assert settlement.fee_cny + settlement.adjustment_fee_cny + settlement.payout_cny == settlement.price_cny
        payout = next(e.payload for e in list_events(s, subject=subjects.lot(lot_id), limit=500)
                      if e.event_type == "seller_payout")
        assert (payout["adjustment_use"], payout["adjustment_grade"], payout["adjustment_method"]) == (
            "industrial", "*", "grant")
        hand = next(e.payload for e in list_events(s, subject=subjects.lot(lot_id), limit=500)
                    if e.event_type == "hand_over")
        assert hand["sale"]["price_cny"] == "101000.00" and hand["sale"]["method"] == "grant"
        assert not {"party_id", "buyer", "name", "winner_party_id"} & set(hand["sale"])


def test_lease_carries_its_rent_schedule_and_equity_its_share(db: Database, clock: Clock, world: World) -> None:
    _, _, _, lease = handed_over(db, clock, world, method="lease", years=20, land_use_class="0508", col=11)
    with db.transaction(readonly=True) as s:
        right = next(r for r in registry.current_rights(s, _unit_of(s, lease)) if r.id == lease)
        schedule = right.attrs["rent_schedule"]
        assert right.attrs["entry_method"] == "lease" and len(schedule) == 20
        assert sum(Decimal(x["amount_cny"]) for x in schedule) == Decimal("101000.00")
    with db.transaction() as s:  # an equity lot admits only organisations: two companies bid for it
        for i in range(2):
            pid = registry.create_party(s, kind="organisation", name=f"入股项目公司{i}", id_number=org_uscc(950 + i),
                                        actor=OPERATOR).id
            world.bidders.insert(0, pid)
            world.names[pid] = f"入股项目公司{i}"
    _, _, _, equity = handed_over(db, clock, world, method="equity", years=40, land_use_class="0508", col=13)
    with db.transaction(readonly=True) as s:
        right = next(r for r in registry.current_rights(s, _unit_of(s, equity)) if r.id == equity)
        assert (right.attrs["entry_method"], right.attrs["equity_share"]) == ("equity", "3/10")


def _unit_of(s: Session, right_id: int) -> int:
    from landbridge.registry.models import Right
    row = s.get(Right, right_id)
    assert row is not None and row.unit_id is not None
    return row.unit_id


def test_refusals_change_nothing(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        collective, unit, right = collective_world(s, world, land_use_class="0508", col=15)
        lot = exchange.create_lot(s, actor=OPERATOR, kind=CCL, title="入市地块", region_code=VILLAGE,
                                  starts_at=start_in(21), start_price="100000.00", seller_party_id=collective,
                                  unit_id=unit, right_id=right, appraised_value="100000.00")
        lot_id = lot.id
    cases = [({"method": "grant", "term_years": 41}, "exchange.entry_term_over_cap"),  # commercial: 40
             ({"method": "rent", "term_years": 10}, "exchange.invalid_entry_method"),
             ({"method": "grant", "term_years": 10, "grade": 0}, "exchange.invalid_land_grade"),
             ({"method": "equity", "term_years": 10, "equity_share": "3/2"}, "exchange.invalid_equity_share"),
             ({"method": "grant", "term_years": 10, "land_use": "farm"}, "exchange.invalid_entry_use")]
    for kwargs, code in cases:
        with db.transaction() as s:
            before = current_size(s)
            with pytest.raises(DomainError) as err:
                set_entry_terms(s, lot_id=lot_id, actor=OPERATOR, **kwargs)  # type: ignore[arg-type]
            assert err.value.code == code
        with db.transaction(readonly=True) as s:
            assert current_size(s) == before and s.scalar(select(func.count()).select_from(EntryTerms)) == 0
    with db.transaction() as s:
        exchange.publish_lot(s, lot_id=lot_id, actor=OPERATOR)
    with db.transaction() as s, pytest.raises(DomainError) as err:
        set_entry_terms(s, lot_id=lot_id, method="grant", term_years=10, actor=OPERATOR)
    assert err.value.code == "exchange.entry_terms_locked"
    with db.transaction() as s, pytest.raises(DomainError) as err:
        set_entry_terms(s, lot_id=_plain_lot(s, world), method="grant", term_years=10, actor=OPERATOR)
    assert err.value.code == "exchange.entry_kind_only"


def _plain_lot(s: Session, world: World) -> int:
    return exchange.create_lot(s, actor=OPERATOR, kind="land_management_right", title="耕地", region_code=VILLAGE,
                               starts_at=start_in(), start_price="1000.00", seller_party_id=world.seller,
                               unit_id=world.unit, right_id=world.right, term_start=date(2026, 6, 1),
                               term_end=date(2030, 5, 31)).id


# --- valuation's feed -----------------------------------------------------------------------------

def test_each_completed_lot_becomes_one_sale_idempotently_and_failed_lots_none(db: Database, clock: Clock,
                                                                               world: World) -> None:
    lot_id, _, unit, _ = handed_over(db, clock, world, col=17)
    entry_lot(db, clock, world, col=19, win=False)  # no bidder: the lot fails
    with db.transaction() as s:
        assert s.get(Lot, lot_id) is not None
        assert feed_exchange_sales(s, page=3) == 1  # paging through every exchange event
    with db.transaction() as s:
        assert feed_exchange_sales(s) == 0  # rerun: nothing twice
    with db.transaction(readonly=True) as s:
        sales = s.scalars(select(Sale)).all()
        assert len(sales) == 1
        sale = sales[0]
        parcel = registry.get_parcel(s, registry.get_unit(s, unit).parcel_id)
        assert (sale.source, sale.method, sale.price_cny, sale.parcel_id, sale.land_use_class, sale.term_years) == (
            "exchange", "grant", Decimal("101000.00"), parcel.id, "0601", 50)
        assert sale.area_m2 == parcel.area_m2 and sale.buyer_party_id is None


# --- secondary market of the entered right ----------------------------------------------------------

def test_secondary_market_within_the_term_with_notice_and_refused_after(db: Database, clock: Clock,
                                                                        world: World) -> None:
    _, collective, unit, right_id = handed_over(db, clock, world, years=1, col=21)
    buyer = world.bidders[1]
    with db.transaction() as s:
        registry.lease_entered_right(s, actor=ACTOR, unit_id=unit, right_id=right_id, lessee_party_id=buyer,
                                     term_start=date(2026, 5, 1), term_end=date(2026, 12, 31), annual_rent="12000")
        app = registry.lodge_mortgage(s, actor=ACTOR, unit_id=unit, right_id=right_id,
                                      mortgagee_party_id=world.bidders[2], secured_amount="50000")
        registry.withdraw_application(s, application_id=app.id, actor=ACTOR)
        registry.lodge_transfer(s, actor=ACTOR, unit_id=unit, right_id=right_id, holders=[(world.bidders[3], "1")],
                                reason="转让")
    with db.transaction(readonly=True) as s:
        notices = [e for e in list_events(s, subject=subjects.party(collective), limit=500)
                   if e.event_type == "collective_notified"]
        assert [e.payload["action"] for e in notices] == ["lease", "mortgage", "transfer"]
        assert all(e.payload["right_id"] == right_id for e in notices)
    clock.set(clock.now() + timedelta(days=800))  # past the one-year term
    for call in (lambda s: registry.lease_entered_right(s, actor=ACTOR, unit_id=unit, right_id=right_id,
                                                        lessee_party_id=buyer, term_start=date(2028, 6, 1),
                                                        term_end=date(2028, 12, 1), annual_rent="1"),
                 lambda s: registry.lodge_mortgage(s, actor=ACTOR, unit_id=unit, right_id=right_id,
                                                   mortgagee_party_id=world.bidders[2], secured_amount="1")):
        with db.transaction() as s:
            before = current_size(s)
            with pytest.raises(DomainError) as err:
                call(s)
            assert err.value.code == "registry.entered_right_expired"
        with db.transaction(readonly=True) as s:
            assert current_size(s) == before


# --- demo -----------------------------------------------------------------------------------------

def test_demo_seeds_past_entries_with_new_rights_and_sales(db: Database, clock: Clock, world: World) -> None:
    clock.set(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))  # the demo's today
    with db.transaction() as s:
        for col in (31, 33, 35, 37):
            party = registry.create_party(s, kind="organisation", name=f"演示合作社{col}",
                                          id_number=org_uscc(900 + col), actor=OPERATOR).id
            app = registry.lodge_first_registration(
                s, actor=ACTOR, region_code=VILLAGE, geometry=square(col), land_use_class="0508", location="范家村",
                right_type="collective_construction_land_use_right", holders=[(party, "1")],
                attrs={"operating": col != 37}, term_start=date(2015, 1, 1), term_end=date(2055, 1, 1))
            registry.approve_application(s, application_id=app.id, actor=ACTOR)
        for i in range(2):  # the companies that bid for the land contributed as equity (organisations only)
            registry.create_party(s, kind="organisation", name=f"鹰潭范家商贸有限公司（{i + 1}）",
                                  id_number=org_uscc(960 + i), actor=OPERATOR)
    with db.transaction() as s:
        assert seed_entered_rights(s, today=date(2026, 11, 2), seed=5, actor="system:demo") == (3, 3)
    with db.transaction(readonly=True) as s:
        terms = s.scalars(select(EntryTerms).order_by(EntryTerms.id)).all()
        assert sorted(t.method for t in terms) == ["equity", "grant", "lease"]
        for t in terms:
            lot = s.get(Lot, t.lot_id)
            assert lot is not None and lot.phase == "handed_over"
            entered = [r for r in registry.current_rights(s, lot.unit_id or 0) if registry.is_entered_right(r)]
            assert len(entered) == 1 and entered[0].collective_party_id == lot.seller_party_id
            assert entered[0].term_end == term_end(entered[0].term_start, t.term_years)  # type: ignore[arg-type]
        sales = s.scalars(select(Sale).where(Sale.source == "exchange")).all()
        assert len(sales) == 3 and all(x.land_use_class == "0508" for x in sales)


# --- reconciliation ---------------------------------------------------------------------------------

def test_reconciliation_shows_the_adjustment_fee_and_its_cell(db: Database, clock: Clock, world: World) -> None:
    lot_id, _, _ = entry_lot(db, clock, world, col=41)
    with db.transaction(readonly=True) as s:
        rec = reconcile.reconcile_deposits(s, date_from=date(2026, 3, 1), date_to=clock.now().date())
        paid = [line for line in rec.lines if line.category == reconcile.Category.settlement_paid]
        assert len(paid) == 1
        row = exchange.get_settlement(s, lot_id)
        assert paid[0].detail.endswith(f"fee {row.fee_cny:.2f}, adjustment fee {row.adjustment_fee_cny:.2f} "
                                       f"[industrial/grade */grant], payout {row.payout_cny:.2f}")
        assert row.fee_cny + row.adjustment_fee_cny + row.payout_cny == row.price_cny  # type: ignore[operator]
    _ = layered_translator("zh_CN", module_catalogue(str(LOCALE_DIR), "zh_CN"))
    assert "土地增值收益调节金 20200.00 [industrial/grade */grant]" in detail_words(paid[0].detail, _, zh=True)


def test_registry_refuses_an_entered_right_from_the_wrong_grantor_or_term(db: Database, world: World) -> None:
    with db.transaction() as s:
        _, unit, right = collective_world(s, world, col=43)
    cases = [({"unit_id": world.unit, "grantor_right_id": world.right}, "registry.not_a_grantor_right"),
             ({"unit_id": unit, "grantor_right_id": right, "term_end": date(2026, 1, 1)},
              "registry.invalid_entry_term"),
             ({"unit_id": unit, "grantor_right_id": right, "method": "sale"}, "registry.invalid_entry_method")]
    for extra, code in cases:
        args: dict = {"method": "grant", "term_start": date(2026, 4, 1), "term_end": date(2076, 3, 31), **extra}
        with db.transaction() as s:
            before = current_size(s)
            with pytest.raises(DomainError) as err:
                registry.lodge_entered_right(s, actor=ACTOR, holders=[(world.bidders[0], "1")], reason="入市",
                                             **args)
            assert err.value.code == code
        with db.transaction(readonly=True) as s:
            assert current_size(s) == before


# --- the land grade's bound in one place, and the fee table within it (issue #15 review item 3) -----------------

def test_the_fee_tables_grades_are_within_the_grades_an_entry_may_name() -> None:
    from landbridge.exchange.entry_terms import MAX_GRADE, check_grade, table_grades
    for version in get_profile().rules("exchange").versions:
        for name, rule in version.rules.items():
            if name.endswith(".adjustment_fee_table"):
                assert all(check_grade(g) == g for g in table_grades(rule.value))
    priced = {"other": {"3": {"grant": "0.40"}, "*": {"grant": "0.25"}}}
    assert table_grades(priced) == {3} and fee_rate(priced, "other", 3, "grant").rate == Decimal("0.40")
    assert fee_rate(priced, "other", MAX_GRADE, "grant").grade == "*"
    for key in (str(MAX_GRADE + 1), "0", "x", "2a"):
        with pytest.raises(ValueError):
            fee_rate({"other": {key: {"grant": "0.40"}, "*": {"grant": "0.25"}}}, "other", 1, "grant")
    with pytest.raises(DomainError) as err:
        check_grade(MAX_GRADE + 1)
    assert err.value.code == "exchange.invalid_land_grade" and err.value.details["max"] == MAX_GRADE

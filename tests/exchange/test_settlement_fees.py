"""Fees at payout (FEES_SETTLED, issue #6 item 6; L7): the land value-increment adjustment fee (土地增值收益调节金)
of collective construction land by land use from rule data, paid by the seller to the county treasury; the payout
records price, service fee, adjustment fee and the net to the seller, fen exact, in the ledger, the API and the
lot page."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.errors import RuleViolation
from landbridge.exchange.settlement_rules import (
    AdjustmentBase,
    adjustment_base,
    land_use_category,
    settlement_terms,
)
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from tests.exchange.conftest import World, start_in
from tests.exchange.settling import awarded, confirmed_by_api, pay_balance
from tests.exchange.test_api import Api, api, auth, lot_body, pay  # noqa: F401 - api is a fixture
from tests.exchange.test_pages import login
from tests.registry.conftest import ACTOR, VILLAGE, square

FEN = Decimal("0.01")
fen_amounts = st.integers(min_value=1, max_value=10**12).map(lambda n: Decimal(n) * FEN)
CCL = "collective_construction_land"


# --- pure rules -----------------------------------------------------------------------------------

@given(price=fen_amounts, fee=st.integers(0, 100), adjust=st.integers(0, 999), base_share=st.integers(0, 100))
def test_price_is_fee_plus_adjustment_fee_plus_payout_to_the_fen(price: Decimal, fee: int, adjust: int,
                                                                 base_share: int) -> None:
    fee_rate, rate = Decimal(fee) / 1000, Decimal(adjust) / 1000
    base = (price * base_share / 100).quantize(FEN, rounding="ROUND_DOWN")
    try:
        t = settlement_terms(price, Decimal(0), fee_rate, rate, base)
    except RuleViolation as err:  # only when the two fees together exceed the price
        assert err.code == "exchange.fees_exceed_price"
        assert (price * fee_rate).quantize(FEN) + (base * rate).quantize(FEN) >= price - FEN
        return
    assert t.fee + t.adjustment_fee + t.payout == price
    assert all(v == v.quantize(FEN) and v >= 0 for v in (t.fee, t.adjustment_fee, t.payout))
    assert abs(t.adjustment_fee - base * rate) <= Decimal("0.005") and t.adjustment_base == base
    assert abs(t.fee - price * fee_rate) <= Decimal("0.005")


def test_no_adjustment_fee_keeps_todays_terms_and_bad_rates_are_refused() -> None:
    t = settlement_terms(Decimal("102000.00"), Decimal("10000.00"), Decimal("0.01"))
    assert (t.fee, t.adjustment_fee, t.payout) == (Decimal("1020.00"), Decimal("0.00"), Decimal("100980.00"))
    gross = settlement_terms(Decimal("102000.00"), Decimal("10000.00"), Decimal("0.01"), Decimal("0.25"))
    assert (gross.adjustment_base, gross.adjustment_fee, gross.payout) == (
        Decimal("102000.00"), Decimal("25500.00"), Decimal("75480.00"))
    for rate, base, code in ((Decimal("1"), None, "exchange.invalid_adjustment_rate"),
                             (Decimal("-0.1"), None, "exchange.invalid_adjustment_rate"),
                             (Decimal("0.2"), Decimal("102000.01"), "exchange.invalid_adjustment_base"),
                             (Decimal("0.995"), None, "exchange.fees_exceed_price")):
        with pytest.raises(RuleViolation) as err:
            settlement_terms(Decimal("102000.00"), Decimal("0"), Decimal("0.01"), rate, base)
        assert err.value.code == code


def test_land_use_category_by_gb_t_21010_prefix() -> None:
    classes = get_profile().rules("exchange").version_at(date(2026, 11, 1)).rules[
        "default.adjustment_fee_land_uses"].value
    assert [land_use_category(c, classes) for c in ("0601", "0602", "0508", "05", "0702", "0101", "", None)] == [
        "industrial", "industrial", "commercial", "commercial", "other", "other", "other", "other"]
    assert land_use_category("0601", {"mining": ["06"], "factory": ["0601"]}) == "factory"  # longest prefix


def test_adjustment_base_is_the_price_or_the_increment_over_the_cost() -> None:
    assert adjustment_base(AdjustmentBase.gross_price, Decimal("500.00"), None) == Decimal("500.00")
    assert adjustment_base(AdjustmentBase.increment, Decimal("500.00"), Decimal("120.50")) == Decimal("379.50")
    assert adjustment_base(AdjustmentBase.increment, Decimal("500.00"), Decimal("900.00")) == Decimal("0.00")
    with pytest.raises(RuleViolation) as err:
        adjustment_base(AdjustmentBase.increment, Decimal("500.00"), None)
    assert err.value.code == "exchange.adjustment_cost_unknown"
    with pytest.raises(ValueError):
        adjustment_base("net", Decimal("500.00"), None)


def test_rule_data_platform_default_table_with_sources() -> None:
    rules = get_profile().rules("exchange").version_at(date(2026, 11, 1)).rules
    table = rules[f"{CCL}.adjustment_fee_rates"]
    assert table.value == {"industrial": "0.20", "commercial": "0.30", "other": "0.25"}
    assert "财税〔2016〕41号" in table.source and table.verified is False  # [V]: Yingtan's own table not found
    assert rules["default.adjustment_fee_rates"].value == {}  # no other kind pays it
    assert rules["default.adjustment_fee_base_type"].value in {b.value for b in AdjustmentBase}
    assert rules["default.adjustment_fee_payee"].value == "county_treasury"


# --- payout -----------------------------------------------------------------------------------------

def unit_of_use(s: Session, world: World, land_use_class: str, col: int) -> tuple[int, int]:
    """A registered unit of the world's seller with the given GB/T 21010 land-use class; (unit, right)."""
    app = registry.lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(col),
                                            land_use_class=land_use_class, location="范家村",
                                            right_type="collective_construction_land_use_right",
                                            holders=[(world.seller, "1")], attachment="W",
                                            term_start=date(2020, 1, 1), term_end=date(2070, 1, 1))
    registry.approve_application(s, application_id=app.id, actor=ACTOR)
    unit = int(app.payload["unit_id"])
    return unit, registry.current_rights(s, unit)[0].id


def settle_ccl(db: Database, clock: Clock, world: World, land_use_class: str) -> int:
    """A collective construction land lot on a unit of ``land_use_class``, awarded at 101 000 yuan, confirmed and
    paid in full; returns the lot id."""
    with db.transaction() as s:
        unit, right = unit_of_use(s, world, land_use_class, col=7)
    lot_id, _ = awarded(db, clock, world, n=2, kind=CCL, starts_at=start_in(21), unit_id=unit, right_id=right)
    with db.transaction() as s:
        pay_balance(s, lot_id, ref="ALL")
    return lot_id


@pytest.mark.parametrize(("land_use_class", "category", "rate", "fee"), [
    ("0601", "industrial", "0.20", "20200.00"), ("0508", "commercial", "0.30", "30300.00"),
    ("0702", "other", "0.25", "25250.00")])
def test_payout_of_entered_land_deducts_the_adjustment_fee_by_land_use(db: Database, clock: Clock, world: World,
                                                                       land_use_class: str, category: str,
                                                                       rate: str, fee: str) -> None:
    lot_id = settle_ccl(db, clock, world, land_use_class)
    with db.transaction(readonly=True) as s:
        row = exchange.get_settlement(s, lot_id)
        assert (row.status, row.adjustment_land_use, row.adjustment_rate, row.adjustment_base_type) == (
            "paid", category, rate, "gross_price")
        assert row.adjustment_base_cny == Decimal("101000.00") and row.adjustment_fee_cny == Decimal(fee)
        assert row.fee_cny == Decimal("1010.00") and row.fee_cny + row.adjustment_fee_cny + row.payout_cny \
            == row.price_cny
        assert "财税〔2016〕41号" in (row.adjustment_source or "")
        events = [(e.event_type, json.loads(e.body)["payload"]) for e in list_events(s, limit=2000)
                  if e.subject == f"lot:{lot_id}"]
        payout = next(p for k, p in events if k == "seller_payout")
        assert (payout["price_cny"], payout["fee_cny"], payout["adjustment_fee_cny"], payout["payout_cny"]) == (
            "101000.00", "1010.00", fee, str(Decimal("101000.00") - Decimal("1010.00") - Decimal(fee)))
        assert (payout["adjustment_rate"], payout["adjustment_land_use"], payout["adjustment_payee"]) == (
            rate, category, "county_treasury")
        assert payout["adjustment_source"] == row.adjustment_source and payout["payee_party_id"] == world.seller
        opened = next(p for k, p in events if k == "settlement_opened")
        assert opened["adjustment_fee_cny"] == fee and opened["payout_cny"] == payout["payout_cny"]
        assert verify_ledger(s).ok


def test_other_kinds_pay_no_adjustment_fee(db: Database, clock: Clock, world: World) -> None:
    lot_id, _ = awarded(db, clock, world, n=1)  # a land management right
    with db.transaction() as s:
        row = exchange.get_settlement(s, lot_id)
        assert row.adjustment_fee_cny is None and row.adjustment_rate is None
        assert row.fee_cny + row.payout_cny == row.price_cny


def test_adjustment_fee_in_the_api_and_on_the_lot_page(api: Api, db: Database) -> None:  # noqa: F811
    lid = confirmed_by_api(api, db, kind=CCL)
    h = auth(api.client, "exchange")
    read = api.client.get(f"/api/v1/exchange/lots/{lid}/settlement", headers=h).json()
    # the test world's unit is farmland (0101): not industrial or commercial, so "other operating" 25 %
    assert (read["adjustment_land_use"], read["adjustment_rate"], read["adjustment_base_cny"],
            read["adjustment_fee_cny"], read["fee_cny"], read["payout_cny"]) == (
        "other", "0.25", "100000.00", "25000.00", "1000.00", "74000.00")
    assert read["adjustment_base_type"] == "gross_price" and "41号" in read["adjustment_source"]
    api.client.cookies.clear()
    login(api.client, "exchange")
    page = api.client.get(f"/exchange/lots/{lid}?lang=en").text
    assert 'id="adjustment-fee"' in page and "Land value-increment adjustment fee 25,000.00" in page
    assert "Other operating use, 25 %" in page and "74,000.00" in page
    assert "(Other operating use, 25 %, to the county treasury)" in page and "Payout to the seller 74,000.00" in page
    assert "土地增值收益调节金 25,000.00 （其他经营性用途，25%，缴入县级国库）" in api.client.get(
        f"/exchange/lots/{lid}?lang=zh_CN").text
    api.client.cookies.clear()
    assert 'id="adjustment-fee"' not in api.client.get(f"/exchange/lots/{lid}?lang=en").text  # the public

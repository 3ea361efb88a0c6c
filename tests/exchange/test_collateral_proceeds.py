"""Foreclosed collateral's proceeds (F6, issue #6 item 6): the net payout goes first to the mortgagees registered
on the right, in rank order, each up to its secured amount (read through the registry's public functions), the
remainder to the owner(s) by share; the distribution is in the payout's ledger event, the settlement API and the
lot page of the lot's insiders."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from landbridge import exchange, registry
from landbridge.auth import create_demo_accounts
from landbridge.db import Database
from landbridge.exchange.models import Lot
from landbridge.exchange.settlement_rules import Claim, collateral_distribution, split_by_shares
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from landbridge.main import create_app
from tests.exchange.conftest import OPERATOR, World, bid, enrol, new_lot, to
from tests.exchange.settling import awarded, pay_balance
from tests.exchange.test_api import auth
from tests.exchange.test_pages import login
from tests.exchange.test_service import run_due
from tests.registry.conftest import ACTOR, VILLAGE, org_uscc, resident_id, square

FEN = Decimal("0.01")
fen_amounts = st.integers(min_value=1, max_value=10**10).map(lambda n: Decimal(n) * FEN)


# --- pure rules -----------------------------------------------------------------------------------

@given(net=fen_amounts, secured=st.lists(fen_amounts, max_size=4),
       shares=st.lists(st.integers(1, 9), min_size=1, max_size=3), ranks=st.randoms())
def test_mortgagees_in_rank_order_up_to_their_claims_then_the_owners(net: Decimal, secured: list[Decimal],
                                                                      shares: list[int], ranks: object) -> None:
    order = list(range(1, len(secured) + 1))
    ranks.shuffle(order)  # type: ignore[attr-defined]
    claims = [Claim(100 + i, rank, amount, 10 + i) for i, (rank, amount) in enumerate(zip(order, secured,
                                                                                          strict=True))]
    owners = [(i + 1, Fraction(n, sum(shares))) for i, n in enumerate(shares)]
    out = collateral_distribution(net, claims, owners)
    assert sum(x.amount for x in out) == net and all(x.amount > 0 and x.amount == x.amount.quantize(FEN)
                                                     for x in out)
    by_rank = sorted(claims, key=lambda c: c.rank or 0)
    paid = {x.restriction_id: x.amount for x in out if x.basis == "mortgage"}
    remaining = net
    for claim in by_rank:  # each mortgagee in rank order gets min(what is left, its claim)
        assert paid.get(claim.restriction_id, Decimal(0)) == min(remaining, claim.secured)
        remaining -= paid.get(claim.restriction_id, Decimal(0))
    owned = [x for x in out if x.basis == "owner"]
    assert sum(x.amount for x in owned) == remaining
    for x in owned:  # each owner within a fen of its exact share
        share = dict(owners)[x.party_id]
        assert abs(x.amount - remaining * Decimal(share.numerator) / Decimal(share.denominator)) < FEN
    assert [x.rank for x in out if x.basis == "mortgage"] == sorted(x.rank or 0 for x in out if x.basis == "mortgage")


def test_a_worked_example_and_a_fen_split() -> None:
    claims = [Claim(7, 2, Decimal("300000.00"), 2), Claim(5, 1, Decimal("300000.00"), 1)]
    owner = [(9, Fraction(1))]
    short = collateral_distribution(Decimal("500000.00"), claims, owner)
    assert [(x.party_id, x.amount, x.basis, x.rank) for x in short] == [
        (5, Decimal("300000.00"), "mortgage", 1), (7, Decimal("200000.00"), "mortgage", 2)]
    ample = collateral_distribution(Decimal("700000.00"), claims, owner)
    assert [(x.party_id, x.amount, x.basis) for x in ample] == [
        (5, Decimal("300000.00"), "mortgage"), (7, Decimal("300000.00"), "mortgage"),
        (9, Decimal("100000.00"), "owner")]
    third = Fraction(1, 3)
    assert split_by_shares(Decimal("100.00"), [(1, third), (2, third), (3, third)]) == [
        (1, Decimal("33.34")), (2, Decimal("33.33")), (3, Decimal("33.33"))]
    assert [x.amount for x in collateral_distribution(Decimal("10.00"), [], [(1, Fraction(2, 3)),
                                                                            (2, Fraction(1, 3))])] == [
        Decimal("6.67"), Decimal("3.33")]


# --- payout -----------------------------------------------------------------------------------------

def mortgaged_lot(db: Database, clock: Clock, world: World) -> tuple[int, dict[str, int]]:
    """A collateral lot on a unit held 2/3 and 1/3 by two debtors, mortgaged to two banks (rank 1: 60 000, rank 2:
    30 000), auctioned at 101 000 yuan, confirmed and paid; returns the lot id and the parties."""
    with db.transaction() as s:
        a = registry.create_party(s, kind="person", name="抵押人甲", id_number=resident_id(900), actor=ACTOR).id
        b = registry.create_party(s, kind="person", name="抵押人乙", id_number=resident_id(901), actor=ACTOR).id
        bank1 = registry.create_party(s, kind="organisation", name="鹰潭农商银行", id_number=org_uscc(41),
                                      actor=ACTOR).id
        bank2 = registry.create_party(s, kind="organisation", name="邮储银行鹰潭分行", id_number=org_uscc(42),
                                      actor=ACTOR).id
        app = registry.lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=square(9),
                                                land_use_class="0101", location="范家村",
                                                right_type="land_contract_right", holders=[(a, "2/3"), (b, "1/3")],
                                                attachment="W", term_start=date(2020, 1, 1), term_end=date(2050, 1, 1))
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
        unit = int(app.payload["unit_id"])
        right = registry.current_rights(s, unit)[0].id
        for bank, amount in ((bank1, "60000.00"), (bank2, "30000.00")):
            m = registry.lodge_mortgage(s, actor=ACTOR, unit_id=unit, mortgagee_party_id=bank, secured_amount=amount,
                                        right_id=right)
            registry.approve_application(s, application_id=m.id, actor=ACTOR)
        lot = new_lot(s, world, kind="collateral", unit_id=unit, right_id=right, appraised_value="100000.00")
        bidders = [enrol(s, lot, world, p) for p in world.bidders[:2]]
        lot_id = lot.id
    to(clock, lot.starts_at, timedelta(seconds=1))
    run_due(db)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None and lot.phase == "live_auction"
        for i, bidder in enumerate(bidders):
            assert bid(s, lot, bidder, str(100000 + 1000 * i)).accepted
    to(clock, lot.ends_at, timedelta(seconds=301))
    run_due(db)
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        row = exchange.get_settlement(s, lot_id)
        exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                             payer_name=world.names[bidders[1].party_id], bank_ref="C-1", actor="bank:callback")
    return lot_id, {"a": a, "b": b, "bank1": bank1, "bank2": bank2}


def test_collateral_payout_goes_to_the_mortgagees_by_rank_then_the_owners(db: Database, clock: Clock,
                                                                          world: World) -> None:
    lot_id, p = mortgaged_lot(db, clock, world)
    with db.transaction(readonly=True) as s:
        row = exchange.get_settlement(s, lot_id)
        # price 101 000 − 1 % service fee = 99 990: the first bank 60 000, the second 30 000, 9 990 to the owners
        assert (row.price_cny, row.fee_cny, row.payout_cny) == (Decimal("101000.00"), Decimal("1010.00"),
                                                               Decimal("99990.00"))
        assert [(x["party_id"], x["amount_cny"], x["basis"], x["rank"]) for x in row.distribution or []] == [
            (p["bank1"], "60000.00", "mortgage", 1), (p["bank2"], "30000.00", "mortgage", 2),
            (p["a"], "6660.00", "owner", None), (p["b"], "3330.00", "owner", None)]
        events = [(e.event_type, json.loads(e.body)["payload"]) for e in list_events(s, limit=2000)
                  if e.subject == f"lot:{lot_id}"]
        payout = next(x for k, x in events if k == "seller_payout")
        assert payout["distribution"] == row.distribution and payout["payout_cny"] == "99990.00"
        assert verify_ledger(s).ok
    with db.transaction() as s:
        create_demo_accounts(s)
    with TestClient(create_app()) as c:
        h = auth(c, "exchange")
        read = c.get(f"/api/v1/exchange/lots/{lot_id}/settlement", headers=h).json()
        assert [(x["party_id"], x["amount_cny"], x["basis"]) for x in read["distribution"]] == [
            (p["bank1"], "60000.00", "mortgage"), (p["bank2"], "30000.00", "mortgage"), (p["a"], "6660.00", "owner"),
            (p["b"], "3330.00", "owner")]
        assert 'id="distribution"' not in c.get(f"/exchange/lots/{lot_id}?lang=en").text  # not for the public
        login(c, "exchange")
        page = c.get(f"/exchange/lots/{lot_id}?lang=en").text
        assert 'id="distribution"' in page and "Distribution of the proceeds" in page
        assert "鹰潭农商银行" in page and "60,000.00" in page and "Mortgagee, rank 2" in page
        assert "抵押人乙" in page and "3,330.00" in page and "Owner (remainder)" in page
        assert "Net proceeds 99,990.00" in page and "Payout to the seller" not in page
        assert "第1顺位抵押权人" in c.get(f"/exchange/lots/{lot_id}?lang=zh_CN").text


def test_other_kinds_pay_the_seller_without_a_distribution(db: Database, clock: Clock, world: World) -> None:
    lot_id, _ = awarded(db, clock, world, n=1)
    with db.transaction() as s:
        row = pay_balance(s, lot_id, ref="L-1")
        assert row.distribution is None and row.payout_party_id == world.seller

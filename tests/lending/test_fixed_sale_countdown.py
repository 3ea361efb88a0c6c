# ruff: noqa: F811 - the api fixture is imported from test_api and taken by name
"""The fixed-price sale's offer countdown (变卖, issue #17; research/trading.md 2.6 [L15]: any offer during 变卖
starts a 24 h countdown): the first offer at the fixed price starts the rule's countdown, other eligible buyers may
offer at the same price during it, the sale closes at the countdown's end (not at the first offer, not at the end
of the 60-day window), the first offer wins and the later ones stand behind it as runners-up; the window bounds the
countdown; the loan's page shows the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange.bidding import BidRequest, offer_countdown_end, place_bids
from landbridge.exchange.lots import top_bids
from landbridge.exchange.models import Bid, Bidder, Deposit
from landbridge.kernel.clock import Clock, ensure_utc
from landbridge.lending import disposal, service
from landbridge.lending.models import Claim
from tests.lending.test_api import Api, api  # noqa: F401
from tests.lending.test_disposal import BANK, OPERATOR, defaulted_loan, fail, relist, start
from tests.lending.test_portal import as_user
from tests.registry.conftest import ACTOR, resident_id

D = Decimal
PRICE = D("560000.00")  # the second auction's start price × ratio 1.00


def fixed_sale(db: Database, clock: Clock, loan_id: int) -> int:
    """Two failed auctions, then the fixed-price sale: returns its lot."""
    first = start(db, clock, loan_id)
    fail(db, clock, first)
    second = relist(db, clock, first)
    fail(db, clock, second)
    with db.transaction() as s:
        return disposal.start_fixed_price_sale(s, loan_id=loan_id, actor=BANK).lot_id or 0


def buyers(db: Database, lot_id: int, n: int) -> list[Bidder]:
    """``n`` eligible buyers registered on the lot, their deposits confirmed."""
    out = []
    with db.transaction() as s:
        for i in range(n):
            name = f"变卖买受人{lot_id}-{i}"
            party = registry.create_party(s, kind="person", name=name, id_number=resident_id(900 + 10 * lot_id + i),
                                          actor=ACTOR).id
            bidder = exchange.apply_for_lot(s, lot_id=lot_id, party_id=party, actor=f"party:{party}")
            dep = s.execute(select(Deposit).where(Deposit.bidder_id == bidder.id)).scalar_one()
            exchange.confirm_deposit(s, sub_account=dep.sub_account, amount=dep.amount_cny, payer_name=name,
                                     bank_ref=f"DEP-{bidder.id}", actor="bank:callback")
            s.expunge(bidder)
            out.append(bidder)
    return out


def offer(db: Database, lot_id: int, bidder: Bidder, amount: Decimal, key: str) -> exchange.BidOutcome:
    with db.transaction() as s:
        return exchange.place_bid(s, lot_id=lot_id, bidder_id=bidder.id, amount=amount, idempotency_key=key,
                                  actor=f"party:{bidder.party_id}")


def lot_state(db: Database, lot_id: int) -> tuple[str, datetime | None, int | None, int]:
    with db.transaction(readonly=True) as s:
        lot = exchange.get_lot(s, lot_id)
        end = None if lot.countdown_end is None else ensure_utc(lot.countdown_end)
        return lot.phase, end, lot.leader_bidder_id, lot.accepted_bids


def tick(db: Database, clock: Clock, at: datetime) -> None:
    clock.set(at)
    with db.transaction() as s:
        exchange.run_due(s)


def test_the_first_offer_starts_a_24_hour_countdown_and_wins(api: Api, db: Database, clock: Clock) -> None:
    loan_id, _ = defaulted_loan(db, clock, api.world)
    lot_id = fixed_sale(db, clock, loan_id)
    with db.transaction(readonly=True) as s:
        lot = exchange.get_lot(s, lot_id)
        assert lot.offer_countdown_s == 24 * 3600 and lot.start_price_cny == lot.price_cap_cny == PRICE
        starts, window_end = ensure_utc(lot.starts_at), ensure_utc(lot.ends_at) if lot.ends_at else None
    assert window_end is not None
    first, second, third = buyers(db, lot_id, 3)
    tick(db, clock, starts + timedelta(days=3))
    assert lot_state(db, lot_id)[:2] == ("live_auction", window_end)  # open, no offer: the window's end
    as_user(api, "bank1")
    page = api.client.get(f"/lending/loans/{loan_id}").text
    assert 'id="fixed-sale"' in page and "尚无出价" in page and window_end.isoformat() in page
    offered_at = clock.now()
    assert offer(db, lot_id, first, PRICE, "o1").accepted
    phase, ends, leader, count = lot_state(db, lot_id)
    assert (phase, ends, leader, count) == ("live_auction", offered_at + timedelta(hours=24), first.id, 1)
    read = api.client.get(f"/api/v1/exchange/lots/{lot_id}").json()  # the public lot: still offerable at the price
    assert D(str(read["next_min_bid_cny"])) == PRICE and D(str(read["current_price_cny"])) == PRICE
    page = api.client.get(f"/lending/loans/{loan_id}").text  # the page shows when the sale closes
    assert "已有出价" in page and (offered_at + timedelta(hours=24)).isoformat() in page and "(24 小时" in page
    clock.set(offered_at + timedelta(hours=2))  # another eligible buyer offers the same price during the countdown
    with db.transaction() as s:  # its offer, and a second one in the same batch: one offer each
        out = place_bids(s, [BidRequest(lot_id, second.id, PRICE, key, f"party:{second.party_id}")
                             for key in ("o2", "o2b")])
        assert [(o.accepted, o.bid.reject_code) for o in out if not isinstance(o, DomainError)] == [
            (True, None), (False, "exchange.offer_already_made")]
    assert not offer(db, lot_id, third, PRICE + D("1000"), "o3").accepted  # above the fixed price: refused
    assert not offer(db, lot_id, third, PRICE - D("1000"), "o4").accepted  # below it: refused
    with db.transaction() as s:  # one offer each
        again = exchange.place_bid(s, lot_id=lot_id, bidder_id=second.id, amount=PRICE, idempotency_key="o5",
                                   actor=f"party:{second.party_id}")
        assert not again.accepted and again.bid.reject_code == "exchange.offer_already_made"
        statuses = s.execute(select(Bid.bidder_id, Bid.status).where(Bid.lot_id == lot_id, Bid.reject_code.is_(None))
                             .order_by(Bid.id)).all()
        assert [tuple(r) for r in statuses] == [(first.id, "accepted"), (second.id, "standby")]
        assert top_bids(s, lot_id) == [(first.id, PRICE), (second.id, PRICE)]  # the second is runner-up
    assert lot_state(db, lot_id)[1:] == (offered_at + timedelta(hours=24), first.id, 1)  # not moved, first leads
    tick(db, clock, offered_at + timedelta(hours=24) - timedelta(seconds=1))
    assert lot_state(db, lot_id)[0] == "live_auction"  # not closed at the first offer, nor before the countdown
    with db.transaction() as s:  # the loan is still in disposal: nothing to settle yet
        with pytest.raises(DomainError) as info:
            disposal.settle_from_sale(s, loan_id=loan_id, actor=BANK)
        assert info.value.code == "lending.sale_not_paid"
    tick(db, clock, offered_at + timedelta(hours=24, seconds=1))
    assert lot_state(db, lot_id)[0] == "award_pending"  # closed at the countdown's end, long before the window's
    with db.transaction() as s:
        assert not exchange.place_bid(s, lot_id=lot_id, bidder_id=third.id, amount=PRICE, idempotency_key="late",
                                      actor=f"party:{third.party_id}").accepted  # too late
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        row = exchange.get_settlement(s, lot_id)
        assert row.party_id == first.party_id  # the first offer wins
        held = exchange.find_result(s, lot_id)
        assert held is not None
        assert held.winner_bidder_id == first.id and held.price_cny == PRICE
        exchange.pay_balance(s, sub_account=row.sub_account, amount=row.balance_cny,
                             payer_name=registry.get_party(s, row.party_id).name, bank_ref=f"PAY-{lot_id}",
                             actor="bank:callback")
    with db.transaction() as s:
        assert disposal.settle_sold_disposals(s) == 1
    with db.transaction() as s:
        loan = service.get_loan(s, loan_id)
        assert loan.status == "settled" and loan.lot_id == lot_id
        assert sum(c.loss_cny for c in s.scalars(select(Claim).where(Claim.loan_id == loan_id))) == loan.loss_cny


def test_the_window_bounds_the_countdown_and_a_countdown_needs_a_fixed_price_sale(db: Database, clock: Clock,
                                                                                 api: Api) -> None:
    at = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
    window_end = at + timedelta(hours=5)
    lot = SimpleNamespace(offer_countdown_s=24 * 3600, ends_at=window_end, countdown_end=window_end)
    assert offer_countdown_end(lot, at, first=True) == window_end  # an offer late in the window: closes with it
    assert offer_countdown_end(lot, at - timedelta(days=2), first=True) == at - timedelta(days=1)
    lot.countdown_end = at + timedelta(hours=1)
    assert offer_countdown_end(lot, at, first=False) == at + timedelta(hours=1)  # a later offer moves nothing
    loan_id, _ = defaulted_loan(db, clock, api.world)
    first = start(db, clock, loan_id)
    with db.transaction() as s, pytest.raises(DomainError) as info:  # an ordinary auction takes no offer countdown
        last = exchange.get_lot(s, first)
        exchange.create_lot(s, actor=OPERATOR, kind=last.kind, title="x", region_code=last.region_code,
                            starts_at=clock.now() + timedelta(days=30), start_price="500000", unit_id=last.unit_id,
                            right_id=last.right_id, appraised_value=last.appraised_value_cny, attempt=2,
                            offer_countdown_s=3600)
    assert info.value.code == "exchange.offer_countdown_invalid"

"""Exchange service: the listing + countdown journey, the collateral auction, deposits, eligibility,
idempotency, default and promotion, handover to the registry and re-listing (F3, F4, L6, L7)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.db import Database
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.exchange.models import Bid, Deposit, Lot, LotResult
from landbridge.kernel.clock import Clock, ensure_utc, to_local
from landbridge.ledger import list_events
from tests.exchange.conftest import OPERATOR, World, bid, enrol, new_lot, pay, to
from tests.exchange.settling import pay_balance


def run_due(db: Database) -> int:
    with db.transaction() as s:
        return exchange.run_due(s)


def lot_of(db: Database, lot_id: int) -> Lot:
    with db.transaction() as s:  # a committed session keeps the loaded attributes
        lot = s.get(Lot, lot_id)
        assert lot is not None
        return lot


def deposits(db: Database, lot_id: int) -> dict[int, str]:
    with db.transaction(readonly=True) as s:
        return {d.bidder_id: d.status for d in s.scalars(select(Deposit).where(Deposit.lot_id == lot_id))}


def test_lot_snapshots_its_rule_set_and_publishes_deadlines(db: Database, clock: Clock, world: World) -> None:
    with db.transaction() as s:
        with pytest.raises(RuleViolation) as err:
            new_lot(s, world, starts_at=clock.now() + timedelta(days=3))
        assert err.value.code == "exchange.announcement_too_short"
    with db.transaction() as s:
        lot = new_lot(s, world)
        assert lot.rule_version == "2026-01-01" and lot.rules["kind"] == "land_management_right"
        assert lot.deposit_cny == Decimal("10000.00")  # 10 % of the start price
        assert lot.phase == "announced" and lot.method == "listing"
        end = to_local(ensure_utc(lot.ends_at))  # type: ignore[arg-type]
        assert (end.date(), end.hour) == (date(2026, 3, 24), 15)  # 10 working days after 10 March, 15:00
        assert ensure_utc(lot.ends_at) - ensure_utc(lot.application_deadline) == timedelta(days=2)  # type: ignore[arg-type]
        with pytest.raises(Conflict) as c:
            exchange.publish_lot(s, lot_id=lot.id, actor=OPERATOR)
        assert c.value.code == "exchange.invalid_transition"


def test_listing_countdown_journey_to_the_registry(db: Database, clock: Clock, world: World) -> None:
    a, b, c, d = world.bidders
    with db.transaction() as s:
        lot = new_lot(s, world)
        ba, bb, bc = enrol(s, lot, world, a), enrol(s, lot, world, b), enrol(s, lot, world, c)
        bd = enrol(s, lot, world, d, paid=False)
        assert len({ba.bidder_code, bb.bidder_code, bc.bidder_code, bd.bidder_code}) == 4
        early = bid(s, lot, ba, "100000.00", key="early")
        assert early.bid.reject_code == "exchange.lot_not_open"
        lot_id, ids = lot.id, (ba, bb, bc, bd)
    to(clock, lot.starts_at)
    assert run_due(db) == 1 and lot_of(db, lot_id).phase == "listing"
    assert run_due(db) == 0
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        ba, bb, bc, bd = ids
        assert bid(s, lot, bd, "100000.00").bid.reject_code == "exchange.deposit_not_confirmed"
        assert bid(s, lot, ba, "99000.00").bid.reject_code == "exchange.bid_below_increment"
        assert bid(s, lot, ba, "100500.00").bid.reject_code == "exchange.bid_not_multiple_of_increment"
        assert bid(s, lot, ba, "100000.00").accepted
        assert bid(s, lot, bb, "100000.00", key="same").bid.reject_code == "exchange.bid_below_increment"
        assert bid(s, lot, bb, "103000.00").accepted
        assert lot.current_price_cny == Decimal("103000.00") and lot.countdown_end is None
    to(clock, lot.ends_at)
    assert run_due(db) == 1
    lot = lot_of(db, lot_id)
    assert lot.phase == "countdown"
    assert ensure_utc(lot.countdown_end) == ensure_utc(lot.ends_at) + timedelta(seconds=300)  # type: ignore[arg-type]
    clock.advance(timedelta(seconds=200))
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        before = ensure_utc(lot.countdown_end)  # type: ignore[arg-type]
        assert not bid(s, lot, ids[2], "103500.00").accepted
        assert ensure_utc(lot.countdown_end) == before  # a rejected bid does not reset the countdown
        assert bid(s, lot, ids[2], "104000.00").accepted
        assert ensure_utc(lot.countdown_end) == clock.now() + timedelta(seconds=300)  # type: ignore[arg-type]
    clock.advance(timedelta(seconds=299))
    assert run_due(db) == 0
    clock.advance(timedelta(seconds=2))
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        late = bid(s, lot, ids[0], "110000.00")
        assert late.bid.reject_code == "exchange.lot_not_open" and lot.phase == "award_pending"
    assert run_due(db) == 1  # the third bidder's refund (the lot was decided by the late bid's request)
    assert run_due(db) == 0
    status = deposits(db, lot_id)
    assert status[ids[2].id] == "converted" and status[ids[0].id] == "refunded" and status[ids[3].id] == "pending"
    assert status[ids[1].id] == "confirmed"  # the runner-up is held until the award is confirmed
    with db.transaction() as s:
        result = exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        assert result.price_cny == Decimal("104000.00") and result.winner_party_id == c
        assert exchange.run_due(s) == 0  # the runner-up stays held until the price is settled
        with pytest.raises(Conflict) as early:
            exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
        assert early.value.code == "exchange.not_settled"
        pay_balance(s, lot_id)
        assert exchange.run_due(s) == 1  # now the runner-up is refunded
        result = exchange.hand_over(s, lot_id=lot_id, actor=OPERATOR)
        app_id = result.registry_application_id
        assert app_id is not None
        registry.approve_application(s, application_id=app_id, actor="user:1:registrar")
        rights = registry.current_rights(s, world.unit)
        lmr = [r for r in rights if r.right_type == "land_management_right"]
        assert len(lmr) == 1 and registry.holders_of(s, lmr[0].id)[0][0] == c
    with db.transaction(readonly=True) as s:
        types = [e.event_type for e in list_events(s, limit=1000) if e.module == "exchange"]
    for name in ("lot_created", "lot_published", "bidder_registered", "deposit_confirmed", "open_listing",
                 "bid_accepted", "start_countdown", "award", "deposit_refunded", "confirm_award",
                 "settlement_opened", "settle", "seller_payout", "hand_over"):
        assert name in types, name
    assert types.count("bid_accepted") == 3


def test_sole_bidder_wins_and_no_bids_fail_then_relist(db: Database, clock: Clock, world: World) -> None:
    a = world.bidders[0]
    with db.transaction() as s:
        lot = new_lot(s, world)
        ba = enrol(s, lot, world, a)
        lot_id = lot.id
    to(clock, lot.starts_at)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None and bid(s, lot, ba, "100000.00").accepted
    to(clock, lot.ends_at)
    assert run_due(db) >= 1
    assert lot_of(db, lot_id).phase == "award_pending"
    with db.transaction() as s:
        lot2 = new_lot(s, world, kind="forest_right", increment=None)
        assert lot2.increment_cny == Decimal("1000.00")  # 1 % of the start price
        second = lot2.id
    to(clock, lot2.ends_at)
    run_due(db)
    with db.transaction() as s:
        result = s.scalars(select(LotResult).where(LotResult.lot_id == second)).one()
        assert (result.outcome, result.reason) == ("unsuccessful", "no_bids")
        again = exchange.relist_lot(s, lot_id=second, actor=OPERATOR, starts_at=clock.now() + timedelta(days=8))
        assert again.attempt == 2 and again.start_price_cny == Decimal("100000.00") and again.phase == "draft"
        with pytest.raises(Conflict):
            exchange.relist_lot(s, lot_id=second, actor=OPERATOR, starts_at=clock.now() + timedelta(days=8))


def test_collateral_auction_extends_and_default_forfeits(db: Database, clock: Clock, world: World) -> None:
    a, b = world.bidders[:2]
    with db.transaction() as s:
        with pytest.raises(RuleViolation) as err:
            new_lot(s, world, kind="collateral", start_price="60000.00", appraised_value="100000.00")
        assert err.value.code == "exchange.start_price_below_floor"
    with db.transaction() as s:
        lot = new_lot(s, world, kind="collateral", start_price="70000.00", appraised_value="100000.00")
        assert lot.method == "auction" and world.seller in lot.excluded_party_ids  # the debtor may not bid
        with pytest.raises(Conflict) as c:
            exchange.apply_for_lot(s, lot_id=lot.id, party_id=world.seller, actor="x")
        assert c.value.code == "exchange.bidder_barred"
        ba, bb = enrol(s, lot, world, a), enrol(s, lot, world, b)
        lot_id = lot.id
    to(clock, lot.application_deadline)
    assert run_due(db) == 1 and lot_of(db, lot_id).phase == "registration_closed"
    to(clock, lot.starts_at)
    assert run_due(db) == 1 and lot_of(db, lot_id).phase == "live_auction"
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        assert bid(s, lot, ba, "70000.00").accepted
        assert ensure_utc(lot.countdown_end) == ensure_utc(lot.ends_at)  # type: ignore[arg-type]
    to(clock, lot.ends_at, -timedelta(seconds=60))
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        assert bid(s, lot, bb, "71000.00").accepted  # in the last 5 minutes: the end moves 5 minutes on
        assert ensure_utc(lot.countdown_end) == clock.now() + timedelta(seconds=300)  # type: ignore[arg-type]
    to(clock, lot.ends_at, timedelta(seconds=241))
    assert run_due(db) >= 1
    with db.transaction() as s:
        lot = exchange.record_default(s, lot_id=lot_id, actor=OPERATOR, reason="未按期签署成交确认书")
        assert lot.phase == "unsuccessful"  # collateral: no promotion (judicial style)
        again = exchange.relist_lot(s, lot_id=lot_id, actor=OPERATOR, starts_at=clock.now() + timedelta(days=8))
        assert again.start_price_cny == Decimal("56000.00")  # second auction 20 % lower
    status = deposits(db, lot_id)
    assert status[bb.id] == "forfeited" and status[ba.id] in ("refund_due", "refunded")


def test_default_promotes_the_runner_up(db: Database, clock: Clock, world: World) -> None:
    a, b, c = world.bidders[:3]
    with db.transaction() as s:
        lot = new_lot(s, world)
        ba, bb, bc = enrol(s, lot, world, a), enrol(s, lot, world, b), enrol(s, lot, world, c)
        lot_id = lot.id
    to(clock, lot.starts_at)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        for bidder, amount in ((ba, "100000"), (bb, "101000"), (bc, "102000")):
            assert bid(s, lot, bidder, amount).accepted
    to(clock, lot.ends_at, timedelta(seconds=301))
    run_due(db)
    status = deposits(db, lot_id)
    assert status[bc.id] == "converted" and status[bb.id] == "confirmed"  # the runner-up waits
    with db.transaction() as s:
        lot = exchange.record_default(s, lot_id=lot_id, actor=OPERATOR, reason="拒签")
        assert lot.phase == "award_pending"
        result = exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        assert result.winner_party_id == b and result.price_cny == Decimal("101000.00")
    status = deposits(db, lot_id)
    assert status[bc.id] == "forfeited" and status[bb.id] == "converted"


def test_bar_list_idempotency_and_deposit_callback(db: Database, clock: Clock, world: World) -> None:
    a, b, c = world.bidders[:3]
    with db.transaction() as s:
        exchange.bar_party(s, party_id=c, reason="失信被执行人 (2026)赣0622执123号", actor=OPERATOR,
                           listed_until=date(2028, 1, 1))
        lot = new_lot(s, world)
        with pytest.raises(Conflict) as err:
            exchange.apply_for_lot(s, lot_id=lot.id, party_id=c, actor="x")
        assert err.value.code == "exchange.bidder_barred"
        ba = enrol(s, lot, world, a)
        bb = exchange.apply_for_lot(s, lot_id=lot.id, party_id=b, actor="x")
        with pytest.raises(Conflict):
            exchange.apply_for_lot(s, lot_id=lot.id, party_id=b, actor="x")
        with pytest.raises(RuleViolation) as rv:
            pay(s, bb, "别人")
        assert rv.value.code == "exchange.deposit_payer_mismatch"
        first = pay(s, bb, world.names[b], ref="R1")
        assert pay(s, bb, world.names[b], ref="R1").id == first.id  # the bank repeats its callback
        with pytest.raises(NotFound):
            exchange.confirm_deposit(s, sub_account="nope", amount="1", payer_name="x", bank_ref="R9", actor="x")
        lot_id = lot.id
    to(clock, lot.starts_at)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        one = bid(s, lot, ba, "100000.00", key="k1")
        again = bid(s, lot, ba, "100000.00", key="k1")
        assert again.replay and again.bid.id == one.bid.id
        with pytest.raises(Conflict) as c2:
            bid(s, lot, ba, "101000.00", key="k1")
        assert c2.value.code == "exchange.idempotency_key_reused"
        exchange.bar_party(s, party_id=b, reason="法院名单", actor=OPERATOR)
        assert bid(s, lot, bb, "101000.00").bid.reject_code == "exchange.bidder_barred"
        assert s.scalar(select(func.count()).select_from(Bid).where(Bid.status == "accepted")) == 1


def test_rules_per_kind_come_from_the_city_profile(db: Database) -> None:
    land = exchange.rules_for("collective_construction_land")
    assert land.announcement_days == 20 and land.deposit_percent == Decimal("0.20")
    assert exchange.rules_for("collateral").method == "auction"
    assert exchange.rules_for("forest_right").countdown_seconds == 300
    with pytest.raises(RuleViolation):
        exchange.rules_for("spaceship")


def test_services_take_a_session(session: Session) -> None:
    with pytest.raises(NotFound):
        exchange.get_lot(session, 999)

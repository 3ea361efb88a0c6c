"""Quota sold on the exchange (issue #16 scope 3): a construction_quota lot takes its amount from the county's
unallocated quota at listing; when the exchange concludes the lot the buyer's holding receives it (the quota
lot's sweep reads the exchange, ADR 0014), and the buyer allocates it to a parcel that consumes it; a cancelled
lot returns the amount to the county. Every movement a transfer entry; every refusal typed and changing nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import exchange, land_quota, registry
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange.models import Deposit
from landbridge.kernel.clock import Clock, now
from landbridge.land_quota import transfer
from landbridge.land_quota.models import QuotaAllocation, QuotaEntry, QuotaHolding, QuotaLot
from landbridge.land_quota.rules import Totals
from landbridge.ledger import current_size
from tests.land_quota.conftest import ACTOR, COUNTY, YEAR, QuotaWorld, allocate, approved_plan, build_world, credited
from tests.registry.conftest import org_uscc

D = Decimal
OPERATOR = "user:7:exchange"


@pytest.fixture
def w(db: Database, clock: Clock) -> QuotaWorld:
    with db.transaction() as s:
        world = build_world(s)
        credited(s, world, "1000")
        approved_plan(s)
        return world


def buyers(db: Database) -> list[int]:
    with db.transaction() as s:
        return [registry.create_party(s, kind="organisation", name=f"指标受让公司{i}", id_number=org_uscc(900 + i),
                                      actor=OPERATOR).id for i in range(2)]


def listed(db: Database, amount: str = "300") -> QuotaLot:
    with db.transaction() as s:
        return transfer.list_quota_lot(s, actor=ACTOR, county_code=COUNTY, year=YEAR, amount_m2=amount,
                                       title="余江区 2026 年度建设用地指标", start_price="100000.00",
                                       starts_at=now() + timedelta(days=8))


def sell(db: Database, clock: Clock, lot_id: int, parties: list[int]) -> None:
    """Both parties register and pay deposits, bid 100 000 and 101 000, the listing ends, the award is confirmed."""
    with db.transaction() as s:
        lot = exchange.get_lot(s, lot_id)
        bidders = []
        for i, party in enumerate(parties):
            b = exchange.apply_for_lot(s, lot_id=lot_id, party_id=party, actor=f"party:{party}")
            d = s.query(Deposit).filter(Deposit.bidder_id == b.id).one()
            exchange.confirm_deposit(s, sub_account=d.sub_account, amount=d.amount_cny, payer_name=f"指标受让公司{i}",
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


def transfers(s: Session) -> list[tuple[str, Decimal, int | None]]:
    rows = s.execute(select(QuotaEntry.kind, QuotaEntry.amount_m2, QuotaEntry.buyer_party_id)
                     .where(QuotaEntry.kind == "transfer").order_by(QuotaEntry.id)).all()
    return [(k, a, b) for k, a, b in rows]


def refused(s: Session, code: str, call: Any) -> DomainError:
    before = (current_size(s), s.scalar(select(func.count()).select_from(QuotaEntry)))
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.details)
    assert (current_size(s), s.scalar(select(func.count()).select_from(QuotaEntry))) == before
    return caught.value


def test_listing_takes_the_quota_from_the_county_at_once(db: Database, w: QuotaWorld) -> None:
    qlot = listed(db, "300")
    with db.transaction() as s:
        assert qlot.status == "listed"
        assert exchange.get_lot(s, qlot.lot_id).kind == "construction_quota"
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(D("1000"), D("300"), D("0"))
        assert transfers(s) == [("transfer", D("300.00"), None)]
        allocate(s, w.parcels[0], "700")  # what is left of the accepted quota, and no more
        refused(s, "land_quota.over_allocation", lambda: allocate(s, w.parcels[1], "0.01"))
        refused(s, "land_quota.over_allocation", lambda: transfer.list_quota_lot(
            s, actor=ACTOR, county_code=COUNTY, year=YEAR, amount_m2="0.01", title="指标", start_price="1000.00",
            starts_at=now() + timedelta(days=8)))


def test_the_buyer_receives_the_quota_on_conclusion_and_allocates_it(db: Database, clock: Clock,
                                                                     w: QuotaWorld) -> None:
    parties = buyers(db)
    qlot = listed(db, "300")
    with db.transaction() as s:
        refused(s, "land_quota.lot_not_decided", lambda: transfer.settle_quota_lot(s, qlot.id, actor=ACTOR))
        assert transfer.run_due(s) == 0
    sell(db, clock, qlot.lot_id, parties)
    with db.transaction() as s:
        assert transfer.run_due(s) == 1
        assert transfer.run_due(s) == 0  # idempotent
        settled = s.get(QuotaLot, qlot.id)
        assert settled is not None and settled.status == "concluded" and settled.buyer_party_id == parties[1]
        [holding] = transfer.holdings_of(s, parties[1])
        assert (holding.received_m2, holding.allocated_m2, holding.county_code, holding.year) == (
            D("300.00"), D("0.00"), COUNTY, YEAR)
        assert transfers(s) == [("transfer", D("300.00"), None), ("transfer", D("300.00"), parties[1])]
        refused(s, "land_quota.quota_lot_closed", lambda: transfer.settle_quota_lot(s, qlot.id, actor=ACTOR))
        # the buyer allocates what it holds to a parcel, which then consumes it
        got = transfer.allocate_held(s, actor=ACTOR, party_id=parties[1], county_code=COUNTY, year=YEAR,
                                     parcel_id=w.parcels[3], amount_m2="250")
        assert got.holding_id == holding.id and got.plan_line_id is None
        transfer.allocate_held(s, actor=ACTOR, party_id=parties[1], county_code=COUNTY, year=YEAR,
                               parcel_id=w.parcels[3], amount_m2="50")
        refused(s, "land_quota.over_holding", lambda: transfer.allocate_held(
            s, actor=ACTOR, party_id=parties[1], county_code=COUNTY, year=YEAR, parcel_id=w.parcels[3],
            amount_m2="0.01"))
        refused(s, "land_quota.holding_not_found", lambda: transfer.allocate_held(
            s, actor=ACTOR, party_id=parties[0], county_code=COUNTY, year=YEAR, parcel_id=w.parcels[2],
            amount_m2="1"))
        refused(s, "land_quota.parcel_not_found", lambda: transfer.allocate_held(
            s, actor=ACTOR, party_id=parties[1], county_code=COUNTY, year=YEAR, parcel_id=10**9, amount_m2="1"))
        land_quota.consume(s, actor=ACTOR, parcel_id=w.parcels[3], year=YEAR, amount_m2="300")
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(D("1000"), D("300"), D("300"))
        holding = s.scalars(select(QuotaHolding).where(QuotaHolding.party_id == parties[1])).one()
        assert holding.allocated_m2 == D("300.00")
        assert s.scalars(select(QuotaAllocation.consumed_m2).where(
            QuotaAllocation.parcel_id == w.parcels[3])).one() == D("300.00")


def test_a_cancelled_lot_returns_its_quota_to_the_county(db: Database, w: QuotaWorld) -> None:
    qlot = listed(db, "400")
    with db.transaction() as s:
        exchange.cancel_lot(s, lot_id=qlot.lot_id, actor=OPERATOR, reason="指标来源核查")
    with db.transaction() as s:
        assert transfer.run_due(s) == 1
        back = s.get(QuotaLot, qlot.id)
        assert back is not None and back.status == "returned" and back.buyer_party_id is None
        assert land_quota.balance_of(s, COUNTY, YEAR) == Totals(D("1000"), D("0"), D("0"))
        assert transfers(s) == [("transfer", D("400.00"), None), ("transfer", D("400.00"), None)]
        allocate(s, w.parcels[0], "1000")  # all of it can be allocated again


def test_thirty_concurrent_allocations_of_a_holding_of_three_hundred(db: Database, clock: Clock,
                                                                    w: QuotaWorld) -> None:
    from tests.land_quota.test_race import race

    parties = buyers(db)
    qlot = listed(db, "300")
    sell(db, clock, qlot.lot_id, parties)
    with db.transaction() as s:
        transfer.run_due(s)
    outcomes = race(db, 30, lambda s: transfer.allocate_held(s, actor=ACTOR, party_id=parties[1], county_code=COUNTY,
                                                              year=YEAR, parcel_id=w.parcels[3], amount_m2="20"))
    assert outcomes.count("ok") == 15 and outcomes.count("land_quota.over_holding") == 15, set(outcomes)
    with db.transaction(readonly=True) as s:
        holding = s.scalars(select(QuotaHolding).where(QuotaHolding.party_id == parties[1])).one()
        assert (holding.received_m2, holding.allocated_m2) == (D("300.00"), D("300.00"))
        assert s.scalars(select(QuotaAllocation.amount_m2).where(
            QuotaAllocation.parcel_id == w.parcels[3])).one() == D("300.00")

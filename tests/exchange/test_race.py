"""Race tests: concurrent bidders on one lot never produce two accepted bids at one price, a lost accepted
bid or a countdown reset by a rejected bid; concurrent workers fire each deadline once (threads; on SQLite
the writers are serialised by BEGIN IMMEDIATE, on PostgreSQL by the lot's row lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import select

from landbridge import exchange
from landbridge.db import Database
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot, LotResult
from landbridge.kernel.clock import Clock, ensure_utc
from landbridge.ledger import list_events
from tests.exchange.conftest import build_world, enrol, new_lot, to

N = 8


def together(n: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(i)`` in ``n`` threads released at once; returns the errors raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # collected and asserted by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def setup(db: Database, clock: Clock) -> tuple[int, list[int]]:
    with db.transaction() as s:
        world = build_world(s, n_bidders=N)
        lot = new_lot(s, world)
        bidders = [enrol(s, lot, world, p).id for p in world.bidders]
        lot_id = lot.id
    to(clock, lot.starts_at)
    return lot_id, bidders


def place(db: Database, lot_id: int, bidder_id: int, amount: Decimal, key: str) -> bool:
    with db.transaction() as s:
        return exchange.place_bid(s, lot_id=lot_id, bidder_id=bidder_id, amount=amount, idempotency_key=key,
                                  actor=f"bidder:{bidder_id}").accepted


def test_one_acceptance_at_one_price(db: Database, clock: Clock) -> None:
    lot_id, bidders = setup(db, clock)
    wins: list[int] = []
    errors = together(N, lambda i: wins.append(i) if place(db, lot_id, bidders[i], Decimal("100000.00"), "p")
                      else None)
    assert errors == [] and len(wins) == 1
    with db.transaction(readonly=True) as s:
        rows = s.execute(select(Bid.status, Bid.reject_code).where(Bid.lot_id == lot_id)).all()
    assert sorted(r[0] for r in rows) == ["accepted"] + ["rejected"] * (N - 1)
    assert {r[1] for r in rows if r[0] == "rejected"} == {"exchange.bid_below_increment"}


def test_concurrent_ladder_in_countdown_loses_nothing(db: Database, clock: Clock) -> None:
    lot_id, bidders = setup(db, clock)
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        ends = lot.ends_at
    to(clock, ends)
    with db.transaction() as s:
        assert exchange.run_due(s) == 2  # listing opened, then ended into the countdown
    rounds = 6

    def ladder(i: int) -> None:
        for r in range(rounds):
            with db.transaction() as s:
                current = s.get(Lot, lot_id).current_price_cny  # type: ignore[union-attr]
            amount = (current or Decimal("99000.00")) + Decimal("1000.00")
            place(db, lot_id, bidders[i], amount, f"r{r}")
            # and, a second later, a bad bid that must never reset the countdown
            clock.advance(timedelta(seconds=1))
            place(db, lot_id, bidders[i], amount + Decimal("500.00"), f"bad{r}")

    assert together(N, ladder) == []
    with db.transaction(readonly=True) as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        accepted = list(s.scalars(select(Bid).where(Bid.lot_id == lot_id, Bid.status == "accepted")
                                  .order_by(Bid.id)))
        amounts = [b.amount_cny for b in accepted]
        assert len(amounts) == len(set(amounts)) and amounts == sorted(amounts)  # strictly rising, no duplicates
        assert all(b > a and (b - a) % Decimal("1000.00") == 0 for a, b in pairwise(amounts))
        assert lot.current_price_cny == amounts[-1] and lot.accepted_bids == len(accepted)
        assert ensure_utc(lot.countdown_end) == ensure_utc(accepted[-1].placed_at) + timedelta(seconds=300)  # type: ignore[arg-type]
        seqs = {e.seq for e in list_events(s, limit=10_000) if e.event_type == "bid_accepted"}
        assert {b.ledger_seq for b in accepted} == seqs  # every accepted bid is in the ledger, nothing else
        leader = s.get(Bidder, lot.leader_bidder_id)
        assert leader is not None and leader.id == accepted[-1].bidder_id


def test_deadlines_fire_once_under_concurrent_workers(db: Database, clock: Clock) -> None:
    lot_id, bidders = setup(db, clock)
    assert place(db, lot_id, bidders[0], Decimal("100000.00"), "a")
    assert place(db, lot_id, bidders[1], Decimal("101000.00"), "b")
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        ends = lot.ends_at
    fired: list[int] = []

    def worker(_: int) -> None:
        with db.transaction() as s:
            fired.append(exchange.run_due(s))

    to(clock, ends)
    assert together(4, worker) == [] and sum(fired) == 1
    to(clock, ends, timedelta(seconds=301))
    fired.clear()
    assert together(4, worker) == []
    fired.clear()
    assert together(4, worker) == [] and sum(fired) == 0
    with db.transaction(readonly=True) as s:
        events = [e.event_type for e in list_events(s, limit=10_000) if e.module == "exchange"]
        assert events.count("start_countdown") == 1 and events.count("award") == 1
        assert events.count("deposit_refunded") == N - 2  # the runner-up is held for promotion
        assert len(s.scalars(select(LotResult).where(LotResult.lot_id == lot_id)).all()) == 1
        statuses = sorted(d.status for d in s.scalars(select(Deposit).where(Deposit.lot_id == lot_id)))
        assert statuses == ["confirmed", "converted"] + ["refunded"] * (N - 2)

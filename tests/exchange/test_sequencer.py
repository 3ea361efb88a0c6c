"""Bids judged in batches (``bidding.place_bids``, the API's bid sequencer) give exactly what one-by-one placing
gives: arrival order, one acceptance per price, replays, typed errors isolated to their own request, a ledger
event per accepted bid in order; the sequencer answers only after the commit and retries a failed batch (F4)."""

from __future__ import annotations

import threading
from concurrent.futures import Future, wait
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from landbridge.db import Database
from landbridge.errors import Conflict, DomainError, NotFound, RuleViolation
from landbridge.exchange import bidding, sequencer
from landbridge.exchange.bidding import BidRequest, place_bids
from landbridge.exchange.models import Bid, Bidder, Lot
from landbridge.exchange.schemas import BidRead
from landbridge.exchange.sequencer import BidSequencer, judge_batch
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from tests.exchange.conftest import build_world, enrol, new_lot, to


def open_lots(db: Database, clock: Clock, n_lots: int = 2, n_bidders: int = 3) -> list[tuple[int, list[int]]]:
    """``n_lots`` lots in listing, each with ``n_bidders`` paid bidders: [(lot id, [bidder ids])]."""
    out = []
    with db.transaction() as s:
        for col in range(n_lots):
            world = build_world(s, n_bidders=n_bidders, col=col)
            lot = new_lot(s, world)
            out.append((lot.id, [enrol(s, lot, world, p).id for p in world.bidders]))
            starts = lot.starts_at
    to(clock, starts)
    return out


def req(lot: int, bidder: int | None, amount: str, key: str, **kw: object) -> BidRequest:
    return BidRequest(lot_id=lot, bidder_id=bidder, amount=amount, idempotency_key=key, actor="test",
                      **kw)  # type: ignore[arg-type]


def test_a_batch_is_judged_in_arrival_order_as_one_by_one(db: Database, clock: Clock) -> None:
    (lot_a, (a1, a2, a3)), (lot_b, (b1, _, _)) = open_lots(db, clock)
    with db.transaction() as s:
        out = place_bids(s, [
            req(lot_a, a1, "100000.00", "x"),           # accepted: the start price
            req(lot_a, a2, "100000.00", "y"),           # same price after it: below the increment
            req(lot_b, b1, "100000.00", "x"),           # another lot, same key: independent
            req(lot_a, a1, "100000.00", "x"),           # the first one again: a replay, not a second bid
            req(lot_a, a3, "101000.00", "z"),           # raises lot A
            req(lot_a, a2, "102500.00", "w"),           # not a multiple of the increment
            req(lot_a, b1, "102000.00", "v"),           # b1 is not registered for lot A
            req(lot_a, a2, "abc", "u"),                 # not an amount
            req(lot_a, a1, "103000.00", "x"),           # key reused for another amount
            req(999_999, a1, "100000.00", "t"),         # no such lot
        ])
    kinds = [o if isinstance(o, DomainError) else (o.bid.status, o.bid.reject_code, o.replay) for o in out]
    assert kinds[0] == ("accepted", None, False)
    assert kinds[1] == ("rejected", "exchange.bid_below_increment", False)
    assert kinds[2] == ("accepted", None, False)
    assert kinds[3] == ("accepted", None, True) and out[3].bid is out[0].bid  # type: ignore[union-attr]
    assert kinds[4] == ("accepted", None, False)
    assert kinds[5] == ("rejected", "exchange.bid_not_multiple_of_increment", False)
    assert isinstance(kinds[6], NotFound) and kinds[6].code == "exchange.bidder_not_found"
    assert isinstance(kinds[7], RuleViolation) and kinds[7].code == "exchange.invalid_amount"
    assert isinstance(kinds[8], Conflict) and kinds[8].code == "exchange.idempotency_key_reused"
    assert isinstance(kinds[9], NotFound) and kinds[9].code == "exchange.lot_not_found"
    with db.transaction(readonly=True) as s:
        lot = s.get(Lot, lot_a)
        assert lot is not None and lot.current_price_cny == Decimal("101000.00") and lot.accepted_bids == 2
        rows = s.execute(select(Bid.bidder_id, Bid.amount_cny, Bid.status, Bid.ledger_seq)
                         .where(Bid.lot_id == lot_a).order_by(Bid.id)).all()
        assert [(r[0], r[1], r[2]) for r in rows] == [
            (a1, Decimal("100000.00"), "accepted"), (a2, Decimal("100000.00"), "rejected"),
            (a3, Decimal("101000.00"), "accepted"), (a2, Decimal("102500.00"), "rejected")]
        events = {e.seq: e for e in list_events(s, module="exchange", limit=1000) if e.event_type == "bid_accepted"}
        accepted_seqs = [r[3] or 0 for r in rows if r[2] == "accepted"]
        assert all(seq in events for seq in accepted_seqs) and accepted_seqs == sorted(accepted_seqs)
        assert [r[3] for r in rows if r[2] == "rejected"] == [None, None]
        assert verify_ledger(s).ok


def test_a_bidder_may_be_named_by_its_party(db: Database, clock: Clock) -> None:
    [(lot, (first, _, _))] = open_lots(db, clock, n_lots=1)
    with db.transaction(readonly=True) as s:
        party = s.scalar(select(Bidder.party_id).where(Bidder.id == first))
    [receipt, stranger] = judge_batch([req(lot, None, "100000.00", "p", party_id=party),
                                       req(lot, None, "101000.00", "q", party_id=10**9)])
    assert isinstance(receipt, BidRead) and receipt.status == "accepted" and receipt.current_price_cny == \
        Decimal("100000.00")
    assert isinstance(stranger, NotFound) and stranger.code == "exchange.bidder_not_found"


def test_concurrent_submissions_are_answered_after_their_commit(db: Database, clock: Clock) -> None:
    [(lot, bidders)] = open_lots(db, clock, n_lots=1, n_bidders=6)
    seq = BidSequencer(max_batch=4)
    gate = threading.Barrier(len(bidders))
    futures = []

    def send(b: int) -> None:
        gate.wait()
        futures.append(seq.submit(req(lot, b, "100000.00", f"k{b}")))

    threads = [threading.Thread(target=send, args=(b,)) for b in bidders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    done, pending = wait(futures, timeout=60)
    assert not pending
    results = [f.result() for f in done]
    assert all(isinstance(r, BidRead) for r in results)
    statuses = sorted(r.status for r in results if isinstance(r, BidRead))
    assert statuses == ["accepted"] + ["rejected"] * (len(bidders) - 1)
    with db.transaction(readonly=True) as s:  # every answer is in the database (answered after the commit)
        stored = dict(s.execute(select(Bid.id, Bid.status).where(Bid.lot_id == lot)).all())
    assert {r.id: r.status for r in results if isinstance(r, BidRead)} == stored


def test_a_failed_batch_is_retried_and_a_broken_request_fails_alone(db: Database, clock: Clock,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    [(lot, (a, b, _))] = open_lots(db, clock, n_lots=1)
    real = bidding.place_bids
    calls: list[int] = []

    def flaky(session: object, requests: list[BidRequest]) -> object:
        calls.append(len(requests))
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("deadlock detected"))
        if any(r.idempotency_key == "boom" for r in requests):
            raise ZeroDivisionError("a bug in one request")
        return real(session, requests)  # type: ignore[arg-type]

    monkeypatch.setattr(sequencer, "place_bids", flaky)
    [first] = judge_batch([req(lot, a, "100000.00", "k1")])  # the first attempt deadlocks, the retry commits
    assert isinstance(first, BidRead) and first.status == "accepted" and calls == [1, 1]
    seq = BidSequencer()
    boom: Future[sequencer.Result] = Future()
    ok: Future[sequencer.Result] = Future()
    seq._queue.put((req(lot, b, "101000.00", "boom"), boom))  # both queued before the thread starts: one batch
    seq._queue.put((req(lot, a, "102000.00", "k2"), ok))
    seq._ensure_running()
    with pytest.raises(ZeroDivisionError):
        boom.result(timeout=60)
    result = ok.result(timeout=60)
    assert isinstance(result, BidRead) and result.status == "accepted"
    assert result.current_price_cny == Decimal("102000.00")

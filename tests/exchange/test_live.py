"""Live lot updates over SSE (issue #6 scope 4): a snapshot on connect; a bid placed through another server's
API arrives as the next event; Last-Event-ID resumes with only the missed events; a deadline fired by the
worker (run_due, outside the servers) arrives as a phase event; the stream ends when the lot is final; the
draft masking of GET /lots/{id}; a slow client is dropped by the hub. Two uvicorn servers in threads, each
with its own event loop and therefore its own hub, stand for two server processes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user, link_user_party
from landbridge.db import Database
from landbridge.exchange import live
from landbridge.exchange.models import Bid, Lot
from landbridge.kernel.clock import Clock, ensure_utc
from landbridge.main import create_app
from tests.exchange.conftest import OPERATOR, World, build_world, enrol, new_lot
from tests.exchange.settling import pay_balance
from tests.exchange.test_restart import _port

TIMEOUT = httpx.Timeout(20.0)


@contextmanager
def _uvicorn() -> Iterator[str]:
    port = _port()
    srv = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@dataclass
class Live:
    a: str  # the server the browser streams from
    b: str  # another server that takes the bids
    world: World
    clock: Clock
    db: Database
    codes: dict[str, str]
    lot_id: int


@pytest.fixture
def servers(db: Database, clock: Clock) -> Iterator[tuple[str, str]]:
    with _uvicorn() as a, _uvicorn() as b:
        yield a, b


def _token(server: str, username: str) -> dict[str, str]:
    r = httpx.post(server + "/api/v1/auth/token", json={"username": username, "password": "demo"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _accounts(s: Session) -> World:
    """The demo accounts (``bidder`` a party of the world), ``bidder2``, and ``exchange2``, an exchange
    operator of another county."""
    create_demo_accounts(s)
    world = build_world(s)
    link_user_party(s, username="bidder", party_id=world.bidders[0])
    people = create_organisation(s, name="其他竞买人", kind=OrgKind.individual, region_code="360600000000")
    create_user(s, username="bidder2", password="demo", display_name="bidder2", role=Role.bidder,
                organisation_id=people.id, party_id=world.bidders[1], is_demo=True)
    other = create_organisation(s, name="贵溪市农村产权交易所", kind=OrgKind.exchange, region_code="360681000000")
    create_user(s, username="exchange2", password="demo", display_name="外县交易所", role=Role.exchange_operator,
                organisation_id=other.id, is_demo=True)
    return world


@pytest.fixture
def listing(db: Database, clock: Clock, servers: tuple[str, str]) -> Live:
    """A listing lot open for bids with two paid bidders, ``bidder`` and ``bidder2``."""
    with db.transaction() as s:
        world = _accounts(s)
        lot = new_lot(s, world)
        codes = {"bidder": enrol(s, lot, world, world.bidders[0]).bidder_code,
                 "bidder2": enrol(s, lot, world, world.bidders[1]).bidder_code}
        lot_id, starts = lot.id, lot.starts_at
    clock.set(ensure_utc(starts) + timedelta(minutes=1))
    with db.transaction() as s:
        assert exchange.run_due(s) == 1
    return Live(*servers, world, clock, db, codes, lot_id)


class Stream:
    """A minimal SSE client: events as (id, event, data); comment lines are counted, not returned."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self._cm = httpx.stream("GET", url, headers=headers or {}, timeout=TIMEOUT)
        self.response = self._cm.__enter__()
        self._lines = self.response.iter_lines()
        self.raw: list[str] = []
        self.comments = 0
        self.last_id: str | None = None

    def next(self) -> tuple[str | None, str, dict[str, Any]]:
        seq: str | None = None
        kind, data = "message", ""
        for line in self._lines:
            self.raw.append(line)
            if line == "":
                if data:
                    if seq is not None:
                        self.last_id = seq
                    return seq, kind, json.loads(data)
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "":
                self.comments += 1
            elif name == "id":
                seq = value
            elif name == "event":
                kind = value
            elif name == "data":
                data = value
        raise EOFError("the stream ended")

    def until(self, kind: str) -> tuple[str | None, dict[str, Any], list[str]]:
        """Read to the next event of ``kind``; returns its id, data and the kinds passed on the way."""
        passed: list[str] = []
        while True:
            seq, got, data = self.next()
            if got == kind:
                return seq, data, passed
            passed.append(got)

    def comment(self) -> str:
        """Read to the next comment line (a heartbeat); events on the way are skipped."""
        for line in self._lines:
            if line.startswith(":"):
                self.comments += 1
                return line
        raise EOFError("the stream ended")

    def ended(self) -> bool:
        try:
            self.next()
        except EOFError:
            return True
        return False

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


@contextmanager
def stream(url: str, headers: dict[str, str] | None = None) -> Iterator[Stream]:
    s = Stream(url, headers)
    try:
        yield s
    finally:
        s.close()


def _bid(live: Live, username: str, amount: str) -> dict[str, Any]:
    lot_id = live.lot_id
    r = httpx.post(f"{live.b}/api/v1/exchange/lots/{lot_id}/bids", headers=_token(live.b, username),
                   json={"amount_cny": amount, "idempotency_key": f"{username}-{amount}"}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _seq_of(db: Database, bid_id: int) -> int:
    with db.transaction(readonly=True) as s:
        seq = s.scalar(select(Bid.ledger_seq).where(Bid.id == bid_id))
        assert seq is not None
        return int(seq)


def test_snapshot_bids_resume_deadline_and_end(listing: Live) -> None:
    live, lot_id = listing, listing.lot_id
    url = f"{live.a}/api/v1/exchange/lots/{lot_id}/events"
    with stream(url) as sse:
        assert sse.response.headers["content-type"].startswith("text/event-stream")
        snap_id, kind, snap = sse.next()
        assert kind == "snapshot" and snap_id is not None
        assert snap["phase"] == "listing" and snap["bidders"] == 2 and snap["history"] == []
        assert snap["current_price_cny"] is None and snap["next_min_bid_cny"] == "100000.00"
        assert snap["final"] is False and snap["server_time"] == live.clock.now().isoformat()

        # a bid placed through the other server arrives as the next event, with the next id
        first = _bid(live, "bidder", "100000.00")
        seq1, bid1, passed = sse.until("bid")
        assert passed == [] and int(seq1 or 0) == _seq_of(live.db, first["id"]) > int(snap_id)
        assert bid1["amount_cny"] == "100000.00" and bid1["bidder_code"] == live.codes["bidder"]
        assert bid1["next_min_bid_cny"] == "101000.00" and bid1["phase"] == "listing"
        second = _bid(live, "bidder2", "101000.00")
        seq2, bid2, _ = sse.until("bid")
        assert int(seq2 or 0) == _seq_of(live.db, second["id"]) > int(seq1 or 0)
        assert bid2["bidder_code"] == live.codes["bidder2"] and bid2["leader_code"] == live.codes["bidder2"]

        # reconnecting with Last-Event-ID: only what was missed, no snapshot
        with stream(url, {"Last-Event-ID": str(seq1)}) as again:
            seq, kind, data = again.next()
            assert (seq, kind, data["amount_cny"]) == (seq2, "bid", "101000.00")
        with stream(url, {"Last-Event-ID": snap_id}) as again:
            assert [again.next()[0], again.next()[0]] == [seq1, seq2]
        for unusable in ("not-a-number", str(int(seq2 or 0) + 10**6)):  # a snapshot instead
            with stream(url, {"Last-Event-ID": unusable}) as again:
                got, kind, data = again.next()
                assert (got, kind) == (seq2, "snapshot")
                assert [h["seq"] for h in data["history"]] == [int(seq2 or 0), int(seq1 or 0)]

        # the worker, outside both servers, ends the listing: the countdown starts
        with live.db.transaction() as s:
            lot = s.get(Lot, lot_id)
            assert lot is not None and lot.ends_at is not None
            live.clock.set(ensure_utc(lot.ends_at) + timedelta(seconds=5))
            assert exchange.run_due(s) == 1
        seq3, phase, _ = sse.until("phase")
        assert phase["phase"] == "countdown" and phase["transition"] == "start_countdown" and not phase["final"]
        assert int(seq3 or 0) > int(seq2 or 0) and phase["running_end"] == phase["countdown_end"] is not None

        # a bid in the countdown restarts it: the countdown message, then the bid
        _bid(live, "bidder", "102000.00")
        _, bid3, passed = sse.until("bid")
        assert passed == ["countdown"] and bid3["countdown_end"] == (
            live.clock.now() + timedelta(seconds=300)).isoformat()

        # the countdown runs out; the worker decides: the result, then the phase (not final yet)
        with live.db.transaction() as s:
            lot = s.get(Lot, lot_id)
            assert lot is not None and lot.countdown_end is not None
            live.clock.set(ensure_utc(lot.countdown_end) + timedelta(seconds=1))
            assert exchange.run_due(s) >= 1
        _, result, _ = sse.until("result")
        assert result == {**result, "outcome": "award", "price_cny": "102000.00",
                          "winner_code": live.codes["bidder"]}
        _, phase, _ = sse.until("phase")
        assert phase["phase"] == "award_pending" and not phase["final"]

        # the award confirmation is not final (an unpaid balance may still promote the runner-up); the price
        # settled is: the phase, the end message, then the stream closes
        with live.db.transaction() as s:
            exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
        _, phase, passed = sse.until("phase")
        assert passed == ["result"] and phase["phase"] == "confirmed" and not phase["final"]
        with live.db.transaction() as s:
            pay_balance(s, lot_id)
        _, phase, _ = sse.until("phase")
        assert phase["phase"] == "settled" and phase["final"]
        assert sse.next()[1] == "end" and sse.ended()
        text = "\n".join(sse.raw)
    for party, name in live.world.names.items():  # anonymous codes only: no names, no party ids
        assert name not in text and f'"party_id":{party}' not in text

    # a final lot: the snapshot, then the end
    with stream(url) as sse:
        _, kind, data = sse.next()
        assert kind == "snapshot" and data["final"] and data["result"]["confirmation_no"].startswith("CJ-")
        assert sse.next()[1] == "end" and sse.ended()


def test_draft_masking_and_bad_input(db: Database, clock: Clock, servers: tuple[str, str]) -> None:
    """The stream shows a lot to whoever GET /lots/{id} shows it: a draft to exchange operators (of any
    area, as there) and supervisors only; nothing changes on a denial; bad ids are 4xx with a code."""
    server = servers[0]
    with db.transaction() as s:
        draft = new_lot(s, _accounts(s), publish=False).id
    url = f"{server}/api/v1/exchange/lots/{draft}/events"
    with db.transaction(readonly=True) as s:
        before = s.scalar(select(Lot.version).where(Lot.id == draft))
    for who, status in ((None, 404), ("bidder", 404), ("exchange2", 200), ("exchange", 200), ("supervisor", 200)):
        headers = _token(server, who) if who else {}
        plain = httpx.get(f"{server}/api/v1/exchange/lots/{draft}", headers=headers, timeout=TIMEOUT)
        assert plain.status_code == status, who  # the same masking as GET /lots/{id}
        with stream(url, headers) as sse:
            assert sse.response.status_code == status, who
            if status == 404:
                sse.response.read()
                assert sse.response.json()["code"] == "exchange.lot_not_found"
            else:
                _, kind, data = sse.next()
                assert kind == "snapshot" and data["phase"] == "draft" and data["next_min_bid_cny"] is None
    with db.transaction(readonly=True) as s:
        assert s.scalar(select(Lot.version).where(Lot.id == draft)) == before
    assert httpx.get(f"{server}/api/v1/exchange/lots/abc/events", timeout=TIMEOUT).status_code == 422
    r = httpx.get(f"{server}/api/v1/exchange/lots/999999/events", timeout=TIMEOUT)
    assert r.status_code == 404 and r.json()["code"] == "exchange.lot_not_found"
    r = httpx.get(url, headers={"Authorization": "Bearer nonsense"}, timeout=TIMEOUT)
    assert r.status_code == 401 and r.json()["code"] == "auth.invalid_token"


def test_one_check_per_tick_for_all_connections(listing: Live) -> None:
    """Three browsers on one lot share one poller: the hub reads the lot's events once per change."""
    live, lot_id = listing, listing.lot_id
    url = f"{live.a}/api/v1/exchange/lots/{lot_id}/events"
    with stream(url) as s1, stream(url) as s2, stream(url) as s3:
        for s in (s1, s2, s3):
            assert s.next()[1] == "snapshot"
        _bid(live, "bidder", "100000.00")
        seqs = {s.until("bid")[0] for s in (s1, s2, s3)}
        assert len(seqs) == 1
    # each server's hub lives in its event loop: one version check per tick for all three connections,
    # one read of the lot's events per change; closed connections leave their hub
    hubs = list(live_hubs())
    assert any(h.reads >= 1 for h in hubs) and all(h.reads <= h.polls for h in hubs)
    for _ in range(200):
        if all(h.subscribers() == 0 for h in hubs):
            break
        time.sleep(0.05)
    assert [h.subscribers() for h in hubs] == [0] * len(hubs) and all(h.feeds == {} for h in hubs)


def test_heartbeat_and_lifetime(listing: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """An idle stream sends a comment every heartbeat_seconds of the rule set, and ends after its lifetime
    (here both shortened), so a stopping server waits for no stream longer than that."""
    quick = live.LiveRules(heartbeat_seconds=0.2, poll_interval_seconds=0.05, queue_events=8, history_tail=5,
                           replay_max_events=10, retry_ms=500, stream_max_seconds=1.0)
    monkeypatch.setattr(live, "live_rules", lambda day=None: quick)
    with stream(f"{listing.a}/api/v1/exchange/lots/{listing.lot_id}/events") as sse:
        assert sse.next()[1] == "snapshot"
        assert sse.comment() == ": heartbeat" and sse.comment() == ": heartbeat"
        assert "retry: 500" in sse.raw
        # past its lifetime the server ends the stream without an end message: the browser reconnects
        with pytest.raises(EOFError):
            while True:
                assert sse.next()[1] != "end"


def test_live_parameters_are_rule_data() -> None:
    rules = live.live_rules()
    assert rules.heartbeat_seconds == 15 and 0 < rules.poll_interval_seconds <= 1 and rules.queue_events > 0


def live_hubs() -> Iterator[live.LiveHub]:
    return iter(list(live._hubs.values()))


def test_hub_drops_a_slow_client() -> None:
    rules = live.LiveRules(heartbeat_seconds=15, poll_interval_seconds=3600, queue_events=2, history_tail=5,
                           replay_max_events=10, retry_ms=100,
                           stream_max_seconds=60)

    async def run() -> tuple[list[Any], list[Any], int]:
        hub = live.LiveHub(rules)
        slow, _ = hub.subscribe(7, 0)
        fast, _ = hub.subscribe(7, 0)
        changes = [live.Change(n, (live.LiveEvent("bid", {"n": n}, n),)) for n in (1, 2, 3)]
        hub._deliver(hub.feeds[7], changes[:2])
        await fast.queue.get(), await fast.queue.get()
        hub._deliver(hub.feeds[7], changes[2:])
        got_slow = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
        got_fast = [fast.queue.get_nowait() for _ in range(fast.queue.qsize())]
        hub.unsubscribe(slow)
        hub.unsubscribe(fast)
        assert hub.feeds == {}
        return got_slow, got_fast, hub.dropped

    got_slow, got_fast, dropped = asyncio.run(run())
    assert got_slow == [None] and [c.seq for c in got_fast] == [3] and dropped == 1


def test_encoding_and_last_event_id() -> None:
    ev = live.LiveEvent("bid", {"amount_cny": "1.00", "note": "两行\n文字"}, 42)
    assert ev.encode().decode() == 'id: 42\nevent: bid\ndata: {"amount_cny":"1.00","note":"两行\\n文字"}\n\n'
    assert live.LiveEvent("countdown", {}).encode().startswith(b"event: countdown\n")
    assert [live._last_event_id(v) for v in ("12", " 7 ", "-1", "x", "", None, "9" * 30)] == [
        12, 7, None, None, None, None, None]
    assert {"settled", "handed_over", "unsuccessful", "cancelled"} == live.FINAL_PHASES


def test_public_projection_of_lot_events(db: Database, clock: Clock, world: World) -> None:
    """The public sees publication, phases and accepted bids (by code, without the idempotency key);
    registrations, deposits and refused bids are not shown."""
    with db.transaction() as s:
        lot = new_lot(s, world)
        bidder = enrol(s, lot, world, world.bidders[0])
        clock.set(ensure_utc(lot.starts_at) + timedelta(minutes=1))
        exchange.place_bid(s, lot_id=lot.id, bidder_id=bidder.id, amount="100000.00", idempotency_key="k1",
                           actor="party")
        exchange.place_bid(s, lot_id=lot.id, bidder_id=bidder.id, amount="100500.00", idempotency_key="k2",
                           actor="party")  # refused: not a multiple of the increment
        changes = live.changes_after(s, lot, 0)
        assert changes is not None
        events = [e for c in changes for e in c.events]
        assert [(e.kind, e.data.get("phase")) for e in events] == [
            ("phase", "announced"), ("phase", "listing"), ("bid", "listing")]
        assert events[-1].data["bidder_code"] == bidder.bidder_code and "idempotency_key" not in events[-1].data
        assert [c.seq for c in changes] == sorted(c.seq for c in changes) and all(
            c.events[-1].seq == c.seq for c in changes)
        assert live.changes_after(s, lot, 0, limit=2) is None  # too many to replay: the caller sends a snapshot

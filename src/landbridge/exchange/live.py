"""Live lot updates to browsers over Server-Sent Events (F4, issue #6 scope 4; ADR 0009).

``GET /api/v1/exchange/lots/{id}/events`` sends a snapshot (phase, price, next minimum bid, deadlines, server
time, the anonymous bid history tail, the bidder count), then one event per change of the lot: an accepted bid
(preceded by the running countdown it set), a phase change (preceded by the result when the lot is decided).
The SSE ``id`` of an event is the ledger seq of the lot event it shows, so a browser reconnecting with
``Last-Event-ID`` is sent what it missed, read from the database. The database is the only source of truth:
one poller per process checks the version of every lot it streams in one query per tick and reads the lot's
new ledger events only when a version moved; it fans them out to bounded per-connection queues, and drops a
client that falls behind (it reconnects and resumes from the ledger). Bidders appear by anonymous code only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.auth import Principal, Role, optional_principal
from landbridge.config import get_settings
from landbridge.db import get_database
from landbridge.exchange.disclosure import published_winner_name
from landbridge.exchange.lots import lot_not_found
from landbridge.exchange.models import Bid, Bidder, Lot, LotResult
from landbridge.exchange.rules import BIDDING_PHASES, TRANSITIONS, BidStatus, LotPhase, minimum_next_bid
from landbridge.kernel.clock import ensure_utc, get_clock, now
from landbridge.ledger import list_events, subjects
from landbridge.web.transaction import TransactionalRoute, get_session

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"], route_class=TransactionalRoute)

# Ledger event type -> the phase it leads to. Transitions are recorded under their own name (lots.move_lot).
PHASE_EVENTS: dict[str, LotPhase] = {
    "lot_published": LotPhase.announced, "lot_cancelled": LotPhase.cancelled,
    **{name: target for name, (_, target) in TRANSITIONS.items() if name not in ("publish", "cancel")}}
# A lot is final when its result can no longer change: no transition leaves the phase, or only the registry
# handover is left (the price settled). A confirmed award is not final: a winner who does not pay the balance
# defaults and the next bidder may be promoted.
_SOURCES: frozenset[str] = frozenset().union(*(sources for sources, _ in TRANSITIONS.values()))
FINAL_PHASES: frozenset[str] = frozenset({p.value for p in LotPhase if p not in _SOURCES} | {LotPhase.settled})
PAGE = 200


@dataclass(frozen=True)
class LiveRules:
    """The live-update parameters in force (rules/exchange_live.toml)."""

    heartbeat_seconds: float
    poll_interval_seconds: float
    queue_events: int
    history_tail: int
    replay_max_events: int
    retry_ms: int
    stream_max_seconds: float


def live_rules() -> LiveRules:
    """The live-update parameters: technical settings (``LANDBRIDGE_LIVE_*``), not rule data (issue #13 item 6)."""
    s = get_settings()
    return LiveRules(heartbeat_seconds=s.live_heartbeat_seconds, poll_interval_seconds=s.live_poll_interval_ms / 1000,
                     queue_events=s.live_queue_events, history_tail=s.live_history_tail,
                     replay_max_events=s.live_replay_max_events, retry_ms=s.live_retry_ms,
                     stream_max_seconds=s.live_stream_max_seconds)


@dataclass(frozen=True)
class LiveEvent:
    """One SSE message; ``seq`` (the ledger seq) is its ``id``, None for a message that precedes its change."""

    kind: str
    data: dict[str, Any]
    seq: int | None = None

    def encode(self) -> bytes:
        head = "" if self.seq is None else f"id: {self.seq}\n"
        body = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), default=_json)
        return f"{head}event: {self.kind}\ndata: {body}\n\n".encode()


@dataclass(frozen=True)
class Change:
    """The public messages of one lot event of the ledger, the last one carrying its seq."""

    seq: int
    events: tuple[LiveEvent, ...]

    @property
    def final(self) -> bool:
        return any(e.kind == "phase" and e.data.get("final") for e in self.events)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, Decimal | date):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _subject(lot_id: int) -> str:
    return subjects.lot(lot_id)


def may_see(principal: Principal | None, lot: Lot) -> bool:
    """The masking of GET /lots/{id}: a draft only for exchange operators and supervisors."""
    if lot.phase != LotPhase.draft:
        return True
    return principal is not None and principal.role in (Role.exchange_operator, Role.supervisor)


def running_end(lot: Lot, phase: str, countdown_end: datetime | None) -> datetime | None:
    """The deadline a lot page counts down to in ``phase``."""
    if phase in (LotPhase.countdown, LotPhase.live_auction):
        return countdown_end
    if phase == LotPhase.listing:
        return lot.freeze_at or lot.ends_at
    if phase == LotPhase.listing_frozen:
        return lot.ends_at
    if phase == LotPhase.announced:
        return lot.starts_at
    return None


def _next_min(lot: Lot, phase: str, current: Decimal | None) -> Decimal | None:
    if phase in BIDDING_PHASES or phase in (LotPhase.announced, LotPhase.registration_closed):
        return minimum_next_bid(start_price=lot.start_price_cny, increment=lot.increment_cny,
                                current=None if lot.offer_countdown_s else current)  # 变卖: always the fixed price
    return None


def _time() -> dict[str, Any]:
    """The server time, and the rate its clock runs at (1 in production; an accelerated demo or test runs
    faster, a frozen test clock not at all) so a browser counts down at the server's pace."""
    at = now()
    return {"server_time": at, "server_time_ms": int(at.timestamp() * 1000), "clock_rate": get_clock().speed}


def _bidders(session: Session, lot_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Bidder).where(Bidder.lot_id == lot_id)) or 0)


def _code(session: Session, bidder_id: Any) -> str | None:
    bidder = session.get(Bidder, int(bidder_id)) if bidder_id is not None else None
    return None if bidder is None else bidder.bidder_code


def lot_cursor(session: Session, lot_id: int) -> int:
    """The seq of the lot's latest ledger event (0 if none): the last accepted bid's, then the events after it."""
    after = session.scalar(select(Bid.ledger_seq).where(Bid.lot_id == lot_id, Bid.status == BidStatus.accepted)
                           .order_by(Bid.id.desc()).limit(1)) or 0
    while True:
        events = list_events(session, subject=_subject(lot_id), after=after, limit=PAGE)
        if events:
            after = events[-1].seq
        if len(events) < PAGE:
            return int(after)


def _history(session: Session, lot_id: int, upto: int, limit: int) -> list[dict[str, Any]]:
    rows = session.execute(select(Bid, Bidder.bidder_code).join(Bidder, Bidder.id == Bid.bidder_id)
                           .where(Bid.lot_id == lot_id, Bid.status == BidStatus.accepted, Bid.ledger_seq <= upto)
                           .order_by(Bid.id.desc()).limit(limit)).all()
    return [{"seq": b.ledger_seq, "bidder_code": code, "amount_cny": b.amount_cny, "placed_at": b.placed_at,
             "channel": b.channel} for b, code in rows]


def _find_result(session: Session, lot_id: int) -> LotResult | None:
    return session.execute(select(LotResult).where(LotResult.lot_id == lot_id)).scalar_one_or_none()


def _result(session: Session, lot: Lot) -> dict[str, Any] | None:
    """The published result: the winner by code, and by name only as the rules publish it once confirmed."""
    result = _find_result(session, lot.id)
    if result is None:
        return None
    return {"outcome": result.outcome, "reason": result.reason, "price_cny": result.price_cny,
            "winner_code": _code(session, result.winner_bidder_id),
            "winner_name": published_winner_name(session, lot, result), "confirmation_no": result.confirmation_no}


def snapshot(session: Session, lot_id: int, *, history_tail: int) -> tuple[LiveEvent, Lot]:
    """The lot as a browser first sees it, with the seq of the last lot event it reflects as its id.

    The cursor is read before the lot, so the state is at least as new as the cursor; an event after the
    cursor that the state already shows is sent again and applies idempotently (its seq names it).
    """
    cursor = lot_cursor(session, lot_id)
    lot = session.execute(select(Lot).where(Lot.id == lot_id).execution_options(populate_existing=True)
                          ).scalar_one_or_none()
    if lot is None:
        raise lot_not_found(lot_id)
    data = {"lot_id": lot.id, "number": lot.number, "phase": lot.phase, "final": lot.phase in FINAL_PHASES,
            "current_price_cny": lot.current_price_cny, "next_min_bid_cny": _next_min(lot, lot.phase,
                                                                                    lot.current_price_cny),
            "leader_code": _code(session, lot.leader_bidder_id), "accepted_bids": lot.accepted_bids,
            "starts_at": lot.starts_at, "ends_at": lot.ends_at, "countdown_end": lot.countdown_end,
            "running_end": running_end(lot, lot.phase, lot.countdown_end), "bidders": _bidders(session, lot.id),
            "history": _history(session, lot.id, cursor, history_tail), "result": _result(session, lot),
            **_time()}
    return LiveEvent("snapshot", data, cursor), lot


def _project(session: Session, lot: Lot, seq: int, event_type: str, payload: dict[str, Any]) -> Change | None:
    """The public messages of one ledger event of the lot, or None for an event the public does not see."""
    if event_type == "bid_accepted":
        amount = Decimal(str(payload["amount_cny"]))
        phase = str(payload.get("phase"))
        data = {"seq": seq, "bidder_code": payload["bidder_code"], "amount_cny": amount,
                "placed_at": payload.get("placed_at"), "channel": payload.get("channel"), "phase": phase,
                "current_price_cny": amount, "leader_code": payload["bidder_code"],
                "next_min_bid_cny": _next_min(lot, phase, amount), "countdown_end": payload.get("countdown_end"),
                **_time()}
        head: tuple[LiveEvent, ...] = ()
        if phase in (LotPhase.countdown, LotPhase.live_auction) and payload.get("countdown_end"):
            head = (LiveEvent("countdown", {"countdown_end": payload["countdown_end"], "reason": "bid", **_time()}),)
        return Change(seq, (*head, LiveEvent("bid", data, seq)))
    target = PHASE_EVENTS.get(event_type)
    if target is None:
        return None
    countdown_end = payload.get("countdown_end") or payload.get("ends_at")
    end = running_end(lot, target, _parse_time(countdown_end))
    data = {"seq": seq, "phase": target, "transition": event_type, "final": target in FINAL_PHASES,
            "at": payload.get("at") or payload.get("closed_at"), "running_end": end,
            "countdown_end": countdown_end, "bidders": _bidders(session, lot.id),
            "next_min_bid_cny": _next_min(lot, target, lot.current_price_cny), **_time()}
    head = ()  # the result precedes the phase change that publishes it
    if event_type in ("award", "fail", "confirm_award"):
        head = (LiveEvent("result", _result_of(session, lot, event_type, payload) | _time()),)
    return Change(seq, (*head, LiveEvent("phase", data, seq)))


def _result_of(session: Session, lot: Lot, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The published result named by a decision event (never the operator's free text); the winner's name only
    with the confirmation, as the rules publish it, and only while that winner still holds the award."""
    if event_type == "fail":
        reason = "winner_default" if "defaulted_bidder_id" in payload else str(payload.get("reason"))
        return {"outcome": "unsuccessful", "reason": reason, "price_cny": None, "winner_code": None,
                "winner_name": None}
    out = {"outcome": "award", "price_cny": payload.get("price_cny"),
           "winner_code": _code(session, payload.get("winner_bidder_id")),
           "reason": "promoted_next" if payload.get("promoted") else None, "winner_name": None}
    if event_type == "confirm_award":
        out["confirmation_no"] = payload.get("confirmation_no")
        result = _find_result(session, lot.id)
        if result is not None and result.winner_bidder_id == payload.get("winner_bidder_id"):
            out["winner_name"] = published_winner_name(session, lot, result)
    return out


def _parse_time(value: Any) -> datetime | None:
    return ensure_utc(datetime.fromisoformat(value)) if isinstance(value, str) else None


def changes_after(session: Session, lot: Lot, after: int, *, limit: int | None = None) -> list[Change] | None:
    """The public changes of a lot after ledger seq ``after``, oldest first; None when more than ``limit``
    lot events would have to be read (the caller sends a snapshot instead)."""
    out: list[Change] = []
    seen = 0
    while True:
        events = list_events(session, subject=_subject(lot.id), after=after, limit=PAGE)
        seen += len(events)
        if limit is not None and seen > limit:
            return None
        for ev in events:
            change = _project(session, lot, ev.seq, ev.event_type, json.loads(ev.body)["payload"])
            if change is not None:
                out.append(change)
        if len(events) < PAGE:
            return out
        after = events[-1].seq


def opening(session: Session, lot_id: int, last_event_id: int | None, rules: LiveRules,
            ) -> tuple[list[LiveEvent], int, bool]:
    """What a connection starts with: the missed changes after ``last_event_id`` when it names a seq of this
    lot's stream that can be replayed, else a snapshot. Returns the messages, their cursor and finality."""
    if last_event_id is not None:
        lot = session.get(Lot, lot_id)
        missed = None if lot is None else changes_after(session, lot, last_event_id, limit=rules.replay_max_events)
        cursor = lot_cursor(session, lot_id)
        if lot is not None and missed is not None and last_event_id <= cursor:
            session.refresh(lot)
            events = [e for change in missed for e in change.events]
            seq = missed[-1].seq if missed else last_event_id
            return events, seq, lot.phase in FINAL_PHASES
    first, lot = snapshot(session, lot_id, history_tail=rules.history_tail)
    assert first.seq is not None
    return [first], first.seq, lot.phase in FINAL_PHASES


def read_changes(lot_id: int, after: int) -> list[Change]:
    """The lot's public changes after ``after``, in a read-only transaction of their own."""
    with get_database().transaction(readonly=True) as s:
        lot = s.get(Lot, lot_id)
        return [] if lot is None else changes_after(s, lot, after) or []


# --- the per-process hub ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Subscriber:
    """One connected browser: a bounded queue of changes; None in it ends the stream (dropped)."""

    lot_id: int
    queue: asyncio.Queue[Change | None]
    dropped: bool = False


@dataclass(eq=False)
class _Feed:
    lot_id: int
    last_seq: int
    version: int | None = None
    subscribers: set[Subscriber] = field(default_factory=set)


class LiveHub:
    """One per process (event loop): one poller for every streamed lot, fanning changes out to queues."""

    def __init__(self, rules: LiveRules) -> None:
        self.rules = rules
        self.feeds: dict[int, _Feed] = {}
        self.polls = 0  # change checks run (one query for all lots each)
        self.reads = 0  # lots whose events were read after a version moved
        self.dropped = 0  # slow clients dropped
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, lot_id: int, cursor: int) -> tuple[Subscriber, int]:
        """Join the lot's feed; returns the subscriber and the feed's seq (the caller reads any gap to it)."""
        feed = self.feeds.get(lot_id)
        if feed is None:
            feed = self.feeds[lot_id] = _Feed(lot_id, cursor)
        sub = Subscriber(lot_id, asyncio.Queue(self.rules.queue_events))
        feed.subscribers.add(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return sub, feed.last_seq

    def unsubscribe(self, sub: Subscriber) -> None:
        feed = self.feeds.get(sub.lot_id)
        if feed is None:
            return
        feed.subscribers.discard(sub)
        if not feed.subscribers:
            del self.feeds[sub.lot_id]

    def subscribers(self) -> int:
        return sum(len(f.subscribers) for f in self.feeds.values())

    async def _run(self) -> None:
        while self.feeds:
            await asyncio.sleep(self.rules.poll_interval_seconds)
            try:
                await self.poll_once()
            except Exception:  # a failed check is retried next tick; the streams stay open
                log.exception("live: change check failed")

    async def poll_once(self) -> None:
        """Check every streamed lot's version in one query; deliver the changes of those that moved."""
        feeds = dict(self.feeds)
        if not feeds:
            return
        watch = {lot_id: (f.version, f.last_seq) for lot_id, f in feeds.items()}
        found = await run_in_threadpool(_check, watch)
        self.polls += 1
        for lot_id, (version, changes) in found.items():
            feed = feeds[lot_id]
            if self.feeds.get(lot_id) is not feed:
                continue  # the feed was closed (and maybe reopened at another cursor) meanwhile
            self.reads += 1
            feed.version = version
            self._deliver(feed, [c for c in changes if c.seq > feed.last_seq])

    def _deliver(self, feed: _Feed, changes: list[Change]) -> None:
        if not changes:
            return
        for sub in list(feed.subscribers):
            for change in changes:
                if sub.dropped:
                    break
                try:
                    sub.queue.put_nowait(change)
                except asyncio.QueueFull:
                    self._drop(sub)
        feed.last_seq = changes[-1].seq

    def _drop(self, sub: Subscriber) -> None:
        """A client too slow to drain its queue: end its stream; it resumes from the ledger by Last-Event-ID."""
        sub.dropped = True
        self.dropped += 1
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)


def _check(watch: dict[int, tuple[int | None, int]]) -> dict[int, tuple[int, list[Change]]]:
    """One query for the versions of the watched lots; the new changes of those whose version moved."""
    out: dict[int, tuple[int, list[Change]]] = {}
    with get_database().transaction(readonly=True) as s:
        rows = s.execute(select(Lot.id, Lot.version).where(Lot.id.in_(list(watch)))).all()
        for lot_id, version in rows:
            known, after = watch[lot_id]
            if version == known:
                continue
            lot = s.get(Lot, lot_id)
            assert lot is not None
            out[lot_id] = (version, changes_after(s, lot, after) or [])
    return out


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveHub] = weakref.WeakKeyDictionary()


def hub() -> LiveHub:
    """This process's hub (one per running event loop)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = LiveHub(live_rules())
    return found


END = LiveEvent("end", {})
HEARTBEAT = b": heartbeat\n\n"


def _encode(changes: Iterable[Change]) -> bytes:
    return b"".join(e.encode() for c in changes for e in c.events)


async def stream(lot_id: int, opening_events: list[LiveEvent], cursor: int, final: bool, rules: LiveRules,
                 ) -> AsyncIterator[bytes]:
    """The body of one SSE connection: the opening, then the lot's changes until it is final."""
    yield f"retry: {rules.retry_ms}\n\n".encode() + b"".join(e.encode() for e in opening_events)
    if final:  # the state read was final: send whatever followed the cursor, then end
        yield _encode(await run_in_threadpool(read_changes, lot_id, cursor)) + END.encode()
        return
    live = hub()
    sub, feed_seq = live.subscribe(lot_id, cursor)
    sent = cursor
    loop = asyncio.get_running_loop()
    close_at = loop.time() + rules.stream_max_seconds  # then the browser reconnects and resumes by its id
    try:
        if feed_seq > cursor:  # the feed is ahead of this connection's opening: read the gap
            gap = await run_in_threadpool(read_changes, lot_id, cursor)
            if gap:
                sent = gap[-1].seq
                yield _encode(gap)
                if any(c.final for c in gap):
                    yield END.encode()
                    return
        while (left := close_at - loop.time()) > 0:
            try:
                change = await asyncio.wait_for(sub.queue.get(), min(rules.heartbeat_seconds, left))
            except TimeoutError:
                yield HEARTBEAT
                continue
            if change is None:
                return  # dropped as too slow: the browser reconnects with Last-Event-ID
            if change.seq <= sent:
                continue
            sent = change.seq
            yield _encode([change])
            if change.final:
                yield END.encode()
                return
    finally:
        live.unsubscribe(sub)


def _last_event_id(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 18:
        return None
    return int(value.strip())


@router.get("/lots/{lot_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}})
def lot_events(lot_id: int, request: Request, principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> StreamingResponse:
    """Follow a lot live (SSE): snapshot, then bids, countdown, phase and result; resumable by Last-Event-ID (F4)."""
    lot = session.get(Lot, lot_id)
    if lot is None or not may_see(principal, lot):
        raise lot_not_found(lot_id)
    rules = live_rules()
    events, cursor, final = opening(session, lot_id, _last_event_id(request.headers.get("last-event-id")), rules)
    session.rollback()  # the stream holds no connection; the hub reads with its own
    return StreamingResponse(stream(lot_id, events, cursor, final, rules), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

"""The bid sequencer (报价排序器): the API's online bids judged in batches, one transaction and one commit per batch
(F4, issue #6 speed; ADR 0008).

Each server process runs one sequencer thread. Requests queue up while the thread judges the previous
batch; it then takes everything waiting (up to ``max_batch``) and judges it with ``bidding.place_bids`` in
one transaction: every lot named locked in id order, the bids judged in arrival order exactly as if placed
one by one, the accepted bids' ledger events appended together. Only after the commit are the waiting
requests answered, so an acknowledged bid is durable (a process killed mid-batch acknowledged nothing
from it; the bidder's retry with the same idempotency key is then judged afresh). A batch that fails as a
whole (a deadlock with another process's batch, a lost connection) is retried; an unexpected error is
isolated by judging that batch's requests one by one, so one request cannot fail another.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from landbridge.auth import Role, check_role, invalid_token, principals_from_tokens
from landbridge.db import Database, get_database
from landbridge.errors import DomainError
from landbridge.exchange.bidding import BidRequest, place_bids
from landbridge.exchange.refusals import party_required
from landbridge.exchange.schemas import BidRead
from landbridge.kernel.metrics import BID_BATCH_SECONDS, BID_BATCH_SIZE

log = logging.getLogger("landbridge.exchange.sequencer")
BIDDERS = (Role.bidder,)
Result = BidRead | DomainError


def identify(session: Session, requests: Sequence[BidRequest]) -> list[BidRequest | DomainError]:
    """Resolve the bearer tokens of a batch in one query: each request as its bidder's (party and actor
    filled in), or the error its caller gets (401 unknown or expired token, 403 not a bidder, 422 no party)."""
    found = principals_from_tokens(session, {r.token for r in requests if r.token is not None})
    out: list[BidRequest | DomainError] = []
    for r in requests:
        if r.token is None:
            out.append(r)
            continue
        principal = found.get(r.token)
        try:
            if principal is None:
                raise invalid_token()
            check_role(principal, BIDDERS)
            if principal.party_id is None:
                raise party_required()
        except DomainError as exc:
            out.append(exc)
            continue
        out.append(replace(r, token=None, party_id=principal.party_id, bidder_id=None, actor=principal.actor))
    return out


class Link:
    """The sequencer thread's own database connection, kept from batch to batch.

    Taking a pooled connection per batch costs a checkout and a liveness ping (a round trip) every time; the
    sequencer is one thread that never stops, so it keeps one connection and opens each batch's transaction on
    it. A failed batch drops the connection (``reset``), so the retry starts on a fresh one; a different
    process-wide database (tests) is followed.
    """

    def __init__(self) -> None:
        self._db: Database | None = None
        self._conn: Connection | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One batch's unit of work on the kept connection: commit on success, roll back on any exception."""
        db = get_database()
        if self._conn is None or self._db is not db or self._conn.invalidated or self._conn.closed:
            self.reset()
            self._conn, self._db = db.engine.connect(), db
        with Session(bind=self._conn, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def reset(self) -> None:
        """Close the kept connection (after a failure); the next batch opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except DBAPIError:
                log.warning("closing the sequencer's connection failed", exc_info=True)


def judge_batch(requests: Sequence[BidRequest], *, attempts: int = 3, link: Link | None = None) -> list[Result]:
    """Judge a batch in one transaction and commit it; retried whole on a database failure (deadlock).

    With a ``link`` the transaction runs on its kept connection (the sequencer's thread), else on a pooled one."""
    BID_BATCH_SIZE.observe(len(requests))
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        try:
            with link.transaction() if link is not None else get_database().transaction() as session:
                callers = identify(session, requests)
                valid = [r for r in callers if isinstance(r, BidRequest)]
                judged = iter(place_bids(session, valid))
                results: list[Result] = []
                for caller in callers:
                    outcome = next(judged) if isinstance(caller, BidRequest) else caller
                    results.append(outcome if isinstance(outcome, DomainError) else outcome.read())
            BID_BATCH_SECONDS.observe(time.perf_counter() - started)
            return results
        except DBAPIError:
            if link is not None:
                link.reset()
            if attempt == attempts:
                raise
            log.warning("bid batch of %d failed (attempt %d), retrying", len(requests), attempt, exc_info=True)
    raise AssertionError("unreachable")


class BidSequencer:
    """One thread per process that judges queued bids in batches and answers each request's future."""

    def __init__(self, max_batch: int = 200) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[BidRequest, Future[Result]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._link = Link()

    def submit(self, request: BidRequest) -> Future[Result]:
        """Queue a bid; the future gets its receipt or typed error once the batch holding it is committed."""
        future: Future[Result] = Future()
        self._queue.put((request, future))
        self._ensure_running()
        return future

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="bid-sequencer", daemon=True)
                self._thread.start()

    def _take(self) -> list[tuple[BidRequest, Future[Result]]]:
        batch = [self._queue.get()]
        while len(batch) < self.max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            try:
                self._answer(batch, judge_batch([r for r, _ in batch], link=self._link))
            except Exception:  # isolate the request that breaks the batch: judge them one by one
                log.exception("bid batch of %d failed; judging its bids one by one", len(batch))
                for request, future in batch:
                    try:
                        self._answer([(request, future)], judge_batch([request], link=self._link))
                    except Exception as exc:  # answered to that request alone (the API turns it into a 500)
                        future.set_exception(exc)

    @staticmethod
    def _answer(batch: list[tuple[BidRequest, Future[Result]]], results: list[Result]) -> None:
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


_sequencer = BidSequencer()


def sequencer() -> BidSequencer:
    """This process's bid sequencer."""
    return _sequencer

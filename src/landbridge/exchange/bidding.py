"""The bidding engine (F4): one bid at a time per lot, validated against the lot's rule snapshot, recorded
accepted or rejected with a code, idempotent per lot, bidder and key.

Bids arrive one by one (``place_bid``) or as a batch judged in one transaction (``place_bids``, what the
bid sequencer of the API uses: one commit and one ledger-head lock for many bids). Per-lot
serialisation: the lot row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` serialises writers), so two bids at one price cannot both be accepted; a partial unique
index on accepted (lot, amount) backs this up in the database. Due deadlines are fired before the bid
is judged, so a bid after the countdown's end is refused even if the worker has not run yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session, make_transient_to_detached

from landbridge.db import insert_rows
from landbridge.errors import DomainError
from landbridge.exchange import rules
from landbridge.exchange.barlist import barred_parties, barred_reason, list_applies
from landbridge.exchange.consortium_holders import member_listed
from landbridge.exchange.deadlines import advance_lot
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import lot_event
from landbridge.exchange.inputs import money
from landbridge.exchange.lots import lock_lots, lot_not_found
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot
from landbridge.exchange.rules import BidStatus, Channel, DepositStatus, LotPhase
from landbridge.exchange.ruleset import lot_rules
from landbridge.exchange.schemas import BidRead
from landbridge.kernel.clock import ensure_utc, now
from landbridge.ledger import NewEvent, append_events


@dataclass(frozen=True)
class BidOutcome:
    """A bid as recorded, the lot after it, and whether this was a replay of an earlier request."""

    bid: Bid
    lot: Lot
    bidder_code: str
    replay: bool

    @property
    def accepted(self) -> bool:
        """Taken: the leading bid, or a fixed-price sale's later offer standing behind the first (``standby``)."""
        return self.bid.status in (BidStatus.accepted, BidStatus.standby)

    def read(self) -> BidRead:
        """The judged bid as the API answers it, as plain values taken inside the transaction that recorded it
        (safe to use after it); the answer adds the server time (``views.bid_answer``)."""
        bid, lot = self.bid, self.lot
        return BidRead(id=bid.id, lot_id=bid.lot_id, bidder_code=self.bidder_code, amount_cny=bid.amount_cny,
                       status=bid.status, reject_code=bid.reject_code, phase=bid.phase, channel=bid.channel,
                       placed_at=bid.placed_at, replay=self.replay, current_price_cny=lot.current_price_cny,
                       countdown_end=lot.countdown_end)


def _open_now(lot: Lot) -> bool:
    """Whether the lot takes bids at this instant (phase and the running deadline)."""
    at = now()
    if lot.phase == LotPhase.listing:
        end = lot.freeze_at or lot.ends_at
        return end is None or at < ensure_utc(end)
    if lot.phase in (LotPhase.countdown, LotPhase.live_auction):
        return lot.countdown_end is None or at < ensure_utc(lot.countdown_end)
    return False


@dataclass(frozen=True)
class BidRequest:
    """One bid as submitted: by which registered bidder (its id, or the party it is registered as on the lot),
    how much, under which idempotency key, from where."""

    lot_id: int
    bidder_id: int | None
    amount: Decimal | str
    idempotency_key: str
    actor: str
    channel: Channel = Channel.online
    evidence: str | None = None
    client_ip: str | None = None
    device_id: str | None = None
    party_id: int | None = None
    token: str | None = None  # the caller's bearer token, resolved with the batch (``sequencer.judge_batch``)


def place_bid(session: Session, *, lot_id: int, bidder_id: int, amount: Decimal | str, idempotency_key: str,
              actor: str, channel: Channel = Channel.online, evidence: str | None = None,
              client_ip: str | None = None, device_id: str | None = None) -> BidOutcome:
    """Place a bid (报价) for a registered bidder; returns the accepted or rejected bid (F4, rules.md Exchange)."""
    outcome = place_bids(session, [BidRequest(lot_id, bidder_id, amount, idempotency_key, actor, channel, evidence,
                                              client_ip, device_id)])[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def place_bids(session: Session, requests: Sequence[BidRequest]) -> list[BidOutcome | DomainError]:
    """Judge several bids in arrival order in one transaction: the outcome of each, or its typed error (F4).

    The bidders, their deposits and the bar list are read first, before any lock, so that another process's
    batch waits for this one's locks only as long as the judging itself (measured: the lock wait of two
    server processes' batches fell from 13-17 ms to 3-5 ms). Then every lot named is locked, in id order,
    and its due deadlines fire; the bids earlier placed under the same keys are read under the locks; each
    bid is judged against the lot as the bids before it left it, exactly as if placed one by one. A request
    that is refused with an error (unknown bidder, bad amount, reused key) writes nothing and leaves the
    others alone. The accepted bids' ledger events are appended together, taking the ledger head once.

    Reading before locking is safe: a deposit or bar-list change that commits in between is simply ordered
    after this batch, and a change a deadline makes under the lot's lock shows in the lot's phase, which is
    judged first.
    """
    facts = _Facts.read(session, requests)
    lots = lock_lots(session, {r.lot_id for r in requests})
    for lot in lots.values():
        advance_lot(session, lot)
    facts.read_earlier(session, requests)
    outcomes: list[BidOutcome | DomainError] = []
    accepted: list[tuple[Bid, NewEvent]] = []
    batch: dict[tuple[int, int, str], Bid] = {}
    for request in requests:
        try:
            outcome, event = _judge(session, lots, facts, batch, request)
        except DomainError as exc:
            outcomes.append(exc)
            continue
        outcomes.append(outcome)
        if event is not None:
            accepted.append((outcome.bid, event))
    if accepted:
        session.flush()  # the lots' UPDATEs before the ledger head is taken
        for (bid, _), logged in zip(accepted, append_events(session, [e for _, e in accepted]), strict=True):
            bid.ledger_seq = logged.seq
    _insert(session, list(batch.values()))
    return outcomes


def _insert(session: Session, bids: list[Bid]) -> None:
    """Insert the batch's new bids (each accepted one with its ledger seq) in one statement, then attach them
    to the session as persistent rows: the unit of work's per-object INSERT costs more than judging a bid."""
    if not bids:
        return
    table = Bid.metadata.tables[Bid.__tablename__]
    columns = [c.key for c in table.columns if c.key != "id"]
    ids = insert_rows(session, table, [{c: getattr(bid, c) for c in columns} for bid in bids])
    for bid, new_id in zip(bids, ids, strict=True):
        bid.id = new_id
        make_transient_to_detached(bid)
    session.add_all(bids)


@dataclass(frozen=True)
class Entrant:
    """A registered bidder as judging needs it (read as plain columns for the whole batch)."""

    id: int
    lot_id: int
    party_id: int
    bidder_code: str


@dataclass
class _Facts:
    """What every bid needs besides its lot, read for the whole batch in three round trips: the bidders with
    their deposits and the bar list (``read``, before the lots are locked) and the bids earlier placed under
    the same keys (``read_earlier``, under the locks, so that a concurrent retry is seen as a replay)."""

    bidders: dict[int, Entrant]
    registered: dict[tuple[int, int], Entrant]
    deposits: dict[int, str]
    listed: set[int]
    members_listed: set[int]
    earlier: dict[tuple[int, int, str], Bid]

    @classmethod
    def read(cls, session: Session, requests: Sequence[BidRequest]) -> _Facts:
        ids = {r.bidder_id for r in requests if r.bidder_id is not None}
        pairs = {(r.lot_id, r.party_id) for r in requests if r.bidder_id is None and r.party_id is not None}
        rows = session.execute(
            select(Bidder.id, Bidder.lot_id, Bidder.party_id, Bidder.bidder_code, Deposit.status,
                   member_listed(Bidder.id))  # a consortium member barred since it applied (issue #24)
            .outerjoin(Deposit, Deposit.bidder_id == Bidder.id)
            .where(or_(Bidder.id.in_(ids), tuple_(Bidder.lot_id, Bidder.party_id).in_(pairs)))).all()
        found = [Entrant(bid_id, lot_id, party_id, code) for bid_id, lot_id, party_id, code, *_ in rows]
        bidders = {b.id: b for b in found}
        registered = {(b.lot_id, b.party_id): b for b in found}
        deposits = {row[0]: row[4] for row in rows if row[4] is not None}
        listed = set(session.scalars(barred_parties({b.party_id for b in found})))
        return cls(bidders, registered, deposits, listed, {row[0] for row in rows if row[5]}, {})

    def read_earlier(self, session: Session, requests: Sequence[BidRequest]) -> None:
        """The bids already placed under the requests' keys (to answer replays)."""
        keys = [(b.lot_id, b.id, r.idempotency_key.strip()) for r in requests if (b := self.bidder(r)) is not None]
        self.earlier = {(b.lot_id, b.bidder_id, b.idempotency_key): b for b in session.scalars(
            select(Bid).where(tuple_(Bid.lot_id, Bid.bidder_id, Bid.idempotency_key).in_(keys)))} if keys else {}

    @staticmethod
    def bidder_in(bidders: dict[int, Entrant], registered: dict[tuple[int, int], Entrant],
                  r: BidRequest) -> Entrant | None:
        if r.bidder_id is not None:
            return bidders.get(r.bidder_id)
        return registered.get((r.lot_id, r.party_id)) if r.party_id is not None else None

    def bidder(self, r: BidRequest) -> Entrant | None:
        """The bidder a request names, if registered."""
        return self.bidder_in(self.bidders, self.registered, r)


def _judge(session: Session, lots: dict[int, Lot], facts: _Facts, batch: dict[tuple[int, int, str], Bid],
           r: BidRequest) -> tuple[BidOutcome, NewEvent | None]:
    """One bid against its locked lot: a replay, a refusal recorded with its code, or an acceptance."""
    key = r.idempotency_key.strip()
    if not key or len(key) > 64:
        raise ExchangeError.INVALID_IDEMPOTENCY_KEY.error()
    value = money(r.amount)
    lot = lots.get(r.lot_id)
    if lot is None:
        raise lot_not_found(r.lot_id)
    bidder = facts.bidder(r)
    if bidder is None or bidder.lot_id != lot.id:
        raise ExchangeError.BIDDER_NOT_FOUND.error()
    earlier = batch.get((lot.id, bidder.id, key)) or facts.earlier.get((lot.id, bidder.id, key))
    if earlier is not None:
        if earlier.amount_cny != value:
            raise ExchangeError.IDEMPOTENCY_KEY_REUSED.error()
        return BidOutcome(earlier, lot, bidder.bidder_code, replay=True), None
    code = _refusal(session, lot, bidder, value, deposit_status=facts.deposits.get(bidder.id),
                    listed=bidder.party_id in facts.listed, member_listed=bidder.id in facts.members_listed)
    if code is None and lot.offer_countdown_s is not None and any(  # an offer earlier in this same batch
            b.lot_id == lot.id and b.bidder_id == bidder.id and b.status != BidStatus.rejected for b in batch.values()):
        code = rules.OFFER_ALREADY_MADE
    at = now()
    standby = code is None and lot.offer_countdown_s is not None and lot.current_price_cny is not None
    bid = Bid(lot_id=lot.id, bidder_id=bidder.id, amount_cny=value, idempotency_key=key, phase=lot.phase,
              channel=r.channel, entered_by=r.actor, evidence=r.evidence, placed_at=at,
              client_ip=(r.client_ip or None) and r.client_ip[:45],
              device_id=(r.device_id or None) and r.device_id[:64],
              status=BidStatus.rejected if code else BidStatus.standby if standby else BidStatus.accepted,
              reject_code=code)
    batch[(lot.id, bidder.id, key)] = bid  # added to the session after the batch's ledger events (``place_bids``)
    event = None
    if standby:  # a fixed-price sale's later offer: recorded behind the first; lead, price and countdown unmoved
        event = lot_event(lot, "offer_standby", r.actor, {
            "bidder_code": bidder.bidder_code, "amount_cny": value, "phase": bid.phase, "channel": r.channel,
            "placed_at": at, "countdown_end": lot.countdown_end, "idempotency_key": key})
    elif code is None:
        lr = lot_rules(lot)
        first = lot.current_price_cny is None
        lot.current_price_cny = value
        lot.leader_bidder_id = bidder.id
        lot.accepted_bids += 1
        new_end = (offer_countdown_end(lot, at, first=first) if lot.offer_countdown_s is not None
                   else rules.end_after_bid(lr, lot.phase, lot.countdown_end, at))
        if new_end != lot.countdown_end:
            lot.countdown_end = new_end
            lot.next_due_at = new_end
        lot.version += 1
        # The event names the bid by (lot, bidder code, amount, key), unique among accepted bids.
        event = lot_event(lot, "bid_accepted", r.actor, {
            "bidder_code": bidder.bidder_code, "amount_cny": value, "phase": bid.phase, "channel": r.channel,
            "placed_at": at, "countdown_end": lot.countdown_end, "idempotency_key": key})
    return BidOutcome(bid, lot, bidder.bidder_code, replay=False), event


def _refusal(session: Session, lot: Lot, bidder: Entrant, value: Decimal, *, deposit_status: str | None,
             listed: bool, member_listed: bool = False) -> str | None:
    """The first reason to refuse this bid, or None: lot open, bidder eligible (and each member of a joint
    bidder), deposit confirmed, amount."""
    if not _open_now(lot):
        return "exchange.lot_not_open"
    if barred_reason(session, lot, bidder.party_id, listed=listed) is not None:
        return "exchange.bidder_barred"
    if member_listed and list_applies(lot):
        return "exchange.consortium_member_barred"
    if deposit_status != DepositStatus.confirmed:
        return "exchange.deposit_not_confirmed"
    if lot.offer_countdown_s is not None:  # a fixed-price sale (变卖): every offer is the fixed price, once
        if value != lot.start_price_cny:
            return rules.BID_ABOVE_CAP if value > lot.start_price_cny else rules.BID_BELOW_INCREMENT
        return rules.OFFER_ALREADY_MADE if _offered(session, lot.id, bidder.id) else None
    return rules.bid_rejection(value, start_price=lot.start_price_cny, increment=lot.increment_cny,
                               current=lot.current_price_cny, cap=lot.price_cap_cny)


def _offered(session: Session, lot_id: int, bidder_id: int) -> bool:
    """Whether this bidder has already made an offer on this fixed-price sale (one offer each)."""
    return session.scalar(select(Bid.id).where(Bid.lot_id == lot_id, Bid.bidder_id == bidder_id, Bid.status.in_(
        (BidStatus.accepted, BidStatus.standby))).limit(1)) is not None


def offer_countdown_end(lot: Lot, at: datetime, *, first: bool) -> datetime | None:
    """A fixed-price sale's running end after an accepted offer (research/trading.md 2.6 [L15]: any offer during
    变卖 starts a 24 h countdown): the first offer sets it ``offer_countdown_s`` later, bounded by the sale's own
    window (``ends_at``); later offers at the same price during the countdown (``BidStatus.standby``, one per
    bidder) neither move it nor take the lead (the first offer wins; the later ones stand behind it in the order
    made, as runners-up)."""
    if not first:
        return lot.countdown_end
    assert lot.offer_countdown_s is not None
    end = at + timedelta(seconds=lot.offer_countdown_s)
    return min(end, ensure_utc(lot.ends_at)) if lot.ends_at is not None else end

"""The bidding engine (F4): one bid at a time per lot, validated against the lot's rule snapshot, recorded
accepted or rejected with a code, idempotent per lot, bidder and key.

Per-lot serialisation: the lot row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` serialises writers), so two bids at one price cannot both be accepted; a partial unique
index on accepted (lot, amount) backs this up in the database. Due deadlines are fired before the bid
is judged, so a bid after the countdown's end is refused even if the worker has not run yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.exchange import rules
from landbridge.exchange.common import lock_lot, lot_rules, money, record
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot
from landbridge.exchange.rules import BidStatus, Channel, DepositStatus, LotPhase
from landbridge.exchange.service import advance_lot, bar_listed, barred_reason
from landbridge.kernel.clock import ensure_utc, now


@dataclass(frozen=True)
class BidOutcome:
    """A bid as recorded, the lot after it, and whether this was a replay of an earlier request."""

    bid: Bid
    lot: Lot
    bidder_code: str
    replay: bool

    @property
    def accepted(self) -> bool:
        return self.bid.status == BidStatus.accepted


def _open_now(lot: Lot) -> bool:
    """Whether the lot takes bids at this instant (phase and the running deadline)."""
    at = now()
    if lot.phase == LotPhase.listing:
        end = lot.freeze_at or lot.ends_at
        return end is None or at < ensure_utc(end)
    if lot.phase in (LotPhase.countdown, LotPhase.live_auction):
        return lot.countdown_end is None or at < ensure_utc(lot.countdown_end)
    return False


def place_bid(session: Session, *, lot_id: int, bidder_id: int, amount: Decimal | str, idempotency_key: str,
              actor: str, channel: Channel = Channel.online, evidence: str | None = None,
              client_ip: str | None = None, device_id: str | None = None) -> BidOutcome:
    """Place a bid (报价) for a registered bidder; returns the accepted or rejected bid (F4, rules.md Exchange)."""
    key = idempotency_key.strip()
    if not key or len(key) > 64:
        raise RuleViolation("exchange.invalid_idempotency_key", "幂等键须为1至64个字符",
                            "the idempotency key must have 1 to 64 characters")
    value = money(amount)
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    bidder = session.get(Bidder, bidder_id)
    if bidder is None or bidder.lot_id != lot.id:
        raise NotFound("exchange.bidder_not_found", "未报名本标的", "not registered as a bidder for this lot")
    # one round trip for the facts every bid needs: an earlier bid with this key, the deposit, the bar list
    earlier_id, deposit_status, listed = session.execute(select(
        select(Bid.id).where(Bid.lot_id == lot.id, Bid.bidder_id == bidder.id, Bid.idempotency_key == key)
        .scalar_subquery(),
        select(Deposit.status).where(Deposit.bidder_id == bidder.id).scalar_subquery(),
        bar_listed(bidder.party_id))).one()
    earlier = session.get(Bid, earlier_id) if earlier_id is not None else None
    if earlier is not None:
        if earlier.amount_cny != value:
            raise Conflict("exchange.idempotency_key_reused", "该幂等键已用于另一金额的报价",
                           "this idempotency key was used for a bid of another amount")
        return BidOutcome(earlier, lot, bidder.bidder_code, replay=True)
    code = _refusal(session, lot, bidder, value, deposit_status=deposit_status, listed=bool(listed))
    at = now()
    bid = Bid(lot_id=lot.id, bidder_id=bidder.id, amount_cny=value, idempotency_key=key, phase=lot.phase,
              channel=channel, entered_by=actor, evidence=evidence, placed_at=at,
              client_ip=(client_ip or None) and client_ip[:45], device_id=(device_id or None) and device_id[:64],
              status=BidStatus.rejected if code else BidStatus.accepted, reject_code=code)
    if code is None:
        lr = lot_rules(lot)
        lot.current_price_cny = value
        lot.leader_bidder_id = bidder.id
        lot.accepted_bids += 1
        new_end = rules.end_after_bid(lr, lot.phase, lot.countdown_end, at)
        if new_end != lot.countdown_end:
            lot.countdown_end = new_end
            lot.next_due_at = new_end
        lot.version += 1
        session.flush()  # the lot's UPDATE before the ledger head is taken
        # The event names the bid by (lot, bidder code, amount, key), unique among accepted bids; the bid row
        # is inserted after it with its seq, so the ledger head is held for no extra UPDATE of the bid.
        bid.ledger_seq = record(session, lot, "bid_accepted", actor, {
            "bidder_code": bidder.bidder_code, "amount_cny": value, "phase": bid.phase, "channel": channel,
            "placed_at": at, "countdown_end": lot.countdown_end, "idempotency_key": key})
    session.add(bid)
    session.flush()
    return BidOutcome(bid, lot, bidder.bidder_code, replay=False)


def _refusal(session: Session, lot: Lot, bidder: Bidder, value: Decimal, *, deposit_status: str | None,
             listed: bool) -> str | None:
    """The first reason to refuse this bid, or None: lot open, bidder eligible, deposit confirmed, amount."""
    if not _open_now(lot):
        return "exchange.lot_not_open"
    if barred_reason(session, lot, bidder.party_id, listed=listed) is not None:
        return "exchange.bidder_barred"
    if deposit_status != DepositStatus.confirmed:
        return "exchange.deposit_not_confirmed"
    return rules.bid_rejection(value, start_price=lot.start_price_cny, increment=lot.increment_cny,
                               current=lot.current_price_cny, cap=lot.price_cap_cny)

"""Online English auction (网络竞价, judicial style) (F4; 39号令 art. 18-19): registration closes before the
start, the auction opens at the start and runs to its countdown's end, extended by late bids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from landbridge.exchange.lots import Step, is_due, move_lot, qualified_count
from landbridge.exchange.methods.bids import close_bidding
from landbridge.exchange.models import Lot
from landbridge.exchange.rules import LotPhase


def due_step(lot: Lot, at: datetime) -> Step | None:
    """The auction lot's next due deadline: registration close, auction start, auction end."""
    phase = lot.phase
    if phase == LotPhase.announced and is_due(lot.application_deadline, at):
        return _close_registration
    if phase == LotPhase.registration_closed and is_due(lot.starts_at, at):
        return _open_auction
    if phase in (LotPhase.countdown, LotPhase.live_auction) and is_due(lot.countdown_end, at):
        return close_bidding
    return None


def _close_registration(session: Session, lot: Lot, actor: str) -> None:
    move_lot(session, lot, "close_registration", actor, lot.starts_at, at=lot.application_deadline,
             qualified_bidders=qualified_count(session, lot.id))


def _open_auction(session: Session, lot: Lot, actor: str) -> None:
    lot.countdown_end = lot.ends_at
    move_lot(session, lot, "open_auction", actor, lot.ends_at, at=lot.starts_at, ends_at=lot.ends_at)

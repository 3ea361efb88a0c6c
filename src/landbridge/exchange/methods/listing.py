"""Listing (挂牌) with a countdown (限时竞价) (F4; 39号令 art. 18-19): bids during the listing period, frozen
before its end; with enough qualified bidders the listing end starts a countdown, else the lot is decided."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from landbridge.exchange.lots import Step, is_due, move_lot, qualified_count
from landbridge.exchange.methods.bids import close_bidding, decide
from landbridge.exchange.models import Lot
from landbridge.exchange.rules import LotPhase
from landbridge.exchange.ruleset import lot_rules
from landbridge.kernel.clock import ensure_utc


def due_step(lot: Lot, at: datetime) -> Step | None:
    """The listing lot's next due deadline: listing start, freeze, listing end, countdown end."""
    phase = lot.phase
    if phase == LotPhase.announced and is_due(lot.starts_at, at):
        return _open_listing
    if phase == LotPhase.listing and lot.freeze_at is not None and is_due(lot.freeze_at, at) \
            and not is_due(lot.ends_at, at):
        return _freeze_listing
    if phase in (LotPhase.listing, LotPhase.listing_frozen) and is_due(lot.ends_at, at):
        return _end_listing
    if phase in (LotPhase.countdown, LotPhase.live_auction) and is_due(lot.countdown_end, at):
        return close_bidding
    return None


def _open_listing(session: Session, lot: Lot, actor: str) -> None:
    move_lot(session, lot, "open_listing", actor, lot.freeze_at or lot.ends_at, at=lot.starts_at)


def _freeze_listing(session: Session, lot: Lot, actor: str) -> None:
    move_lot(session, lot, "freeze_listing", actor, lot.ends_at, at=lot.freeze_at)


def _end_listing(session: Session, lot: Lot, actor: str) -> None:
    """Listing end: ≥ N qualified bidders → countdown (限时竞价) from the listing end; else decide (art. 19)."""
    lr = lot_rules(lot)
    qualified = qualified_count(session, lot.id)
    assert lot.ends_at is not None
    if qualified >= lr.countdown_min_bidders:
        lot.countdown_end = ensure_utc(lot.ends_at) + timedelta(seconds=lr.countdown_seconds)
        move_lot(session, lot, "start_countdown", actor, lot.countdown_end, at=lot.ends_at,
                 countdown_end=lot.countdown_end, qualified_bidders=qualified, start_price_cny=lot.current_price_cny)
        return
    decide(session, lot, actor, closed_at=ensure_utc(lot.ends_at))

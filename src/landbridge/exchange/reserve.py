"""Sealed reserve price (保留价, F4; rules.md Exchange): the operator designates an officer, who alone enters
the price once, before bidding opens; it is stored encrypted (sealing.py), revealed at close
(``sealed_reserve``), and every designation, sealing, reading and reveal is a ledger event. A best bid below the
reserve fails the lot.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from landbridge.errors import DomainError
from landbridge.exchange import sealing
from landbridge.exchange.deadlines import advance_lot
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import money
from landbridge.exchange.lots import lock_lot
from landbridge.exchange.models import SealedReserve
from landbridge.exchange.rules import RESERVE_WINDOW, LotPhase
from landbridge.exchange.sealed_reserve import reserve_of, reserve_status
from landbridge.kernel.clock import now

__all__ = ["designate_reserve_officer", "read_reserve", "reserve_status", "seal_reserve"]
DESIGNATION_PHASES = frozenset({LotPhase.draft, LotPhase.announced})


def _window_closed(phase: str) -> DomainError:
    return ExchangeError.RESERVE_WINDOW_CLOSED.error(phase=phase)


def designate_reserve_officer(session: Session, *, lot_id: int, officer_user_id: int, actor: str,
                              ) -> SealedReserve:
    """Designate the officer who alone may seal the lot's reserve price (before the announcement ends) (F4)."""
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    if lot.phase not in DESIGNATION_PHASES:
        raise _window_closed(lot.phase)
    if session.execute(text("SELECT 1 FROM auth_user WHERE id = :id AND is_active"),
                       {"id": officer_user_id}).first() is None:
        raise ExchangeError.OFFICER_NOT_FOUND.error(field="officer_user_id")
    row = reserve_of(session, lot.id)
    if row is not None and row.ciphertext is not None:
        raise ExchangeError.RESERVE_ALREADY_SEALED.error()
    at = now()
    if row is None:
        row = SealedReserve(lot_id=lot.id, officer_user_id=officer_user_id, designated_by=actor, designated_at=at)
        session.add(row)
    else:
        row.officer_user_id, row.designated_by, row.designated_at = officer_user_id, actor, at
    session.flush()
    record(session, lot, "reserve_officer_designated", actor, {"officer_user_id": officer_user_id})
    return row


def seal_reserve(session: Session, *, lot_id: int, amount: Decimal | str, user_id: int, actor: str,
                 ) -> SealedReserve:
    """The designated officer enters the reserve price once, before bidding opens; stored encrypted (F4)."""
    value = money(amount)
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    row = reserve_of(session, lot.id)
    if row is None or row.officer_user_id != user_id:
        raise ExchangeError.NOT_RESERVE_OFFICER.error()
    if row.ciphertext is not None:
        raise ExchangeError.RESERVE_ALREADY_SEALED.error()
    if lot.phase not in RESERVE_WINDOW:
        raise _window_closed(lot.phase)
    if value < lot.start_price_cny:
        raise ExchangeError.RESERVE_BELOW_START.error(start_price_cny=str(lot.start_price_cny))
    key = sealing.reserve_key()
    row.ciphertext = sealing.seal(value, lot.id, key)
    row.key_id = sealing.key_id(key)
    row.sealed_by = actor
    row.sealed_at = now()
    session.flush()
    record(session, lot, "reserve_sealed", actor, {"key_id": row.key_id})  # never the amount
    return row


def read_reserve(session: Session, *, lot_id: int, user_id: int, actor: str, insider: bool) -> Decimal:
    """Read a lot's reserve: the designated officer at any time, insiders once revealed; each read is a ledger
    event (every access audited)."""
    lot = lock_lot(session, lot_id)
    row = reserve_of(session, lot.id)
    if row is None or row.ciphertext is None:
        raise ExchangeError.RESERVE_NOT_FOUND.error()
    officer = row.officer_user_id == user_id
    if row.revealed_cny is not None and (officer or insider):
        value = row.revealed_cny
    elif officer:
        value = sealing.unseal(row.ciphertext, lot.id, sealing.reserve_key())
    else:
        raise ExchangeError.RESERVE_SEALED.error()
    record(session, lot, "reserve_accessed", actor, {"revealed": row.revealed_cny is not None, "officer": officer})
    return value

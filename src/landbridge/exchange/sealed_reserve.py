"""The sealed reserve price's record (保留价, F4; rules.md Exchange): read, and revealed at the close.

The officer's actions (designate, seal, read) are in ``reserve``; the reveal is a step of the decision
(``methods.auction``), so it sits below the methods.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange import sealing
from landbridge.exchange.events import record
from landbridge.exchange.models import Lot, SealedReserve
from landbridge.kernel.clock import now


def reserve_of(session: Session, lot_id: int) -> SealedReserve | None:
    """The reserve row of a lot, read afresh, or None."""
    return session.execute(select(SealedReserve).where(SealedReserve.lot_id == lot_id)
                           .execution_options(populate_existing=True)).scalar_one_or_none()


def reveal_reserve(session: Session, lot: Lot, actor: str) -> Decimal | None:
    """At close (the lot locked): open the sealed reserve, store it in clear and publish it; None if unset."""
    row = reserve_of(session, lot.id)
    if row is None or row.ciphertext is None:
        return None
    if row.revealed_cny is None:
        row.revealed_cny = sealing.unseal(row.ciphertext, lot.id, sealing.reserve_key())
        row.revealed_at = now()
        session.flush()
        record(session, lot, "reserve_revealed", actor, {"reserve_cny": row.revealed_cny, "key_id": row.key_id})
    return row.revealed_cny


def reserve_status(session: Session, lot_id: int) -> SealedReserve | None:
    """The reserve row (designation, sealing and reveal times; the ciphertext never leaves the module)."""
    return reserve_of(session, lot_id)

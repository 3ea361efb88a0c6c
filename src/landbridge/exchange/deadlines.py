"""The lots' deadlines (F4; 39号令 art. 11, 18-19): every deadline of a lot fired once, in order, by the clock
before any action on the lot or by the worker (``fire_due_lots``).

A lot's due step comes from its method (``methods.METHODS``), or from the award path once the award is
confirmed (the balance falls due, any method). The services, bidding, the reserve and the payments fire a
lot's deadlines before they act on it; they build on this module, which builds on the methods.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange.lots import Step, fire_due, lock_lot
from landbridge.exchange.methods import engine
from landbridge.exchange.methods.shared import lot_due_step
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import now


def due_step(lot: Lot, at: datetime) -> Step | None:
    """The step of a lot that is due at ``at``, or None."""
    return lot_due_step(lot, at, engine(lot.method).due_step)


def advance_lot(session: Session, lot: Lot, actor: str = "system:clock") -> int:
    """Fire every deadline of a locked lot that is due now, in order; returns how many fired (idempotent)."""
    return fire_due(session, lot, due_step, actor)


def fire_due_lots(session: Session, *, limit: int = 200) -> int:
    """Fire every lot deadline that is due (listing start/end, freeze, countdown and auction end) once."""
    at = now()
    ids = list(session.execute(select(Lot.id).where(Lot.next_due_at.is_not(None), Lot.next_due_at <= at)
                               .order_by(Lot.next_due_at, Lot.id).limit(limit)).scalars())
    fired = 0
    for lot_id in ids:
        fired += advance_lot(session, lock_lot(session, lot_id), actor="system:worker")
    return fired

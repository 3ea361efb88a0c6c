"""Exchange scheduled work: lot deadlines and deposit refunds, each fired once (F4)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landbridge.exchange.deadlines import fire_due_lots
from landbridge.exchange.service import refund_due_deposits


def run_due(session: Session) -> int:
    """Fire due lot deadlines, then refund deposits that became due; returns the transitions fired."""
    return fire_due_lots(session) + refund_due_deposits(session)

"""Exchange scheduled work: lot deadlines, deposit refunds, pre-emption periods and a defaulting winner's paid
price (set off, refunded), each fired once (F4; issue #24)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landbridge.exchange import default_payments, preemption
from landbridge.exchange.deadlines import fire_due_lots
from landbridge.exchange.service import refund_due_deposits


def run_due(session: Session) -> int:
    """Fire due lot deadlines, close ended pre-emption periods, then refund deposits that became due, set off
    and refund defaulting winners' payments; returns the transitions fired."""
    return (fire_due_lots(session) + preemption.resolve_due(session) + refund_due_deposits(session)
            + default_payments.resolve_held(session) + default_payments.refund_due(session))

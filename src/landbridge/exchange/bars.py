"""The bar list as other modules read it (issue #17): whether a party is barred (失信) on a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from landbridge.exchange.barlist import is_barred


def party_is_barred(session: Session, party_id: int, on: date | None = None) -> bool:
    """Whether ``party_id`` is on the bar list on ``on`` (default today): no bidding, borrowing or guaranteeing."""
    return is_barred(session, party_id, on)

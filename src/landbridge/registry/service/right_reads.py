"""A current right by its id, for processes that hold a right's id (lending, issue #17)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.registry.models import RecordStatus, Right


def find_current_right(session: Session, right_id: int) -> Right | None:
    """The right ``right_id`` if it is current (not pending, superseded or cancelled), else None."""
    return session.execute(select(Right).where(Right.id == right_id, Right.status == RecordStatus.current)
                           ).scalar_one_or_none()

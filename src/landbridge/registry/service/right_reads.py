"""A current right by its id, for processes that hold a right's id (lending, issue #17)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.registry.models import RecordStatus, Right, RightHolder


def find_current_right(session: Session, right_id: int) -> Right | None:
    """The right ``right_id`` if it is current (not pending, superseded or cancelled), else None."""
    return session.execute(select(Right).where(Right.id == right_id, Right.status == RecordStatus.current)
                           ).scalar_one_or_none()


def current_rights_held_by(session: Session, party_id: int, *, limit: int = 100) -> list[Right]:
    """The current rights ``party_id`` holds (alone or in common), oldest first, at most ``limit``: the right
    picker of a borrower's loan application (lending portal, issue #17)."""
    return list(session.execute(
        select(Right).join(RightHolder, RightHolder.right_id == Right.id)
        .where(RightHolder.party_id == party_id, Right.status == RecordStatus.current, Right.unit_id.is_not(None))
        .order_by(Right.id).limit(limit)).scalars())

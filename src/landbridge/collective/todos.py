"""The collective's to-dos for the service hall (issue #20 item 1; L3, C1): a member's votes open to them (on the
frozen roster and not yet taken part), due when the vote closes; a clerk's open votes of their collective, due when
they close, urgent once closed and waiting to be sealed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Role
from landbridge.collective.models import Motion, MotionStatus, RosterEntry
from landbridge.collective.queries import find_collective_of_organisation
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.hall import SOURCE_LIMIT, Todo


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """Open votes for a member with a party, or for a collective's clerk; nothing for other roles."""
    moment = now()
    if principal.role is Role.member and principal.party_id is not None:
        rows = session.scalars(
            select(Motion).join(RosterEntry, RosterEntry.motion_id == Motion.id)
            .where(RosterEntry.party_id == principal.party_id, RosterEntry.channel.is_(None),
                   Motion.status == MotionStatus.open)
            .order_by(Motion.closes_at, Motion.id).limit(SOURCE_LIMIT))
        for motion in rows:
            due = ensure_utc(motion.closes_at) if motion.closes_at else None
            yield Todo(kind="collective.vote", title_zh=f"参加表决：{motion.title}", title_en=f"Vote: {motion.title}",
                       href=f"/collective/motions/{motion.id}", due=due, urgent=due is not None and due < moment)
    elif principal.role is Role.collective_clerk:
        own = (find_collective_of_organisation(session, principal.organisation_id)
               if principal.organisation_id is not None else None)
        if own is None:
            return
        rows = session.scalars(select(Motion).where(Motion.collective_id == own.id,
                                                    Motion.status == MotionStatus.open)
                               .order_by(Motion.closes_at, Motion.id).limit(SOURCE_LIMIT))
        for motion in rows:
            due = ensure_utc(motion.closes_at) if motion.closes_at else None
            closed = due is not None and due < moment
            yield Todo(kind="collective.seal" if closed else "collective.open_vote",
                       title_zh=f"{'表决已截止，待封存' if closed else '表决进行中'}：{motion.title}",
                       title_en=f"{'Vote closed, to seal' if closed else 'Vote open'}: {motion.title}",
                       href=f"/collective/motions/{motion.id}", due=due, urgent=closed)

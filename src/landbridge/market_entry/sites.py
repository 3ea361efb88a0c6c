"""Market entry's public read for industry information (issue #19 item 5; P1, S3): which parcel each entry case
is about and its state, with no party, price or personal data; industry information finds the cases whose parcel
lies in a place. Market entry never imports industry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.market_entry.models import EntryCase

SITE_LIMIT = 20_000


@dataclass(frozen=True)
class EntrySite:
    case_id: int
    number: str
    parcel_id: int
    status: str
    region_code: str


def entry_sites(session: Session, *, states: Sequence[str] | None = None, ids: Sequence[int] | None = None,
                limit: int = SITE_LIMIT) -> list[EntrySite]:
    """Entry cases (in ``states``, or of ``ids``, or all) by id, at most ``limit``."""
    stmt = select(EntryCase.id, EntryCase.number, EntryCase.parcel_id, EntryCase.status, EntryCase.region_code
                  ).order_by(EntryCase.id).limit(max(1, min(limit, SITE_LIMIT)))
    if states is not None:
        stmt = stmt.where(EntryCase.status.in_(list(states)))
    if ids is not None:
        stmt = stmt.where(EntryCase.id.in_(list(ids)[:SITE_LIMIT]))
    return [EntrySite(int(i), str(n), int(p), str(s), str(r)) for i, n, p, s, r in session.execute(stmt)]

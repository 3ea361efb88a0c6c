"""Registry reads for aggregate statistics (open data, issue #19 item 6; requirements P2, S2): rights registered
per day by type and region, and the land-use class of parcels. No party, no holder: nothing personal leaves here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.kernel.clock import SHANGHAI, ensure_utc, to_local
from landbridge.registry.models import Parcel, RecordStatus, Right
from landbridge.registry.reads import _chunks


@dataclass(frozen=True)
class RightRegistered:
    """``count`` rights of one type entered in the register (登簿) in one region on ``registered_on`` (local day):
    counts only, no right, no holder."""

    right_type: str
    region_code: str
    registered_on: date
    count: int


def rights_registered(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[RightRegistered]:
    """Rights whose registration (``begin_lifespan``) falls from ``start`` to ``end`` (local days, both included) in
    regions starting with ``region_prefix``, current or since superseded (historic), by id; pending and cancelled
    applications are not registrations; grouped by type, region and day, in that order."""
    low, high = (datetime.combine(d, time(), SHANGHAI).astimezone(UTC) for d in (start, end + timedelta(days=1)))
    stmt = (select(Right.right_type, Right.region_code, Right.begin_lifespan, func.count())
            .where(Right.status.in_([RecordStatus.current.value, RecordStatus.historic.value]),
                   Right.begin_lifespan >= low, Right.begin_lifespan < high))
    if region_prefix:
        stmt = stmt.where(Right.region_code.startswith(region_prefix))
    counts: dict[tuple[str, str, date], int] = {}
    for right_type, region, stamp, n in session.execute(
            stmt.group_by(Right.right_type, Right.region_code, Right.begin_lifespan)):
        if stamp is None:
            continue
        key = (str(right_type), str(region or ""), to_local(ensure_utc(stamp)).date())
        counts[key] = counts.get(key, 0) + int(n)
    return [RightRegistered(t, r, d, n) for (t, r, d), n in sorted(counts.items())]


def parcel_land_uses(session: Session, parcel_ids: Sequence[int]) -> dict[int, str]:
    """The land-use class (GB/T 21010 地类编码) of each parcel of ``parcel_ids`` that exists, whatever its status."""
    out: dict[int, str] = {}
    for ids in _chunks(parcel_ids):
        out.update((int(i), str(u)) for i, u in session.execute(
            select(Parcel.id, Parcel.land_use_class).where(Parcel.id.in_(ids))))
    return out

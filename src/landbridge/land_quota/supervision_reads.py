"""Land quota's public read for the city's view (issue #19; P2, S2): the quota credited to counties' balances on
given days, from the dated credit entries of the quota ledger (a credit is never undone, so a past day's answer
never changes). Supervision aggregates these by area; land quota never imports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.clock import SHANGHAI, ensure_utc, to_local
from landbridge.land_quota.models import QuotaAllocation, QuotaEntry
from landbridge.land_quota.rules import EntryKind


@dataclass(frozen=True)
class QuotaCredit:
    """Quota credited (验收入库) to a county's balance for ``year`` on ``credited_on`` (local day)."""

    entry_id: int
    county_code: str
    year: int
    project_id: int | None
    amount_m2: Decimal
    credited_on: date


def _entries(session: Session, start: date, end: date, region_prefix: str, kind: str | None = None
             ) -> list[tuple[QuotaEntry, date]]:
    """The quota ledger's entries (of ``kind``, or all) made from ``start`` to ``end`` (local days, both included)
    for counties whose code starts with ``region_prefix``, by entry id, each with its local day."""
    low, high = (datetime.combine(d, time(), SHANGHAI).astimezone(UTC) for d in (start, end + timedelta(days=1)))
    stmt = select(QuotaEntry).where(QuotaEntry.created_at >= low, QuotaEntry.created_at < high)
    if kind is not None:
        stmt = stmt.where(QuotaEntry.kind == kind)
    if region_prefix:
        stmt = stmt.where(QuotaEntry.county_code.startswith(region_prefix[:6]))
    return [(e, to_local(ensure_utc(e.created_at)).date()) for e in session.scalars(stmt.order_by(QuotaEntry.id))
            if e.county_code.ljust(12, "0").startswith(region_prefix)]


def quota_credits(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[QuotaCredit]:
    """Credit entries made from ``start`` to ``end`` (local days, both included) to counties whose code starts
    with ``region_prefix`` (a county is its 6-digit code), by entry id."""
    return [QuotaCredit(e.id, e.county_code, e.year, e.project_id, e.amount_m2, day)
            for e, day in _entries(session, start, end, region_prefix, EntryKind.credit.value)]


@dataclass(frozen=True)
class QuotaMovement:
    """One entry of the quota ledger (credit, allocation, transfer or consumption) made on ``made_on``."""

    entry_id: int
    kind: str
    county_code: str
    year: int
    project_id: int | None
    parcel_id: int | None
    amount_m2: Decimal
    made_on: date


def quota_movements(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[QuotaMovement]:
    """Every quota ledger entry made from ``start`` to ``end`` (local days, both included) for counties whose code
    starts with ``region_prefix``, by entry id. Entries are never undone, so a past day's answer never changes."""
    return [QuotaMovement(e.id, e.kind, e.county_code, e.year, e.project_id, e.parcel_id, e.amount_m2, day)
            for e, day in _entries(session, start, end, region_prefix)]


@dataclass(frozen=True)
class AllocationSite:
    """Quota allocated to a destination parcel for a year, and how much of it is consumed (issue #19 item 5)."""

    allocation_id: int
    parcel_id: int
    county_code: str
    year: int
    amount_m2: Decimal
    consumed_m2: Decimal
    entry_case_id: int | None


ALLOCATION_LIMIT = 20_000


def allocation_sites(session: Session, *, ids: list[int] | None = None, limit: int = ALLOCATION_LIMIT
                     ) -> list[AllocationSite]:
    """The quota allocations (all, or those of ``ids``) by id, at most ``limit``: where quota went, for industry
    information (which places it landed in) and the city's view."""
    stmt = select(QuotaAllocation).order_by(QuotaAllocation.id).limit(max(1, min(limit, ALLOCATION_LIMIT)))
    if ids is not None:
        stmt = stmt.where(QuotaAllocation.id.in_(ids[:ALLOCATION_LIMIT]))
    return [AllocationSite(a.id, a.parcel_id, a.county_code, a.year, a.amount_m2, a.consumed_m2, a.entry_case_id)
            for a in session.scalars(stmt)]

"""Consumption of a parcel's quota by its market-entry case (issue #16 scope 3; ADR 0014 and 0016).

Market entry and land quota are independent processes: neither imports the other. Land quota asks the fact
``market_entry.parcel_entered`` (``kernel.modules.fact``) whether the land of a parcel has entered the market
through a concluded entry case (contract signed or later), and with which case and area. ``consume_by_entry`` is the
self-guarding transition: with the county's balance row and the parcel's allocation locked, it refuses an allocation
already consumed by a case, consumes the case's area (``service.consume``: bounded by the allocation and the
county's quota, ``land_quota.over_consumption`` otherwise) and records the case on the allocation, in the caller's
transaction. The worker's ``run_due`` sweeps the allocations no case has consumed yet and consumes each whose
parcel's case concluded (idempotent; a case whose area exceeds the allocation is left for the bureau, which
allocates more and the next sweep consumes it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge.errors import DomainError
from landbridge.kernel import modules
from landbridge.land_quota import rules, service
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import QuotaAllocation, QuotaEntry
from landbridge.ledger import subjects

FACT = "market_entry.parcel_entered"
SWEEP_CHUNK = 200


def entered(session: Session, parcel_id: int) -> dict[str, Any] | None:
    """Market entry's answer for the parcel (None: no concluded case)."""
    answer = modules.fact(FACT)(session, parcel_id=parcel_id)
    return answer if isinstance(answer, dict) else None


def consume_by_entry(session: Session, *, actor: str, parcel_id: int, year: int) -> QuotaEntry:
    """The parcel's concluded entry case consumes its area from the parcel's allocation for ``year``."""
    year = rules.year(year)
    case = entered(session, parcel_id)
    if case is None:
        raise QuotaError.ENTRY_NOT_CONCLUDED.error(parcel_id=parcel_id)
    found = session.scalars(select(QuotaAllocation).where(QuotaAllocation.parcel_id == parcel_id,
                                                           QuotaAllocation.year == year)).first()
    if found is None:
        raise QuotaError.ALLOCATION_NOT_FOUND.error(parcel_id=parcel_id, year=year)
    service._balance(session, found.county_code, year)  # the balance first, then the allocation: one lock order
    allocation = service._allocation(session, parcel_id, year)
    assert allocation is not None  # allocations are never deleted
    if allocation.entry_case_id is not None:
        raise QuotaError.ALREADY_CONSUMED_BY_ENTRY.error(parcel_id=parcel_id, year=year,
                                                         case_id=allocation.entry_case_id)
    case_id = int(case["case_id"])
    entry = service.consume(session, actor=actor, parcel_id=parcel_id, year=year, amount_m2=str(case["area_m2"]),
                            also=(subjects.entry_case(case_id),),
                            payload={"entry_case_id": case_id, "case_number": str(case["number"])})
    done = session.execute(update(QuotaAllocation)
                           .where(QuotaAllocation.id == allocation.id, QuotaAllocation.entry_case_id.is_(None))
                           .values(entry_case_id=case_id).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.ALREADY_CONSUMED_BY_ENTRY.error(parcel_id=parcel_id, year=year, case_id=case_id)
    session.refresh(allocation)
    return entry


def run_due(session: Session, *, actor: str = "system:worker") -> int:
    """The worker's sweep: every allocation no case has consumed whose parcel's entry case concluded is consumed
    by it; how many. A refusal (the case's area beyond the allocation) leaves that allocation as it is."""
    done, after = 0, 0
    while True:
        rows = session.execute(select(QuotaAllocation.id, QuotaAllocation.parcel_id, QuotaAllocation.year)
                               .where(QuotaAllocation.entry_case_id.is_(None), QuotaAllocation.id > after)
                               .order_by(QuotaAllocation.id).limit(SWEEP_CHUNK)).all()
        for _, parcel_id, year in rows:
            if entered(session, int(parcel_id)) is None:
                continue
            try:
                with session.begin_nested():
                    consume_by_entry(session, actor=actor, parcel_id=int(parcel_id), year=int(year))
                done += 1
            except DomainError as exc:
                if exc.code not in (QuotaError.OVER_CONSUMPTION.code, QuotaError.ALREADY_CONSUMED_BY_ENTRY.code):
                    raise
        if len(rows) < SWEEP_CHUNK:
            return done
        after = int(rows[-1][0])

"""Land banking (土地收储, issue #16 scope 4): the reserve centre acquires a registered parcel with compensation,
holds it, and supplies it under the county's approved annual supply plan.

A reserve case is a named transition machine (``TRANSITIONS``): ``propose`` (立项: a current registry parcel of the
county, its registered area and the compensation agreed) → ``acquire`` (收购: the compensation paid, the land held)
→ ``supply`` (供应: counted as one parcel against the approved plan's line for its use and quarter); a proposal may
be ``cancel``-led. Every step is self-guarding (a conditional UPDATE on the status and version read), writes a
ledger event in the caller's transaction and never commits. Compensation is Decimal yuan in code and integer fen in
storage. The registry's own transfer of the right to the reserve (a registration) is not made here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.kernel.money import MoneyError, fen_to_yuan, yuan_to_fen
from landbridge.land_quota import boundary, plan, rules
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import LandReserve
from landbridge.ledger import append_event, subjects

MODULE = "land_quota"


class ReserveStatus(StrEnum):
    proposed = "proposed"
    held = "held"
    supplied = "supplied"
    cancelled = "cancelled"


#: action → (from, to): the reserve case's named transitions.
TRANSITIONS: dict[str, tuple[ReserveStatus, ReserveStatus]] = {
    "acquire": (ReserveStatus.proposed, ReserveStatus.held),
    "supply": (ReserveStatus.held, ReserveStatus.supplied),
    "cancel": (ReserveStatus.proposed, ReserveStatus.cancelled),
}


def reserve_subject(reserve_id: int) -> str:
    return subjects.subject("land_reserve", reserve_id)


def compensation(value: Decimal | int | str) -> Decimal:
    """A non-negative amount of yuan to the fen."""
    try:
        fen = yuan_to_fen(value if isinstance(value, Decimal) else Decimal(str(value)))
    except (MoneyError, ArithmeticError, ValueError):
        raise QuotaError.INVALID_COMPENSATION.error(value=str(value)[:24]) from None
    if fen < 0:
        raise QuotaError.INVALID_COMPENSATION.error(value=str(value)[:24])
    return fen_to_yuan(fen)


def get_reserve(session: Session, reserve_id: int, *, lock: bool = False) -> LandReserve:
    stmt = select(LandReserve).where(LandReserve.id == reserve_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    found = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if found is None:
        raise QuotaError.RESERVE_NOT_FOUND.error(reserve_id=reserve_id)
    return found


def _event(session: Session, case: LandReserve, event_type: str, actor: str, payload: dict[str, Any]) -> None:
    event = append_event(session, module=MODULE, event_type=event_type, subject=reserve_subject(case.id),
                         actor=actor, payload={"reserve_no": case.reserve_no, "parcel_id": case.parcel_id, **payload},
                         also=(subjects.parcel(case.parcel_id),))
    case.ledger_seq = event.seq


def propose(session: Session, *, actor: str, county_code: str, parcel_id: int,
            compensation_cny: Decimal | str) -> LandReserve:
    """Open a reserve case for a current registry parcel of the county with the compensation agreed (元)."""
    county = rules.county_code(county_code)
    amount = compensation(compensation_cny)
    boundary.check_parcel(session, parcel_id, county)
    area = registry.parcel_areas(session, [parcel_id]).get(parcel_id, rules.ZERO)
    case = LandReserve(reserve_no=f"SC{uuid4().hex[:14].upper()}", region_code=county, parcel_id=parcel_id,
                       area_m2=area, compensation_fen=yuan_to_fen(amount), status=ReserveStatus.proposed.value,
                       version=1, created_at=now())
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        raise QuotaError.RESERVE_EXISTS.error(parcel_id=parcel_id) from None
    _event(session, case, "reserve_proposed", actor, {"county_code": county, "area_m2": str(area),
                                                      "compensation_cny": str(amount)})
    return case


def _move(session: Session, case: LandReserve, action: str, **values: Any) -> None:
    source, target = TRANSITIONS[action]
    if case.status != source:
        raise QuotaError.RESERVE_INVALID_TRANSITION.error(status=case.status, action=action)
    done = session.execute(update(LandReserve).where(LandReserve.id == case.id, LandReserve.status == source.value,
                                                     LandReserve.version == case.version)
                           .values(status=target.value, version=LandReserve.version + 1, **values)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.RESERVE_INVALID_TRANSITION.error(status=case.status, action=action)
    session.refresh(case)


def acquire(session: Session, reserve_id: int, *, actor: str, acquired_on: date) -> LandReserve:
    """The compensation is paid and the reserve centre holds the land (收购入库)."""
    case = get_reserve(session, reserve_id, lock=True)
    _move(session, case, "acquire", acquired_on=acquired_on)
    _event(session, case, "reserve_acquired", actor, {"acquired_on": acquired_on.isoformat(),
                                                      "compensation_cny": str(fen_to_yuan(case.compensation_fen))})
    return case


def supply(session: Session, reserve_id: int, *, actor: str, year: int, land_use: str, quarter: int,
           supplied_on: date) -> LandReserve:
    """Supply held land under the county's approved plan: one parcel of the line for ``land_use`` and ``quarter``
    (``land_quota.over_plan_parcels`` beyond its parcels). Lock order: the plan line, then the case."""
    year = rules.year(year)
    found = get_reserve(session, reserve_id)
    line = plan.line_for(session, found.region_code, year, land_use, quarter)
    case = get_reserve(session, reserve_id, lock=True)
    if case.status != TRANSITIONS["supply"][0]:
        raise QuotaError.RESERVE_INVALID_TRANSITION.error(status=case.status, action="supply")
    plan.take(session, line, rules.ZERO, True)
    _move(session, case, "supply", supplied_on=supplied_on, plan_line_id=line.id)
    _event(session, case, "reserve_supplied", actor, {"supplied_on": supplied_on.isoformat(), "year": year,
                                                      "land_use": line.land_use, "quarter": line.quarter})
    return case


def cancel(session: Session, reserve_id: int, *, actor: str, reason: str) -> LandReserve:
    """Withdraw a proposal before the land is acquired."""
    text = (reason or "").strip()
    if not text or len(text) > 120:
        raise QuotaError.INVALID_TEXT.error(field="reason", max_length=120)
    case = get_reserve(session, reserve_id, lock=True)
    _move(session, case, "cancel")
    _event(session, case, "reserve_cancelled", actor, {"reason": text})
    return case

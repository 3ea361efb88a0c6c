"""The annual supply plan (年度供应计划, issue #16 scope 3): per county and year, the quota (m²) and the number of
parcels planned for each land use in each quarter. A plan is drafted with its lines and then approved (draft →
approved, a named self-guarding transition); allocations of the year count against the approved plan's line for
their use and quarter and are refused beyond its quota or its number of parcels.

The line is locked after the county's balance row and before the parcel's allocation (one lock order for every
change), and taken with a conditional UPDATE that re-checks the line's bounds in SQL. Services never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.kernel.clock import now
from landbridge.land_quota import boundary, rules
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import SupplyPlan, SupplyPlanLine
from landbridge.ledger import append_event, subjects

MODULE = "land_quota"
QUARTERS = range(1, 5)
#: A bounded input: a plan's lines and a line's parcels (a county supplies far fewer in a quarter).
MAX_PARCELS = 100_000


class PlanStatus(StrEnum):
    draft = "draft"
    approved = "approved"


PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.draft: frozenset({PlanStatus.approved}),
    PlanStatus.approved: frozenset(),
}


def plan_subject(county_code: str, year: int) -> str:
    return subjects.subject("supply_plan", f"{county_code}-{year}")


@dataclass(frozen=True)
class LineIn:
    """One line as asked for: a land use of the rule set's ``plan_uses``, a quarter, quota m², parcels."""

    land_use: str
    quarter: int
    quota_m2: Decimal
    parcels: int


def plan_uses(day: date | None = None) -> tuple[str, ...]:
    return tuple(str(u) for u in get_profile().rules("land_quota").value("plan_uses", day or boundary.today()))


def parse_lines(lines: Sequence[Mapping[str, Any]]) -> list[LineIn]:
    """The plan's lines checked: known use, quarter 1–4, positive quota, 1..MAX_PARCELS parcels, each use and
    quarter once."""
    uses = plan_uses()
    if not lines or len(lines) > len(uses) * len(QUARTERS):
        raise QuotaError.INVALID_PLAN_LINES.error(reason=f"1 to {len(uses) * len(QUARTERS)} lines")
    out: list[LineIn] = []
    seen: set[tuple[str, int]] = set()
    for raw in lines:
        use, quarter, parcels = raw.get("land_use"), raw.get("quarter"), raw.get("parcels")
        if use not in uses:
            raise QuotaError.INVALID_USE.error(land_use=str(use)[:24])
        if isinstance(quarter, bool) or not isinstance(quarter, int) or quarter not in QUARTERS:
            raise QuotaError.INVALID_QUARTER.error(quarter=str(quarter)[:12])
        if isinstance(parcels, bool) or not isinstance(parcels, int) or not 1 <= parcels <= MAX_PARCELS:
            raise QuotaError.INVALID_PLAN_LINES.error(reason=f"parcels must be 1 to {MAX_PARCELS}")
        if (str(use), quarter) in seen:
            raise QuotaError.INVALID_PLAN_LINES.error(reason=f"{use} in quarter {quarter} twice")
        seen.add((str(use), quarter))
        out.append(LineIn(str(use), quarter, rules.area(raw.get("quota_m2", ""), "quota_m2"), parcels))
    return out


def get_plan(session: Session, county_code: str, year: int, *, lock: bool = False) -> SupplyPlan:
    stmt = select(SupplyPlan).where(SupplyPlan.county_code == county_code, SupplyPlan.year == year)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).first()
    if found is None:
        raise QuotaError.PLAN_NOT_FOUND.error(county_code=county_code, year=year)
    return found


def lines_of(session: Session, plan_id: int) -> list[SupplyPlanLine]:
    return list(session.scalars(select(SupplyPlanLine).where(SupplyPlanLine.plan_id == plan_id)
                                .order_by(SupplyPlanLine.quarter, SupplyPlanLine.land_use)))


def draft_plan(session: Session, *, actor: str, county_code: str, year: int,
               lines: Sequence[Mapping[str, Any]]) -> SupplyPlan:
    """Draft a county's supply plan for a year with its lines; one plan per county and year."""
    county_code, year = rules.county_code(county_code), rules.year(year)
    checked = parse_lines(lines)
    plan = SupplyPlan(county_code=county_code, year=year, status=PlanStatus.draft.value, version=1, created_at=now())
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except IntegrityError:
        raise QuotaError.PLAN_EXISTS.error(county_code=county_code, year=year) from None
    session.add_all([SupplyPlanLine(plan_id=plan.id, land_use=x.land_use, quarter=x.quarter, quota_m2=x.quota_m2,
                                    parcels=x.parcels, allocated_m2=rules.ZERO, allocated_parcels=0, version=1)
                     for x in checked])
    session.flush()
    event = append_event(session, module=MODULE, event_type="supply_plan_drafted",
                         subject=plan_subject(county_code, year), actor=actor,
                         payload={"county_code": county_code, "year": year, "plan_id": plan.id,
                                  "lines": [{"land_use": x.land_use, "quarter": x.quarter,
                                             "quota_m2": str(x.quota_m2), "parcels": x.parcels} for x in checked]})
    plan.ledger_seq = event.seq
    return plan


def approve_plan(session: Session, *, actor: str, county_code: str, year: int, approved_on: date) -> SupplyPlan:
    """Approve a draft plan (批准); from then on the year's allocations count against it."""
    plan = get_plan(session, county_code, year, lock=True)
    target = PlanStatus.approved
    if target not in PLAN_TRANSITIONS.get(PlanStatus(plan.status), frozenset()):
        raise QuotaError.PLAN_INVALID_TRANSITION.error(status=plan.status, target=target.value)
    done = session.execute(
        update(SupplyPlan).where(SupplyPlan.id == plan.id, SupplyPlan.status == plan.status,
                                 SupplyPlan.version == plan.version)
        .values(status=target.value, approved_on=approved_on, version=SupplyPlan.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.PLAN_INVALID_TRANSITION.error(status=plan.status, target=target.value)
    session.refresh(plan)
    event = append_event(session, module=MODULE, event_type="supply_plan_approved",
                         subject=plan_subject(county_code, year), actor=actor,
                         payload={"county_code": county_code, "year": year, "plan_id": plan.id,
                                  "approved_on": approved_on.isoformat()})
    plan.ledger_seq = event.seq
    return plan


def line_for(session: Session, county_code: str, year: int, land_use: str, quarter: int) -> SupplyPlanLine:
    """The approved plan's line for the use and quarter, locked (after the balance row, before the allocation)."""
    if land_use not in plan_uses():
        raise QuotaError.INVALID_USE.error(land_use=str(land_use)[:24])
    if isinstance(quarter, bool) or not isinstance(quarter, int) or quarter not in QUARTERS:
        raise QuotaError.INVALID_QUARTER.error(quarter=str(quarter)[:12])
    plan = get_plan(session, county_code, year)
    if plan.status != PlanStatus.approved:
        raise QuotaError.PLAN_NOT_APPROVED.error(county_code=county_code, year=year)
    stmt = select(SupplyPlanLine).where(SupplyPlanLine.plan_id == plan.id, SupplyPlanLine.land_use == land_use,
                                        SupplyPlanLine.quarter == quarter)
    if for_update(session):
        stmt = stmt.with_for_update()
    line = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if line is None:
        raise QuotaError.PLAN_LINE_NOT_FOUND.error(year=year, land_use=land_use, quarter=quarter)
    return line


def check_take(line: SupplyPlanLine, amount: Decimal, new_parcel: bool) -> None:
    """Refuse an allocation beyond the line's quota or (for a parcel new to the line) its number of parcels."""
    if line.allocated_m2 + amount > line.quota_m2:
        raise QuotaError.OVER_PLAN.error(land_use=line.land_use, quarter=line.quarter, quota=str(line.quota_m2),
                                         allocated=str(line.allocated_m2), requested=str(amount))
    if new_parcel and line.allocated_parcels + 1 > line.parcels:
        raise QuotaError.OVER_PLAN_PARCELS.error(land_use=line.land_use, quarter=line.quarter, parcels=line.parcels)


def take(session: Session, line: SupplyPlanLine, amount: Decimal, new_parcel: bool) -> None:
    """Count an allocation against the locked line: a conditional UPDATE on the version read and the bounds."""
    check_take(line, amount, new_parcel)
    new_m2 = line.allocated_m2 + amount
    new_parcels = line.allocated_parcels + (1 if new_parcel else 0)
    t = SupplyPlanLine
    done = session.execute(
        update(t).where(t.id == line.id, t.version == line.version, t.quota_m2 >= new_m2, t.parcels >= new_parcels)
        .values(allocated_m2=new_m2, allocated_parcels=new_parcels, version=t.version + 1)
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        raise QuotaError.OVER_PLAN.error(land_use=line.land_use, quarter=line.quarter, quota=str(line.quota_m2),
                                         allocated=str(line.allocated_m2), requested=str(amount))
    session.refresh(line)

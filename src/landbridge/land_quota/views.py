"""Land quota JSON API (/api/v1/quota, issue #16): reclamation projects, acceptance with the credit of quota,
allocation to destination parcels, consumption, and the county's balance for a year.

Permissions: a collective clerk or the county natural-resources bureau (``nr_official``) registers a project; the
bureau records the works, accepts, allocates and consumes; the bureau, the land reserve centre, township officials,
collective clerks and the supervisor read balances. Land banking (收储, requirement L4) is the land reserve centre's:
a ``reserve_officer`` whose organisation covers the county proposes, acquires, supplies and cancels reserve cases
(the bureau no longer acts for it). Anonymous callers get 401, other roles 403 (a reserve officer elsewhere: 403).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Principal, Role, require_roles
from landbridge.auth.errors import AuthError
from landbridge.kernel.money import fen_to_yuan
from landbridge.land_quota import plan, reserve, service, transfer
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import (
    LandReserve,
    QuotaAllocation,
    QuotaEntry,
    QuotaLot,
    ReclamationProject,
    SupplyPlan,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/quota", tags=["land_quota"], route_class=TransactionalRoute)

bureau = require_roles(Role.nr_official)
registrant = require_roles(Role.collective_clerk, Role.nr_official)
reserve_centre = require_roles(Role.reserve_officer)
reader = require_roles(Role.nr_official, Role.reserve_officer, Role.township_official, Role.collective_clerk,
                       Role.supervisor)
Area = Field(max_length=20, pattern=r"^\d{1,12}(\.\d{1,2})?$")
County = Field(pattern=r"^\d{6,12}$")


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


class ProjectIn(BaseModel):
    county_code: str = County
    collective_id: int = Field(ge=1, le=2**31)
    kind: str = Field(max_length=24)
    plan_ref: str = Field(min_length=1, max_length=120)
    planned_area_m2: str = Area
    boundary: dict[str, Any]  # GeoJSON (Multi)Polygon in EPSG:4490; vertices counted before it is built


class RejectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=120)


class AcceptanceIn(BaseModel):
    accepted_area_m2: str = Area
    quality_grade: int = Field(ge=1, le=15)
    accepted_on: date


class AllocationIn(BaseModel):
    county_code: str = County
    year: int = Field(ge=2000, le=2100)
    parcel_id: int = Field(ge=1, le=2**31)
    amount_m2: str = Area
    land_use: str = Field(max_length=24)
    quarter: int = Field(ge=1, le=4)


class PlanLineIn(BaseModel):
    land_use: str = Field(max_length=24)
    quarter: int = Field(ge=1, le=4)
    quota_m2: str = Area
    parcels: int = Field(ge=1, le=plan.MAX_PARCELS)


class PlanIn(BaseModel):
    county_code: str = County
    year: int = Field(ge=2000, le=2100)
    lines: list[PlanLineIn] = Field(min_length=1, max_length=100)


class PlanApprovalIn(BaseModel):
    approved_on: date


class ConsumptionIn(BaseModel):
    parcel_id: int = Field(ge=1, le=2**31)
    year: int = Field(ge=2000, le=2100)
    amount_m2: str = Area


def project_json(project: ReclamationProject) -> dict[str, Any]:
    return {"id": project.id, "project_no": project.project_no, "county_code": project.region_code,
            "collective_id": project.collective_id, "kind": project.kind, "status": project.status,
            "plan_ref": project.plan_ref, "planned_area_m2": str(project.planned_area_m2),
            "accepted_area_m2": None if project.accepted_area_m2 is None else str(project.accepted_area_m2),
            "quality_grade": project.quality_grade,
            "accepted_on": None if project.accepted_on is None else project.accepted_on.isoformat(),
            "credited_year": project.credited_year,
            "boundary_area_m2": None if project.boundary_area_m2 is None else str(project.boundary_area_m2)}


def entry_json(entry: QuotaEntry) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "amount_m2": str(entry.amount_m2), "county_code": entry.county_code,
            "year": entry.year, "project_id": entry.project_id, "parcel_id": entry.parcel_id,
            "ledger_seq": entry.ledger_seq}


def allocation_json(allocation: QuotaAllocation) -> dict[str, Any]:
    return {"id": allocation.id, "county_code": allocation.county_code, "year": allocation.year,
            "parcel_id": allocation.parcel_id, "amount_m2": str(allocation.amount_m2),
            "consumed_m2": str(allocation.consumed_m2), "plan_line_id": allocation.plan_line_id}


def plan_json(session: Session, supply: SupplyPlan) -> dict[str, Any]:
    return {"id": supply.id, "county_code": supply.county_code, "year": supply.year, "status": supply.status,
            "approved_on": None if supply.approved_on is None else supply.approved_on.isoformat(),
            "lines": [{"land_use": x.land_use, "quarter": x.quarter, "quota_m2": str(x.quota_m2),
                       "parcels": x.parcels, "allocated_m2": str(x.allocated_m2),
                       "allocated_parcels": x.allocated_parcels} for x in plan.lines_of(session, supply.id)]}


@router.post("/projects", status_code=201)
def register(body: ProjectIn, p: Principal = Depends(registrant),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Register a reclamation project with its approved plan."""
    if p.role is Role.nr_official:
        _covers(p, body.county_code)
    elif p.role is Role.collective_clerk:  # a clerk registers its own collective's projects only
        own = collective.find_collective_of_organisation(session, p.organisation_id)
        if own is None or own.id != body.collective_id:
            raise QuotaError.NOT_YOUR_COLLECTIVE.error(collective_id=body.collective_id)
    project = service.register_project(session, actor=_actor(p), county_code=body.county_code,
                                       collective_id=body.collective_id, kind=body.kind, plan_ref=body.plan_ref,
                                       planned_area_m2=body.planned_area_m2, boundary_geometry=body.boundary)
    return project_json(project)


@router.post("/projects/{project_id}/works")
def works(project_id: int, p: Principal = Depends(bureau), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The works begin."""
    _covers_project(session, p, project_id)
    return project_json(service.start_works(session, project_id, actor=_actor(p)))


@router.post("/projects/{project_id}/rejection")
def reject(project_id: int, body: RejectionIn, p: Principal = Depends(bureau),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The county rejects the project (its boundary no longer blocks another)."""
    _covers_project(session, p, project_id)
    return project_json(service.reject_project(session, project_id, actor=_actor(p), reason=body.reason))


@router.post("/projects/{project_id}/acceptance")
def accept(project_id: int, body: AcceptanceIn, p: Principal = Depends(bureau),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Accept the works with the measured area and grade; the area is credited as quota. Returns the credit."""
    _covers_project(session, p, project_id)
    entry = service.accept_reclamation(session, project_id, actor=_actor(p), accepted_area_m2=body.accepted_area_m2,
                                       quality_grade=body.quality_grade, accepted_on=body.accepted_on)
    return entry_json(entry)


@router.post("/allocations", status_code=201)
def allocate(body: AllocationIn, p: Principal = Depends(bureau),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Allocate quota of a county's year to a destination parcel."""
    _covers(p, body.county_code)
    allocation = service.allocate(session, actor=_actor(p), county_code=body.county_code, year=body.year,
                                  parcel_id=body.parcel_id, amount_m2=body.amount_m2, land_use=body.land_use,
                                  quarter=body.quarter)
    return allocation_json(allocation)


@router.post("/consumptions", status_code=201)
def consume(body: ConsumptionIn, p: Principal = Depends(bureau),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """A parcel consumes quota allocated to it."""
    for county in session.scalars(select(QuotaAllocation.county_code).where(
            QuotaAllocation.parcel_id == body.parcel_id, QuotaAllocation.year == body.year).distinct()):
        _covers(p, county)
    entry = service.consume(session, actor=_actor(p), parcel_id=body.parcel_id, year=body.year,
                            amount_m2=body.amount_m2)
    return entry_json(entry)


@router.get("/balances/{county_code}/{year}")
def balance(county_code: str, year: int, p: Principal = Depends(reader),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """A county's quota for a year: accepted, allocated, consumed and what is left at each step (m²)."""
    totals = service.balance_of(session, county_code[:12], year)
    return {"county_code": county_code[:12], "year": year, "accepted_m2": str(totals.accepted),
            "allocated_m2": str(totals.allocated), "consumed_m2": str(totals.consumed),
            "unallocated_m2": str(totals.unallocated), "unconsumed_m2": str(totals.unconsumed)}


@router.post("/plans", status_code=201)
def draft_plan(body: PlanIn, p: Principal = Depends(bureau), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Draft a county's annual supply plan (年度供应计划) with its lines by use and quarter."""
    _covers(p, body.county_code)
    supply = plan.draft_plan(session, actor=_actor(p), county_code=body.county_code, year=body.year,
                             lines=[line.model_dump() for line in body.lines])
    return plan_json(session, supply)


@router.post("/plans/{county_code}/{year}/approval")
def approve_plan(county_code: str, year: int, body: PlanApprovalIn, p: Principal = Depends(bureau),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """Approve a draft supply plan; from then on the year's allocations count against it."""
    _covers(p, county_code[:12])
    supply = plan.approve_plan(session, actor=_actor(p), county_code=county_code[:12], year=year,
                               approved_on=body.approved_on)
    return plan_json(session, supply)


@router.get("/plans/{county_code}/{year}")
def read_plan(county_code: str, year: int, p: Principal = Depends(reader),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """A county's supply plan for a year with what its allocations have taken of each line."""
    return plan_json(session, plan.get_plan(session, county_code[:12], year))


class QuotaLotIn(BaseModel):
    county_code: str = County
    year: int = Field(ge=2000, le=2100)
    amount_m2: str = Area
    title: str = Field(min_length=1, max_length=200)
    start_price: str = Field(max_length=20, pattern=r"^\d{1,14}(\.\d{1,2})?$")
    starts_at: datetime
    seller_party_id: int | None = Field(default=None, ge=1, le=2**31)


class HeldAllocationIn(BaseModel):
    party_id: int = Field(ge=1, le=2**31)
    county_code: str = County
    year: int = Field(ge=2000, le=2100)
    parcel_id: int = Field(ge=1, le=2**31)
    amount_m2: str = Area


def quota_lot_json(q: QuotaLot) -> dict[str, Any]:
    return {"id": q.id, "lot_id": q.lot_id, "county_code": q.county_code, "year": q.year,
            "amount_m2": str(q.amount_m2), "status": q.status, "buyer_party_id": q.buyer_party_id}


@router.post("/lots", status_code=201)
def list_lot(body: QuotaLotIn, p: Principal = Depends(bureau),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """List quota of a county's year on the exchange (a construction_quota lot); the quota is taken now."""
    _covers(p, body.county_code)
    q = transfer.list_quota_lot(session, actor=_actor(p), county_code=body.county_code, year=body.year,
                                amount_m2=body.amount_m2, title=body.title, start_price=body.start_price,
                                starts_at=body.starts_at, seller_party_id=body.seller_party_id)
    return quota_lot_json(q)


@router.post("/lots/{quota_lot_id}/settlement")
def settle_lot(quota_lot_id: int, p: Principal = Depends(bureau),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """Follow the exchange's outcome now (the worker does the same): to the buyer, or back to the county."""
    lot = session.get(QuotaLot, quota_lot_id)
    if lot is not None:
        _covers(p, lot.county_code)
    return quota_lot_json(transfer.settle_quota_lot(session, quota_lot_id, actor=_actor(p)))


@router.post("/holdings/allocations", status_code=201)
def allocate_held(body: HeldAllocationIn, p: Principal = Depends(bureau),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """Record a buyer's allocation of quota it bought to a destination parcel."""
    _covers(p, body.county_code)
    allocation = transfer.allocate_held(session, actor=_actor(p), party_id=body.party_id,
                                        county_code=body.county_code, year=body.year, parcel_id=body.parcel_id,
                                        amount_m2=body.amount_m2)
    return allocation_json(allocation) | {"holding_id": allocation.holding_id}


@router.get("/holdings/{party_id}")
def holdings(party_id: int, p: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The quota a buyer holds, by county and year: received and allocated (m²)."""
    return {"party_id": party_id, "holdings": [
        {"county_code": h.county_code, "year": h.year, "received_m2": str(h.received_m2),
         "allocated_m2": str(h.allocated_m2)} for h in transfer.holdings_of(session, party_id)]}


def _covers(p: Principal, county_code: str) -> None:
    """The bureau acts for its own county only (another county's quota, plan or project: 403
    ``auth.forbidden_region``), as the reserve centre does (``_centre_covers``)."""
    if not p.covers_region(county_code[:12].ljust(12, "0")):
        raise AuthError.FORBIDDEN_REGION.error(region_code=county_code)


def _covers_project(session: Session, p: Principal, project_id: int) -> None:
    project = session.get(ReclamationProject, project_id)
    if project is not None:  # a missing one is the service's typed 404
        _covers(p, project.region_code)


def _centre_covers(p: Principal, county_code: str) -> None:
    """The reserve officer's organisation must cover the county of the case (L4)."""
    if not p.covers_region(county_code.ljust(12, "0")):
        raise AuthError.FORBIDDEN_REGION.error(region_code=county_code)


class ReserveIn(BaseModel):
    county_code: str = County
    parcel_id: int = Field(ge=1, le=2**31)
    compensation_cny: str = Field(max_length=20, pattern=r"^\d{1,14}(\.\d{1,2})?$")


class AcquisitionIn(BaseModel):
    acquired_on: date


class SupplyIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    land_use: str = Field(max_length=24)
    quarter: int = Field(ge=1, le=4)
    supplied_on: date


def reserve_json(case: LandReserve) -> dict[str, Any]:
    return {"id": case.id, "reserve_no": case.reserve_no, "county_code": case.region_code,
            "parcel_id": case.parcel_id, "area_m2": str(case.area_m2), "status": case.status,
            "compensation_cny": str(fen_to_yuan(case.compensation_fen)),
            "acquired_on": None if case.acquired_on is None else case.acquired_on.isoformat(),
            "supplied_on": None if case.supplied_on is None else case.supplied_on.isoformat()}


@router.post("/reserves", status_code=201)
def propose_reserve(body: ReserveIn, p: Principal = Depends(reserve_centre),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The reserve centre proposes to bank a parcel (土地收储) with the compensation agreed."""
    _centre_covers(p, body.county_code)
    return reserve_json(reserve.propose(session, actor=_actor(p), county_code=body.county_code,
                                        parcel_id=body.parcel_id, compensation_cny=body.compensation_cny))


@router.post("/reserves/{reserve_id}/acquisition")
def acquire_reserve(reserve_id: int, body: AcquisitionIn, p: Principal = Depends(reserve_centre),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The compensation is paid; the reserve centre holds the land."""
    _centre_covers(p, reserve.get_reserve(session, reserve_id).region_code)
    return reserve_json(reserve.acquire(session, reserve_id, actor=_actor(p), acquired_on=body.acquired_on))


@router.post("/reserves/{reserve_id}/supply")
def supply_reserve(reserve_id: int, body: SupplyIn, p: Principal = Depends(reserve_centre),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Supply held land under the approved plan's line for its use and quarter."""
    _centre_covers(p, reserve.get_reserve(session, reserve_id).region_code)
    return reserve_json(reserve.supply(session, reserve_id, actor=_actor(p), year=body.year, land_use=body.land_use,
                                       quarter=body.quarter, supplied_on=body.supplied_on))


@router.post("/reserves/{reserve_id}/cancellation")
def cancel_reserve(reserve_id: int, body: RejectionIn, p: Principal = Depends(reserve_centre),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Withdraw a proposal before the land is acquired."""
    _centre_covers(p, reserve.get_reserve(session, reserve_id).region_code)
    return reserve_json(reserve.cancel(session, reserve_id, actor=_actor(p), reason=body.reason))

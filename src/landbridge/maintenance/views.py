"""Maintenance inventory JSON API (/api/v1/maintenance, issue #20 item 5): assets, maintainers, acceptance and
hand-over, inspections, defects, repairs, closing, the overdue list by maintainer, and the public map layer.

Permissions (``access``): anonymous callers get 401, roles outside the step 403, an asset outside the caller's area
403 ``maintenance.outside_region``. The map layer is public and holds no personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, current_principal, region_prefix, require_roles
from landbridge.maintenance import access, overdue, service
from landbridge.maintenance.errors import MaintenanceError
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect, MaintenanceInspection
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/maintenance", tags=["maintenance"], route_class=TransactionalRoute)
manager = require_roles(*access.MANAGERS)
inspector = require_roles(*access.INSPECTORS)
reader = require_roles(*access.READERS)
PAGE_MAX = 100


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


def asset_json(a: MaintenanceAsset) -> dict[str, Any]:
    return {"id": a.id, "asset_no": a.asset_no, "kind": a.kind, "name": a.name, "region_code": a.region_code,
            "status": a.status, "maintainer_kind": a.maintainer_kind, "maintainer_id": a.maintainer_id,
            "maintainer_name": a.maintainer_name, "duties": a.duties, "standard": a.standard,
            "funding_source": a.funding_source, "accepted_on": a.accepted_on.isoformat() if a.accepted_on else None,
            "ledger_seq": a.ledger_seq}


def defect_json(d: MaintenanceDefect) -> dict[str, Any]:
    return {"id": d.id, "asset_id": d.asset_id, "inspection_id": d.inspection_id, "severity": d.severity,
            "description": d.description, "status": d.status, "reported_on": d.reported_on.isoformat(),
            "due_on": d.due_on.isoformat(), "repaired_on": d.repaired_on.isoformat() if d.repaired_on else None,
            "closed_on": d.closed_on.isoformat() if d.closed_on else None, "escalated": d.escalated_at is not None}


class AssetIn(BaseModel):
    kind: str = Field(max_length=24)
    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(pattern=r"^\d{12}$")
    location: dict[str, Any]  # GeoJSON point, line or polygon in EPSG:4490; positions counted before it is built
    duties: str = Field(min_length=1, max_length=500)
    standard: str = Field(min_length=1, max_length=200)
    funding_source: str = Field(max_length=24)
    maintainer_kind: str | None = Field(None, max_length=16)
    maintainer_id: int | None = Field(None, ge=1, le=2**31)


class MaintainerIn(BaseModel):
    maintainer_kind: str = Field(max_length=16)
    maintainer_id: int = Field(ge=1, le=2**31)


class AcceptanceIn(BaseModel):
    accepted_on: date


class RetireIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class DefectIn(BaseModel):
    severity: str = Field(max_length=16)
    description: str = Field(min_length=1, max_length=500)


class InspectionIn(BaseModel):
    inspected_on: date
    findings: str = Field(min_length=1, max_length=500)
    defects: list[DefectIn] = Field(default_factory=list, max_length=service.MAX_DEFECTS_PER_INSPECTION)


class ReportIn(DefectIn):
    reported_on: date


class RepairIn(BaseModel):
    repaired_on: date
    note: str = Field(min_length=1, max_length=500)


class CloseIn(BaseModel):
    closed_on: date


def _asset_in_area(session: Session, asset_id: int, p: Principal) -> MaintenanceAsset:
    asset = service.get_asset(session, asset_id)
    access.in_area(p, asset)
    return asset


@router.post("/assets", status_code=201)
def register(body: AssetIn, p: Principal = Depends(manager), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Enter an asset in the inventory (its village must lie in the caller's area)."""
    if not p.covers_region(body.region_code):
        raise MaintenanceError.OUTSIDE_REGION.error(asset_no=body.region_code)
    who = (body.maintainer_kind, body.maintainer_id) if body.maintainer_kind and body.maintainer_id else None
    asset = service.register_asset(session, actor=_actor(p), kind=body.kind, name=body.name,
                                   region_code=body.region_code, location_geometry=body.location, duties=body.duties,
                                   standard=body.standard, funding_source=body.funding_source, maintainer=who)
    return asset_json(asset)


@router.get("/assets")
def list_assets(kind: str | None = Query(None, max_length=24), status: str | None = Query(None, max_length=16),
                region: str | None = Query(None, pattern=r"^\d{1,12}$"), limit: int = Query(20, ge=1, le=PAGE_MAX),
                offset: int = Query(0, ge=0, le=10_000_000), p: Principal = Depends(reader),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """The register in the caller's area, filtered by kind, state and region code prefix."""
    stmt = select(MaintenanceAsset).where(
        MaintenanceAsset.region_code.startswith(region_prefix(p.region_code), autoescape=True))
    if kind:
        stmt = stmt.where(MaintenanceAsset.kind == kind)
    if status:
        stmt = stmt.where(MaintenanceAsset.status == status)
    if region:
        stmt = stmt.where(MaintenanceAsset.region_code.startswith(region, autoescape=True))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(MaintenanceAsset.id).limit(limit).offset(offset))
    return {"items": [asset_json(a) for a in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/assets/{asset_id}")
def get_asset(asset_id: int, p: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    asset = _asset_in_area(session, asset_id, p)
    inspections = session.scalars(select(MaintenanceInspection).where(MaintenanceInspection.asset_id == asset.id)
                                  .order_by(MaintenanceInspection.id.desc()).limit(PAGE_MAX))
    defects = session.scalars(select(MaintenanceDefect).where(MaintenanceDefect.asset_id == asset.id)
                              .order_by(MaintenanceDefect.id.desc()).limit(PAGE_MAX))
    return asset_json(asset) | {
        "inspections": [{"id": i.id, "inspected_on": i.inspected_on.isoformat(), "findings": i.findings,
                         "defects": i.defects} for i in inspections],
        "defects": [defect_json(d) for d in defects]}


@router.post("/assets/{asset_id}/maintainer")
def assign(asset_id: int, body: MaintainerIn, p: Principal = Depends(manager),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    _asset_in_area(session, asset_id, p)
    return asset_json(service.assign_maintainer(session, asset_id, actor=_actor(p),
                                                maintainer_kind=body.maintainer_kind, maintainer_id=body.maintainer_id))


@router.post("/assets/{asset_id}/acceptance")
def accept(asset_id: int, body: AcceptanceIn, p: Principal = Depends(manager),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    _asset_in_area(session, asset_id, p)
    return asset_json(service.accept_asset(session, asset_id, actor=_actor(p), accepted_on=body.accepted_on))


@router.post("/assets/{asset_id}/retirement")
def retire(asset_id: int, body: RetireIn, p: Principal = Depends(manager),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    _asset_in_area(session, asset_id, p)
    return asset_json(service.retire_asset(session, asset_id, actor=_actor(p), reason=body.reason))


@router.post("/assets/{asset_id}/inspections", status_code=201)
def inspect(asset_id: int, body: InspectionIn, p: Principal = Depends(inspector),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    _asset_in_area(session, asset_id, p)
    done = service.record_inspection(session, asset_id, actor=_actor(p), inspected_on=body.inspected_on,
                                     findings=body.findings,
                                     defects=[(d.severity, d.description) for d in body.defects])
    return {"id": done.id, "asset_id": asset_id, "inspected_on": done.inspected_on.isoformat(),
            "defects": done.defects}


@router.post("/assets/{asset_id}/defects", status_code=201)
def report(asset_id: int, body: ReportIn, p: Principal = Depends(inspector),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    _asset_in_area(session, asset_id, p)
    return defect_json(service.report_defect(session, asset_id, actor=_actor(p), severity=body.severity,
                                             description=body.description, reported_on=body.reported_on))


@router.post("/defects/{defect_id}/repair")
def repair(defect_id: int, body: RepairIn, p: Principal = Depends(current_principal),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Record the repair: the maintainer, or the township of the asset's area."""
    defect = service.get_defect(session, defect_id)
    access.may_repair(session, p, service.get_asset(session, defect.asset_id))
    return defect_json(service.repair_defect(session, defect_id, actor=_actor(p), repaired_on=body.repaired_on,
                                             note=body.note))


@router.post("/defects/{defect_id}/closure")
def close(defect_id: int, body: CloseIn, p: Principal = Depends(manager),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    defect = service.get_defect(session, defect_id)
    _asset_in_area(session, defect.asset_id, p)
    return defect_json(service.close_defect(session, defect_id, actor=_actor(p), closed_on=body.closed_on))


@router.get("/overdue")
def overdue_list(p: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Open defects past their deadline in the caller's area, by maintainer."""
    groups = overdue.overdue_by_maintainer(session, region_prefix=region_prefix(p.region_code))
    return {"maintainers": [{"maintainer_kind": g.kind, "maintainer_id": g.maintainer_id, "name": g.name,
                             "defects": [defect_json(d) | {"asset_no": a.asset_no, "days_late": late}
                                         for a, d, late in g.rows]} for g in groups]}

"""The maintenance inventory's forms (issue #20 item 5): one POST per step, each checked for its CSRF token, the
caller's role and area, then handed to the service; a refusal rolls back and shows the typed error, success goes
back to the asset's page (303)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.maintenance import access, labels, service
from landbridge.maintenance.errors import MaintenanceError
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import refuse
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise MaintenanceError.INVALID_DATE.error(field=field, earliest=service.EARLIEST.isoformat()) from None


def _run(request: Request, session: Session, csrf: str, step: Callable[[], int]) -> Response:
    try:
        check_csrf(request, csrf)
        asset_id = step()
    except DomainError as exc:
        session.rollback()
        return refuse(request, exc)
    return RedirectResponse(f"/maintenance/assets/{asset_id}", status_code=303)


def _asset(session: Session, p: Principal, asset_id: int) -> int:
    access.in_area(p, service.get_asset(session, asset_id))
    return asset_id


@router.get("/maintenance/new", response_class=Response)
def new_form(request: Request, principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, access.MANAGERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    return render(request, "maintenance/new.html", {
        "zh": zh, "csrf": csrf_token(request), "kinds": labels.options(labels.KIND, zh),
        "fundings": labels.options(labels.FUNDING, zh), "maintainer_kinds": labels.options(labels.MAINTAINER_KIND, zh)})


@router.post("/maintenance/new", response_class=Response)
def create(request: Request, csrf: str = Form(""), kind: str = Form("", max_length=24),
           name: str = Form("", max_length=200), region_code: str = Form("", max_length=12),
           location: str = Form("", max_length=200_000), duties: str = Form("", max_length=500),
           standard: str = Form("", max_length=200), funding_source: str = Form("", max_length=24),
           maintainer_kind: str = Form("", max_length=16), maintainer_id: str = Form("", max_length=10),
           session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, access.MANAGERS)
    if not isinstance(caller, Principal):
        return caller

    def step() -> int:
        if not caller.covers_region(region_code):
            raise MaintenanceError.OUTSIDE_REGION.error(asset_no=region_code[:12])
        try:
            geometry = json.loads(location)
        except ValueError:
            raise MaintenanceError.INVALID_LOCATION.error(reason="not JSON") from None
        if not isinstance(geometry, dict):
            raise MaintenanceError.INVALID_LOCATION.error(reason="not a GeoJSON geometry")
        who = (maintainer_kind, int(maintainer_id)) if maintainer_kind and maintainer_id.isdigit() else None
        return service.register_asset(session, actor=_actor(caller), kind=kind, name=name, region_code=region_code,
                                      location_geometry=geometry, duties=duties, standard=standard,
                                      funding_source=funding_source, maintainer=who).id
    return _run(request, session, csrf, step)


@router.post("/maintenance/assets/{asset_id}/maintainer", response_class=Response)
def assign(request: Request, asset_id: int, csrf: str = Form(""), maintainer_kind: str = Form("", max_length=16),
           maintainer_id: int = Form(0, ge=0, le=2**31), session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, access.MANAGERS)
    if not isinstance(caller, Principal):
        return caller
    return _run(request, session, csrf, lambda: service.assign_maintainer(
        session, _asset(session, caller, asset_id), actor=_actor(caller), maintainer_kind=maintainer_kind,
        maintainer_id=maintainer_id).id)


@router.post("/maintenance/assets/{asset_id}/acceptance", response_class=Response)
def accept(request: Request, asset_id: int, csrf: str = Form(""), accepted_on: str = Form("", max_length=10),
           session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, access.MANAGERS)
    if not isinstance(caller, Principal):
        return caller
    return _run(request, session, csrf, lambda: service.accept_asset(
        session, _asset(session, caller, asset_id), actor=_actor(caller),
        accepted_on=_day(accepted_on, "accepted_on")).id)


@router.post("/maintenance/assets/{asset_id}/retirement", response_class=Response)
def retire(request: Request, asset_id: int, csrf: str = Form(""), reason: str = Form("", max_length=200),
           session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, access.MANAGERS)
    if not isinstance(caller, Principal):
        return caller
    return _run(request, session, csrf, lambda: service.retire_asset(
        session, _asset(session, caller, asset_id), actor=_actor(caller), reason=reason).id)


@router.post("/maintenance/assets/{asset_id}/inspections", response_class=Response)
def inspect(request: Request, asset_id: int, csrf: str = Form(""), inspected_on: str = Form("", max_length=10),
            findings: str = Form("", max_length=500), severity: str = Form("", max_length=16),
            description: str = Form("", max_length=500), session: Session = Depends(get_session),
            principal: Principal | None = Depends(optional_principal)) -> Response:
    """An inspection with its findings and, when a description is given, the one defect it found."""
    caller = page_caller(request, principal, access.INSPECTORS)
    if not isinstance(caller, Principal):
        return caller
    found = [(severity, description)] if description.strip() else []
    return _run(request, session, csrf, lambda: service.record_inspection(
        session, _asset(session, caller, asset_id), actor=_actor(caller),
        inspected_on=_day(inspected_on, "inspected_on"), findings=findings, defects=found).asset_id)


@router.post("/maintenance/defects/{defect_id}/repair", response_class=Response)
def repair(request: Request, defect_id: int, csrf: str = Form(""), repaired_on: str = Form("", max_length=10),
           note: str = Form("", max_length=500), session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    if principal is None:
        return page_caller(request, principal, access.MANAGERS)
    caller = principal

    def step() -> int:
        defect = service.get_defect(session, defect_id)
        access.may_repair(session, caller, service.get_asset(session, defect.asset_id))
        return service.repair_defect(session, defect_id, actor=_actor(caller),
                                     repaired_on=_day(repaired_on, "repaired_on"), note=note).asset_id
    return _run(request, session, csrf, step)


@router.post("/maintenance/defects/{defect_id}/closure", response_class=Response)
def close(request: Request, defect_id: int, csrf: str = Form(""), closed_on: str = Form("", max_length=10),
          session: Session = Depends(get_session),
          principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, access.MANAGERS)
    if not isinstance(caller, Principal):
        return caller

    def step() -> int:
        defect = service.get_defect(session, defect_id)
        _asset(session, caller, defect.asset_id)
        return service.close_defect(session, defect_id, actor=_actor(caller),
                                    closed_on=_day(closed_on, "closed_on")).asset_id
    return _run(request, session, csrf, step)

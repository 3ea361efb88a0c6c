"""Maintenance inventory pages (管护清单, issue #20 item 5): the register with filters and pagination, an asset's
detail with its inspections, defects and ledger events, and the overdue list by maintainer. zh-CN by default,
English with ``?lang=en``. The forms of each step are in ``forms``; every step is also in the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal, region_prefix
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.ledger import history_panel
from landbridge.maintenance import access, labels, overdue, service
from landbridge.maintenance.models import MaintenanceAsset, MaintenanceDefect, MaintenanceInspection
from landbridge.web.forms import csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import refuse
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 25


def _asset_row(a: MaintenanceAsset, zh: bool) -> dict[str, Any]:
    return {"id": a.id, "no": a.asset_no, "name": a.name, "kind": labels.label(labels.KIND, a.kind, zh),
            "status": labels.label(labels.ASSET_STATUS, a.status, zh), "raw_status": a.status,
            "region": a.region_code, "maintainer": a.maintainer_name or "—",
            "maintainer_kind": labels.label(labels.MAINTAINER_KIND, a.maintainer_kind, zh),
            "funding": labels.label(labels.FUNDING, a.funding_source, zh), "duties": a.duties,
            "standard": a.standard, "accepted_on": a.accepted_on}


@router.get("/maintenance", response_class=Response)
def register_page(request: Request, kind: str = Query("", max_length=24), status: str = Query("", max_length=16),
                  region: str = Query("", pattern=r"^\d{0,12}$"),
                  page_no: int = Query(1, ge=1, le=100_000, alias="page"),
                  session: Session = Depends(get_session),
                  principal: Principal | None = Depends(optional_principal)) -> Response:
    """The asset register of the caller's area."""
    caller = page_caller(request, principal, access.READERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    stmt = select(MaintenanceAsset).where(
        MaintenanceAsset.region_code.startswith(region_prefix(caller.region_code), autoescape=True))
    if kind:
        stmt = stmt.where(MaintenanceAsset.kind == kind)
    if status:
        stmt = stmt.where(MaintenanceAsset.status == status)
    if region:
        stmt = stmt.where(MaintenanceAsset.region_code.startswith(region, autoescape=True))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(MaintenanceAsset.region_code, MaintenanceAsset.id)
                           .limit(PAGE_SIZE).offset((page_no - 1) * PAGE_SIZE))
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("status", status), ("region", region)) if v)
    return render(request, "maintenance/register.html", {
        "zh": zh, "assets": [_asset_row(a, zh) for a in rows], "total": total, "page": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)), "kind": kind, "status": status, "region": region, "query": query,
        "kinds": labels.options(labels.KIND, zh), "states": labels.options(labels.ASSET_STATUS, zh),
        "manager": caller.role in access.MANAGERS})


@router.get("/maintenance/assets/{asset_id}", response_class=Response)
def asset_page(request: Request, asset_id: int, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """An asset with its inspections, defects and ledger events, and the forms of the caller's next steps."""
    if principal is not None and principal.role not in access.READERS:
        # a maintainer organisation's user (a contractor) reaches its own asset from a notice or a to-do
        try:
            asset = service.get_asset(session, asset_id)
        except DomainError as exc:
            return refuse(request, exc)
        mine = access.is_maintainer(session, principal, asset)
        caller: Principal | Response = principal if mine else page_caller(request, principal, access.READERS)
    else:
        caller = page_caller(request, principal, access.READERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    try:
        asset = service.get_asset(session, asset_id)
        if not access.is_maintainer(session, caller, asset):
            access.in_area(caller, asset)
    except DomainError as exc:
        return refuse(request, exc)
    today = service.today()
    inspections = session.scalars(select(MaintenanceInspection).where(MaintenanceInspection.asset_id == asset.id)
                                  .order_by(MaintenanceInspection.id.desc()).limit(50))
    defects = session.scalars(select(MaintenanceDefect).where(MaintenanceDefect.asset_id == asset.id)
                              .order_by(MaintenanceDefect.id.desc()).limit(100))
    may_repair = caller.role in access.MANAGERS or access.is_maintainer(session, caller, asset)
    return render(request, "maintenance/asset.html", {
        "zh": zh, "a": _asset_row(asset, zh), "csrf": csrf_token(request), "today": today,
        "manager": caller.role in access.MANAGERS, "inspector": caller.role in access.INSPECTORS,
        "may_repair": may_repair,
        "inspections": list(inspections),
        "defects": [{"d": d, "severity": labels.label(labels.SEVERITY, d.severity, zh),
                     "status": labels.label(labels.DEFECT_STATUS, d.status, zh),
                     "overdue": d.status == "open" and d.due_on < today} for d in defects],
        "severities": labels.options(labels.SEVERITY, zh),
        "ledger_history": history_panel(session, [service.asset_subject(asset.id)])})


@router.get("/maintenance/overdue", response_class=Response)
def overdue_page(request: Request, session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """Open defects past their repair deadline in the caller's area, by maintainer."""
    caller = page_caller(request, principal, access.READERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    groups = overdue.overdue_by_maintainer(session, region_prefix=region_prefix(caller.region_code))
    return render(request, "maintenance/overdue.html", {
        "zh": zh, "groups": [{"name": g.name, "kind": labels.label(labels.MAINTAINER_KIND, g.kind, zh),
                              "rows": [{"a": a, "d": d, "late": late,
                                        "severity": labels.label(labels.SEVERITY, d.severity, zh)}
                                       for a, d, late in g.rows]} for g in groups]})

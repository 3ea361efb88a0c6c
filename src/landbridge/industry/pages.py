"""The investors' pages (产业招商, issue #19 item 5; P1, S3): published places with their industries and computed
available land and quota, and a place's published projects with funding by source. Public and anonymous, with no
personal data; the natural-resources bureau, the supervisor and the admin also see drafts and the ledger history.
zh-CN by default, English with ``?lang=en``. Editing is in the API (``views``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.errors import DomainError
from landbridge.industry import access, labels, service
from landbridge.industry.errors import IndustryError
from landbridge.industry.figures import place_figures
from landbridge.industry.models import IndustryPlace, IndustryProject
from landbridge.industry.rules import PlaceStatus
from landbridge.ledger import history_panel
from landbridge.web.forms import csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import refuse
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 20


def _reader(p: Principal | None) -> bool:
    return p is not None and p.role in access.READERS


def _place_row(p: IndustryPlace, zh: bool) -> dict[str, Any]:
    return {"id": p.id, "no": p.place_no, "name": p.name, "summary": p.summary, "region": p.region_code,
            "kind": labels.label(labels.KIND, p.kind, zh), "raw_kind": p.kind,
            "status": labels.label(labels.PLACE_STATUS, p.status, zh), "raw_status": p.status,
            "industries": [labels.label(labels.INDUSTRY, i, zh) for i in p.industries],
            "centre": [round((p.miny + p.maxy) / 2, 6), round((p.minx + p.maxx) / 2, 6)]}


@router.get("/industry", response_class=Response)
def places_page(request: Request, kind: str = Query("", max_length=24),
                page_no: int = Query(1, ge=1, le=10_000, alias="page"), session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Published places (and drafts for readers) with industries, available land and quota."""
    zh = request_locale(request) == "zh_CN"
    stmt = select(IndustryPlace)
    if not _reader(principal):
        stmt = stmt.where(IndustryPlace.status == PlaceStatus.published.value)
    if kind:
        stmt = stmt.where(IndustryPlace.kind == kind)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    places = list(session.scalars(stmt.order_by(IndustryPlace.kind, IndustryPlace.id).limit(PAGE_SIZE)
                                  .offset((page_no - 1) * PAGE_SIZE)))
    figures = place_figures(session, places, service.today())
    projects = dict(session.execute(select(IndustryProject.place_id, func.count()).where(
        IndustryProject.place_id.in_([p.id for p in places]), IndustryProject.published.is_(True))
        .group_by(IndustryProject.place_id)).all())
    return render(request, "industry/places.html", {
        "zh": zh, "reader": _reader(principal), "total": total, "page": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)), "kind": kind,
        "kinds": [(k, v[0] if zh else v[1]) for k, v in labels.KIND.items()],
        "places": [{**_place_row(p, zh), "f": figures[p.id], "projects": projects.get(p.id, 0)} for p in places]})


@router.get("/industry/places/{place_id}", response_class=Response)
def place_page(request: Request, place_id: int, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """A place with its figures and its projects with funding by source and bundle."""
    zh = request_locale(request) == "zh_CN"
    reader = _reader(principal)
    try:
        place = service.get_place(session, place_id)
        if place.status != PlaceStatus.published and not reader:
            raise IndustryError.PLACE_NOT_FOUND.error(place_id=place_id)
    except DomainError as exc:
        return refuse(request, exc)
    stmt = select(IndustryProject).where(IndustryProject.place_id == place.id)
    if not reader:
        stmt = stmt.where(IndustryProject.published.is_(True))
    projects = list(session.scalars(stmt.order_by(IndustryProject.id).limit(200)))
    funding = service.funding_totals(session, [x.id for x in projects])
    rows = [{"p": x, "status": labels.label(labels.PROJECT_STATUS, x.status, zh),
             "nature": labels.label(labels.NATURE, x.nature, zh),
             "funding": [(labels.label(labels.FUNDING, k, zh), v) for k, v in sorted(funding.get(x.id, {}).items())],
             "total": sum(funding.get(x.id, {}).values(), Decimal(0))} for x in projects]
    subjects = [service.place_subject(place.id), *(service.project_subject(x.id) for x in projects)]
    return render(request, "industry/place.html", {
        "zh": zh, "pl": _place_row(place, zh), "f": place_figures(session, [place], service.today())[place.id],
        "projects": rows, "reader": reader, "csrf": csrf_token(request),
        "editor": principal is not None and principal.role in access.EDITORS,
        "next": {"planned": "under_construction", "under_construction": "operating"},
        "ledger_history": history_panel(session, subjects) if reader else None})

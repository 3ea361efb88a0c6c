"""Industry information JSON API (/api/v1/industry, issue #19 item 5; P1, S3): published places with their
industries and computed available land and quota, published projects with their funding, and the editing steps of
the natural-resources bureau (``access.EDITORS``): draw, publish and withdraw a place, register, publish and advance
a project, add a funding line, bundle projects. Anonymous callers read published things only; editing needs a
login (401) and an editor's role (403)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal, require_roles
from landbridge.industry import access, service
from landbridge.industry.errors import IndustryError
from landbridge.industry.figures import place_figures
from landbridge.industry.models import IndustryBundle, IndustryPlace, IndustryProject
from landbridge.industry.present import place_json, project_json
from landbridge.industry.rules import PlaceStatus
from landbridge.kernel.bounds import Id
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/industry", tags=["industry"], route_class=TransactionalRoute)
editor = require_roles(*access.EDITORS)
PAGE_MAX = 100
AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


def _reads_drafts(p: Principal | None) -> bool:
    return p is not None and p.role in access.READERS


class PlaceIn(BaseModel):
    kind: str = Field(max_length=24)
    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(pattern=r"^\d{12}$")
    summary: str = Field(min_length=1, max_length=1000)
    industries: list[str] = Field(min_length=1, max_length=20)
    boundary: dict[str, Any]  # GeoJSON Polygon/MultiPolygon in EPSG:4490; positions counted before it is built


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class ProjectIn(BaseModel):
    place_id: Id
    name: str = Field(min_length=1, max_length=200)
    nature: str = Field(max_length=16)
    description: str = Field(min_length=1, max_length=1000)
    revenue_cny: str = Field("0", pattern=AMOUNT)
    quota_allocation_id: Id | None = None
    entry_case_id: Id | None = None


class AdvanceIn(BaseModel):
    target: str = Field(max_length=24)


class FundingIn(BaseModel):
    source: str = Field(max_length=24)
    amount_cny: str = Field(pattern=AMOUNT)
    reference: str = Field(min_length=1, max_length=200)


class BundleIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    operating_project_id: Id
    welfare_project_ids: list[Id] = Field(min_length=1, max_length=service.MAX_BUNDLE_PROJECTS)


def _visible_place(session: Session, place_id: int, p: Principal | None) -> IndustryPlace:
    place = service.get_place(session, place_id)
    if place.status != PlaceStatus.published and not _reads_drafts(p):
        raise IndustryError.PLACE_NOT_FOUND.error(place_id=place_id)
    return place


@router.get("/places")
def list_places(kind: str = Query("", max_length=24), page: int = Query(1, ge=1, le=10_000),
                size: int = Query(20, ge=1, le=PAGE_MAX), drafts: bool = False,
                session: Session = Depends(get_session),
                p: Principal | None = Depends(optional_principal)) -> dict[str, Any]:
    """Published places (readers may ask for drafts and withdrawn ones too) with their computed figures."""
    stmt = select(IndustryPlace)
    if not (drafts and _reads_drafts(p)):
        stmt = stmt.where(IndustryPlace.status == PlaceStatus.published.value)
    if kind:
        stmt = stmt.where(IndustryPlace.kind == kind)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    places = list(session.scalars(stmt.order_by(IndustryPlace.id).limit(size).offset((page - 1) * size)))
    figures = place_figures(session, places, service.today())
    return {"total": total, "page": page, "size": size,
            "items": [place_json(x, figures[x.id]) for x in places]}


@router.get("/places/{place_id}")
def get_place(place_id: int, session: Session = Depends(get_session),
              p: Principal | None = Depends(optional_principal)) -> dict[str, Any]:
    """A place with its figures and its projects (published ones only, unless the caller reads drafts)."""
    place = _visible_place(session, place_id, p)
    stmt = select(IndustryProject).where(IndustryProject.place_id == place.id)
    if not _reads_drafts(p):
        stmt = stmt.where(IndustryProject.published.is_(True))
    projects = list(session.scalars(stmt.order_by(IndustryProject.id).limit(500)))
    funding = service.funding_totals(session, [x.id for x in projects])
    return {**place_json(place, place_figures(session, [place], service.today())[place.id]),
            "projects": [project_json(x, funding.get(x.id)) for x in projects]}


@router.get("/projects")
def list_projects(status: str = Query("", max_length=24), page: int = Query(1, ge=1, le=10_000),
                  size: int = Query(20, ge=1, le=PAGE_MAX), session: Session = Depends(get_session)
                  ) -> dict[str, Any]:
    """Published projects of published places (public)."""
    stmt = select(IndustryProject).join(IndustryPlace, IndustryPlace.id == IndustryProject.place_id).where(
        IndustryProject.published.is_(True), IndustryPlace.status == PlaceStatus.published.value)
    if status:
        stmt = stmt.where(IndustryProject.status == status)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(IndustryProject.id).limit(size).offset((page - 1) * size)))
    funding = service.funding_totals(session, [x.id for x in rows])
    return {"total": total, "page": page, "size": size, "items": [project_json(x, funding.get(x.id)) for x in rows]}


@router.get("/bundles/{bundle_id}")
def get_bundle(bundle_id: int, session: Session = Depends(get_session),
               p: Principal = Depends(require_roles(*access.READERS))) -> dict[str, Any]:
    """A bundle with its revenue, repayable financing and coverage (readers)."""
    bundle = session.get(IndustryBundle, bundle_id)
    if bundle is None:
        raise IndustryError.BUNDLE_NOT_FOUND.error(bundle_id=bundle_id)
    revenue, financing = service.bundle_finance(session, bundle)
    return {"id": bundle.id, "bundle_no": bundle.bundle_no, "name": bundle.name,
            "operating_project_id": bundle.operating_project_id, "revenue_cny": str(revenue),
            "financing_cny": str(financing),
            "coverage": str(revenue / financing) if financing > 0 else None,
            "projects": [x.id for x in service.bundle_members(session, bundle.id)]}


@router.post("/places", status_code=201)
def create_place(body: PlaceIn, p: Principal = Depends(editor), session: Session = Depends(get_session)
                 ) -> dict[str, Any]:
    if not p.covers_region(body.region_code):
        raise IndustryError.OUTSIDE_REGION.error(region_code=body.region_code)
    place = service.create_place(session, actor=_actor(p), kind=body.kind, name=body.name,
                                 region_code=body.region_code, summary=body.summary, industry_codes=body.industries,
                                 boundary_geometry=body.boundary)
    return place_json(place)


@router.post("/places/{place_id}/publish")
def publish_place(place_id: int, p: Principal = Depends(editor), session: Session = Depends(get_session)
                  ) -> dict[str, Any]:
    return place_json(service.publish_place(session, place_id, actor=_actor(p)))


@router.post("/places/{place_id}/withdraw")
def withdraw_place(place_id: int, body: ReasonIn, p: Principal = Depends(editor),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    return place_json(service.withdraw_place(session, place_id, actor=_actor(p), reason=body.reason))


@router.post("/projects", status_code=201)
def register_project(body: ProjectIn, p: Principal = Depends(editor), session: Session = Depends(get_session)
                     ) -> dict[str, Any]:
    project = service.register_project(session, actor=_actor(p), place_id=body.place_id, name=body.name,
                                       nature=body.nature, description=body.description,
                                       revenue_cny=Decimal(body.revenue_cny),
                                       quota_allocation_id=body.quota_allocation_id, entry_case_id=body.entry_case_id)
    return project_json(project)


@router.post("/projects/{project_id}/publish")
def publish_project(project_id: int, p: Principal = Depends(editor), session: Session = Depends(get_session)
                    ) -> dict[str, Any]:
    return project_json(service.publish_project(session, project_id, actor=_actor(p)))


@router.post("/projects/{project_id}/advance")
def advance_project(project_id: int, body: AdvanceIn, p: Principal = Depends(editor),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    return project_json(service.advance_project(session, project_id, actor=_actor(p), target=body.target))


@router.post("/projects/{project_id}/funding", status_code=201)
def add_funding(project_id: int, body: FundingIn, p: Principal = Depends(editor),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    line = service.add_funding(session, project_id, actor=_actor(p), source=body.source,
                               amount_cny=Decimal(body.amount_cny), reference=body.reference)
    return {"id": line.id, "project_id": line.project_id, "source": line.source, "amount_cny": str(line.amount_cny),
            "reference": line.reference}


@router.post("/bundles", status_code=201)
def create_bundle(body: BundleIn, p: Principal = Depends(editor), session: Session = Depends(get_session)
                  ) -> dict[str, Any]:
    bundle = service.create_bundle(session, actor=_actor(p), name=body.name,
                                   operating_project_id=body.operating_project_id,
                                   welfare_project_ids=body.welfare_project_ids)
    return {"id": bundle.id, "bundle_no": bundle.bundle_no, "operating_project_id": bundle.operating_project_id}

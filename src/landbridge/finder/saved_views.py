"""Saved searches as an API under ``/api/v1/finder/saved-searches`` and as forms of the ``/finder`` page (issue #23;
L6, P1): a signed-in user saves, lists and deletes only their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from landbridge.auth import Principal, current_principal, optional_principal
from landbridge.errors import DomainError
from landbridge.finder import saved
from landbridge.finder.search import NUMBER_MAX, NUMBERS, TEXTS
from landbridge.web.forms import check_csrf
from landbridge.web.pages import flash, login_redirect, refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
API = "/api/v1/finder/saved-searches"
ID = Path(..., ge=1, le=2**31 - 1)


class FiltersIn(BaseModel):
    """A search's filters, as ``GET /api/v1/finder`` takes them (absent: not filtered)."""

    model_config = ConfigDict(extra="forbid")
    use: str | None = Field(None, max_length=8)
    area_min: Decimal | None = Field(None, ge=0, le=NUMBER_MAX, max_digits=16, decimal_places=2)
    area_max: Decimal | None = Field(None, ge=0, le=NUMBER_MAX, max_digits=16, decimal_places=2)
    price_min: Decimal | None = Field(None, ge=0, le=NUMBER_MAX, max_digits=16, decimal_places=2)
    price_max: Decimal | None = Field(None, ge=0, le=NUMBER_MAX, max_digits=16, decimal_places=2)
    right_type: str | None = Field(None, max_length=48)
    region: str | None = Field(None, max_length=12)
    max_road_m: Decimal | None = Field(None, ge=0, le=100_000, max_digits=9, decimal_places=2)
    max_town_m: Decimal | None = Field(None, ge=0, le=100_000, max_digits=9, decimal_places=2)


class SavedSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=saved.NAME_MAX)
    filters: FiltersIn


@router.get(API, tags=["finder"])
def api_list(p: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> dict[str, Any]:
    """My saved searches and how many I may keep."""
    return {"items": [saved.search_json(r) for r in saved.list_searches(session, p.user_id)],
            "max": saved.saved_searches_max()}


@router.post(API, tags=["finder"], status_code=201)
def api_save(body: SavedSearchIn, p: Principal = Depends(current_principal),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Save a search: a notice reaches me once for each lot published later on a parcel that meets it."""
    params = {k: "" if v is None else str(v) for k, v in body.filters.model_dump().items()}
    return saved.search_json(saved.save_search(session, user_id=p.user_id, params=params, name=body.name))


@router.delete(API + "/{search_id}", tags=["finder"])
def api_delete(search_id: int = ID, p: Principal = Depends(current_principal),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """Delete one of my saved searches (someone else's: 404)."""
    saved.delete_search(session, user_id=p.user_id, search_id=search_id)
    return {"id": search_id, "deleted": True}


@router.post("/finder/saved-searches", include_in_schema=False, response_class=Response)
async def page_save(request: Request, session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """The page's 保存搜索 button: the form's filters (hidden fields) and a name."""
    if principal is None:
        return login_redirect(request)
    form = await request.form()
    fields = {k: str(form.get(k) or "") for k in (*NUMBERS, *TEXTS)}
    try:
        check_csrf(request, str(form.get("csrf") or ""))
        saved.save_search(session, user_id=principal.user_id, params=fields, name=str(form.get("name") or "")[:200])
    except DomainError as exc:
        session.rollback()
        return refuse(request, exc)
    flash(request, "ok", "搜索已保存：有符合的标的公告时会通知您",
          "Search saved: you will be told when a matching lot is published")
    query = "&".join(f"{k}={v}" for k, v in fields.items() if v)
    return RedirectResponse(f"/finder?{query}", status_code=303)


@router.post("/finder/saved-searches/{search_id}/delete", include_in_schema=False, response_class=Response)
def page_delete(request: Request, search_id: int = ID, csrf: str = Form(""), session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Delete one of my saved searches from the page."""
    if principal is None:
        return login_redirect(request)
    try:
        check_csrf(request, csrf)
        saved.delete_search(session, user_id=principal.user_id, search_id=search_id)
    except DomainError as exc:
        session.rollback()
        return refuse(request, exc)
    return RedirectResponse("/finder", status_code=303)

"""The editors' forms on a place's page (issue #19 item 5): publish the place, publish a project, advance a
project's state. Each POST checks its CSRF token and the caller's role (``access.EDITORS``), then calls the
service; a refusal rolls back and shows the typed error, success goes back to the place's page (303). Places,
projects, funding and bundles are created through the API (``views``)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.industry import access, service
from landbridge.web.forms import check_csrf
from landbridge.web.pages import refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def _run(request: Request, principal: Principal | None, session: Session, csrf: str,
         step: Callable[[Principal], int]) -> Response:
    caller = page_caller(request, principal, access.EDITORS)
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, csrf)
        place_id = step(caller)
    except DomainError as exc:
        session.rollback()
        return refuse(request, exc)
    return RedirectResponse(f"/industry/places/{place_id}", status_code=303)


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


@router.post("/industry/places/{place_id}/publish", response_class=Response)
def publish_place(request: Request, place_id: int, csrf: str = Form("", max_length=200),
                  session: Session = Depends(get_session),
                  principal: Principal | None = Depends(optional_principal)) -> Response:
    return _run(request, principal, session, csrf,
                lambda p: service.publish_place(session, place_id, actor=_actor(p)).id)


@router.post("/industry/projects/{project_id}/publish", response_class=Response)
def publish_project(request: Request, project_id: int, csrf: str = Form("", max_length=200),
                    session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    return _run(request, principal, session, csrf,
                lambda p: service.publish_project(session, project_id, actor=_actor(p)).place_id)


@router.post("/industry/projects/{project_id}/advance", response_class=Response)
def advance_project(request: Request, project_id: int, target: str = Form(..., max_length=24),
                    csrf: str = Form("", max_length=200), session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    return _run(request, principal, session, csrf,
                lambda p: service.advance_project(session, project_id, actor=_actor(p), target=target).place_id)

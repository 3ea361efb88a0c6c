"""Session pages: log in and log out (R1, P1). The language switch is the ``?lang=`` of every page
(``web.i18n``); the public map is the registry's page (``registry.map_page``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.auth import authenticate, optional_principal
from landbridge.auth.deps import client_address
from landbridge.auth.service import Principal, close_web_session, open_web_session
from landbridge.auth.views import app_settings
from landbridge.errors import DomainError
from landbridge.web.forms import check_csrf, csrf_token, error_message, safe_next
from landbridge.web.render import render, render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str | None = None,
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Show the login form (staff and members log in here)."""
    return render(request, "shell/login.html", {"csrf": csrf_token(request), "next": safe_next(next),
                                                "username": "", "error": None,
                                                "signed_up": request.query_params.get("signed_up") == "1"})


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form(""),
          next: str = Form("/"), session: Session = Depends(get_session)) -> Response:
    """Log in with username and password; failures and lock-outs are shown in the page language."""
    try:
        check_csrf(request, csrf)
        # failures are counted and throttled per account and client address in their own transaction (issue #12)
        principal = authenticate(session, username=username.strip(), password=password,
                                 address=client_address(request), mode=app_settings(request).mode)
    except DomainError as exc:
        return render(request, "shell/login.html", {"csrf": csrf_token(request), "next": safe_next(next),
                                                    "username": username, "error": error_message(request, exc)},
                      status_code=exc.http_status)
    request.session.clear()  # a fresh session on login (no fixation)
    request.session["sid"] = open_web_session(session, principal)  # held on the server: logout revokes it
    csrf_token(request)
    target = safe_next(next)  # without a page to return to, the front door: the service hall (issue #20)
    return RedirectResponse("/hall" if target == "/" else target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: str = Form(""), session: Session = Depends(get_session)) -> Response:
    """Log out: revoke the session on the server (a copied cookie is dead too) and forget it (issue #12)."""
    try:
        check_csrf(request, csrf)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    sid = request.session.get("sid")
    if isinstance(sid, str) and sid:
        close_web_session(session, sid)
    request.session.clear()
    return RedirectResponse("/", status_code=303)

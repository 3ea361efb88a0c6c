"""Account page: password change (修改密码) for every signed-in user (issue #12 item 5); in the web shell beside
login/logout, because auth itself imports no page code."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.auth.deps import client_address, released_principal
from landbridge.auth.service import Principal, change_password
from landbridge.config import get_settings
from landbridge.errors import DomainError
from landbridge.web.forms import check_csrf, error_message
from landbridge.web.pages import PageKit
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

KIT = PageKit()  # the platform catalogue holds this page's Chinese (issue #14)


def _page(request: Request, *, error: str | None = None, done: bool = False, status_code: int = 200) -> Response:
    settings = get_settings()
    return KIT.page(request, "shell/password.html", {
        "error": error, "done": done,
        "min_length": settings.password_min_length, "min_classes": settings.password_min_classes,
    }, status_code=status_code)


@router.get("/password")
def password_form(request: Request, principal: Principal | None = Depends(released_principal)) -> Response:
    """Show the password change form (login required)."""
    if principal is None:
        return RedirectResponse("/login?next=/password", status_code=303)
    return _page(request)


@router.post("/password")
def password_change(request: Request, current_password: str = Form("", max_length=200),
                    new_password: str = Form("", max_length=200), repeat_password: str = Form("", max_length=200),
                    csrf: str = Form("", max_length=200), principal: Principal | None = Depends(released_principal),
                    session: Session = Depends(get_session)) -> Response:
    """Change one's own password: the current one under login throttling, the new one against the policy; the
    other sessions and tokens of the user are revoked, this one stays."""
    if principal is None:
        return RedirectResponse("/login?next=/password", status_code=303)
    try:
        check_csrf(request, csrf)
        if new_password != repeat_password:
            return _page(request, error=KIT.translator(request)("The two new passwords differ."), status_code=422)
        change_password(session, principal=principal, current_password=current_password,
                        new_password=new_password, address=client_address(request))
    except DomainError as exc:
        session.rollback()
        return _page(request, error=error_message(request, exc), status_code=exc.http_status)
    return _page(request, done=True)

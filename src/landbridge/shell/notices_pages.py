"""The signed-in user's notices (站内消息, issue #20 item 1): the page ``/notices`` and the API under
``/api/v1/me/notices``; a user sees and marks only their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge import notices
from landbridge.auth import Principal, current_principal, optional_principal
from landbridge.errors import DomainError
from landbridge.notices.models import Notice
from landbridge.notices.service import PAGE_MAX
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import login_redirect, refuse
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
PAGE = "/notices"
PAGE_SIZE = 20


def notice_json(n: Notice) -> dict[str, Any]:
    return {"id": n.id, "module": n.module, "kind": n.kind, "title_zh": n.title_zh, "title_en": n.title_en,
            "href": n.href, "created_at": n.created_at.isoformat(), "read": n.read_at is not None}


@router.get("/api/v1/me/notices", tags=["notices"])
def api_inbox(limit: int = Query(PAGE_SIZE, ge=1, le=PAGE_MAX), offset: int = Query(0, ge=0,
              le=10_000_000), p: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """My notices, newest first, with the unread count."""
    rows, total = notices.inbox(session, p.user_id, limit=limit, offset=offset)
    return {"items": [notice_json(n) for n in rows], "total": total,
            "unread": notices.unread_count(session, p.user_id), "limit": limit, "offset": offset}


@router.post("/api/v1/me/notices/{notice_id}/read", tags=["notices"])
def api_read(notice_id: int, p: Principal = Depends(current_principal),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Mark one of my notices read (``changed`` is false when it was read already)."""
    return {"id": notice_id, "changed": notices.mark_read(session, notice_id=notice_id, user_id=p.user_id)}


@router.get(PAGE, include_in_schema=False, response_class=Response)
def page(request: Request, page_no: int = Query(1, ge=1, le=100_000, alias="page"),
         session: Session = Depends(get_session), principal: Principal | None = Depends(optional_principal),
         ) -> Response:
    """My notices with a button to mark each unread one read."""
    if principal is None:
        return login_redirect(request)
    rows, total = notices.inbox(session, principal.user_id, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    zh = request_locale(request) == "zh_CN"
    return render(request, "shell/notices.html", {
        "notices": [{"n": n, "title": n.title_zh if zh else n.title_en} for n in rows], "total": total,
        "unread": notices.unread_count(session, principal.user_id), "page": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)), "csrf": csrf_token(request)})


@router.post(PAGE + "/{notice_id}/read", include_in_schema=False, response_class=Response)
def read(request: Request, notice_id: int, csrf: str = Form(""), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """Mark read and go where the notice points."""
    if principal is None:
        return login_redirect(request)
    try:
        check_csrf(request, csrf)
        notices.mark_read(session, notice_id=notice_id, user_id=principal.user_id)
    except DomainError as exc:
        session.rollback()
        return refuse(request, exc)
    target = session.get(Notice, notice_id)
    return RedirectResponse(target.href if target is not None else PAGE, status_code=303)

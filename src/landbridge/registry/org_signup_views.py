"""An organisation's sign-up, API and pages (issue #20 item 2): ``registry.org_signup`` does the work.

The agent (signed in, linked to their registry record): ``POST /api/v1/signup/organisations`` and the page
``/signup/organisation``. Platform administrators: ``GET /api/v1/admin/org-signups``,
``POST /api/v1/admin/org-signups/{id}/decision`` and the page ``/admin/org-signups`` (机构注册审核).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, current_principal, optional_principal, require_roles
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.registry import org_signup
from landbridge.registry.models import Party
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import flash, form_refusal, pop_flash
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
admin = require_roles(Role.admin)
QUEUE = "/admin/org-signups"
KIND_ZH = {"company": "企业（竞买人）", "bank": "银行", "guarantor": "担保机构", "insurer": "保险机构",
           "fund": "风险补偿基金"}


class OrgSignupCreate(BaseModel):
    uscc: str = Field(min_length=18, max_length=18, description="统一社会信用代码")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=16)
    letter_ref: str = Field(min_length=1, max_length=60, description="授权委托书编号")
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class OrgSignupDecision(BaseModel):
    approve: bool
    reason: str | None = Field(None, max_length=200)


def signup_json(session: Session, row: org_signup.OrgSignup) -> dict[str, Any]:
    """A sign-up as its reviewer sees it: the organisation's registry name (public), never the password hash."""
    party = session.get(Party, row.party_id)
    return {"id": row.id, "organisation": party.name if party else None, "kind": row.kind,
            "letter_ref": row.letter_ref, "username": row.username, "status": row.status,
            "created_at": row.created_at.isoformat(), "reason": row.reason, "organisation_id": row.organisation_id}


def _apply(session: Session, p: Principal, body: OrgSignupCreate) -> org_signup.OrgSignup:
    return org_signup.apply(session, agent_user_id=p.user_id, agent_party_id=p.party_id, uscc=body.uscc,
                            name=body.name, kind=body.kind, letter_ref=body.letter_ref, username=body.username,
                            password=body.password)


@router.post("/api/v1/signup/organisations", tags=["signup"], status_code=201)
def api_apply(body: OrgSignupCreate, p: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """The agent's sign-up of their organisation, waiting for review."""
    return signup_json(session, _apply(session, p, body))


@router.get("/api/v1/admin/org-signups", tags=["admin"])
def api_pending(p: Principal = Depends(admin), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Sign-ups waiting for review, oldest first (platform administrators)."""
    return {"items": [signup_json(session, r) for r in org_signup.pending(session)]}


@router.post("/api/v1/admin/org-signups/{signup_id}/decision", tags=["admin"])
def api_decide(signup_id: int, body: OrgSignupDecision, p: Principal = Depends(admin),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """Approve or refuse (with a reason) a waiting sign-up."""
    row = org_signup.decide(session, signup_id=signup_id, approve=body.approve, reason=body.reason, actor=p.actor)
    return signup_json(session, row)


@router.get("/signup/organisation", include_in_schema=False, response_class=Response)
def apply_page(request: Request, principal: Principal | None = Depends(optional_principal)) -> Response:
    """The agent's form."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    return render(request, "registry/org_signup.html", {"csrf": csrf_token(request), "kinds": KIND_ZH,
                                                         "verified": caller.party_id is not None, "values": {},
                                                         "message": pop_flash(request)})


@router.post("/signup/organisation", include_in_schema=False, response_class=Response)
def apply_form(request: Request, csrf: str = Form(""), uscc: str = Form("", max_length=18),
               name: str = Form("", max_length=200), kind: str = Form("", max_length=16),
               letter_ref: str = Form("", max_length=60), username: str = Form("", max_length=40),
               password: str = Form("", max_length=200), session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, csrf)
        org_signup.apply(session, agent_user_id=caller.user_id, agent_party_id=caller.party_id, uscc=uscc,
                         name=name, kind=kind, letter_ref=letter_ref, username=username, password=password)
    except DomainError as exc:
        refused = form_refusal(request, session, exc)
        if refused is not None:
            return refused
        zh = request_locale(request) == "zh_CN"
        return render(request, "registry/org_signup.html", {
            "csrf": csrf_token(request), "kinds": KIND_ZH, "verified": caller.party_id is not None,
            "error": exc.message if zh else exc.message_en, "message": None,
            "values": {"uscc": uscc, "name": name, "kind": kind, "letter_ref": letter_ref, "username": username}},
            status_code=exc.http_status)
    flash(request, "ok", "申请已提交，平台审核后将通过站内消息通知您", "sent: you will get a notice after the review")
    return RedirectResponse("/signup/organisation", status_code=303)


@router.get(QUEUE, include_in_schema=False, response_class=Response)
def queue_page(request: Request, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Waiting sign-ups with approve and refuse forms (platform administrators)."""
    caller = page_caller(request, principal, (Role.admin,))
    if not isinstance(caller, Principal):
        return caller
    return render(request, "registry/org_signup_queue.html", {
        "rows": [signup_json(session, r) for r in org_signup.pending(session)], "kinds": KIND_ZH,
        "csrf": csrf_token(request), "message": pop_flash(request)})


@router.post(QUEUE + "/{signup_id}/decision", include_in_schema=False, response_class=Response)
def decide_form(request: Request, signup_id: int, csrf: str = Form(""), decision: str = Form("", max_length=8),
                reason: str = Form("", max_length=200), session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    caller = page_caller(request, principal, (Role.admin,))
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, csrf)
        org_signup.decide(session, signup_id=signup_id, approve=decision == "approve", reason=reason,
                          actor=caller.actor)
    except DomainError as exc:
        refused = form_refusal(request, session, exc)
        if refused is not None:
            return refused
        flash(request, "error", exc.message, exc.message_en)
        return RedirectResponse(QUEUE, status_code=303)
    flash(request, "ok", "已审核", "decided")
    return RedirectResponse(QUEUE, status_code=303)

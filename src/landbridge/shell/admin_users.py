"""Account administration for administrators (issue #20 item 2): the JSON API under ``/api/v1/admin/users`` and
the page ``/admin/users`` (账号管理), zh-CN by default.

An administrator lists accounts (filtered by role and by name, paged), creates one in an organisation with a
password under the production policy, links an account to the registry party it is (a villager to their person, a
company's agent to the company; the party must exist and no other account may hold it), changes its role, and
deactivates or reactivates it. Every change is a transition of ``landbridge.auth`` with its ledger event; a refusal
is typed and changes nothing. The list shows the linked party's id only: reading a person's record is audited
where the registry shows it, not here.

An organisation's administrator (``org_admin``) uses the same API and page for their organisation only
(``auth.admin.Scope``): its accounts, new accounts in it, and the staff roles of its kind; linking a login to a
person stays with the platform's administrators.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role, create_user, link_user_party, optional_principal, require_roles
from landbridge.auth.admin import PAGE_MAX, Scope, change_role, list_users, scope_of, set_active
from landbridge.auth.errors import AuthError
from landbridge.auth.models import User
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.pages import flash, form_refusal, pop_flash
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
admin = require_roles(Role.admin)
account_admin = require_roles(Role.admin, Role.org_admin)
ADMINS = (Role.admin, Role.org_admin)
PAGE = "/admin/users"
PAGE_SIZE = 50
ROLE_ZH = {"member": "村民", "collective_clerk": "集体经济组织会计", "township_official": "乡镇干部",
           "registrar": "登记员", "nr_official": "自然资源局", "exchange_operator": "交易中心", "bidder": "竞买人",
           "bank_officer": "信贷员", "guarantor_officer": "担保专员", "insurer_officer": "保险专员",
           "fund_manager": "风险补偿基金", "supervisor": "监督员", "admin": "平台管理员",
           "org_admin": "机构管理员",
           "reserve_officer": "土地储备中心", "labour_inspector": "劳动保障监察",
           "employer": "用人单位", "employment_officer": "就业服务",
           "hotline_operator": "12345 话务员"}


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    organisation_id: int = Field(ge=1, le=2_147_483_647)
    password: str = Field(min_length=1, max_length=200)


class PartyLink(BaseModel):
    party_id: int = Field(ge=1, le=2_147_483_647)


class RoleChange(BaseModel):
    role: Role


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": str(user.role),
            "organisation_id": user.organisation_id, "party_id": user.party_id, "is_active": user.is_active,
            "is_demo": user.is_demo}


def _scope(session: Session, p: Principal) -> Scope:
    return scope_of(session, p.role, p.organisation_id)


def _create(session: Session, scope: Scope, body: UserCreate, actor: str) -> User:
    """A new account; within an organisation's scope only in that organisation (another one reads as missing) and
    with one of its staff roles."""
    if scope.organisation_id is not None and body.organisation_id != scope.organisation_id:
        raise AuthError.ORGANISATION_NOT_FOUND.error()
    scope.check_role(body.role)
    return create_user(session, username=body.username, password=body.password, display_name=body.display_name,
                       role=body.role, organisation_id=body.organisation_id, actor=actor)


def _link(session: Session, user_id: int, party_id: int, actor: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AuthError.USER_NOT_FOUND.error()
    registry.get_party(session, party_id)  # a typed 404 when the registry has no such party
    return link_user_party(session, username=user.username, party_id=party_id, actor=actor)


# --- the API ---------------------------------------------------------------------------------------------------

@router.get("/api/v1/admin/users", tags=["admin"])
def api_list(role: Role | None = None, q: str | None = Query(None, max_length=40),
             limit: int = Query(PAGE_SIZE, ge=1, le=PAGE_MAX), offset: int = Query(0, ge=0, le=10_000_000),
             p: Principal = Depends(account_admin), session: Session = Depends(get_session)) -> dict[str, Any]:
    """Accounts by username (administrators; an organisation's administrator: its own)."""
    users, total = list_users(session, role=role, query=q, limit=limit, offset=offset, scope=_scope(session, p))
    return {"items": [user_json(u) for u in users], "total": total, "limit": limit, "offset": offset}


@router.post("/api/v1/admin/users", status_code=201, tags=["admin"])
def api_create(body: UserCreate, p: Principal = Depends(account_admin),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """Create an account in an organisation (the password policy applies in production); an organisation's
    administrator creates them in their own organisation, with its staff roles."""
    return user_json(_create(session, _scope(session, p), body, p.actor))


@router.post("/api/v1/admin/users/{user_id}/party", tags=["admin"])
def api_link(user_id: int, body: PartyLink, p: Principal = Depends(admin),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Link the account to the registry party it is."""
    return user_json(_link(session, user_id, body.party_id, p.actor))


@router.post("/api/v1/admin/users/{user_id}/role", tags=["admin"])
def api_role(user_id: int, body: RoleChange, p: Principal = Depends(account_admin),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Give the account another role."""
    return user_json(change_role(session, user_id=user_id, role=body.role, admin_user_id=p.user_id, actor=p.actor,
                                 scope=_scope(session, p)))


@router.post("/api/v1/admin/users/{user_id}/deactivation", tags=["admin"])
def api_deactivate(user_id: int, p: Principal = Depends(account_admin),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Deactivate the account: it can no longer log in, its sessions and tokens stop."""
    return user_json(set_active(session, user_id=user_id, active=False, admin_user_id=p.user_id, actor=p.actor,
                                scope=_scope(session, p)))


@router.post("/api/v1/admin/users/{user_id}/reactivation", tags=["admin"])
def api_reactivate(user_id: int, p: Principal = Depends(account_admin),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Reactivate a deactivated account."""
    return user_json(set_active(session, user_id=user_id, active=True, admin_user_id=p.user_id, actor=p.actor,
                                scope=_scope(session, p)))


# --- the page --------------------------------------------------------------------------------------------------

@router.get(PAGE, include_in_schema=False, response_class=Response)
def page(request: Request, role: str | None = Query(None, max_length=40), q: str | None = Query(None, max_length=40),
         page_no: int = Query(1, ge=1, le=100_000, alias="page"), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The accounts with a form per action (administrators; an organisation's administrator: its own)."""
    caller = page_caller(request, principal, ADMINS)
    if not isinstance(caller, Principal):
        return caller
    scope = _scope(session, caller)
    chosen = Role(role) if role in {r.value for r in Role} else None
    users, total = list_users(session, role=chosen, query=q or None, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE,
                              scope=scope)
    grantable = [r.value for r in (scope.roles if scope.organisation_id is not None else Role)]
    return render(request, "shell/admin_users.html", {
        "users": users, "total": total, "page": page_no, "pages": max(1, -(-total // PAGE_SIZE)),
        "roles": grantable, "role": chosen.value if chosen else "", "q": q or "", "own_org": scope.organisation_id,
        "csrf": csrf_token(request), "message": pop_flash(request), "me": caller.user_id, "role_zh": ROLE_ZH,
        "platform_admin": caller.role is Role.admin})


@router.post(PAGE, include_in_schema=False, response_class=Response)
def create_form(request: Request, csrf: str = Form(""), username: str = Form("", max_length=80),
                display_name: str = Form("", max_length=120), role: str = Form("", max_length=40),
                password: str = Form("", max_length=200), organisation_id: str = Form("", max_length=12),
                session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Create an account from the page (in the caller's organisation for an organisation's administrator)."""
    caller = page_caller(request, principal, ADMINS)
    if not isinstance(caller, Principal):
        return caller
    scope = _scope(session, caller)
    try:
        check_csrf(request, csrf)
        org = scope.organisation_id or (int(organisation_id) if organisation_id.strip().isdigit() else 0)
        body = UserCreate.model_validate({"username": username.strip(), "display_name": display_name.strip(),
                                          "role": _role(role), "organisation_id": org, "password": password})
        _create(session, scope, body, caller.actor)
    except ValidationError:
        flash(request, "error",
              "请完整填写：用户名（字母、数字、点、下划线、连字符，3–80 位）、姓名、角色、密码、机构编号",
              "fill in every field: username (3–80 letters, digits, dots, underscores, hyphens), name, role, "
              "password, organisation number")
        return RedirectResponse(PAGE, status_code=303)
    except DomainError as exc:
        refused = form_refusal(request, session, exc)
        if refused is not None:
            return refused
        flash(request, "error", exc.message, exc.message_en)
        return RedirectResponse(PAGE, status_code=303)
    flash(request, "ok", "账号已创建", "account created")
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/{user_id}/{action}", include_in_schema=False, response_class=Response)
def act(request: Request, user_id: int, action: str, csrf: str = Form(""), role: str = Form(""),
        party_id: str = Form("", max_length=12), session: Session = Depends(get_session),
        principal: Principal | None = Depends(optional_principal)) -> Response:
    """One action from the page: ``role``, ``party`` (platform administrators), ``deactivation`` or
    ``reactivation``."""
    caller = page_caller(request, principal, ADMINS)
    if not isinstance(caller, Principal):
        return caller
    scope = _scope(session, caller)
    try:
        check_csrf(request, csrf)
        if action == "role":
            change_role(session, user_id=user_id, role=_role(role), admin_user_id=caller.user_id, actor=caller.actor,
                        scope=scope)
        elif action == "party" and caller.role is Role.admin:
            _link(session, user_id, _party(party_id), caller.actor)
        elif action in ("deactivation", "reactivation"):
            set_active(session, user_id=user_id, active=action == "reactivation", admin_user_id=caller.user_id,
                       actor=caller.actor, scope=scope)
        else:
            return Response(status_code=404)
    except DomainError as exc:
        refused = form_refusal(request, session, exc)
        if refused is not None:
            return refused
        flash(request, "error", exc.message, exc.message_en)
        return RedirectResponse(PAGE, status_code=303)
    flash(request, "ok", "已保存", "saved")
    return RedirectResponse(PAGE, status_code=303)


def _role(value: str) -> Role:
    if value not in {r.value for r in Role}:
        raise AuthError.UNKNOWN_ROLE.error()
    return Role(value)


def _party(value: str) -> int:
    """The form's party number; anything else is the registry's one answer for a missing party."""
    from landbridge.registry.queries import party_not_found

    text = value.strip()
    if not text.isdigit() or not 0 < int(text) < 2_147_483_647:
        raise party_not_found(0)
    return int(text)

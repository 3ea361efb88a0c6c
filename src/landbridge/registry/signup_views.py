"""Self-registration, API and pages (实名认证注册, issue #20 item 2): ``registry.signup`` does the work.

API: ``POST /api/v1/signup/codes`` (name and resident ID number → a code to the registered phone) and
``POST /api/v1/signup/{signup_id}/account`` (the code, a username and a password → the login). Pages: ``/signup``
(the first step's form) and ``/signup/{signup_id}`` (the code and the account). A wrong code is answered with
``registry.signup_code_invalid`` without raising, so the transaction keeps the counted try.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from landbridge.errors import DomainError
from landbridge.registry import signup
from landbridge.registry.errors import RegistryError
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import form_refusal
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


def _message(exc: DomainError, locale: str) -> str:
    return exc.message if locale == "zh_CN" else exc.message_en


class SignupStart(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=15, max_length=18, description="居民身份证号码")


class SignupAccount(BaseModel):
    code: str = Field(min_length=1, max_length=12)
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


def _sent_json(sent: signup.CodeSent) -> dict[str, Any]:
    return {"signup_id": sent.signup_id, "phone_masked": sent.phone_masked, "expires_at": sent.expires_at.isoformat()}


@router.post("/api/v1/signup/codes", tags=["signup"], status_code=201)
def api_start(body: SignupStart, session: Session = Depends(get_session)) -> dict[str, Any]:
    """Step 1: verify the person against the registry and send a one-time code to the phone it holds."""
    return _sent_json(signup.start_signup(session, id_number=body.id_number, name=body.name))


@router.post("/api/v1/signup/{signup_id}/account", tags=["signup"], status_code=201, response_model=None)
def api_account(signup_id: int, body: SignupAccount, session: Session = Depends(get_session)
                ) -> dict[str, Any] | JSONResponse:
    """Step 2: the code, a username and a password open the person's login (a member linked to their party)."""
    row = signup.check_code(session, signup_id=signup_id, code=body.code)
    if row is None:
        exc = RegistryError.SIGNUP_CODE_INVALID.error()
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)  # committed: the wrong try is counted
    user = signup.complete_signup(session, row, username=body.username, password=body.password)
    return {"user_id": user.id, "username": user.username, "role": user.role}


@router.get("/signup", include_in_schema=False, response_class=Response)
def start_page(request: Request) -> Response:
    """The first step's form: name and ID number."""
    return render(request, "registry/signup.html", {"step": 1, "csrf": csrf_token(request), "values": {}})


@router.post("/signup", include_in_schema=False, response_class=Response)
def start_form(request: Request, name: str = Form("", max_length=100), id_number: str = Form("", max_length=18),
               csrf: str = Form(""), session: Session = Depends(get_session)) -> Response:
    try:
        check_csrf(request, csrf)
        sent = signup.start_signup(session, id_number=id_number, name=name)
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or render(request, "registry/signup.html", {
            "step": 1, "csrf": csrf_token(request), "error": _message(exc, request_locale(request)),
            "values": {"name": name}}, status_code=exc.http_status)
    return RedirectResponse(f"/signup/{sent.signup_id}?phone={sent.phone_masked}", status_code=303)


@router.get("/signup/{signup_id}", include_in_schema=False, response_class=Response)
def account_page(request: Request, signup_id: int) -> Response:
    """The second step's form: the code, a username, a password."""
    return render(request, "registry/signup.html", {
        "step": 2, "signup_id": signup_id, "csrf": csrf_token(request), "values": {},
        "phone": request.query_params.get("phone", "")[:20]})


@router.post("/signup/{signup_id}", include_in_schema=False, response_class=Response)
def account_form(request: Request, signup_id: int, code: str = Form("", max_length=12),
                 username: str = Form("", max_length=40), password: str = Form("", max_length=200),
                 csrf: str = Form(""), session: Session = Depends(get_session)) -> Response:
    locale = request_locale(request)
    context = {"step": 2, "signup_id": signup_id, "values": {"username": username}}
    try:
        check_csrf(request, csrf)
    except DomainError as exc:
        return form_refusal(request, session, exc) or Response(status_code=403)
    row = signup.check_code(session, signup_id=signup_id, code=code)
    if row is None:  # answered without raising: the counted try commits
        invalid = RegistryError.SIGNUP_CODE_INVALID.error()
        return render(request, "registry/signup.html", {**context, "csrf": csrf_token(request),
                                                        "error": _message(invalid, locale)},
                      status_code=invalid.http_status)
    try:
        signup.complete_signup(session, row, username=username, password=password)
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or render(request, "registry/signup.html", {**context, "csrf": csrf_token(request),
                                                                "error": _message(exc, locale)},
                              status_code=exc.http_status)
    return RedirectResponse("/login?next=/hall&signed_up=1", status_code=303)

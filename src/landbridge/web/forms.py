"""Forms of the server-rendered pages: the anti-forgery (CSRF) token, local redirect targets, and a domain
error's message in the page language. Part of the ``landbridge.web`` toolkit (imports no domain module)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from landbridge.errors import DomainError
from landbridge.web.errors import WebError
from landbridge.web.i18n import request_locale


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token for forms (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, token: str) -> None:
    """Refuse a form post whose token does not match the session's (403)."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not token or not hmac.compare_digest(expected, token):
        raise WebError.CSRF_FAILED.error()


def safe_next(target: str | None) -> str:
    """A local redirect target only (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def error_message(request: Request, exc: DomainError) -> str:
    """A domain error's message in the page language."""
    return exc.message if request_locale(request) == "zh_CN" else exc.message_en

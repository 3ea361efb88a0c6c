"""Web hardening (issue #12 item 6; MLPS 2.0 level 3 practice): the same-origin guard of cookie-authenticated
state changes and the security headers of every response.

Both are pure ASGI middleware, so they cost a header scan and nothing of the framework.

The guard (防跨站请求伪造): a request that changes state (any method but GET, HEAD, OPTIONS, TRACE), carries the
session cookie and no ``Authorization: Bearer`` header was made by a browser on the user's behalf, so it must
prove it came from this site: its ``Origin`` (or, where a browser sent none, its ``Referer``) must be this
site's own or one of ``Settings.trusted_origins``; where neither is sent (no browser omits both on a cross-site
POST), an API call of a logged-in session must carry the session's anti-forgery token in ``X-CSRF-Token`` and
a page form its ``csrf`` field (checked by the route, ``web.forms.check_csrf``). A bearer-token request is not
a browser's ambient credential and passes untouched (the exchange's bid lane included).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landbridge.errors import DomainError
from landbridge.web.errors import WebError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = b"x-csrf-token"
NONCE_KEY = "csp_nonce"
# what a session holds before anyone logs in (the form token); any other key means a login
ANONYMOUS_SESSION_KEYS = frozenset({"csrf"})


def cross_origin() -> DomainError:
    """The refusal of a cookie-authenticated state change that did not come from this site."""
    return WebError.CROSS_ORIGIN.error()


def csrf_missing() -> DomainError:
    """The refusal of a cookie-authenticated API call with no origin and no valid ``X-CSRF-Token``."""
    return WebError.CSRF_FAILED_2.error()


def _origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-case; None for anything else (``null``, a bare path)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class OriginGuard:
    """Refuses cross-site state changes made with the session cookie (403 ``web.cross_origin`` /
    ``web.csrf_failed``); must sit inside the session middleware to read the session's token."""

    def __init__(self, app: ASGIApp, *, session_cookie: str, trusted_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.cookie = session_cookie
        self.trusted = frozenset(o for o in (_origin_of(t) for t in trusted_origins) if o)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        error = self.refusal(scope)
        if error is None:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/api/") or b"text/html" not in dict(scope["headers"]).get(b"accept", b""):
            response: Any = JSONResponse(error.to_dict(), status_code=error.http_status)
        else:
            from landbridge.web.render import render_error

            response = render_error(Request(scope), error.http_status, error.to_dict())
        await response(scope, receive, send)

    def refusal(self, scope: Scope) -> DomainError | None:
        """Why this request is refused, or None if it may go on."""
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in (b"authorization", b"cookie", b"origin", b"referer", b"host", CSRF_HEADER):
                headers[name] = value
        if headers.get(b"authorization", b"")[:7].lower() == b"bearer ":
            return None  # not an ambient credential: a page of another site cannot set this header
        cookie = headers.get(b"cookie")
        if cookie is None or self.cookie.encode() not in cookie or not self._has_session_cookie(cookie):
            return None  # no session: the request carries no authority a forger could borrow
        origin = headers.get(b"origin")
        referer = headers.get(b"referer")
        if origin is not None or referer is not None:
            claimed = _origin_of((origin if origin is not None else referer or b"").decode("latin-1"))
            return None if claimed is not None and self._ours(scope, headers, claimed) else cross_origin()
        session = scope.get("session", {})
        logged_in = any(key not in ANONYMOUS_SESSION_KEYS for key in session)  # "sid" (a login), or what follows
        if not scope["path"].startswith("/api/") or not logged_in:
            # a page form: its route checks the form's csrf field (web.forms.check_csrf); a session with no one
            # logged in lends no authority to an API call (the token endpoint, say)
            return None
        token = headers.get(CSRF_HEADER, b"").decode("latin-1")
        expected = session.get("csrf")
        if isinstance(expected, str) and expected and token and hmac.compare_digest(expected, token):
            return None
        return csrf_missing()

    def _has_session_cookie(self, raw: bytes) -> bool:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw.decode("latin-1"))
        except CookieError:  # a malformed cookie header: treat it as carrying the session
            return True
        return self.cookie in jar and bool(jar[self.cookie].value)

    def _ours(self, scope: Scope, headers: dict[bytes, bytes], origin: str) -> bool:
        if origin in self.trusted:
            return True
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if not host:
            return False
        scheme = scope.get("scheme", "http")
        # behind a TLS-terminating proxy the browser's origin is https while the app sees http
        return origin in (f"{scheme}://{host}", f"https://{host}")


def too_large(limit: int) -> DomainError:
    """The refusal of a request body over the deployment's limit (``Settings.max_upload_bytes``)."""
    return PayloadTooLarge("request.too_large", f"请求内容过大（最多 {limit} 字节）",
                           f"the request body is too large (at most {limit} bytes)", limit_bytes=limit)


class PayloadTooLarge(DomainError):
    """A request body over the limit."""

    http_status = 413


class _BodyOverLimit(BaseException):
    """Raised out of ``receive`` once a streamed body passes the limit; caught by ``BodyLimit`` only."""


class BodyLimit:
    """Bounds every request body (issue #12 item 7: strings and lists are bounded as a whole): a declared
    ``Content-Length`` over ``max_bytes`` is refused before anything is read, and a chunked body is cut off
    once it passes the limit; 413 ``request.too_large``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyOverLimit
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _BodyOverLimit:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = too_large(self.max_bytes)
        await JSONResponse(error.to_dict(), status_code=error.http_status)(scope, receive, send)


def csp_nonce(request: Request) -> str:
    """The request's nonce for inline scripts (made on first use; the headers middleware names it in the CSP)."""
    state = request.scope.setdefault("state", {})
    nonce = state.get(NONCE_KEY)
    if not isinstance(nonce, str):
        nonce = secrets.token_urlsafe(16)
        state[NONCE_KEY] = nonce
    return nonce


def basemap_origins() -> list[str]:
    """The origins of a configured online base map (issue #21): its tiles are the only images from elsewhere."""
    from landbridge.config import get_settings

    url = get_settings().basemap_url
    if not url:
        return []
    parts = urlsplit(url)
    host = parts.netloc
    if "{s}" in host:  # Leaflet's subdomain placeholder: t{s}.tianditu.gov.cn -> *.tianditu.gov.cn
        host = "*." + host.split(".", 1)[1]
    return [f"{parts.scheme}://{host}"] if parts.scheme in ("http", "https") and host else []


def content_security_policy(nonce: str | None) -> str:
    """The page policy: everything from this site only, inline scripts only with the request's nonce, never
    framed (clickjacking), no plugins, forms post only here. Inline styles stay allowed (style attributes and
    Leaflet's positioning); they cannot run code."""
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    images = "'self' data: blob:" + "".join(f" {o}" for o in basemap_origins())
    return ("default-src 'self'; "
            f"script-src {scripts}; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src {images}; "
            "font-src 'self' data:; "
            "connect-src 'self'; "
            "object-src 'none'; "
            "base-uri 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'")


class SecurityHeaders:
    """Adds the security headers to every response: CSP with ``frame-ancestors 'none'``, ``X-Frame-Options``,
    ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and, over TLS or in production, HSTS."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False, hsts_max_age: int = 31_536_000) -> None:
        self.app = app
        self.always_hsts = hsts
        self.hsts = f"max-age={hsts_max_age}; includeSubDomains".encode()
        self.fixed = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                      (b"referrer-policy", b"strict-origin-when-cross-origin"),
                      (b"cross-origin-opener-policy", b"same-origin")]
        self.plain_csp = content_security_policy(None).encode()
        self.without_hsts = tuple(self.fixed)
        self.with_hsts = (*self.fixed, (b"strict-transport-security", self.hsts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fixed = self.with_hsts if self.always_hsts or scope.get("scheme") == "https" else self.without_hsts

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # the response's own headers first; no route sets these (a second policy would only add limits)
                nonce = scope.get("state", {}).get(NONCE_KEY)
                csp = content_security_policy(nonce).encode() if isinstance(nonce, str) else self.plain_csp
                message["headers"] = [*message.get("headers", ()), *fixed, (b"content-security-policy", csp)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

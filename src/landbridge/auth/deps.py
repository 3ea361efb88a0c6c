"""Permission dependencies: who is calling (bearer token or session cookie) and may they."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from landbridge.auth.errors import AuthError
from landbridge.auth.models import Role
from landbridge.auth.service import Principal, principal_from_token, principal_from_web_session
from landbridge.errors import DomainError
from landbridge.web.transaction import get_session


def optional_principal(request: Request, session: Session = Depends(get_session)) -> Principal | None:
    """The caller, from ``Authorization: Bearer`` or the session cookie; None if anonymous."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    principal: Principal | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = principal_from_token(session, header[7:].strip())
        if principal is None:
            raise invalid_token()
    elif "session" in request.scope:
        sid = request.session.get("sid")
        if isinstance(sid, str) and sid:  # a server-side session: dead once revoked (logout) or expired
            principal = principal_from_web_session(session, sid)
            if principal is None:
                request.session.clear()
    request.state.principal = principal
    return principal


def client_address(request: Request) -> str:
    """The client's address for login throttling (behind a proxy, uvicorn's ``--forwarded-allow-ips`` sets it)."""
    return request.client.host if request.client is not None else "unknown"


def released_principal(request: Request, session: Session = Depends(get_session)) -> Principal | None:
    """The caller as ``optional_principal`` finds it, the request's transaction then ended in the same thread:
    for routes that hand their work elsewhere (the exchange's bid sequencer) and must not hold a pooled
    connection while they wait."""
    try:
        return optional_principal(request, session)
    finally:
        session.rollback()


def _logged_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise login_required()
    return principal


async def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    """The caller; 401 if anonymous."""
    return _logged_in(principal)


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must have one of ``roles`` (admin is not implied)."""
    allowed = frozenset(roles)

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        return check_role(principal, allowed)

    return dependency


def check_role(principal: Principal, roles: Collection[Role]) -> Principal:
    """The caller, if their role is one of ``roles``; else 403 ``auth.forbidden_role``."""
    if principal.role not in roles:
        raise AuthError.FORBIDDEN_ROLE.error(required=sorted(roles))
    return principal


def login_required() -> DomainError:
    """The error for an anonymous caller where a login is needed."""
    return AuthError.LOGIN_REQUIRED.error()


def invalid_token() -> DomainError:
    """The error for a bearer token that is unknown, revoked or expired."""
    return AuthError.INVALID_TOKEN.error()


def check_region(principal: Principal, region_code: str) -> None:
    """Object-level check: the caller's organisation must cover the object's region."""
    if not principal.covers_region(region_code):
        raise AuthError.FORBIDDEN_REGION.error(region_code=region_code)

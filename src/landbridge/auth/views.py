"""Auth API: tokens (issue, list, revoke), the caller's identity and password change (issue #12 item 5)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from landbridge.auth.deps import check_role, client_address, current_principal, login_required, released_principal
from landbridge.auth.errors import AuthError
from landbridge.auth.models import ApiToken, Role
from landbridge.auth.schemas import (
    PasswordChange,
    PasswordChanged,
    PrincipalRead,
    TokenRead,
    TokenRequest,
    TokenResponse,
)
from landbridge.auth.service import (
    Principal,
    authenticate,
    change_password,
    get_user,
    issue_token,
    list_tokens,
    revoke_token,
)
from landbridge.config import Settings, get_settings
from landbridge.kernel.clock import ensure_utc, now
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=TransactionalRoute)

MAX_ID = 2**63 - 1


def app_settings(request: Request) -> Settings:
    """The settings the application was built with (``create_app``), else the process's."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


@router.post("/token", response_model=TokenResponse)
def create_token(body: TokenRequest, request: Request, session: Session = Depends(get_session)) -> TokenResponse:
    """Exchange a username and password for a bearer token; failures are counted and throttled per account and
    client address in their own transaction (issue #12 item 5)."""
    principal = authenticate(session, username=body.username, password=body.password,
                             address=client_address(request), mode=app_settings(request).mode)
    token, ttl = issue_token(session, principal)
    return TokenResponse(access_token=token, expires_in=ttl)


@router.get("/me", response_model=PrincipalRead)
def me(principal: Principal = Depends(current_principal)) -> PrincipalRead:
    """The caller's identity (only the caller sees it)."""
    return PrincipalRead(user_id=principal.user_id, username=principal.username,
                         display_name=principal.display_name, role=principal.role,
                         organisation_id=principal.organisation_id,
                         organisation_name=principal.organisation_name, region_code=principal.region_code)


def _token_read(token: ApiToken, principal: Principal) -> TokenRead:
    return TokenRead(id=token.id, user_id=token.user_id, created_at=ensure_utc(token.created_at),
                     expires_at=ensure_utc(token.expires_at), revoked=token.revoked,
                     revoked_at=ensure_utc(token.revoked_at) if token.revoked_at else None,
                     expired=ensure_utc(token.expires_at) <= now(), current=principal.credential == f"token:{token.id}")


@router.get("/tokens", response_model=list[TokenRead])
def tokens(user_id: int | None = Query(default=None, ge=1, le=MAX_ID),
           principal: Principal = Depends(current_principal),
           session: Session = Depends(get_session)) -> list[TokenRead]:
    """The caller's API tokens; an admin may name another user (issue #12 item 5)."""
    if user_id is not None and user_id != principal.user_id:
        check_role(principal, {Role.admin})
        get_user(session, user_id)
    return [_token_read(t, principal) for t in list_tokens(session, user_id=user_id or principal.user_id)]


@router.delete("/tokens/{token_id}", response_model=TokenRead)
def delete_token(token_id: int, principal: Principal = Depends(current_principal),
                 session: Session = Depends(get_session)) -> TokenRead:
    """Revoke an API token: its owner or an admin; it is refused from then on (issue #12 item 5)."""
    if not 1 <= token_id <= MAX_ID:  # beyond the database's integers: no such token, not a server error
        raise AuthError.TOKEN_NOT_FOUND.error()
    return _token_read(revoke_token(session, token_id=token_id, principal=principal), principal)


@router.post("/password", response_model=PasswordChanged)
def password(body: PasswordChange, request: Request, principal: Principal | None = Depends(released_principal),
             session: Session = Depends(get_session)) -> PasswordChanged:
    """Change one's own password; the current one is checked under login throttling, and every other session and
    token of the user is revoked (issue #12 item 5)."""
    if principal is None:
        raise login_required()
    revoked = change_password(session, principal=principal, current_password=body.current_password,
                              new_password=body.new_password, address=client_address(request))
    return PasswordChanged(revoked=revoked)

"""Auth API: ``POST /api/v1/auth/token`` and ``GET /api/v1/auth/me``."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from landbridge.auth.deps import current_principal
from landbridge.auth.schemas import PrincipalRead, TokenRequest, TokenResponse
from landbridge.auth.service import Principal, authenticate, issue_token
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=TransactionalRoute)


@router.post("/token", response_model=TokenResponse)
def create_token(body: TokenRequest, session: Session = Depends(get_session)) -> TokenResponse:
    """Exchange a username and password for a bearer token."""
    principal = authenticate(session, username=body.username, password=body.password)
    token, ttl = issue_token(session, principal)
    return TokenResponse(access_token=token, expires_in=ttl)


@router.get("/me", response_model=PrincipalRead)
def me(principal: Principal = Depends(current_principal)) -> PrincipalRead:
    """The caller's identity."""
    return PrincipalRead(user_id=principal.user_id, username=principal.username,
                         display_name=principal.display_name, role=principal.role,
                         organisation_id=principal.organisation_id,
                         organisation_name=principal.organisation_name, region_code=principal.region_code)

"""Auth API schemas."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class PrincipalRead(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    organisation_id: int
    organisation_name: str
    region_code: str

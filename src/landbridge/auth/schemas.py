"""Auth API schemas."""

from __future__ import annotations

from datetime import datetime

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


class TokenRead(BaseModel):
    """An API token as its owner or an admin sees it: never the token or its hash."""

    id: int
    user_id: int
    created_at: datetime
    expires_at: datetime
    revoked: bool
    revoked_at: datetime | None
    expired: bool
    current: bool = Field(description="the token this request was made with")


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class PasswordChanged(BaseModel):
    revoked: int = Field(description="other browser sessions and API tokens of the user that were revoked")

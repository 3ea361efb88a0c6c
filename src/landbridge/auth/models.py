"""Auth tables: organisations, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, IdPk, RegionCode


class OrgKind(StrEnum):
    """Kinds of organisation a user can belong to."""

    collective = "collective"
    township = "township"
    registration_centre = "registration_centre"
    nr_bureau = "nr_bureau"
    exchange = "exchange"
    bank = "bank"
    guarantor = "guarantor"
    insurer = "insurer"
    fund = "fund"
    supervisor = "supervisor"
    platform = "platform"
    individual = "individual"
    company = "company"
    court = "court"
    reserve_centre = "reserve_centre"
    hr_bureau = "hr_bureau"  # the county human-resources and social-security bureau (人社局; wage arrears, #20)
    employment_service = "employment_service"  # 人力资源和社会保障局就业服务 (issue #20 item 4)


class Role(StrEnum):
    """Roles of ARCHITECTURE.md ("Who uses it")."""

    member = "member"
    collective_clerk = "collective_clerk"
    township_official = "township_official"
    registrar = "registrar"
    nr_official = "nr_official"
    exchange_operator = "exchange_operator"
    bidder = "bidder"
    bank_officer = "bank_officer"
    guarantor_officer = "guarantor_officer"
    insurer_officer = "insurer_officer"
    fund_manager = "fund_manager"
    supervisor = "supervisor"
    admin = "admin"
    org_admin = "org_admin"  # an organisation's own administrator: its staff logins only (issue #20 item 2)
    reserve_officer = "reserve_officer"  # the land reserve centre (土地储备中心): banks and supplies land (L4)
    labour_inspector = "labour_inspector"  # 劳动保障监察 of the county HR bureau: wage-arrears cases (E1, #20)
    employer = "employer"  # an employer's staff (用人单位, an organisation with a verified USCC; E1, issue #20 item 4)
    employment_officer = "employment_officer"  # the public employment service (人社就业服务; E1, E2)
    hotline_operator = "hotline_operator"  # the 12345 hotline's operator (话务员): takes demands by phone (S1)


class Organisation(IdPk, RegionCode, CreatedAt, Base):
    """An organisation (集体经济组织, 乡镇政府, 不动产登记中心, 银行 …) with the region it serves."""

    __tablename__ = "auth_organisation"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(String(40))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)


class User(IdPk, CreatedAt, Base):
    """A login account; belongs to exactly one organisation and has one role."""

    __tablename__ = "auth_user"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("auth_organisation.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(Integer)  # the registry party this user is, if any
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    session_version: Mapped[int] = mapped_column(Integer, default=1)


class ApiToken(IdPk, CreatedAt, Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "auth_api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(IdPk, CreatedAt, Base):
    """A signed-in browser session, held on the server so that logout and a password change end it (issue #12).

    The cookie carries a random session id; only its SHA-256 is stored. A copied cookie is dead once the row
    is revoked or past ``expires_at`` (``auth.session_hours`` after login).
    """

    __tablename__ = "auth_web_session"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"), index=True)
    sid_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(IdPk, Base):
    """Failed-login state of one scope: an account from one address, an address, an account, or a known address.

    ``key_digest`` is an HMAC of the scope's key (username and/or client address) under the deployment's secret:
    typed usernames (sometimes a password typed in the wrong field) and addresses are not kept in clear.
    Written in its own transaction, so a failed login is counted even though its request rolls back.
    """

    __tablename__ = "auth_login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key_digest", name="uq_auth_login_throttle_scope_key"),)

    scope: Mapped[str] = mapped_column(String(16))
    key_digest: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

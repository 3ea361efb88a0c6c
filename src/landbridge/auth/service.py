"""Auth actions: organisations, users, password login with throttling, API tokens, demo accounts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth.models import ApiToken, Organisation, OrgKind, Role, User
from landbridge.cityprofile import get_profile
from landbridge.config import Mode
from landbridge.errors import Conflict, NotFound, RuleViolation, TooManyRequests, Unauthorized
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.ids import is_region_code, valid_uscc
from landbridge.ledger import append_event

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    """One argon2 hash of the demo password, shared by all demo accounts (hashing costs ~0.3 s each)."""
    return str(_hasher.hash(DEMO_PASSWORD))
DEMO_PASSWORD = "demo"  # noqa: S105 - demo mode only; production refuses demo accounts


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user, their role, and their organisation's region."""

    user_id: int
    username: str
    display_name: str
    role: Role
    organisation_id: int
    organisation_name: str
    region_code: str
    party_id: int | None = None

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}:{self.username}"

    def covers_region(self, region_code: str) -> bool:
        """Whether the organisation's region contains ``region_code`` (city covers its counties, ...)."""
        return region_code.startswith(region_prefix(self.region_code))


def region_prefix(code: str) -> str:
    """The significant prefix of a 12-digit code: '3606' for a city, '360603' for a county, …"""
    for width in (2, 4, 6, 9):
        if code[width:] == "0" * (12 - width):
            return code[:width]
    return code


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def _token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create_organisation(session: Session, *, name: str, kind: OrgKind, region_code: str,
                        uscc: str | None = None, actor: str = "system") -> Organisation:
    """Register an organisation that users can belong to."""
    if not is_region_code(region_code):
        raise RuleViolation("auth.invalid_region_code", "区划代码必须是12位数字", "region code must be 12 digits")
    if uscc is not None and valid_uscc(uscc) is None:
        raise RuleViolation("auth.invalid_uscc", "统一社会信用代码无效", "invalid unified social credit code")
    if session.execute(select(Organisation.id).where(Organisation.name == name)).first():
        raise Conflict("auth.organisation_exists", f"机构“{name}”已存在", f"organisation {name!r} exists")
    org = Organisation(name=name, kind=kind, region_code=region_code, uscc=uscc, created_at=now())
    session.add(org)
    session.flush()
    append_event(session, module="auth", event_type="organisation_created", subject=f"auth.organisation:{org.id}",
                 actor=actor, payload={"name": name, "kind": kind, "region_code": region_code})
    return org


def create_user(session: Session, *, username: str, password: str, display_name: str, role: Role,
                organisation_id: int, is_demo: bool = False, party_id: int | None = None,
                actor: str = "system") -> User:
    """Create a login account in an organisation."""
    if len(password) < 4 and not is_demo:
        raise RuleViolation("auth.weak_password", "密码太短", "password too short")
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("auth.organisation_not_found", "机构不存在", "organisation not found")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict("auth.username_taken", f"用户名“{username}”已被使用", f"username {username!r} is taken")
    digest = _demo_hash() if is_demo and password == DEMO_PASSWORD else hash_password(password)
    user = User(username=username, display_name=display_name, password_hash=digest, role=role,
                organisation_id=organisation_id, is_demo=is_demo, party_id=party_id, is_active=True,
                failed_logins=0, session_version=1, created_at=now())
    session.add(user)
    session.flush()
    append_event(session, module="auth", event_type="user_created", subject=f"auth.user:{user.id}", actor=actor,
                 payload={"username": username, "role": role, "organisation_id": organisation_id,
                          "is_demo": is_demo})
    return user


def link_user_party(session: Session, *, username: str, party_id: int, display_name: str | None = None,
                    actor: str = "system") -> User:
    """Say which registry party (a person) a login account is, e.g. a villager's own account (C1, R1).

    The caller checks that the party exists (auth does not read the registry); the session version
    moves on, so a signed-in user's cookie is re-read with the new identity.
    """
    user = session.execute(select(User).where(User.username == username).with_for_update()).scalar_one_or_none()
    if user is None:
        raise NotFound("auth.user_not_found", "用户不存在", "user not found")
    if session.execute(select(User.id).where(User.party_id == party_id, User.id != user.id)).first():
        raise Conflict("auth.party_taken", "该权利人已关联其他账号", "another account is already linked to this party")
    user.party_id = party_id
    if display_name:
        user.display_name = display_name
    user.session_version += 1
    session.flush()
    append_event(session, module="auth", event_type="user_party_linked", subject=f"auth.user:{user.id}", actor=actor,
                 payload={"username": username, "party_id": party_id})
    return user


def principal_for(session: Session, user: User) -> Principal:
    org = session.get(Organisation, user.organisation_id)
    assert org is not None
    return _principal(user, org)


def _principal(user: User, org: Organisation) -> Principal:
    return Principal(user.id, user.username, user.display_name, Role(user.role), org.id, org.name,
                     org.region_code, user.party_id)


def authenticate(session: Session, *, username: str, password: str) -> Principal:
    """Check a password; lock the account for a while after repeated failures (login throttling)."""
    rules = get_profile().rules("auth")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    bad = Unauthorized("auth.invalid_credentials", "用户名或密码错误", "wrong username or password")
    if user is None or not user.is_active:
        _hasher.hash(password)  # same cost either way: do not reveal which usernames exist
        raise bad
    current = now()
    if user.locked_until is not None and ensure_utc(user.locked_until) > current:
        raise TooManyRequests("auth.locked", "登录失败次数过多，请稍后再试",
                              "too many failed logins; try again later",
                              locked_until=ensure_utc(user.locked_until).isoformat())
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= rules.int("login_max_failures"):
            user.locked_until = current + timedelta(minutes=rules.int("login_lockout_minutes"))
            user.failed_logins = 0
            append_event(session, module="auth", event_type="user_locked", subject=f"auth.user:{user.id}",
                         actor="system", payload={"until": user.locked_until})
        session.flush()
        raise bad from None
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return principal_for(session, user)


def issue_token(session: Session, principal: Principal) -> tuple[str, int]:
    """Issue an API bearer token; returns (token, lifetime in seconds)."""
    hours = get_profile().rules("auth").int("api_token_hours")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=principal.user_id, token_hash=_token_digest(token), created_at=now(),
                         expires_at=now() + timedelta(hours=hours), revoked=False))
    session.flush()
    return token, hours * 3600


def principal_from_token(session: Session, token: str) -> Principal | None:
    """The principal a bearer token stands for, if the token is valid."""
    return principals_from_tokens(session, [token]).get(token)


def principals_from_tokens(session: Session, tokens: Collection[str]) -> dict[str, Principal]:
    """The principals of the valid tokens among ``tokens`` (unknown, revoked, expired or of an inactive user: absent),
    in one round trip whatever their number (the exchange's bid sequencer reads a whole batch at once)."""
    by_digest = {_token_digest(t): t for t in tokens}
    if not by_digest:
        return {}
    rows = session.execute(  # the columns a principal needs, not whole users: this runs for every bid batch
        select(ApiToken.token_hash, ApiToken.revoked, ApiToken.expires_at, User.is_active, User.id, User.username,
               User.display_name, User.role, Organisation.id, Organisation.name, Organisation.region_code,
               User.party_id)
        .join(User, User.id == ApiToken.user_id).join(Organisation, Organisation.id == User.organisation_id)
        .where(ApiToken.token_hash.in_(by_digest))).all()
    at = now()
    return {by_digest[digest]: Principal(uid, username, name, Role(role), org_id, org_name, region, party)
            for digest, revoked, expires_at, active, uid, username, name, role, org_id, org_name, region, party
            in rows if not revoked and ensure_utc(expires_at) > at and active}


def principal_from_session(session: Session, user_id: int, session_version: int) -> Principal | None:
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.session_version != session_version:
        return None
    return principal_for(session, user)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("auth.user_not_found", "用户不存在", "user not found")
    return user


def demo_accounts_present(session: Session) -> bool:
    """Whether any demo account exists (production refuses to start if so)."""
    return session.execute(select(User.id).where(User.is_demo.is_(True)).limit(1)).first() is not None


def check_startup_safety(session: Session, mode: Mode) -> None:
    """Refuse to serve in production mode while demo accounts (password ``demo``) exist."""
    if mode is Mode.production and demo_accounts_present(session):
        raise Conflict("auth.demo_accounts_in_production", "生产模式下存在演示账号，拒绝启动",
                       "refusing to start: demo accounts exist in production mode")


def demo_accounts() -> list[tuple[Role, str, str, str, OrgKind, str]]:
    """The city profile's demo accounts, one per role: (role, username, display name, org name, org kind, region).

    They live in the profile (``[[demo_account]]`` in profile.toml, issue #13 item 4), so another city's demo
    names its own organisations.
    """
    return [(Role(a["role"]), str(a["username"]), str(a["display_name"]), str(a["organisation"]),
             OrgKind(a["organisation_kind"]), str(a["region"])) for a in get_profile().raw.get("demo_account", [])]


def create_demo_accounts(session: Session) -> list[tuple[str, str, Role]]:
    """Create one account per role with password ``demo`` (demo mode only); returns (user, org, role)."""
    created: list[tuple[str, str, Role]] = []
    for role, username, display, org_name, kind, region in demo_accounts():
        org = session.execute(select(Organisation).where(Organisation.name == org_name)).scalar_one_or_none()
        if org is None:
            org = create_organisation(session, name=org_name, kind=kind, region_code=region)
        if session.execute(select(User.id).where(User.username == username)).first() is None:
            create_user(session, username=username, password=DEMO_PASSWORD, display_name=display, role=role,
                        organisation_id=org.id, is_demo=True)
        created.append((username, org_name, role))
    return created

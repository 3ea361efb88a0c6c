"""Auth actions: organisations, users, password login with throttling, API tokens, demo accounts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from landbridge.auth import throttle
from landbridge.auth.errors import AuthError
from landbridge.auth.models import ApiToken, LoginThrottle, Organisation, OrgKind, Role, User, WebSession
from landbridge.auth.rules import PasswordPolicy, password_problems
from landbridge.cityprofile import get_profile
from landbridge.config import Mode, get_settings
from landbridge.errors import DomainError
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.ids import is_region_code, valid_uscc
from landbridge.ledger import append_event, subjects

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
    credential: str = ""  # what the caller presented: "session:<id>" or "token:<id>" ("" when not from a request)

    @property
    def actor(self) -> str:
        """The actor string of records and ledger events: the user id only; a username is not for the public."""
        return f"user:{self.user_id}"

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
        raise AuthError.INVALID_REGION_CODE.error()
    if uscc is not None and valid_uscc(uscc) is None:
        raise AuthError.INVALID_USCC.error()
    if session.execute(select(Organisation.id).where(Organisation.name == name)).first():
        raise AuthError.ORGANISATION_EXISTS.error({"name": name})
    org = Organisation(name=name, kind=kind, region_code=region_code, uscc=uscc, created_at=now())
    session.add(org)
    session.flush()
    append_event(session, module="auth", event_type="organisation_created", subject=subjects.organisation(org.id),
                 actor=actor, payload={"name": name, "kind": kind, "region_code": region_code})
    return org


def create_user(session: Session, *, username: str, password: str, display_name: str, role: Role,
                organisation_id: int, is_demo: bool = False, party_id: int | None = None,
                actor: str = "system") -> User:
    """Create a login account in an organisation; in production the password policy applies (issue #12 item 5)."""
    if get_settings().mode is Mode.production:
        if is_demo:
            raise AuthError.DEMO_ACCOUNTS_REFUSED_IN_PRODUCTION.error()
        check_password(password, username)
    elif len(password) < 4 and not is_demo:
        raise AuthError.WEAK_PASSWORD_TOO_SHORT.error()
    if session.get(Organisation, organisation_id) is None:
        raise AuthError.ORGANISATION_NOT_FOUND.error()
    if session.execute(select(User.id).where(User.username == username)).first():
        raise AuthError.USERNAME_TAKEN.error({"username": username})
    digest = _demo_hash() if is_demo and password == DEMO_PASSWORD else hash_password(password)
    user = User(username=username, display_name=display_name, password_hash=digest, role=role,
                organisation_id=organisation_id, is_demo=is_demo, party_id=party_id, is_active=True,
                failed_logins=0, session_version=1, created_at=now())
    session.add(user)
    session.flush()
    append_event(session, module="auth", event_type="user_created", subject=subjects.user(user.id), actor=actor,
                 payload={"role": role, "organisation_id": organisation_id, "is_demo": is_demo})
    return user


def link_user_party(session: Session, *, username: str, party_id: int, display_name: str | None = None,
                    actor: str = "system") -> User:
    """Say which registry party (a person) a login account is, e.g. a villager's own account (C1, R1).

    The caller checks that the party exists (auth does not read the registry); the session version
    moves on, so a signed-in user's cookie is re-read with the new identity.
    """
    user = session.execute(select(User).where(User.username == username).with_for_update()).scalar_one_or_none()
    if user is None:
        raise AuthError.USER_NOT_FOUND.error()
    if session.execute(select(User.id).where(User.party_id == party_id, User.id != user.id)).first():
        raise AuthError.PARTY_TAKEN.error()
    user.party_id = party_id
    if display_name:
        user.display_name = display_name
    user.session_version += 1
    session.flush()
    append_event(session, module="auth", event_type="user_party_linked", subject=subjects.user(user.id), actor=actor,
                 payload={"party_id": party_id})
    return user


def principal_for(session: Session, user: User) -> Principal:
    org = session.get(Organisation, user.organisation_id)
    assert org is not None
    return _principal(user, org)


def _principal(user: User, org: Organisation) -> Principal:
    return Principal(user.id, user.username, user.display_name, Role(user.role), org.id, org.name,
                     org.region_code, user.party_id)


def _attempt_sessions(session: Session) -> tuple[Session, Session]:
    """A reader and a writer of their own, beside the request's session: what they commit stays committed
    when the request rolls back (a failed login is still counted)."""
    bind = session.get_bind()
    engine = bind.engine
    if engine.dialect.name == "sqlite":
        if session.in_transaction() and session.connection().in_transaction():
            # SQLite has one writer: a transaction already open here would block the attempt's own one.
            raise RuntimeError("authenticate() must run before the request's transaction begins on SQLite")
        return (Session(engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False),
                Session(engine, expire_on_commit=False))
    return Session(engine, expire_on_commit=False), Session(engine, expire_on_commit=False)


def _bad_credentials() -> DomainError:
    return AuthError.INVALID_CREDENTIALS.error()


def _locked(until: datetime) -> DomainError:
    return AuthError.LOCKED.error(locked_until=until.isoformat())


def authenticate(session: Session, *, username: str, password: str, address: str = "unknown",
                 mode: Mode | None = None) -> Principal:
    """Log in with a password, throttled per account and client address (issue #12 item 5, MLPS 2.0 login-failure
    handling). The attempt is checked and recorded in transactions of its own, committed whatever the request
    does next; the principal is then read in the caller's ``session``. In production a demo account never logs in.
    """
    mode = mode or get_settings().mode
    keys = throttle.attempt_keys(username, address)
    reader, writer = _attempt_sessions(session)
    try:
        with reader.begin():  # fast refusal while locked, without spending a password hash
            at = now()
            until = throttle.locked_until(throttle.read_rows(reader, keys, lock=False), at)
            row = reader.execute(select(User.id, User.password_hash, User.is_active, User.is_demo)
                                 .where(User.username == username)).first()
        if until is not None:
            raise _locked(until)
        ok = False
        if row is None or not row.is_active:
            _hasher.hash(password)  # same cost either way: do not reveal which usernames exist
        else:
            try:
                ok = bool(_hasher.verify(row.password_hash, password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if row.is_demo and mode is Mode.production:
                ok = False
        with writer.begin():  # record the outcome under the rows' locks; a lock taken meanwhile wins
            at = now()
            rows = throttle.read_rows(writer, keys, lock=True)
            until = throttle.locked_until(rows, at)
            # an attempt that meets a lock is refused like one refused above: not counted, whatever its password
            if until is None and ok:
                throttle.apply_success(rows, at)
            elif until is None:
                for scope in throttle.apply_failure(rows, at):
                    _record_lock(writer, scope, rows[scope], row.id if row is not None else None)
    finally:
        reader.close()
        writer.close()
    if until is not None:
        raise _locked(until)
    if not ok or row is None:
        raise _bad_credentials()
    return principal_for(session, get_user(session, row.id))


def _record_lock(session: Session, scope: str, row: LoginThrottle, user_id: int | None) -> None:
    """Ledger event of a login lock-out: which kind of scope and until when, never the address or typed name."""
    subject = subjects.user(user_id) if user_id is not None and scope != throttle.ADDRESS else \
        subjects.login_throttle(row.id)
    append_event(session, module="auth", event_type="login_locked", subject=subject, actor="system",
                 payload={"scope": scope, "until": row.locked_until, "lockouts": row.lockouts})


def issue_token(session: Session, principal: Principal) -> tuple[str, int]:
    """Issue an API bearer token; returns (token, lifetime in seconds). Only its SHA-256 is stored."""
    hours = get_profile().rules("auth").int("api_token_hours")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=principal.user_id, token_hash=_token_digest(token), created_at=now(),
                         expires_at=now() + timedelta(hours=hours), revoked=False))
    session.flush()
    return token, hours * 3600


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """A user's API tokens, newest first (their hashes never leave the service)."""
    return list(session.execute(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.id.desc())).scalars())


def revoke_token(session: Session, *, token_id: int, principal: Principal) -> ApiToken:
    """Revoke an API token: by its owner or an admin (issue #12 item 5). Anyone else is told it does not exist."""
    token = session.execute(select(ApiToken).where(ApiToken.id == token_id).with_for_update()).scalar_one_or_none()
    if token is None or (token.user_id != principal.user_id and principal.role is not Role.admin):
        raise AuthError.TOKEN_NOT_FOUND.error()
    if not token.revoked:
        token.revoked, token.revoked_at = True, now()
        session.flush()
        append_event(session, module="auth", event_type="api_token_revoked", subject=subjects.token(token.id),
                     actor=principal.actor, payload={"user_id": token.user_id})
    return token


def _sid_digest(sid: str) -> bytes:
    return hashlib.sha256(b"web-session:" + sid.encode()).digest()


def session_lifetime() -> timedelta:
    """How long a browser session lives after login (``auth.session_hours``)."""
    return timedelta(hours=get_profile().rules("auth").int("session_hours"))


def open_web_session(session: Session, principal: Principal) -> str:
    """Start a browser session after a login; returns the random id the cookie carries (only its hash is kept)."""
    sid = secrets.token_urlsafe(32)
    at = now()
    session.add(WebSession(user_id=principal.user_id, sid_hash=_sid_digest(sid), created_at=at,
                           expires_at=at + session_lifetime()))
    session.flush()
    return sid


def close_web_session(session: Session, sid: str) -> bool:
    """Log out: revoke the browser session, so a copy of its cookie is dead too; False if it was not live."""
    row = session.execute(select(WebSession).where(WebSession.sid_hash == _sid_digest(sid))
                          .with_for_update()).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now()
    session.flush()
    return True


def principal_from_web_session(session: Session, sid: str) -> Principal | None:
    """The principal of a live browser session (not revoked, not expired, user active); None otherwise."""
    found = session.execute(
        select(WebSession, User, Organisation).join(User, User.id == WebSession.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(WebSession.sid_hash == _sid_digest(sid))).first()
    if found is None:
        return None
    web, user, org = found
    if web.revoked_at is not None or ensure_utc(web.expires_at) <= now() or not user.is_active:
        return None
    return replace(_principal(user, org), credential=f"session:{web.id}")


def check_password(password: str, username: str) -> None:
    """Refuse a password against the policy (settings ``LANDBRIDGE_PASSWORD_*``) with the reasons."""
    settings = get_settings()
    problems = password_problems(password, username, PasswordPolicy(min_length=settings.password_min_length,
                                                                    min_classes=settings.password_min_classes))
    if problems:
        raise AuthError.WEAK_PASSWORD.error({"settings": settings}, problems=problems)


def change_password(session: Session, *, principal: Principal, current_password: str, new_password: str,
                    address: str = "unknown") -> int:
    """Change one's own password (issue #12 item 5): the current one is checked under login throttling, the new one
    against the policy; every other browser session and every API token of the user is revoked. Returns how many.

    Runs ``authenticate`` first, so the caller's transaction must not have begun (see ``authenticate``).
    """
    check_password(new_password, principal.username)
    authenticate(session, username=principal.username, password=current_password, address=address)
    user = session.execute(select(User).where(User.id == principal.user_id).with_for_update()).scalar_one()
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    at = now()
    keep_session = int(principal.credential.split(":")[1]) if principal.credential.startswith("session:") else None
    keep_token = int(principal.credential.split(":")[1]) if principal.credential.startswith("token:") else None
    sessions = _count(session.execute(
        update(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None),
                                 WebSession.id != (keep_session or 0)).values(revoked_at=at)))
    tokens = _count(session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False),
                               ApiToken.id != (keep_token or 0)).values(revoked=True, revoked_at=at)))
    session.flush()
    append_event(session, module="auth", event_type="password_changed", subject=subjects.user(user.id),
                 actor=principal.actor, payload={"sessions_revoked": sessions, "tokens_revoked": tokens})
    return sessions + tokens


def _count(result: Any) -> int:
    """The number of rows an UPDATE changed."""
    return int(result.rowcount)


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
        select(ApiToken.token_hash, ApiToken.id, ApiToken.revoked, ApiToken.expires_at, User.is_active, User.id,
               User.username,
               User.display_name, User.role, Organisation.id, Organisation.name, Organisation.region_code,
               User.party_id)
        .join(User, User.id == ApiToken.user_id).join(Organisation, Organisation.id == User.organisation_id)
        .where(ApiToken.token_hash.in_(by_digest))).all()
    at = now()
    return {by_digest[digest]: Principal(uid, username, name, Role(role), org_id, org_name, region, party,
                                         credential=f"token:{token_id}")
            for digest, token_id, revoked, expires_at, active, uid, username, name, role, org_id, org_name, region,
            party in rows if not revoked and ensure_utc(expires_at) > at and active}


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AuthError.USER_NOT_FOUND.error()
    return user


def user_ids_of_party(session: Session, party_id: int) -> list[int]:
    """The active accounts linked to a registry party (whom a notice about that party reaches)."""
    return list(session.scalars(select(User.id).where(User.party_id == party_id, User.is_active.is_(True))
                                .order_by(User.id)))


def user_ids_of_organisations(session: Session, organisation_ids: Collection[int], *, limit: int = 1000) -> list[int]:
    """The active accounts of some organisations, at most ``limit`` (whom a notice to an organisation reaches: the
    maintainer of an asset with an overdue defect, issue #20 item 5)."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    return list(session.scalars(select(User.id).where(User.organisation_id.in_(ids), User.is_active.is_(True))
                                .order_by(User.id).limit(limit)))


def organisation_names(session: Session, organisation_ids: Collection[int]) -> dict[int, str]:
    """Names of organisations by id (who read a record, shown to the person it is about; issue #12 item 4)."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()
    return {int(oid): str(name) for oid, name in rows}


def organisation_kinds(session: Session, organisation_ids: Collection[int]) -> dict[int, str]:
    """Kinds of organisations by id (an ``individual`` organisation is a person's: never shown in public)."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.kind).where(Organisation.id.in_(ids))).all()
    return {int(oid): str(kind) for oid, kind in rows}


def organisations_of_kind(session: Session, kind: OrgKind, *, limit: int = 100) -> list[tuple[int, str]]:
    """The organisations of one kind as (id, name) by name, at most ``limit``: e.g. the banks a borrower may apply
    to on the lending portal (issue #17)."""
    rows = session.execute(select(Organisation.id, Organisation.name).where(Organisation.kind == kind)
                           .order_by(Organisation.name).limit(limit)).all()
    return [(int(oid), str(name)) for oid, name in rows]


def township_desks(session: Session, region_code: str) -> list[tuple[int, str]]:
    """The township organisations (乡镇服务站) whose region contains ``region_code``, as (id, name) by name: the
    desks a collective there may authorise to act for it (代办)."""
    rows = session.execute(select(Organisation.id, Organisation.name, Organisation.region_code).where(
        Organisation.kind == OrgKind.township).order_by(Organisation.name)).all()
    return [(int(oid), str(name)) for oid, name, code in rows if region_code.startswith(region_prefix(str(code)))]


def user_names(session: Session, user_ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """Display names and organisation names of users by id (who signed a step of a case, on its file)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, Organisation.name)
                           .join(Organisation, Organisation.id == User.organisation_id, isouter=True)
                           .where(User.id.in_(ids))).all()
    return {int(uid): (str(display), str(org or "")) for uid, display, org in rows}


def demo_accounts_present(session: Session) -> bool:
    """Whether any demo account exists (production refuses to start if so)."""
    return session.execute(select(User.id).where(User.is_demo.is_(True)).limit(1)).first() is not None


def check_startup_safety(session: Session, mode: Mode) -> None:
    """Refuse to serve in production mode while demo accounts (password ``demo``) exist."""
    if mode is Mode.production and demo_accounts_present(session):
        raise AuthError.DEMO_ACCOUNTS_IN_PRODUCTION.error()


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
    usccs = {str(a["username"]): str(a["uscc"]) for a in get_profile().raw.get("demo_account", []) if a.get("uscc")}
    for role, username, display, org_name, kind, region in demo_accounts():
        org = session.execute(select(Organisation).where(Organisation.name == org_name)).scalar_one_or_none()
        if org is None:  # an employer's organisation carries its USCC (issue #20 item 4)
            org = create_organisation(session, name=org_name, kind=kind, region_code=region,
                                      uscc=usccs.get(username))
        if session.execute(select(User.id).where(User.username == username)).first() is None:
            create_user(session, username=username, password=DEMO_PASSWORD, display_name=display, role=role,
                        organisation_id=org.id, is_demo=True)
        created.append((username, org_name, role))
    return created

"""Login throttling stored per scope, written in its own transaction (issue #12 item 5).

Design and reasons: docs/adr/0012-authentication-that-holds.md.

Scopes of one attempt by ``username`` from ``address``:
- ``pair``: that account from that address: exponential back-off (``auth.login_max_failures``,
  ``auth.login_lockout_minutes`` doubled per lock-out in a row, at most ``auth.login_lockout_max_minutes``).
  This is what stops a guesser, and it locks only the guesser's address.
- ``address``: that address against any account (password spraying), same back-off, counted in a window.
- ``account``: that account from every address together (a guesser with many addresses): a short lock that does
  not grow (``auth.login_account_lockout_minutes``) and does not apply to a ``known`` address of the account.
- ``known``: that account logged in successfully from that address within ``auth.known_address_days``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from landbridge.auth.models import LoginThrottle
from landbridge.auth.rules import ThrottlePolicy, ThrottleState, record_failure, record_success
from landbridge.cityprofile import get_profile
from landbridge.config import get_settings
from landbridge.db import for_update
from landbridge.kernel.clock import ensure_utc, now

PAIR, ADDRESS, ACCOUNT, KNOWN = "pair", "address", "account", "known"


@dataclass(frozen=True)
class AttemptKeys:
    """The keyed digests of the scopes an attempt touches."""

    pair: str
    address: str
    account: str

    def by_scope(self) -> dict[str, str]:
        return {PAIR: self.pair, ADDRESS: self.address, ACCOUNT: self.account, KNOWN: self.pair}


def _digest(scope: str, key: str) -> str:
    secret = get_settings().effective_secret_key().encode()
    return hmac.new(secret, f"login-throttle\x00{scope}\x00{key}".encode(), hashlib.sha256).hexdigest()


def attempt_keys(username: str, address: str) -> AttemptKeys:
    """The throttle keys of a login attempt; usernames compare case-insensitively here so that case variants
    share one counter."""
    account = username.strip().lower()
    return AttemptKeys(pair=_digest(PAIR, f"{account}\x00{address}"), address=_digest(ADDRESS, address),
                       account=_digest(ACCOUNT, account))


def policies() -> dict[str, ThrottlePolicy]:
    """The throttle policy of each scope, from the city profile's ``auth`` rules."""
    rules = get_profile().rules("auth")
    base = timedelta(minutes=rules.int("login_lockout_minutes"))
    ceiling = timedelta(minutes=rules.int("login_lockout_max_minutes"))
    window = timedelta(minutes=rules.int("login_account_window_minutes"))
    return {
        PAIR: ThrottlePolicy(max_failures=rules.int("login_max_failures"), base=base, ceiling=ceiling),
        ADDRESS: ThrottlePolicy(max_failures=rules.int("login_address_max_failures"), base=base, ceiling=ceiling,
                                window=window),
        ACCOUNT: ThrottlePolicy(max_failures=rules.int("login_account_max_failures"),
                                base=timedelta(minutes=rules.int("login_account_lockout_minutes")),
                                ceiling=timedelta(minutes=rules.int("login_account_lockout_minutes")),
                                window=window, escalate=False),
    }


def known_address_period() -> timedelta:
    return timedelta(days=get_profile().rules("auth").int("known_address_days"))


def state_of(row: LoginThrottle | None) -> ThrottleState:
    if row is None:
        return ThrottleState()
    return ThrottleState(failures=row.failures, lockouts=row.lockouts,
                         window_started_at=ensure_utc(row.window_started_at) if row.window_started_at else None,
                         locked_until=ensure_utc(row.locked_until) if row.locked_until else None)


def store(row: LoginThrottle, state: ThrottleState, at: datetime) -> None:
    row.failures, row.lockouts = state.failures, state.lockouts
    row.window_started_at, row.locked_until = state.window_started_at, state.locked_until
    row.updated_at = at


def read_rows(session: Session, keys: AttemptKeys, *, lock: bool) -> dict[str, LoginThrottle]:
    """The attempt's throttle rows by scope; with ``lock``, created if missing and locked in a fixed order."""
    pairs = list(keys.by_scope().items())
    if lock:
        table: Any = LoginThrottle.__table__
        dialect = session.get_bind().dialect.name
        ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        for scope, digest in sorted(pairs):
            session.execute(ins.values(scope=scope, key_digest=digest, failures=0, lockouts=0,
                                       updated_at=now())
                            .on_conflict_do_nothing(index_elements=["scope", "key_digest"]))
    stmt = (select(LoginThrottle).where(tuple_(LoginThrottle.scope, LoginThrottle.key_digest).in_(pairs))
            .order_by(LoginThrottle.scope, LoginThrottle.key_digest))
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    return {row.scope: row for row in session.execute(stmt).scalars()}


def locked_until(rows: dict[str, LoginThrottle], at: datetime) -> datetime | None:
    """When the latest lock that applies to this attempt ends; None if the attempt may proceed.

    The account-wide lock does not apply from an address the account logged in from recently.
    """
    ends = [state_of(rows.get(scope)).locked_until for scope in (PAIR, ADDRESS)
            if state_of(rows.get(scope)).locked_at(at)]
    account = state_of(rows.get(ACCOUNT))
    known = rows.get(KNOWN)
    recently_known = (known is not None and known.last_success_at is not None
                      and at - ensure_utc(known.last_success_at) <= known_address_period())
    if account.locked_at(at) and not recently_known:
        ends.append(account.locked_until)
    return max((e for e in ends if e is not None), default=None)


def apply_failure(rows: dict[str, LoginThrottle], at: datetime) -> list[str]:
    """Count a failed attempt in every scope; the scopes that became locked by it."""
    newly_locked: list[str] = []
    for scope, policy in policies().items():
        before = state_of(rows[scope])
        after = record_failure(before, at, policy)
        store(rows[scope], after, at)
        if after.locked_at(at) and not before.locked_at(at):
            newly_locked.append(scope)
    return newly_locked


def apply_success(rows: dict[str, LoginThrottle], at: datetime) -> None:
    """A successful login: this account's streak from this address starts again; the address becomes known."""
    store(rows[PAIR], record_success(state_of(rows[PAIR])), at)
    rows[KNOWN].last_success_at = at
    rows[KNOWN].updated_at = at

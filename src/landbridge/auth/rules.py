"""Pure authentication rules: login throttling (back-off and windows) and the password policy (issue #12 item 5).

No database, no web framework: the service loads the state, applies these, and stores the result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# A small list of passwords that guessing tools try first (the policy also refuses the username itself).
COMMON_PASSWORDS = frozenset({
    "123456", "12345678", "123456789", "1234567890", "111111", "000000", "666666", "888888", "123123",
    "password", "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword1", "qwerty", "qwerty123",
    "qwertyuiop", "abc123", "abc12345", "abcd1234", "a1234567", "1q2w3e4r", "1qaz2wsx", "zaq12wsx",
    "iloveyou", "admin", "admin123", "admin@123", "administrator", "root", "welcome", "welcome1", "letmein",
    "woaini", "woaini1314", "5201314", "aa123456", "a123456", "demo", "changeme", "test1234", "landbridge",
})


@dataclass(frozen=True)
class ThrottleState:
    """Failures counted in the current streak or window, lock-outs in a row, and the lock's end."""

    failures: int = 0
    window_started_at: datetime | None = None
    lockouts: int = 0
    locked_until: datetime | None = None

    def locked_at(self, at: datetime) -> bool:
        """Whether this scope refuses logins at ``at``."""
        return self.locked_until is not None and self.locked_until > at


@dataclass(frozen=True)
class ThrottlePolicy:
    """How one scope locks: after ``max_failures`` (within ``window`` if given) for ``base`` doubled per lock-out
    in a row (``escalate``), never longer than ``ceiling``."""

    max_failures: int
    base: timedelta
    ceiling: timedelta
    window: timedelta | None = None
    escalate: bool = True


def lockout_duration(lockouts: int, base: timedelta, ceiling: timedelta) -> timedelta:
    """The ``lockouts``-th lock-out in a row lasts ``base`` × 2^(lockouts-1), at most ``ceiling`` (back-off)."""
    if lockouts <= 0:
        return timedelta(0)
    factor: int = 2 ** min(lockouts - 1, 64)
    if base <= timedelta(0) or factor >= ceiling / base:  # compare before multiplying: no timedelta overflow
        return ceiling
    return base * factor


def record_failure(state: ThrottleState, at: datetime, policy: ThrottlePolicy) -> ThrottleState:
    """The state after one more failed login at ``at``: counted, and locked once the threshold is reached."""
    failures, window_start = state.failures, state.window_started_at
    if policy.window is not None and (window_start is None or at - window_start >= policy.window):
        failures, window_start = 0, at
    failures += 1
    if failures < policy.max_failures:
        return replace(state, failures=failures, window_started_at=window_start)
    lockouts = state.lockouts + 1 if policy.escalate else 1
    duration = lockout_duration(lockouts, policy.base, policy.ceiling) if policy.escalate else policy.base
    return ThrottleState(failures=0, window_started_at=None, lockouts=lockouts, locked_until=at + duration)


def record_success(state: ThrottleState) -> ThrottleState:
    """The state after a successful login: the streak and the back-off start again."""
    return ThrottleState()


@dataclass(frozen=True)
class PasswordPolicy:
    """The password policy (settings ``LANDBRIDGE_PASSWORD_*``)."""

    min_length: int
    min_classes: int
    max_length: int = 200


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits and other characters the password uses."""
    return sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))


def password_problems(password: str, username: str, policy: PasswordPolicy) -> list[str]:
    """Why ``password`` is refused (codes, empty if acceptable): too short or long, too few classes,
    the username (or contains it), or a common password."""
    problems: list[str] = []
    if len(password) < policy.min_length:
        problems.append("too_short")
    if len(password) > policy.max_length:
        problems.append("too_long")
    if character_classes(password) < policy.min_classes:
        problems.append("too_few_classes")
    lowered = password.lower()
    name = username.strip().lower()
    if name and (lowered == name or (len(name) >= 3 and name in lowered)):
        problems.append("contains_username")
    if lowered in COMMON_PASSWORDS or lowered.rstrip("!@#.0123456789") in COMMON_PASSWORDS:
        problems.append("common")
    return problems

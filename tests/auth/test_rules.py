"""Pure rules of login throttling and the password policy (issue #12 item 5), by property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from landbridge.auth.rules import (
    PasswordPolicy,
    ThrottlePolicy,
    ThrottleState,
    character_classes,
    lockout_duration,
    password_problems,
    record_failure,
    record_success,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
minutes = st.integers(min_value=1, max_value=60).map(lambda m: timedelta(minutes=m))


@given(st.integers(min_value=1, max_value=10_000), minutes, st.integers(min_value=1, max_value=10_000))
def test_backoff_doubles_and_never_passes_the_ceiling(lockouts: int, base: timedelta, ceiling_minutes: int) -> None:
    ceiling = max(base, timedelta(minutes=ceiling_minutes))
    duration = lockout_duration(lockouts, base, ceiling)
    assert base <= duration <= ceiling
    assert lockout_duration(lockouts + 1, base, ceiling) >= duration
    if duration * 2 <= ceiling:
        assert lockout_duration(lockouts + 1, base, ceiling) == duration * 2
    assert lockout_duration(1, base, ceiling) == base


@given(st.integers(min_value=1, max_value=30), minutes, st.booleans())
def test_locks_exactly_at_the_threshold(max_failures: int, base: timedelta, escalate: bool) -> None:
    policy = ThrottlePolicy(max_failures=max_failures, base=base, ceiling=base * 1000, escalate=escalate)
    state = ThrottleState()
    for i in range(1, max_failures + 1):
        assert not state.locked_at(T0)
        state = record_failure(state, T0, policy)
        assert state.locked_at(T0) == (i == max_failures)
    assert state.locked_until == T0 + base and state.failures == 0
    assert not state.locked_at(T0 + base)
    assert record_success(state) == ThrottleState()


@given(st.integers(min_value=2, max_value=20), st.integers(min_value=1, max_value=8))
def test_non_escalating_lock_stays_short(max_failures: int, rounds: int) -> None:
    base = timedelta(minutes=5)
    policy = ThrottlePolicy(max_failures=max_failures, base=base, ceiling=base, window=timedelta(hours=1),
                            escalate=False)
    state, at = ThrottleState(), T0
    for _ in range(rounds):
        for _ in range(max_failures):
            state = record_failure(state, at, policy)
        assert state.locked_until == at + base  # never longer, however often strangers repeat it
        at = at + base
    assert state.lockouts == 1


@given(st.integers(min_value=2, max_value=20))
def test_window_forgets_old_failures(max_failures: int) -> None:
    window = timedelta(hours=1)
    policy = ThrottlePolicy(max_failures=max_failures, base=timedelta(minutes=15), ceiling=timedelta(days=1),
                            window=window)
    state = ThrottleState()
    for i in range(max_failures - 1):
        state = record_failure(state, T0 + timedelta(minutes=i), policy)
    state = record_failure(state, T0 + window + timedelta(minutes=1), policy)  # the old ones fell out
    assert not state.locked_at(T0 + window + timedelta(minutes=1)) and state.failures == 1


POLICY = PasswordPolicy(min_length=10, min_classes=3)


@given(st.text(min_size=3, max_size=20, alphabet=st.characters(min_codepoint=97, max_codepoint=122)),
       st.text(max_size=20), st.text(max_size=20))
def test_a_password_containing_the_username_is_refused(username: str, before: str, after: str) -> None:
    assert "contains_username" in password_problems(before + username.upper() + after, username, POLICY)


@given(st.text(max_size=60))
def test_problems_match_length_and_classes(password: str) -> None:
    problems = password_problems(password, "someone-else", POLICY)
    assert ("too_short" in problems) == (len(password) < 10)
    assert ("too_few_classes" in problems) == (character_classes(password) < 3)


def test_common_passwords_and_their_decorations_are_refused() -> None:
    for password in ("Password123!", "qwerty123", "Admin@123", "woaini1314", "P@ssw0rd"):
        assert "common" in password_problems(password, "x", POLICY), password
    assert password_problems("Kx7-harbour-lantern", "wang", POLICY) == []

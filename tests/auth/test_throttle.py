"""Login throttling (issue #12 item 5): brute force refused, a stranger cannot lock a real user out, counted in
its own transaction through the API and the web form, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import authenticate, throttle
from landbridge.auth.models import LoginThrottle, User
from landbridge.auth.rules import ThrottlePolicy
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.errors import TooManyRequests, Unauthorized
from landbridge.kernel.clock import Clock
from landbridge.ledger import list_events, verify_ledger
from tests.auth.conftest import (
    ATTACKER,
    USER_HOME,
    api_login,
    auth_state,
    bearer,
    client_at,
    web_login,
    whoami,
)

RULES = get_profile().rules("auth")


def bank_id(s: Session) -> int:
    return int(s.execute(select(User.id).where(User.username == "bank")).scalar_one())


def test_api_brute_force_25_wrong_then_right_is_refused(accounts: Database, clock: Clock) -> None:
    attacker = client_at(ATTACKER)
    before = auth_state(accounts)
    statuses = [api_login(attacker, "bank", f"guess-{i}")[0] for i in range(25)]
    max_failures = RULES.int("login_max_failures")
    assert statuses[:max_failures] == [401] * max_failures  # then locked: later guesses are not even tried
    assert set(statuses[max_failures:]) == {429}
    status, body = api_login(attacker, "bank", "demo")  # the right password, from the guesser's address
    assert status == 429 and body["code"] == "auth.locked" and "access_token" not in body
    assert body["message"] and body["message_en"]
    assert auth_state(accounts) == before  # no token issued, nothing else changed
    with accounts.transaction(readonly=True) as s:  # the failures were committed although each request failed
        pair = s.execute(select(LoginThrottle).where(LoginThrottle.scope == throttle.PAIR)).scalar_one()
        assert pair.lockouts == 1 and pair.locked_until is not None
        assert verify_ledger(s).ok
        locked = [e for e in list_events(s, module="auth", limit=1000) if e.event_type == "login_locked"]
        assert [e.subject for e in locked] == [f"user:{bank_id(s)}"]  # the account-from-address lock
        assert ATTACKER not in locked[0].body and "guess" not in locked[0].body  # no address, no typed password


def test_web_form_brute_force_is_refused_and_counted(accounts: Database, clock: Clock) -> None:
    attacker = client_at(ATTACKER)
    statuses = [web_login(attacker, "registrar", f"guess-{i}") for i in range(25)]
    max_failures = RULES.int("login_max_failures")
    assert statuses[:max_failures] == [401] * max_failures
    assert set(statuses[max_failures:]) == {429}
    assert web_login(attacker, "registrar", "demo") == 429
    assert whoami(attacker) == 401  # not signed in
    # the API shares the counters: the same address is locked there too
    assert api_login(attacker, "registrar", "demo")[0] == 429


def test_stranger_cannot_lock_out_the_real_user(accounts: Database, clock: Clock) -> None:
    attacker, user = client_at(ATTACKER), client_at(USER_HOME)
    for i in range(25):
        api_login(attacker, "supervisor", f"guess-{i}")
        web_login(attacker, "supervisor", f"guess-{i}")
    assert api_login(attacker, "supervisor", "demo")[0] == 429
    status, body = api_login(user, "supervisor", "demo")  # the real user, from another address
    assert status == 200
    assert whoami(user, bearer(str(body["access_token"]))) == 200
    assert web_login(user, "supervisor", "demo") == 303
    assert whoami(user) == 200


def test_lockouts_back_off_exponentially_and_are_bounded(accounts: Database, clock: Clock) -> None:
    base = timedelta(minutes=RULES.int("login_lockout_minutes"))
    ceiling = timedelta(minutes=RULES.int("login_lockout_max_minutes"))
    attacker = client_at(ATTACKER)
    durations = []
    for _ in range(9):
        for _ in range(RULES.int("login_max_failures")):
            assert api_login(attacker, "fund", "wrong")[0] == 401
        status, _body = api_login(attacker, "fund", "demo")
        assert status == 429
        with accounts.transaction(readonly=True) as s:
            pair = s.execute(select(LoginThrottle).where(LoginThrottle.scope == throttle.PAIR)).scalar_one()
            assert pair.locked_until is not None
            durations.append(throttle.state_of(pair).locked_until - clock.now())  # type: ignore[operator]
        clock.advance(durations[-1] - timedelta(seconds=1))
        assert api_login(attacker, "fund", "demo")[0] == 429  # still locked one second before the end
        clock.advance(timedelta(seconds=2))
    assert durations[:3] == [base, 2 * base, 4 * base]
    assert all(d <= ceiling for d in durations) and durations[-1] == ceiling
    assert api_login(attacker, "fund", "demo")[0] == 200  # the lock ended: the right password works again
    for _ in range(RULES.int("login_max_failures") - 1):  # and a success started the back-off again
        assert api_login(attacker, "fund", "wrong")[0] == 401
    assert api_login(attacker, "fund", "demo")[0] == 200


def test_spraying_one_address_across_accounts_locks_the_address(accounts: Database, clock: Clock) -> None:
    limit = RULES.int("login_address_max_failures")
    names = ["admin", "registrar", "nr", "township", "clerk", "member", "exchange", "bidder", "bank", "guarantor",
             "insurer", "fund", "supervisor"]
    attacker = client_at(ATTACKER)
    for i in range(limit):  # never more than login_max_failures - 1 against one account
        assert api_login(attacker, names[i % len(names)], "Wrong-guess-1")[0] == 401
    assert api_login(attacker, "supervisor", "demo")[0] == 429  # the address is locked, for every account
    assert api_login(client_at(USER_HOME), "supervisor", "demo")[0] == 200  # others are not


def test_many_addresses_lock_the_account_briefly_but_not_its_known_address(
        accounts: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    small = dict(throttle.policies())
    small[throttle.ACCOUNT] = ThrottlePolicy(max_failures=4, base=small[throttle.ACCOUNT].base,
                                             ceiling=small[throttle.ACCOUNT].ceiling,
                                             window=small[throttle.ACCOUNT].window, escalate=False)
    monkeypatch.setattr(throttle, "policies", lambda: small)  # 4 instead of 50: fewer slow password hashes
    assert api_login(client_at(USER_HOME), "bidder", "demo")[0] == 200  # the user's usual address is now known
    for i in range(4):
        assert api_login(client_at(f"192.0.2.{i + 1}"), "bidder", "wrong")[0] == 401
    assert api_login(client_at("192.0.2.99"), "bidder", "demo")[0] == 429  # a new address meets the account lock
    assert api_login(client_at(USER_HOME), "bidder", "demo")[0] == 200  # the known address does not
    short = timedelta(minutes=RULES.int("login_account_lockout_minutes"))
    for _ in range(3):  # the account lock never grows, whatever the strangers do
        clock.advance(short + timedelta(seconds=1))
        assert api_login(client_at("192.0.2.99"), "bidder", "demo")[0] == 200
        for i in range(4):
            api_login(client_at(f"192.0.2.{i + 10}"), "bidder", "wrong")
        with accounts.transaction(readonly=True) as s:
            account = s.execute(select(LoginThrottle).where(LoginThrottle.scope == throttle.ACCOUNT)).scalar_one()
            assert throttle.state_of(account).locked_until == clock.now() + short


def test_unknown_usernames_are_throttled_alike(accounts: Database, clock: Clock) -> None:
    attacker = client_at(ATTACKER)
    statuses = [api_login(attacker, "no-such-user", "x")[0] for _ in range(RULES.int("login_max_failures") + 1)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}  # same answers as for a real account


def test_failure_is_counted_when_the_callers_transaction_rolls_back(accounts: Database, clock: Clock) -> None:
    with pytest.raises(Unauthorized), accounts.transaction() as s:
        authenticate(s, username="clerk", password="wrong", address=ATTACKER)
    with accounts.transaction(readonly=True) as s:
        pair = s.execute(select(LoginThrottle).where(LoginThrottle.scope == throttle.PAIR)).scalar_one()
        assert pair.failures == 1
    for _ in range(RULES.int("login_max_failures") - 1):
        with pytest.raises(Unauthorized), accounts.transaction() as s:
            authenticate(s, username="clerk", password="wrong", address=ATTACKER)
    with pytest.raises(TooManyRequests), accounts.transaction() as s:
        authenticate(s, username="clerk", password="demo", address=ATTACKER)
    with accounts.transaction() as s:
        assert authenticate(s, username="clerk", password="demo", address=USER_HOME).username == "clerk"


def test_parallel_guesses_get_no_more_than_the_threshold(accounts: Database, clock: Clock) -> None:
    """Guesses sent at once all pass the quick check, but are recorded one by one under the rows' locks: once the
    threshold is reached the rest are refused whatever their password, the right one included."""
    max_failures = RULES.int("login_max_failures")
    passwords = [f"guess-{i}" for i in range(3 * max_failures)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda p: api_login(client_at(ATTACKER), "insurer", p)[0], passwords))
    assert statuses.count(401) == max_failures and statuses.count(429) == len(passwords) - max_failures
    assert api_login(client_at(ATTACKER), "insurer", "demo")[0] == 429
    with accounts.transaction(readonly=True) as s:
        pair = s.execute(select(LoginThrottle).where(LoginThrottle.scope == throttle.PAIR)).scalar_one()
        assert pair.lockouts == 1

"""Self-registration with real-name verification (实名认证, issue #20 item 2; R1): a person the registry knows opens
their own login with a one-time code sent to the phone the registry holds. Every refusal is typed and changes
nothing, except a wrong code, which is counted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge import notices
from landbridge.auth.models import Role, User
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.registry import create_party
from landbridge.registry.signup import SignupCode
from tests.web.test_pages import csrf_of
from tests.web.world import ACTOR, resident_id

PHONE = "13907011234"


class Phone:
    """A code sender that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_code(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return "sms"

    def last_code(self) -> str:
        match = re.search(r"验证码为 (\d{6})", self.sent[-1][1])
        assert match, self.sent[-1][1]
        return match.group(1)


@pytest.fixture
def phone() -> Iterator[Phone]:
    sender = Phone()
    previous = notices.set_code_sender(sender)
    yield sender
    notices.set_code_sender(previous)


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        with_phone = create_party(s, kind="person", name="周建国", id_number=resident_id(1), phone=PHONE, actor=ACTOR)
        without = create_party(s, kind="person", name="李秀英", id_number=resident_id(2), actor=ACTOR)
        return {"with_phone": with_phone.id, "without": without.id}


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app())


def start(client: TestClient, name: str = "周建国", n: int = 1) -> tuple[int, dict[str, object]]:
    r = client.post("/api/v1/signup/codes", json={"name": name, "id_number": resident_id(n)})
    return r.status_code, r.json()


def counts(db: Database) -> tuple[int, int]:
    with db.transaction(readonly=True) as s:
        return (s.scalar(select(func.count()).select_from(SignupCode)) or 0,
                s.scalar(select(func.count()).select_from(User)) or 0)


def test_a_registered_person_opens_their_own_login(client: TestClient, db: Database, phone: Phone,
                                                   people: dict[str, int]) -> None:
    status, body = start(client)
    assert status == 201 and body["phone_masked"] == "139****1234" and phone.sent[0][0] == PHONE
    assert PHONE not in str(body)
    code = phone.last_code()
    r = client.post(f"/api/v1/signup/{body['signup_id']}/account",
                    json={"code": code, "username": "zhoujianguo", "password": "Jinjiang#2026village"})
    assert r.status_code == 201 and r.json()["role"] == "member"
    with db.transaction(readonly=True) as s:
        user = s.scalars(select(User).where(User.username == "zhoujianguo")).one()
        assert user.party_id == people["with_phone"] and user.role == Role.member and user.display_name == "村民 周建国"
        kinds = s.scalars(select(LedgerEvent.event_type).where(LedgerEvent.module == "registry")
                          .order_by(LedgerEvent.seq)).all()
        assert kinds[-2:] == ["signup_code_sent", "signup_verified"]
        for event in s.scalars(select(LedgerEvent).where(LedgerEvent.event_type.like("signup_%"))):
            assert "周建国" not in str(event.envelope) and PHONE not in str(event.envelope)
    # the code is spent, and the person now has a login: both refused, typed
    again = client.post(f"/api/v1/signup/{body['signup_id']}/account",
                        json={"code": code, "username": "other", "password": "Jinjiang#2026village"})
    assert again.status_code == 422 and again.json()["code"] == "registry.signup_code_invalid"
    assert start(client)[1]["code"] == "registry.signup_already_registered"
    token = client.post("/api/v1/auth/token", json={"username": "zhoujianguo", "password": "Jinjiang#2026village"})
    assert token.status_code == 200


def test_every_failed_verification_reads_alike_and_sends_nothing(client: TestClient, db: Database, phone: Phone,
                                                                  people: dict[str, int]) -> None:
    unknown, wrong_name, no_phone = start(client, n=9), start(client, name="周建军"), start(client, "李秀英", n=2)
    assert {r[0] for r in (unknown, wrong_name, no_phone)} == {422}
    assert {r[1]["code"] for r in (unknown, wrong_name, no_phone)} == {"registry.signup_not_verified"}
    assert unknown[1]["message"] == wrong_name[1]["message"] == no_phone[1]["message"]
    assert phone.sent == [] and counts(db)[0] == 0
    bad = client.post("/api/v1/signup/codes", json={"name": "周建国", "id_number": "x" * 19})
    assert bad.status_code == 422 and bad.json()["code"] == "request.invalid"


def test_wrong_codes_are_counted_and_spend_the_code(client: TestClient, db: Database, phone: Phone,
                                                    people: dict[str, int]) -> None:
    signup_id = start(client)[1]["signup_id"]
    good = phone.last_code()
    wrong = "000000" if good != "000000" else "111111"
    account = {"username": "zhou", "password": "Jinjiang#2026village"}
    for _ in range(5):  # code_max_attempts, rule set registry_signup
        r = client.post(f"/api/v1/signup/{signup_id}/account", json={"code": wrong, **account})
        assert r.status_code == 422 and r.json()["code"] == "registry.signup_code_invalid"
    with db.transaction(readonly=True) as s:
        assert s.get_one(SignupCode, signup_id).attempts == 5  # committed although each answer was a refusal
    r = client.post(f"/api/v1/signup/{signup_id}/account", json={"code": good, **account})
    assert r.status_code == 422 and counts(db)[1] == 0


def test_a_code_expires_and_one_phone_gets_five_codes_a_day(client: TestClient, db: Database, phone: Phone,
                                                            clock: Clock, people: dict[str, int]) -> None:
    signup_id = start(client)[1]["signup_id"]
    code = phone.last_code()
    clock.advance(timedelta(minutes=10, seconds=1))  # code_valid_minutes
    r = client.post(f"/api/v1/signup/{signup_id}/account",
                    json={"code": code, "username": "zhou", "password": "Jinjiang#2026village"})
    assert r.status_code == 422 and r.json()["code"] == "registry.signup_code_invalid"
    for _ in range(4):
        assert start(client)[0] == 201
    status, body = start(client)
    assert status == 422 and body["code"] == "registry.signup_too_many_codes" and len(phone.sent) == 5
    clock.advance(timedelta(days=1))
    assert start(client)[0] == 201


def test_a_bad_username_or_password_keeps_the_code(client: TestClient, db: Database, phone: Phone,
                                                   people: dict[str, int]) -> None:
    signup_id = start(client)[1]["signup_id"]
    code = phone.last_code()
    bad_name = client.post(f"/api/v1/signup/{signup_id}/account",
                           json={"code": code, "username": "周 建国", "password": "Jinjiang#2026village"})
    assert bad_name.status_code == 422 and bad_name.json()["code"] == "registry.signup_bad_username"
    weak = client.post(f"/api/v1/signup/{signup_id}/account", json={"code": code, "username": "zhou", "password": "1"})
    assert weak.status_code == 422 and counts(db)[1] == 0
    ok = client.post(f"/api/v1/signup/{signup_id}/account",
                     json={"code": code, "username": "zhou", "password": "Jinjiang#2026village"})
    assert ok.status_code == 201


def test_the_pages_walk_a_villager_through_both_steps(db: Database, phone: Phone, people: dict[str, int]) -> None:
    client = TestClient(create_app(), headers={"Accept": "text/html"})
    login_page = client.get("/login").text
    assert 'href="/signup"' in login_page
    form = client.get("/signup")
    assert form.status_code == 200 and "实名注册" in form.text and "居民身份证号码" in form.text
    refused = client.post("/signup", data={"name": "周建军", "id_number": resident_id(1), "csrf": csrf_of(form.text)})
    assert refused.status_code == 422 and "无法核验身份" in refused.text and phone.sent == []
    sent = client.post("/signup", data={"name": "周建国", "id_number": resident_id(1), "csrf": csrf_of(form.text)},
                       follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/signup/")
    step2 = client.get(sent.headers["location"])
    assert "139****1234" in step2.text and "短信验证码" in step2.text
    action = sent.headers["location"].split("?")[0]
    wrong = client.post(action, data={"code": "abc", "username": "zhou", "password": "Jinjiang#2026village",
                                      "csrf": csrf_of(step2.text)})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text
    done = client.post(action, data={"code": phone.last_code(), "username": "zhou",
                                     "password": "Jinjiang#2026village", "csrf": csrf_of(step2.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login?next=/hall&signed_up=1"
    assert "账号已开通" in client.get(done.headers["location"]).text
    english = client.get("/signup?lang=en").text
    assert "Sign up with your real name" in english

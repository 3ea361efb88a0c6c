"""Notices (站内消息, issue #20 item 1): a notice per user in the sender's transaction, once per dedupe key; each user
reads and marks only their own; the outbox hands each notice to the gateway once, and a failed delivery is retried,
never lost; decisions of the registry and of credit objections reach the accounts concerned."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge import notices, registry
from landbridge.auth.models import User
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.main import create_app
from landbridge.notices.models import Notice
from landbridge.notices.service import RECIPIENTS_MAX, set_gateway
from tests.web.test_bounds import bearer
from tests.web.test_pages import csrf_of, login
from tests.web.world import ACTOR, VILLAGE, World, square


def uid(db: Database, username: str) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalars(select(User.id).where(User.username == username)).one())


def count(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(Notice)) or 0)


def send(db: Database, users: list[int], key: str | None = "k1", href: str = "/hall") -> int:
    with db.transaction() as s:
        return notices.send(s, user_ids=users, module="test", kind="test.kind", title_zh="测试消息",
                            title_en="A test notice", href=href, dedupe_key=key)


def test_a_reminder_arrives_once_per_user_and_bad_notices_are_refused(db: Database, world: World) -> None:
    a, b = uid(db, "member"), uid(db, "bank")
    assert send(db, [a, b, a]) == 2
    assert send(db, [a, b]) == 0  # the same reminder on the next tick: nothing new
    assert send(db, [a], key=None) == 1 and send(db, [a], key=None) == 1  # no key: every call is a notice
    assert send(db, []) == 0
    before = count(db)
    for bad in ({"href": "https://evil.example/"}, {"href": "//evil"}, {"users": list(range(RECIPIENTS_MAX + 1))}):
        with pytest.raises(DomainError) as info:
            send(db, bad.get("users", [a]), key="k2", href=str(bad.get("href", "/hall")))  # type: ignore[arg-type]
        assert info.value.code == "notices.bad_notice"
    assert count(db) == before


def test_each_user_reads_and_marks_only_their_own(db: Database, world: World) -> None:
    a, b = uid(db, "member"), uid(db, "bank")
    send(db, [a, b])
    with db.transaction() as s:
        mine, total = notices.inbox(s, a)
        assert total == 1 and notices.unread_count(s, a) == 1
        with pytest.raises(DomainError) as info:
            notices.mark_read(s, notice_id=mine[0].id, user_id=b)
        assert info.value.code == "notices.not_found"
    with db.transaction() as s:
        assert notices.mark_read(s, notice_id=mine[0].id, user_id=a) is True
        assert notices.mark_read(s, notice_id=mine[0].id, user_id=a) is False  # once
        assert notices.unread_count(s, a) == 0 and notices.unread_count(s, b) == 1


class Recording:
    def __init__(self, fail: bool = False) -> None:
        self.seen: list[int] = []
        self.fail = fail

    def deliver(self, notice: Notice) -> str:
        if self.fail:
            raise ConnectionError("gateway down")
        self.seen.append(notice.id)
        return "sms"


def test_the_outbox_delivers_each_notice_once_and_retries_after_a_failure(db: Database, world: World) -> None:
    send(db, [uid(db, "member"), uid(db, "bank")])
    down = Recording(fail=True)
    previous = set_gateway(down)
    try:
        with pytest.raises(ConnectionError), db.transaction() as s:
            notices.deliver_pending(s)
        up = Recording()
        set_gateway(up)
        with db.transaction() as s:
            assert notices.deliver_pending(s) == 2
        with db.transaction() as s:
            assert notices.deliver_pending(s) == 0  # delivered once
        assert len(up.seen) == 2
        with db.transaction(readonly=True) as s:
            assert set(s.scalars(select(Notice.channel))) == {"sms"}
    finally:
        set_gateway(previous)


def test_the_inbox_page_and_api(db: Database, world: World) -> None:
    client = TestClient(create_app())
    assert client.get("/api/v1/me/notices").status_code == 401
    send(db, [uid(db, "member")], href="/credit")
    api = client.get("/api/v1/me/notices", headers=bearer(client, "member")).json()
    assert api["total"] == 1 and api["unread"] == 1 and api["items"][0]["title_zh"] == "测试消息"
    assert client.get("/api/v1/me/notices", headers=bearer(client, "bank")).json()["total"] == 0
    other = client.post(f"/api/v1/me/notices/{api['items'][0]['id']}/read", headers=bearer(client, "bank"))
    assert other.status_code == 404 and other.json()["code"] == "notices.not_found"
    login(client, "member")
    hall = client.get("/hall").text
    assert "未读消息" in hall and "测试消息" in hall
    page = client.get("/notices")
    assert page.status_code == 200 and "未读 1 条" in page.text
    opened = client.post(f"/notices/{api['items'][0]['id']}/read", data={"csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/credit"
    assert "未读 0 条" in client.get("/notices").text and "未读消息" not in client.get("/hall").text


def test_the_registry_tells_the_account_that_lodged_the_application(db: Database, world: World) -> None:
    member = uid(db, "member")
    with db.transaction() as s:
        app = registry.lodge_first_registration(
            s, actor=f"user:{member}", region_code=VILLAGE, geometry=square(7), land_use_class="0702",
            location="锦江村二组", right_type="homestead_use_right", holders=[(world.holder_a, "1")])
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
        number = app.number
    with db.transaction(readonly=True) as s:
        told, _ = notices.inbox(s, member)
        assert [n.title_zh for n in told] == [f"登记申请 {number} 已登簿"]
        assert re.fullmatch(r"/parcels/\d+", told[0].href)
    with db.transaction() as s:  # lodged by the system: nobody to tell
        app = registry.lodge_first_registration(
            s, actor=ACTOR.replace("user:0", "system"), region_code=VILLAGE, geometry=square(9),
            land_use_class="0702", location="锦江村二组", right_type="homestead_use_right",
            holders=[(world.holder_b, "1")])
        before = count(db)
        registry.reject_application(s, application_id=app.id, actor=ACTOR, reason="材料不全")
    assert count(db) == before

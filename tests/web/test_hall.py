"""The service hall (办事大厅, issue #20 item 1): the front door after login, the to-dos every package contributes
through its manifest with their deadlines, and the menu each role sees (built from the manifests' ``nav``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from landbridge.db import Database
from landbridge.kernel import hall, modules
from landbridge.kernel.clock import Clock
from landbridge.kernel.hall import HallItem, Todo, due_at_end_of, todos_for
from landbridge.kernel.modules import NavLink
from landbridge.kernel.workdays import add_workdays
from landbridge.main import create_app
from tests.web.test_pages import login
from tests.web.world import World


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(), headers={"Accept": "text/html"})


def nav_labels(page: str) -> list[str]:
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", page, re.S)
    assert nav, "the page has no menu"
    return re.findall(r">([^<>]+)</a>", nav.group(1))


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, world: World) -> None:
    page = client.get("/hall", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/hall"


def test_logging_in_without_a_page_to_return_to_lands_in_the_hall(client: TestClient, world: World) -> None:
    assert login(client, "registrar").headers["location"] == "/hall"
    assert login(client, "registrar", next_url="/registrar/queue").headers["location"] == "/registrar/queue"


def test_the_registrar_sees_the_lodged_application_with_its_statutory_deadline(
        client: TestClient, world: World, clock: Clock) -> None:
    lodged_on = clock.now().date()
    clock.advance(datetime(2026, 12, 8, 2, tzinfo=UTC) - clock.now())
    login(client, "registrar")
    page = client.get("/hall")
    assert page.status_code == 200 and "办事大厅" in page.text
    row = re.search(r'<tr class="(\w*)" data-module="registry">(.*?)</tr>', page.text, re.S)
    assert row, "the lodged application is not on the hall"
    assert f"申请 {world.lodged_application_number}" in row.group(2) and 'href="/registrar/queue"' in row.group(2)
    due = add_workdays(lodged_on, 30)  # 不动产登记暂行条例 art. 20, rule data
    assert due.isoformat() in row.group(2)
    assert row.group(1) == "urgent" and f"已逾期 {(datetime(2026, 12, 8).date() - due).days} 天" in row.group(2)
    assert "其中 1 项已逾期或紧急" in page.text
    english = client.get("/hall?lang=en").text
    assert "Service hall" in english and "days overdue" in english and "Decide the first application" in english


def test_a_fresh_application_shows_the_days_left(client: TestClient, world: World, clock: Clock) -> None:
    due = add_workdays(clock.now().date(), 30)
    login(client, "registrar")
    page = client.get("/hall").text
    row = re.search(r'<tr class="(\w*)" data-module="registry">(.*?)</tr>', page, re.S)
    assert row and row.group(1) == "" and due.isoformat() in row.group(2)
    assert f"还剩 {(due - clock.now().date()).days} 天" in row.group(2) and "已逾期" not in row.group(2)


def test_a_user_with_nothing_waiting_sees_an_empty_list_and_their_services(client: TestClient, world: World) -> None:
    login(client, "bank")
    page = client.get("/hall").text
    assert "暂无待办事项" in page
    services = re.search(r'<ul class="services">(.*?)</ul>', page, re.S)
    assert services and 'href="/lending"' in services.group(1) and 'href="/registrar/queue"' not in services.group(1)


def test_the_menu_follows_the_role(client: TestClient, world: World) -> None:
    anonymous = nav_labels(client.get("/").text)
    assert anonymous[0] == "全景看地" and {"产权交易", "信用村镇", "政策规则"} <= set(anonymous)
    assert not {"办事大厅", "登记审核", "普惠金融", "个人信息查阅记录"} & set(anonymous)
    login(client, "registrar")
    registrar = nav_labels(client.get("/").text)
    assert registrar[0] == "办事大厅" and "登记审核" in registrar and "普惠金融" not in registrar
    login(client, "bank")
    bank = nav_labels(client.get("/").text)
    assert {"普惠金融", "信用档案", "基准地价"} <= set(bank) and "登记审核" not in bank and "我的信用" not in bank
    assert nav_labels(client.get("/?lang=en").text)[:3] == ["Service hall", "Notices", "Public map"]


def test_nav_entries_are_shown_by_role_party_and_sign_in() -> None:
    everyone = NavLink("/a", "甲", "A", order=1)
    signed_in = NavLink("/b", "乙", "B", order=2, signed_in=True)
    clerks = NavLink("/c", "丙", "C", order=3, roles=("registrar",))
    with_party = NavLink("/d", "丁", "D", order=4, needs_party=True)
    assert everyone.visible_to(None, False) and everyone.visible_to("member", False)
    assert not signed_in.visible_to(None, False) and signed_in.visible_to("bidder", False)
    assert clerks.visible_to("registrar", False) and not clerks.visible_to("member", True)
    assert not clerks.visible_to(None, False)
    assert with_party.visible_to("member", True) and not with_party.visible_to("member", False)
    orders = [link.order for link in modules.nav_links()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_to_dos_are_ordered_by_deadline_urgent_first_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    day = datetime(2026, 12, 10, tzinfo=UTC)

    def many(session: object, principal: object) -> list[Todo]:
        return [Todo("k", f"项{i}", f"item {i}", f"/x/{i}", due=day + timedelta(days=i)) for i in range(80)]

    def few(session: object, principal: object) -> list[Todo]:
        return [Todo("k", "无期限", "none", "/y/1"), Todo("k", "急", "urgent", "/y/2", due=day, urgent=True),
                Todo("k", "早", "early", "/y/3", due=day - timedelta(days=1))]

    monkeypatch.setattr(modules, "todo_sources", lambda: [("many", many), ("few", few)])
    items = todos_for(None, None)
    assert len(items) == hall.SOURCE_LIMIT + 3  # each source is bounded
    assert [i.todo.href for i in items[:3]] == ["/y/3", "/y/2", "/x/0"]  # earliest first; urgent first on a tie
    assert items[-1] == HallItem("few", Todo("k", "无期限", "none", "/y/1"))  # no deadline last
    assert due_at_end_of(day.date()).isoformat() == "2026-12-10T15:59:59+00:00"  # 23:59:59 in Asia/Shanghai

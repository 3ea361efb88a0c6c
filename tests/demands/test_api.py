"""Demands over HTTP (/api/v1/demands) with the permission matrix at every step — anonymous 401, every other role and
every other organisation 403 — each denial changing nothing; the public statistics and anonymous reads without
personal data; the pages and the hall's to-dos (issue #20 item 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge.db import Database
from landbridge.demands.models import DemandTicket
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.privacy.models import PersonalRead
from tests.demands.world import ACCOUNTS, VILLAGE, DemandWorld, build
from tests.web.test_pages import login

NAME, PHONE = "李秀英", "13807015678"


@dataclass
class Api:
    client: TestClient
    world: DemandWorld
    headers: dict[str, dict[str, str]]


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        w = build(s)
    with TestClient(create_app()) as c:
        headers = {}
        for name in ACCOUNTS:
            r = c.post("/api/v1/auth/token", json={"username": name, "password": "demo"})
            assert r.status_code == 200, r.text
            headers[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield Api(c, w, headers)


def state(db: Database) -> tuple[Any, ...]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), tuple(s.execute(select(DemandTicket.id, DemandTicket.status, DemandTicket.version,
                                                        DemandTicket.department_id, DemandTicket.satisfaction)
                                                 .order_by(DemandTicket.id)).all()))


def step(api: Api, db: Database, allowed: str, method: str, url: str, body: dict[str, Any] | None = None,
         expect: int = 200) -> dict[str, Any]:
    """Everyone but ``allowed`` is refused (401 anonymous, 403 the rest) and changes nothing; then ``allowed``."""
    before = state(db)
    for name in [None, *ACCOUNTS]:
        if name == allowed:
            continue
        r = api.client.request(method, url, json=body, headers=api.headers[name] if name else {})
        assert r.status_code == (401 if name is None else 403), (name, url, r.status_code, r.text)
        assert state(db) == before, (name, url)
    r = api.client.request(method, url, json=body, headers=api.headers[allowed])
    assert r.status_code == expect, r.text
    return dict(r.json())


def demand(category: str = "land_use", **more: Any) -> dict[str, Any]:
    return {"demand_type": "help", "category": category, "title": "宅基地审批", "description": "审批材料已交齐",
            "region_code": VILLAGE, "contact_name": NAME, "contact_phone": PHONE, **more}


def test_intake_by_channel_and_who_may_take_a_demand(db: Database, api: Api) -> None:
    before = state(db)
    assert api.client.post("/api/v1/demands", json=demand()).status_code == 401
    for name in ("bureau", "city_bureau", "registrar", "bank"):
        assert api.client.post("/api/v1/demands", json=demand(), headers=api.headers[name]).status_code == 403
    assert state(db) == before
    channels = {}
    for name in ("resident", "hotline", "township"):
        r = api.client.post("/api/v1/demands", json=demand(), headers=api.headers[name])
        assert r.status_code == 201, r.text
        channels[name] = r.json()["channel"]
        assert "contact_name" not in r.json()
    assert channels == {"resident": "online", "hotline": "phone", "township": "desk"}
    no_contact = api.client.post("/api/v1/demands", json=demand(contact_phone=None), headers=api.headers["hotline"])
    assert no_contact.status_code == 422 and no_contact.json()["code"] == "demands.contact_required"
    unknown = api.client.post("/api/v1/demands", json=demand("weather"), headers=api.headers["resident"])
    assert unknown.status_code == 422 and unknown.json()["code"] == "demands.unknown_category"


def test_the_loop_over_http_with_the_permission_matrix(db: Database, api: Api) -> None:
    w = api.world
    t = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["resident"]).json()
    tid = t["id"]
    assert (t["status"], t["department_id"]) == ("dispatched", w.orgs["bureau"])
    for name in ("resident", "bureau", "hotline"):
        r = api.client.get(f"/api/v1/demands/{tid}", headers=api.headers[name])
        assert r.status_code == 200 and r.json()["contact_phone"] == PHONE
    for name in ("neighbour", "township", "city_bureau", "registrar", "bank"):
        assert api.client.get(f"/api/v1/demands/{tid}", headers=api.headers[name]).status_code == 403
    assert api.client.get(f"/api/v1/demands/{tid}").status_code == 401
    t = step(api, db, "bureau", "POST", f"/api/v1/demands/{tid}/accept")
    assert t["status"] == "accepted"
    t = step(api, db, "bureau", "POST", f"/api/v1/demands/{tid}/transfer",
             {"to_department_id": w.orgs["registrar"], "reason": "属登记事项"})
    assert (t["status"], t["department_id"]) == ("dispatched", w.orgs["registrar"])
    t = step(api, db, "registrar", "POST", f"/api/v1/demands/{tid}/return", {"reason": "属地不符"})
    assert (t["status"], t["department_id"]) == ("pending", None)
    t = step(api, db, "hotline", "POST", f"/api/v1/demands/{tid}/dispatch", {"department_id": w.orgs["township"]})
    assert t["department_id"] == w.orgs["township"]
    step(api, db, "township", "POST", f"/api/v1/demands/{tid}/accept")
    t = step(api, db, "township", "POST", f"/api/v1/demands/{tid}/answer", {"text": "已协调村委会办理"})
    assert t["status"] == "answered"
    bad = api.client.post(f"/api/v1/demands/{tid}/rate", json={"satisfaction": 9}, headers=api.headers["resident"])
    assert bad.status_code == 422 and bad.json()["code"] == "demands.invalid_rating"
    t = step(api, db, "resident", "POST", f"/api/v1/demands/{tid}/rate", {"satisfaction": 5, "comment": "满意"})
    assert t["satisfaction"] == 5
    t = step(api, db, "hotline", "POST", f"/api/v1/demands/{tid}/revisit", {"note": "回访确认已解决"})
    assert t["status"] == "closed"
    mine = api.client.get("/api/v1/demands/mine", headers=api.headers["resident"]).json()["items"]
    assert [m["number"] for m in mine] == [t["number"]]
    assert api.client.get("/api/v1/demands/mine", headers=api.headers["neighbour"]).json()["items"] == []
    with db.transaction(readonly=True) as s:  # the department's and the hotline's reads of the contact are recorded
        readers = {r.reader_role for r in s.scalars(select(PersonalRead).where(
            PersonalRead.record == f"demand_ticket:{tid}"))}
    assert readers == {"nr_official", "supervisor"}


def test_public_statistics_and_anonymous_reads_hold_no_personal_data(db: Database, api: Api) -> None:
    w = api.world
    for _ in range(2):
        t = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["resident"]).json()
        api.client.post(f"/api/v1/demands/{t['id']}/accept", headers=api.headers["bureau"])
    api.client.post(f"/api/v1/demands/{t['id']}/answer", json={"text": f"已联系{NAME}"}, headers=api.headers["bureau"])
    api.client.post(f"/api/v1/demands/{t['id']}/rate", json={"satisfaction": 2}, headers=api.headers["resident"])
    r = api.client.get("/api/v1/demands/stats")
    assert r.status_code == 200
    bureau = next(d for d in r.json()["departments"] if d["department_id"] == w.orgs["bureau"])
    assert (bureau["received"], bureau["open"], bureau["answered"], bureau["on_time_rate"], bureau["satisfaction"],
            bureau["bad_ratings"]) == (2, 1, 1, "100.0", "2.00", 1)
    page = api.client.get("/demands/stats")
    assert page.status_code == 200 and "bureau 机构" in page.text
    for text in (r.text, page.text):
        assert NAME not in text and PHONE not in text and "审批材料" not in text and "宅基地审批" not in text
    for url in (f"/api/v1/demands/{t['id']}", "/api/v1/demands/mine", "/api/v1/demands/work"):
        assert api.client.get(url).status_code == 401
    assert api.client.get("/demands", follow_redirects=False).status_code == 303
    assert api.client.get("/demands/work", follow_redirects=False).status_code == 303


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_pages_submit_work_and_rate_and_the_hall_lists_the_to_dos(db: Database, api: Api) -> None:
    client = TestClient(create_app())
    login(client, "resident")
    page = client.get("/demands")
    assert page.status_code == 200 and 'id="demand-form"' in page.text
    sent = client.post("/demands", data={"csrf": _csrf(page.text), "demand_type": "consult", "category": "land_use",
                                         "title": "土地用途咨询", "description": "想了解用途", "region_code": VILLAGE})
    assert sent.status_code == 200 and "诉求已受理" in sent.text
    refused = client.post("/demands", data={"csrf": _csrf(page.text), "demand_type": "consult",
                                            "category": "weather", "title": "t", "description": "d"})
    assert refused.status_code == 422 and "未知的诉求类别" in refused.text
    with db.transaction(readonly=True) as s:
        t = s.scalars(select(DemandTicket)).one()
        tid, number = t.id, t.number
    login(client, "bureau")
    hall = client.get("/hall")
    assert f"诉求 {number}：签收" in hall.text
    work = client.get("/demands/work")
    assert work.status_code == 200 and "土地用途咨询" in work.text
    client.post(f"/demands/{tid}/accept", data={"csrf": _csrf(work.text)})
    work = client.get("/demands/work")
    done = client.post(f"/demands/{tid}/answer", data={"csrf": _csrf(work.text), "text": "属一般农用地"},
                       follow_redirects=False)
    assert done.status_code == 303
    login(client, "township")
    other = client.post(f"/demands/{tid}/answer", data={"csrf": _csrf(client.get("/demands/work").text),
                                                        "text": "x"})
    assert other.status_code == 409  # answered already: refused, nothing changed
    login(client, "resident")
    assert f"诉求 {number} 已答复：请评价" in client.get("/hall").text
    mine = client.get("/demands")
    assert "属一般农用地" in mine.text
    client.post(f"/demands/{tid}/rate", data={"csrf": _csrf(mine.text), "satisfaction": "4"})
    with db.transaction(readonly=True) as s:
        assert s.get(DemandTicket, tid).satisfaction == 4  # type: ignore[union-attr]
    login(client, "bank")
    assert client.get("/demands/work").status_code == 403


def test_the_hotline_desk_dispatches_and_revisits_in_english_too(db: Database, api: Api) -> None:
    w = api.world
    pending = api.client.post("/api/v1/demands", json=demand("land_transfer"), headers=api.headers["hotline"]).json()
    answered = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["hotline"]).json()
    for step_ in ("accept", "answer"):
        api.client.post(f"/api/v1/demands/{answered['id']}/{step_}", json={"text": "已办理"},
                        headers=api.headers["bureau"])
    client = TestClient(create_app())
    login(client, "hotline")
    desk = client.get("/demands/work?lang=en")
    assert desk.status_code == 200 and "12345 hotline: dispatch and revisit" in desk.text
    assert f'action="/demands/{pending["id"]}/dispatch"' in desk.text and PHONE in desk.text
    assert f'action="/demands/{answered["id"]}/revisit"' in desk.text
    client.post(f"/demands/{pending['id']}/dispatch", data={"csrf": _csrf(desk.text),
                                                            "department_id": str(w.orgs["township"])})
    client.post(f"/demands/{answered['id']}/revisit", data={"csrf": _csrf(desk.text), "text": "回访满意",
                                                            "satisfaction": "4"})
    with db.transaction(readonly=True) as s:
        first, second = s.get(DemandTicket, pending["id"]), s.get(DemandTicket, answered["id"])
        assert first is not None and (first.status, first.department_id) == ("dispatched", w.orgs["township"])
        assert second is not None and (second.status, second.satisfaction) == ("closed", 4)
    wrong = client.post(f"/demands/{answered['id']}/accept", data={"csrf": _csrf(desk.text)})
    assert wrong.status_code == 403  # the hotline does not accept for a department
    stats = client.get("/demands/stats?lang=en")
    assert stats.status_code == 200 and "Demand statistics" in stats.text and PHONE not in stats.text


def test_a_residents_demand_is_about_their_own_village_by_default(db: Database, api: Api) -> None:
    """A villager's login belongs to the city's individual users; the form's place and a demand sent without one
    are the village of the resident's own registry record, so a village matter reaches its township (S1)."""
    from landbridge.auth import link_user_party
    from landbridge.registry import create_party
    from tests.demands.world import FAR_VILLAGE
    from tests.web.world import resident_id

    with db.transaction() as s:
        party = create_party(s, kind="person", name="王五", id_number=resident_id(5), region_code=FAR_VILLAGE,
                             actor="user:0:test")
        link_user_party(s, username="neighbour", party_id=party.id)
    client = TestClient(create_app())
    login(client, "neighbour")
    page = client.get("/demands").text
    assert f'name="region_code" value="{FAR_VILLAGE}"' in page
    sent = client.post("/demands", data={"csrf": _csrf(page), "demand_type": "consult", "category": "land_use",
                                         "title": "用途咨询", "description": "d"})
    assert sent.status_code == 200 and "诉求已受理" in sent.text
    with db.transaction(readonly=True) as s:
        assert s.scalars(select(DemandTicket.region_code)).one() == FAR_VILLAGE

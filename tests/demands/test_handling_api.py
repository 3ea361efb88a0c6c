"""The 12345 practice's further steps over HTTP (issue #20 item 3) with the permission matrix at each — anonymous
401, every other role and organisation 403, each denial changing nothing: the hotline operator's phone intake
(urgent allowed, not online), extension asked by the department and decided by the hotline, reopen, merge; and the
work pages' forms for them."""

from __future__ import annotations

import re

from landbridge.db import Database
from tests.demands.test_api import Api, api, demand, step  # noqa: F401 - the fixture
from tests.web.test_pages import login


def test_the_operator_takes_a_call_and_only_officials_mark_a_demand_urgent(db: Database, api: Api) -> None:  # noqa: F811
    r = api.client.post("/api/v1/demands", json=demand(urgent=True), headers=api.headers["operator"])
    assert r.status_code == 201, r.text
    taken = r.json()
    assert (taken["channel"], taken["urgent"]) == ("phone", True)
    assert taken["accept_due"] == "2026-03-02"  # urgent: accepted the day it is dispatched
    mine = api.client.get(f"/api/v1/demands/{taken['id']}", headers=api.headers["operator"])
    assert mine.status_code == 200 and mine.json()["contact_name"] == "李秀英"
    other = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["resident"]).json()
    assert api.client.get(f"/api/v1/demands/{other['id']}", headers=api.headers["operator"]).status_code == 403
    assert other["urgent"] is False
    online = api.client.post("/api/v1/demands", json=demand(urgent=True), headers=api.headers["resident"])
    assert online.status_code == 403 and online.json()["code"] == "demands.urgent_by_official"
    desk = api.client.post("/api/v1/demands", json=demand(urgent=True), headers=api.headers["township"])
    assert desk.status_code == 201 and desk.json()["channel"] == "desk"
    assert api.client.get("/api/v1/demands/work", headers=api.headers["operator"]).status_code == 403
    login(api.client, "operator")  # the operator's page: the phone form with the urgent box, the calls it took
    page = api.client.get("/demands").text
    assert 'name="urgent"' in page and taken["number"] in page and other["number"] not in page


def test_extension_reopen_and_merge_with_the_permission_matrix(db: Database, api: Api) -> None:  # noqa: F811
    tid = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["resident"]).json()["id"]
    step(api, db, "bureau", "POST", f"/api/v1/demands/{tid}/accept")
    too_long = api.client.post(f"/api/v1/demands/{tid}/extension", json={"days": 99, "reason": "需勘查"},
                               headers=api.headers["bureau"])
    assert too_long.status_code == 422 and too_long.json()["code"] == "demands.extension_too_long"
    t = step(api, db, "bureau", "POST", f"/api/v1/demands/{tid}/extension", {"days": 3, "reason": "需现场勘查"})
    assert (t["status"], t["extension_days"]) == ("extension_asked", 3)
    t = step(api, db, "hotline", "POST", f"/api/v1/demands/{tid}/extension/refuse", {"reason": "理由不充分"})
    assert (t["status"], t["extensions"]) == ("accepted", 0)
    step(api, db, "bureau", "POST", f"/api/v1/demands/{tid}/extension", {"days": 2, "reason": "需征求村委会意见"})
    due = t["answer_due"]
    t = step(api, db, "hotline", "POST", f"/api/v1/demands/{tid}/extension/approve", {"reason": "同意延期"})
    assert t["extensions"] == 1 and t["answer_due"] > due
    step(api, db, "bureau", "POST", f"/api/v1/demands/{tid}/answer", {"text": "已答复"})
    step(api, db, "resident", "POST", f"/api/v1/demands/{tid}/rate", {"satisfaction": 1})
    t = step(api, db, "hotline", "POST", f"/api/v1/demands/{tid}/reopen", {"note": "群众不满意"})
    assert (t["status"], t["reopens"], t["satisfaction"]) == ("accepted", 1, None)
    dup = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["neighbour"]).json()["id"]
    t = step(api, db, "hotline", "POST", f"/api/v1/demands/{dup}/merge", {"into_id": tid, "reason": "同一事项"})
    assert (t["status"], t["merged_into_id"]) == ("merged", tid)
    again = api.client.post(f"/api/v1/demands/{dup}/merge", json={"into_id": tid, "reason": "再并"},
                            headers=api.headers["hotline"])
    assert again.status_code == 409 and again.json()["code"] == "demands.invalid_step"


def test_the_work_pages_ask_for_and_decide_an_extension_and_merge(db: Database, api: Api) -> None:  # noqa: F811
    first = api.client.post("/api/v1/demands", json=demand(), headers=api.headers["resident"]).json()
    api.client.post(f"/api/v1/demands/{first['id']}/accept", headers=api.headers["bureau"])
    pages = api.client
    login(pages, "bureau")
    page = pages.get("/demands/work").text
    assert f'action="/demands/{first["id"]}/extension"' in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = pages.post(f"/demands/{first['id']}/extension", data={"csrf": token, "days": "2", "reason": "需勘查"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert "延期申请待热线审核" in pages.get("/demands/work").text
    login(pages, "hotline")
    page = pages.get("/demands/work").text
    assert "延期待审核" in page and f'/demands/{first["id"]}/approve_extension' in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = pages.post(f"/demands/{first['id']}/approve_extension", data={"csrf": token, "reason": "同意"},
                   follow_redirects=False)
    assert r.status_code == 303
    dup = api.client.post("/api/v1/demands", json=demand("other", region_code="360622100101"),
                          headers=api.headers["resident"]).json()
    r = pages.post(f"/demands/{dup['id']}/merge", data={"csrf": token, "number": first["number"], "reason": "重复"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert api.client.get(f"/api/v1/demands/{dup['id']}", headers=api.headers["hotline"]).json()["status"] == "merged"

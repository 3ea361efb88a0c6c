"""Wage arrears over HTTP (/api/v1/wage-arrears) with the permission matrix at every step — anonymous 401, every other
role and every unrelated login 403 — each denial changing nothing; the worker's data hidden from other residents and
anonymous users (ledger included); the public statistics; the pages and the hall's to-dos (issue #20 item 4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.privacy.models import PersonalRead
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment
from tests.wage_arrears.world import ACCOUNTS, EMPLOYER_USCC, TOWNSHIP, ArrearsWorld, build
from tests.web.test_pages import login

API = "/api/v1/wage-arrears"
EVIDENCE = "考勤表与工资条，工友周大明可作证"


@dataclass
class Api:
    client: TestClient
    world: ArrearsWorld
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
        c = WageArrearsCase
        return (current_size(s), tuple(s.execute(select(c.id, c.status, c.version, c.paid_fen, c.rating)
                                                 .order_by(c.id)).all()),
                tuple(s.execute(select(WageArrearsPayment.id, WageArrearsPayment.status)).all()))


def step(api: Api, db: Database, allowed: tuple[str, ...], method: str, url: str, body: dict[str, Any] | None = None,
         expect: int = 200) -> dict[str, Any]:
    """Everyone but ``allowed`` is refused (401 anonymous, 403 the rest) and changes nothing; then the first allowed."""
    before = state(db)
    for name in [None, *ACCOUNTS]:
        if name in allowed:
            continue
        r = api.client.request(method, url, json=body, headers=api.headers[name] if name else {})
        assert r.status_code == (401 if name is None else 403), (name, url, r.status_code, r.text)
        assert state(db) == before, (name, url)
    doer = allowed[0]
    r = api.client.request(method, url, json=body, headers=api.headers[doer])
    assert r.status_code == expect, r.text
    return dict(r.json())


def complaint(**more: Any) -> dict[str, Any]:
    return {"employer_uscc": EMPLOYER_USCC, "employer_name": "鹰潭某建筑劳务有限公司", "project": "锦江镇安置房二期",
            "region_code": TOWNSHIP, "period_from": "2025-10-01", "period_to": "2026-01-31", "amount": "8800.50",
            "workers": 2, "evidence": EVIDENCE, **more}


def test_the_loop_over_http_with_the_permission_matrix(db: Database, api: Api) -> None:
    w = api.world
    # filing: residents (for themselves) and desks (for a named worker) may; anyone else is refused
    c = step(api, db, ("worker", "neighbour", "desk"), "POST", API, complaint(), expect=201)
    assert (c["status"], c["owed"], c["worker_party_id"]) == ("filed", "8800.50", w.parties["worker"])
    cid = c["id"]
    readers = ("employer", "worker", "inspector")
    seen = step(api, db, readers, "GET", f"{API}/{cid}")
    assert seen["as"] == "employer" and seen["evidence"] == EVIDENCE
    assert api.client.get(f"{API}/{cid}", headers=api.headers["inspector"]).json()["as"] == "inspector"
    step(api, db, ("inspector",), "POST", f"{API}/{cid}/accept")
    o = step(api, db, ("inspector",), "POST", f"{API}/{cid}/order", {"working_days": 3})
    assert (o["status"], o["pay_due"]) == ("ordered", "2026-03-05")
    claim = step(api, db, ("employer", "inspector"), "POST", f"{API}/{cid}/payments", {"amount": "800.50"},
                 expect=201)
    assert (claim["by_employer"], claim["status"]) == (True, "claimed")
    step(api, db, ("inspector",), "POST", f"{API}/payments/{claim['id']}/decide", {"confirm": True})
    over = api.client.post(f"{API}/{cid}/payments", json={"amount": "8000.01"}, headers=api.headers["inspector"])
    assert over.status_code == 409 and over.json()["code"] == "wage_arrears.overpayment"
    paid = api.client.post(f"{API}/{cid}/payments", json={"amount": "8000.00"}, headers=api.headers["inspector"])
    assert paid.status_code == 201 and paid.json()["status"] == "confirmed"
    closed = step(api, db, ("inspector",), "POST", f"{API}/{cid}/close")
    assert (closed["status"], closed["paid"], closed["outstanding"]) == ("closed", "8800.50", "0.00")
    done = step(api, db, ("worker",), "POST", f"{API}/{cid}/confirm", {"rating": 4})
    assert (done["rating"], done["confirmed"]) == (4, True)
    assert api.client.get(f"{API}/work", headers=api.headers["inspector"]).json()["items"] == []
    with db.transaction(readonly=True) as s:  # the inspectors' reads of the worker's case are recorded
        assert s.scalars(select(PersonalRead.party_id).where(PersonalRead.purpose == "wage_arrears.handle")).all()


def test_the_desk_files_for_a_named_worker_and_bad_input_is_a_typed_4xx(db: Database, api: Api) -> None:
    w = api.world
    before = state(db)
    for name, body, status, code in (
            ("desk", complaint(), 422, "wage_arrears.worker_required"),
            ("worker", complaint(worker_party_id=w.parties["neighbour"]), 422, "wage_arrears.worker_required"),
            ("desk", complaint(worker_party_id=999999), 422, "wage_arrears.unknown_worker"),
            ("desk", complaint(worker_party_id=w.parties["third"], employer_uscc="91360603MA00000"), 422,
             "wage_arrears.invalid_uscc"),
            ("desk", complaint(worker_party_id=w.parties["third"], period_to="2027-01-01"), 422,
             "wage_arrears.invalid_period"),
            ("desk", complaint(worker_party_id=w.parties["third"], amount="1.234"), 422, None),
            ("desk", complaint(worker_party_id=w.parties["third"], workers=0), 422, None),
            ("inspector", complaint(), 403, None), ("employer", complaint(), 403, None)):
        r = api.client.post(API, json=body, headers=api.headers[name])
        assert r.status_code == status, (name, body, r.text)
        assert code is None or r.json()["code"] == code
    assert state(db) == before
    r = api.client.post(API, json=complaint(worker_party_id=w.parties["third"]), headers=api.headers["desk"])
    assert r.status_code == 201 and r.json()["worker_party_id"] == w.parties["third"]
    cid = r.json()["id"]
    assert api.client.get(f"{API}/{cid}", headers=api.headers["desk"]).json()["as"] == "filer"
    wrong = api.client.post(f"{API}/{cid}/close", headers=api.headers["inspector"])
    assert wrong.status_code == 409 and wrong.json()["code"] == "wage_arrears.invalid_step"
    assert api.client.get(f"{API}/999999", headers=api.headers["inspector"]).status_code == 404
    assert api.client.get(f"{API}/work?limit=1000", headers=api.headers["inspector"]).status_code == 422


def test_a_workers_data_is_hidden_from_other_residents_and_anonymous_users(db: Database, api: Api) -> None:
    c = api.client.post(API, json=complaint(), headers=api.headers["worker"]).json()
    api.client.post(f"{API}/{c['id']}/accept", headers=api.headers["inspector"])
    for name in ("neighbour", "other_company", "bank", "desk"):
        r = api.client.get(f"{API}/{c['id']}", headers=api.headers[name])
        assert r.status_code == 403 and r.json()["code"] == "wage_arrears.not_yours"
        assert api.client.get(f"{API}/mine", headers=api.headers[name]).json()["items"] == []
    assert api.client.get(f"{API}/{c['id']}").status_code == 401
    assert api.client.get(f"{API}/mine").status_code == 401
    mine = api.client.get(f"{API}/mine", headers=api.headers["worker"]).json()
    assert [x["id"] for x in mine["items"]] == [c["id"]] and mine["next_offset"] is None
    assert [x["id"] for x in api.client.get(f"{API}/mine", headers=api.headers["employer"]).json()["items"]] == \
        [c["id"]]
    seq = c["ledger_seq"]
    for headers in ({}, api.headers["neighbour"], api.headers["employer"]):
        event = api.client.get(f"/api/v1/ledger/events/{seq}", headers=headers)
        assert event.status_code == 200 and event.json()["private"] is None
        assert EMPLOYER_USCC not in event.text and EVIDENCE not in event.text
    private = api.client.get(f"/api/v1/ledger/events/{seq}", headers=api.headers["inspector"]).json()["private"]
    assert private["payload"]["employer_uscc"] == EMPLOYER_USCC
    stats = api.client.get(f"{API}/stats")
    assert stats.status_code == 200
    assert stats.json()["townships"] == [{"region_code": TOWNSHIP, "cases": 1, "open": 1, "closed_paid": 0,
                                          "referred": 0, "overdue": 0, "workers": 2, "paid": "0.00"}]
    page = api.client.get("/wage-arrears/stats")
    for text in (stats.text, page.text):
        assert EMPLOYER_USCC not in text and "鹰潭某建筑" not in text and "务工人员1" not in text
    assert api.client.get("/wage-arrears", follow_redirects=False).status_code == 303
    assert api.client.get(f"/wage-arrears/{c['id']}", follow_redirects=False).status_code == 303


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_pages_file_handle_claim_and_confirm_and_the_hall_lists_the_to_dos(db: Database, api: Api) -> None:
    client = TestClient(create_app())
    login(client, "worker")
    page = client.get("/wage-arrears")
    assert page.status_code == 200 and 'id="arrears-form"' in page.text
    form = {"csrf": _csrf(page.text), "employer_uscc": EMPLOYER_USCC, "employer_name": "某劳务公司",
            "project": "安置房", "region_code": TOWNSHIP, "period_from": "2025-12-01", "period_to": "2026-01-31",
            "amount": "3000", "workers": "1", "evidence": "工资条"}
    sent = client.post("/wage-arrears", data=form)
    assert sent.status_code == 200 and "投诉已登记" in sent.text
    bad = client.post("/wage-arrears", data={**form, "amount": "3000.001"})
    assert bad.status_code == 422 and "金额须大于 0" in bad.text
    with db.transaction(readonly=True) as s:
        case = s.scalars(select(WageArrearsCase)).one()
        cid, number = case.id, case.number
    login(client, "inspector")
    assert f"欠薪投诉 {number}：受理或不予受理" in client.get("/hall").text
    work = client.get("/wage-arrears/work")
    assert work.status_code == 200 and number in work.text
    view = client.get(f"/wage-arrears/{cid}")
    assert view.status_code == 200 and 'id="inspector-actions"' in view.text
    token = _csrf(view.text)
    for action, data in (("accept", {}), ("order", {"working_days": "5"}), ("pay", {"amount": "1000"})):
        r = client.post(f"/wage-arrears/{cid}/{action}", data={"csrf": token, **data}, follow_redirects=False)
        assert r.status_code == 303, (action, r.text)
    over = client.post(f"/wage-arrears/{cid}/pay", data={"csrf": token, "amount": "2000.01"})
    assert over.status_code == 409 and "支付金额超过尚欠金额" in over.text
    login(client, "employer")
    view = client.get(f"/wage-arrears/{cid}")
    assert 'id="employer-actions"' in view.text and "工资条" not in view.text
    r = client.post(f"/wage-arrears/{cid}/pay", data={"csrf": _csrf(view.text), "amount": "2000"},
                    follow_redirects=False)
    assert r.status_code == 303
    login(client, "inspector")
    assert "用人单位申报已支付：待确认" in client.get("/hall").text
    with db.transaction(readonly=True) as s:
        claim = s.scalars(select(WageArrearsPayment).where(WageArrearsPayment.status == "claimed")).one().id
    token = _csrf(client.get(f"/wage-arrears/{cid}").text)
    client.post(f"/wage-arrears/{cid}/confirm-claim", data={"csrf": token, "payment_id": str(claim)})
    assert client.post(f"/wage-arrears/{cid}/close", data={"csrf": token}, follow_redirects=False).status_code == 303
    login(client, "worker")
    assert f"欠薪案件 {number} 已结案：请确认收款并评价" in client.get("/hall").text
    view = client.get(f"/wage-arrears/{cid}?lang=en")
    assert view.status_code == 200 and "Confirm receipt and rate" in view.text
    client.post(f"/wage-arrears/{cid}/confirm", data={"csrf": _csrf(view.text), "rating": "5"})
    with db.transaction(readonly=True) as s:
        done = s.get(WageArrearsCase, cid)
        assert done is not None and (done.status, done.paid_fen, done.rating) == ("closed", 300000, 5)
    login(client, "neighbour")
    assert client.get(f"/wage-arrears/{cid}").status_code == 403
    assert client.get("/wage-arrears/work").status_code == 403

"""The anomaly queue (issue #19 scope 3; P2, S92): the exchange's flags gathered with their follow-ups; assign,
reassign and close, each a ledger event; refusals typed; the page for supervisors only, by the caller's area."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.exchange.models import SupervisionFlag
from landbridge.kernel.clock import Clock
from landbridge.ledger import subjects
from landbridge.ledger.service import history
from landbridge.main import create_app
from landbridge.supervision import anomalies
from tests.supervision.conftest import CITY, GUIXI, SupervisionWorld
from tests.web.test_pages import csrf_of, login

HTML = {"accept": "text/html"}


def raise_flags(s: Session, sw: SupervisionWorld) -> dict[str, str]:
    keys = {}
    for name, kind in (("A", "sole_bidder"), ("B", "price_far_from_appraisal")):
        flag = SupervisionFlag(lot_id=sw.lots[name], kind=kind, key=f"k{name}", details={"bidders": 1},
                               raised_at=datetime(2026, 6, 20, 2, tzinfo=UTC))
        s.add(flag)
        s.flush()
        keys[name] = f"exchange:{flag.id}"
    return keys


@pytest.fixture
def keys(db: Database, sw: SupervisionWorld) -> dict[str, str]:
    with db.transaction() as s:
        return raise_flags(s, sw)


def test_the_queue_gathers_flags_by_area(db: Database, keys: dict[str, str]) -> None:
    with db.transaction(readonly=True) as s:
        everything = anomalies.queue(s, region_prefix="3606")
        guixi = anomalies.queue(s, region_prefix="360681")
    assert {i.flag.key for i in everything} == set(keys.values())
    assert [i.flag.key for i in guixi] == [keys["B"]] and guixi[0].case is None
    assert guixi[0].flag.url.startswith("/exchange/lots/") and guixi[0].flag.region_code.startswith("360681")


def test_assign_reassign_close_each_a_ledger_event(db: Database, keys: dict[str, str], clock: Clock) -> None:
    with db.transaction() as s:
        case = anomalies.assign(s, flag_key=keys["A"], assignee="余江区自然资源局", due_on=date(2026, 7, 10),
                                actor="user:1")
        again = anomalies.assign(s, flag_key=keys["A"], assignee="余江区交易分中心", due_on=date(2026, 7, 5),
                                 actor="user:1")
        assert again.id == case.id and again.version == 2
        case_id = case.id
    with db.transaction(readonly=True) as s:
        item = next(i for i in anomalies.queue(s) if i.flag.key == keys["A"])
        assert item.case is not None and item.case.assignee == "余江区交易分中心" and not item.overdue
        assert anomalies.queue(s)[0].flag.key == keys["B"]  # unassigned first
    clock.advance(timedelta(days=6))  # 07-06: past the 07-05 deadline
    with db.transaction(readonly=True) as s:
        assert next(i for i in anomalies.queue(s) if i.flag.key == keys["A"]).overdue
    with db.transaction() as s:
        closed = anomalies.close(s, anomaly_id=case_id, outcome="已核实：公告期过短，已责令延长", actor="user:1")
        assert closed.status == "closed"
        events = history(s, [subjects.subject("anomaly", case_id)], limit=10)
    assert [e.event_type for e in reversed(events)] == ["anomaly.assigned", "anomaly.assigned", "anomaly.closed"]
    with db.transaction(readonly=True) as s:
        item = next(i for i in anomalies.queue(s) if i.flag.key == keys["A"])
        assert not item.overdue and anomalies.queue(s)[-1].flag.key == keys["A"]  # closed ones last


@pytest.mark.parametrize(("change", "code"), [
    ({"flag_key": "exchange:999999"}, "supervision.flag_not_found"),
    ({"assignee": "  "}, "supervision.invalid_text"),
    ({"assignee": "x" * 121}, "supervision.invalid_text"),
    ({"due_on": date(2026, 6, 29)}, "supervision.invalid_due"),
])
def test_bad_assignments_are_typed(db: Database, keys: dict[str, str], change: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"flag_key": keys["A"], "assignee": "局", "due_on": date(2026, 7, 1), **change}
    with db.transaction() as s, pytest.raises(DomainError) as caught:
        anomalies.assign(s, actor="user:1", **args)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_closed_follow_up_cannot_change(db: Database, keys: dict[str, str]) -> None:
    with db.transaction() as s:
        case = anomalies.assign(s, flag_key=keys["B"], assignee="贵溪市", due_on=date(2026, 7, 1), actor="user:1")
        anomalies.close(s, anomaly_id=case.id, outcome="无异常", actor="user:1")
        for attempt in (lambda: anomalies.close(s, anomaly_id=case.id, outcome="again", actor="user:1"),
                        lambda: anomalies.assign(s, flag_key=keys["B"], assignee="x", due_on=date(2026, 7, 2),
                                                 actor="user:1")):
            with pytest.raises(DomainError) as caught:
                attempt()
            assert caught.value.code == "supervision.anomaly_closed"
        with pytest.raises(DomainError) as missing:
            anomalies.close(s, anomaly_id=999999, outcome="x", actor="user:1")
        assert missing.value.code == "supervision.anomaly_not_found"
        open_case = anomalies.assign(s, flag_key=keys["A"], assignee="余江区", due_on=date(2026, 7, 1), actor="user:1")
        with pytest.raises(DomainError) as blank:
            anomalies.close(s, anomaly_id=open_case.id, outcome=" ", actor="user:1")
        assert blank.value.code == "supervision.invalid_text" and open_case.status == "assigned"


def test_the_page_assigns_and_closes(db: Database, sw: SupervisionWorld, keys: dict[str, str]) -> None:
    with db.transaction() as s:
        for name, role, region in (("sup", Role.supervisor, CITY), ("guixi_sup", Role.supervisor, GUIXI),
                                   ("official", Role.nr_official, CITY)):
            org = create_organisation(s, name=f"{name} org", kind=OrgKind.nr_bureau, region_code=region)
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)
    client = TestClient(create_app())
    assert login(client, "sup").status_code == 303
    page = client.get("/supervision/anomalies", headers=HTML)
    assert page.status_code == 200 and "sole_bidder" in page.text and "未交办" in page.text
    token = csrf_of(page.text)
    done = client.post("/supervision/anomalies/assign", data={"csrf": token, "flag_key": keys["A"],
                                                              "assignee": "余江区交易分中心", "due_on": "2026-07-03"},
                       headers=HTML, follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/supervision/anomalies", headers=HTML)
    assert "已交办" in page.text and "余江区交易分中心" in page.text
    refused = client.post("/supervision/anomalies/assign", data={"csrf": token, "flag_key": keys["B"],
                                                                 "assignee": "x", "due_on": "soon"}, headers=HTML)
    assert "办理期限 soon 无效" in refused.text
    bad_token = client.post("/supervision/anomalies/assign", data={"csrf": "nope", "flag_key": keys["B"],
                                                                   "assignee": "x", "due_on": "2026-07-03"},
                            headers=HTML)
    row_b = re.search(r'<tr id="flag-' + keys["B"].replace(":", "-") + r'".*?</tr>', bad_token.text, re.S)
    assert row_b and "未交办" in row_b.group(0)  # the forged form changed nothing
    # the area: a county supervisor sees its county's flags only
    other = TestClient(create_app())
    login(other, "guixi_sup")
    theirs = other.get("/supervision/anomalies", headers=HTML).text
    assert "price_far_from_appraisal" in theirs and "sole_bidder" not in theirs
    official = TestClient(create_app())
    login(official, "official")
    assert official.get("/supervision/anomalies", headers=HTML).status_code == 403

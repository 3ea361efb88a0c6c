"""Market-entry API (issue #15): the permission matrix (anonymous, wrong role, wrong organisation, right role;
nothing changed on denial), 代办 by a township desk only with the collective's authorisation on file, uploads
type- and size-checked with their hash in the ledger, the queues and the supervisor's flags."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge import planning, registry
from landbridge.db import Database
from landbridge.kernel.clock import Clock, now
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.market_entry.models import EntryCase
from tests.collective.conftest import Village, accounts_world
from tests.exchange.test_api import auth
from tests.exchange.test_pages import login
from tests.market_entry.conftest import NR, register_unit
from tests.planning.conftest import PLAN, rect, zone

PDF = b"%PDF-1.4\n% test\n" + b"0" * 100
ACK = "本人已阅读并确认以上内容"


@dataclass
class Api:
    client: TestClient
    db: Database
    village: Village
    other: Village
    unit: int
    other_unit: int


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[Api]:
    with db.transaction() as s:
        village, other = accounts_world(s)
        z = planning.create_zone(s, zone("Z-ME-A", "industrial", rect(-50, -50, 2000, 500)), actor=NR,
                                 plan_version=PLAN)
        planning.approve_zone(s, zone_id=z.id, actor=NR)
        unit = register_unit(s, village.party_id, col=0)
        other_unit = register_unit(s, other.party_id, col=2)
    with TestClient(create_app()) as c:
        yield Api(c, db, village, other, unit, other_unit)


def state(db: Database) -> tuple[int, int, list[tuple[str, int]]]:
    with db.transaction() as s:
        return (s.execute(select(func.count()).select_from(LedgerEvent)).scalar_one(),
                s.execute(select(func.count()).select_from(EntryCase)).scalar_one(),
                [(c.status, c.version) for c in s.execute(select(EntryCase).order_by(EntryCase.id)).scalars()])


def post(api: Api, path: str, user: str | None, body: dict[str, Any]) -> Any:
    return api.client.post(f"/api/v1/market-entry{path}", json=body, headers=auth(api.client, user))


def open_body(api: Api) -> dict[str, Any]:
    return {"collective_id": api.village.collective_id, "unit_id": api.unit, "acknowledgement": ACK}


@pytest.mark.parametrize(("user", "status", "code"), [
    (None, 401, "auth.login_required"), ("nr", 403, "auth.forbidden_role"), ("exchange", 403, "auth.forbidden_role"),
    ("clerk2", 403, "market_entry.forbidden"), ("township", 409, "market_entry.no_authorisation")])
def test_opening_a_case_is_the_collectives_and_denials_change_nothing(api: Api, user: str | None, status: int,
                                                                     code: str) -> None:
    before = state(api.db)
    r = post(api, "/cases", user, open_body(api))
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert state(api.db) == before


def test_clerk_opens_and_the_bureau_issues_conditions_with_signed_acknowledgements(api: Api) -> None:
    r = post(api, "/cases", "clerk", open_body(api))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["next_party"] == "natural_resources"
    step = {"acknowledgement": ACK, "land_use": "0601", "indicators": {"max_plot_ratio": "1.2"},
            "industry_requirements": "农产品加工", "environment_requirements": "环评备案"}
    before = state(api.db)
    for user, status in (("clerk", 403), ("exchange", 403), ("registrar", 403)):
        assert post(api, f"/cases/{cid}/steps/issue-conditions", user, step).status_code == status
    assert post(api, f"/cases/{cid}/steps/issue-conditions", "nr", {**step, "acknowledgement": ""}).status_code == 422
    assert state(api.db) == before
    r = post(api, f"/cases/{cid}/steps/issue-conditions", "nr", step)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "conditions_issued" and r.json()["conditions"]["land_use"] == "0601"
    with api.db.transaction() as s:
        types = [e.event_type for e in s.execute(select(LedgerEvent).order_by(LedgerEvent.seq)).scalars()]
    assert types[-3:] == ["conditions_issued", "conditions_issued", "step_acknowledged"] or \
        "step_acknowledged" in types[-2:]
    # reads: the parties; not another collective's clerk, not anonymous
    assert api.client.get(f"/api/v1/market-entry/cases/{cid}").status_code == 401
    assert api.client.get(f"/api/v1/market-entry/cases/{cid}", headers=auth(api.client, "clerk2")).status_code == 403
    assert api.client.get(f"/api/v1/market-entry/cases/{cid}", headers=auth(api.client, "member")).status_code == 403
    for user in ("clerk", "nr", "supervisor", "township"):
        assert api.client.get(f"/api/v1/market-entry/cases/{cid}", headers=auth(api.client, user)).status_code == 200
    queue = api.client.get("/api/v1/market-entry/cases?queue=true", headers=auth(api.client, "clerk")).json()
    assert [c["id"] for c in queue] == [cid]
    assert api.client.get("/api/v1/market-entry/cases?queue=true", headers=auth(api.client, "nr")).json() == []


def authorise(api: Api, user: str, content: bytes = PDF, media: str = "application/pdf") -> Any:
    with api.db.transaction() as s:
        from landbridge.auth.models import Organisation

        desk_org = s.execute(select(Organisation.id).where(Organisation.name == "余江区锦江镇人民政府")).scalar_one()
    return api.client.post(
        f"/api/v1/market-entry/collectives/{api.village.collective_id}/desk-authorisations",
        files={"file": ("委托书.pdf", content, media)},
        data={"desk_organisation_id": str(desk_org),
              "valid_until": (date(2026, 3, 2) + timedelta(days=365)).isoformat()},
        headers=auth(api.client, user))


def test_township_desk_acts_only_with_the_authorisation_on_file(api: Api) -> None:
    before = state(api.db)
    assert authorise(api, "township").status_code == 403
    assert authorise(api, "clerk2").status_code == 403
    r = authorise(api, "clerk", content=b"MZ\x90\x00 not a pdf")
    assert (r.status_code, r.json()["code"]) == (422, "market_entry.invalid_upload")
    assert state(api.db) == before
    r = authorise(api, "clerk")
    assert r.status_code == 201, r.text
    r = post(api, "/cases", "township", open_body(api))
    assert r.status_code == 201, r.text
    with api.db.transaction() as s:
        acks = list(s.execute(select(LedgerEvent).where(LedgerEvent.event_type == "step_acknowledged"))
                .scalars())
    assert len(acks) == 1
    # the desk of this township may not act for the other village's collective (no authorisation)
    body = {"collective_id": api.other.collective_id, "unit_id": api.other_unit, "acknowledgement": ACK}
    assert post(api, "/cases", "township", body).json()["code"] in {"market_entry.no_authorisation",
                                                                   "auth.forbidden_region"}


def test_uploads_are_type_and_size_checked_and_hashed(api: Api) -> None:
    cid = post(api, "/cases", "clerk", open_body(api)).json()["id"]

    def up(user: str | None, content: bytes, media: str) -> Any:
        return api.client.post(f"/api/v1/market-entry/cases/{cid}/documents",
                               files={"file": ("会议记录.pdf", content, media)},
                               data={"step": "consult-council", "acknowledgement": ACK},
                               headers=auth(api.client, user))
    before = state(api.db)
    assert up(None, PDF, "application/pdf").status_code == 401
    assert up("clerk2", PDF, "application/pdf").status_code == 403
    assert up("clerk", b"GIF89a....", "image/gif").json()["code"] == "market_entry.invalid_upload"
    assert up("clerk", PDF, "image/png").json()["code"] == "market_entry.invalid_upload"
    big = b"%PDF-" + b"0" * (10 * 1024 * 1024)
    assert up("clerk", big, "application/pdf").json()["code"] == "market_entry.invalid_upload"
    assert state(api.db) == before
    r = up("clerk", PDF, "application/pdf")
    assert r.status_code == 201, r.text
    import hashlib

    assert r.json()["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_flags_are_for_supervisors(api: Api) -> None:
    assert api.client.get("/api/v1/market-entry/flags").status_code == 401
    assert api.client.get("/api/v1/market-entry/flags", headers=auth(api.client, "clerk")).status_code == 403
    assert api.client.get("/api/v1/market-entry/flags", headers=auth(api.client, "supervisor")).json() == []
    _ = registry, now


def test_case_file_and_queue_pages_per_role(api: Api) -> None:
    cid = post(api, "/cases", "clerk", open_body(api)).json()["id"]
    anon = api.client.get(f"/market-entry/cases/{cid}", follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/login")

    def page(user: str, path: str) -> Any:
        api.client.cookies.clear()
        login(api.client, user)
        return api.client.get(path)
    assert page("member", f"/market-entry/cases/{cid}").status_code == 403
    assert page("clerk2", f"/market-entry/cases/{cid}").status_code == 403
    r = page("clerk", f"/market-entry/cases/{cid}")
    assert r.status_code == 200 and "入市案件" in r.text and "已申请，待核发规划条件" in r.text
    assert "case_opened" in r.text  # the timeline from the ledger
    r = page("nr", "/market-entry")
    assert r.status_code == 200 and "待我办理" in r.text
    queue = r.text.split('id="queue"')[1].split("</section>")[0]
    assert f"/market-entry/cases/{cid}" in queue  # conditions are the bureau's to issue
    r = page("exchange", "/market-entry?lang=en")
    assert "Waiting for you" in r.text and f"/market-entry/cases/{cid}" not in r.text.split('id="queue"')[1].split(
        "</section>")[0]


def test_the_annul_result_step_is_the_exchanges_and_guarded_by_the_case_machine(api: Api) -> None:
    """作价入股 and any entry: following an annulled result is the exchange's step, open only from a confirmed
    result or a signed contract; refused otherwise with the case machine's code, changing nothing."""
    cid = post(api, "/cases", "clerk", open_body(api)).json()["id"]
    before = state(api.db)
    assert post(api, f"/cases/{cid}/steps/annul-result", "clerk", {"acknowledgement": ACK}).status_code == 403
    r = post(api, f"/cases/{cid}/steps/annul-result", "exchange", {"acknowledgement": ACK})
    assert (r.status_code, r.json()["code"]) == (409, "market_entry.invalid_transition"), r.text
    assert state(api.db) == before

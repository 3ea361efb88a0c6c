"""POST /api/v1/valuation/runs (issue #4 item 5): the bureau queues a revaluation the worker runs; permission
matrix (nothing changes on denial), 409 for a second run or job of the same date and method, 422 with too few
sales, bad input."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_demo_accounts, create_organisation, create_user
from landbridge.auth.models import User
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, verify_ledger
from landbridge.ledger.models import LedgerEvent
from landbridge.main import create_app
from landbridge.valuation.mass import jobs
from landbridge.valuation.mass.engine import mass_settings
from landbridge.valuation.mass.models import MassRun, MassValue
from landbridge.valuation.mass.runs import fit_share
from tests.registry.test_api import auth
from tests.valuation.test_mass_pages import small_world

URL = "/api/v1/valuation/runs"
BODY = {"valuation_date": "2026-03-01", "seed": 3}


def user_id(db: Database, username: str) -> int:
    """The id in the actor string of a user's records ("user:<id>": usernames are not published, issue #12)."""
    with db.transaction(readonly=True) as s:
        return int(s.execute(select(User.id).where(User.username == username)).scalar_one())


def state(db: Database) -> tuple[int, int, int]:
    with db.transaction(readonly=True) as s:
        return (current_size(s), s.scalar(select(func.count()).select_from(MassRun)) or 0,
                s.scalar(select(func.count()).select_from(MassValue)) or 0)


def guixi_bureau(db: Database) -> None:
    """A natural-resources official of Guixi (a county): may not revalue the whole city."""
    with db.transaction() as s:
        org = create_organisation(s, name="贵溪市自然资源局", kind=OrgKind.nr_bureau, region_code="360681000000")
        create_user(s, username="guixi_nr", password="demo", display_name="贵溪 自然资源局", role=Role.nr_official,
                    organisation_id=org.id, is_demo=True)


def test_fit_share_matches_the_holdout_split() -> None:
    from landbridge.valuation.mass.engine import holdout_split
    for n in (0, 1, 7, 37, 38, 100, 1001):
        for h in (0.05, 0.2, 0.33, 0.5):
            assert fit_share(n, h) == len(holdout_split(n, h, 1)[0])


def test_start_a_run_permissions_conflict_and_figures(db: Database, clock: Clock) -> None:
    small_world(db)
    guixi_bureau(db)
    client = TestClient(create_app())
    before = state(db)
    denied: list[tuple[str | None, dict[str, Any], int, str]] = [
        (None, BODY, 401, "auth.login_required"), ("bank", BODY, 403, "auth.forbidden_role"),
        ("registrar", BODY, 403, "auth.forbidden_role"), ("supervisor", BODY, 403, "auth.forbidden_role"),
        ("guixi_nr", BODY, 403, "auth.forbidden_region"),  # a county bureau, the whole city
        ("guixi_nr", {**BODY, "region_prefix": "360603"}, 403, "auth.forbidden_region"),  # another county
        ("nr", {**BODY, "valuation_date": "2026-03-03"}, 422, "valuation.mass_future_date"),
        ("nr", {**BODY, "method": "forest"}, 422, "request.invalid"),
        ("nr", {**BODY, "holdout": 0.9}, 422, "request.invalid"),
        ("nr", {**BODY, "region_prefix": "36x"}, 422, "request.invalid"),
        ("nr", {**BODY, "threads": 64}, 422, "request.invalid"),
        ("nr", {"seed": 1}, 422, "request.invalid"),
    ]
    for user, body, status, code in denied:
        r = client.post(URL, json=body, headers=auth(client, user))
        assert (r.status_code, r.json()["code"]) == (status, code), (user, body, r.text)
    assert state(db) == before  # nothing changed on denial
    # the bureau queues the run: 202 with the job; the worker runs it; the job names the run
    r = client.post(URL, json=BODY, headers=auth(client, "nr"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["actor"] == f"user:{user_id(db, 'nr')}" and job["run_id"] is None
    assert state(db)[0] == before[0] + 1  # the queue event
    with db.transaction() as s:
        assert jobs.run_due(s) == 1  # the worker's valuation job
    job = client.get(f"/api/v1/valuation/jobs/{job['id']}", headers=auth(client, "bank")).json()
    assert (job["status"], job["stage"], job["percent"], job["attempts"]) == ("done", "done", 100, 1)
    run = client.get(f"{URL}/{job['run_id']}", headers=auth(client, "nr")).json()
    assert run["run_no"] == f"MA2026-{run['id']:06d}" and run["status"] == "completed"
    assert run["valuation_date"] == "2026-03-01" and run["method"] == "gbm" and run["seed"] == 3
    assert run["actor"] == job["actor"] and run["parcel_count"] > 300 and run["sale_count"] >= 30
    assert job["done"] == job["total"] == run["parcel_count"]
    study = run["ratio_study"]
    assert run["metrics"]["n_input"] == run["metrics"]["model"]["n_holdout"] >= study["n"] > 30
    assert 0.8 < study["median"] < 1.2
    assert "model_json" not in run and run["metrics"]["verdict"]["property_class"]
    ledger, runs, values = state(db)
    # queued, started, run completed, job done
    assert (runs, values) == (1, run["parcel_count"]) and ledger == before[0] + 4 == run["ledger_seq"] + 1
    with db.transaction(readonly=True) as s:
        assert verify_ledger(s).ok
        kinds = [e.event_type for e in s.execute(select(LedgerEvent).order_by(LedgerEvent.seq)).scalars()][-4:]
        assert kinds == ["mass_job_queued", "mass_job_started", "mass_run_completed", "mass_job_done"]
    listed = client.get(URL, headers=auth(client, "bank")).json()
    assert listed["items"][0]["id"] == run["id"] and listed["items"][0]["ratio_study"] == study
    # the same date and method again: 409, nothing written
    again = client.post(URL, json={**BODY, "seed": 9}, headers=auth(client, "nr"))
    assert again.status_code == 409 and again.json()["code"] == "valuation.mass_run_exists"
    assert again.json()["details"]["run_no"] == run["run_no"]
    assert state(db) == (ledger, runs, values)
    # two requests for the same date and method at once: exactly one is queued, the other refused
    body = {**BODY, "valuation_date": "2026-02-01", "method": "hedonic"}
    clients = [TestClient(create_app()) for _ in range(2)]
    headers = [auth(c, "nr") for c in clients]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda i: clients[i].post(URL, json=body, headers=headers[i]), range(2)))
    assert sorted(a.status_code for a in answers) == [202, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["code"] == "valuation.mass_job_exists"
    active = client.get("/api/v1/valuation/jobs?active=true", headers=auth(client, "nr")).json()["items"]
    assert [j["status"] for j in active] == ["queued"]


def test_too_few_sales_is_422_and_writes_nothing(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    client = TestClient(create_app())
    before = state(db)
    r = client.post(URL, json=BODY, headers=auth(client, "nr"))
    assert r.status_code == 422 and r.json()["code"] == "valuation.too_few_sales", r.text
    assert r.json()["details"] == {"sales": 0, "needed": mass_settings(date(2026, 3, 1)).min_sales}
    assert "成交样本不足" in r.json()["message"] and "too few sales" in r.json()["message_en"]
    assert state(db) == before

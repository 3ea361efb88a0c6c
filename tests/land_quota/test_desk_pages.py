"""The quota desks (issue #16 item 6): the collective's registration form, the county bureau's project, plan and
allocation forms, and the land reserve centre's case forms. Each form posted by its role succeeds; a typed refusal
is shown on the form under its 4xx status and changes nothing; other roles, the same role of another county and
an anonymous caller are refused (403 page, login), changing nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.land_quota.models import (
    LandReserve,
    QuotaAllocation,
    QuotaEntry,
    QuotaLot,
    ReclamationProject,
    SupplyPlan,
)
from landbridge.ledger import current_size
from landbridge.main import create_app
from tests.land_quota.conftest import (
    COUNTY,
    VILLAGE,
    QuotaWorld,
    approved_plan,
    boundary,
    build_world,
    credited,
    project,
)
from tests.web.test_pages import csrf_of, login

USERS: dict[str, tuple[Role, OrgKind, str]] = {
    "clerk": (Role.collective_clerk, OrgKind.collective, VILLAGE),
    "bureau": (Role.nr_official, OrgKind.nr_bureau, "360603000000"),
    "far_bureau": (Role.nr_official, OrgKind.nr_bureau, "360681000000"),
    "centre": (Role.reserve_officer, OrgKind.nr_bureau, "360603000000"),
    "far_centre": (Role.reserve_officer, OrgKind.nr_bureau, "360681000000"),
    "township": (Role.township_official, OrgKind.township, "360603101000"),
    "farmer": (Role.member, OrgKind.individual, VILLAGE),
}


@dataclass
class Desk:
    client: TestClient
    world: QuotaWorld
    planned: int  # a planned project of the collective


@pytest.fixture
def desk(db: Database, clock: Clock) -> Iterator[Desk]:
    clock.set(datetime(2026, 7, 1, 2, tzinfo=UTC))
    with db.transaction() as s:
        orgs = {name: create_organisation(s, name=f"{name} org", kind=kind, region_code=region).id
                for name, (_, kind, region) in USERS.items()}
        w = build_world(s, organisation_id=orgs["clerk"])
        for name, (role, _, _) in USERS.items():
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=orgs[name],
                        is_demo=True)
        credited(s, w, "500", col=0)
        approved_plan(s)
        planned = project(s, w, col=2, planned="80")
    with TestClient(create_app()) as c:
        yield Desk(c, w, planned)


def state(db: Database) -> tuple[object, ...]:
    """The ledger's size and every record the desks change, with their statuses."""
    with db.transaction(readonly=True) as s:
        def count(model: type) -> int:
            return s.scalar(select(func.count()).select_from(model)) or 0
        return (current_size(s), count(QuotaEntry), count(QuotaAllocation),
                tuple(s.execute(select(ReclamationProject.id, ReclamationProject.status).order_by(
                    ReclamationProject.id))),
                tuple(s.execute(select(SupplyPlan.year, SupplyPlan.status).order_by(SupplyPlan.id))),
                tuple(s.execute(select(LandReserve.id, LandReserve.status).order_by(LandReserve.id))))


def alert(html: str) -> str:
    found = re.search(r'id="error">([^<]*)<', html)
    return found.group(1) if found else ""


def post(d: Desk, user: str, path: str, data: dict[str, str], page: str) -> tuple[int, str, str]:
    """Log ``user`` in, take the form token from ``page``, post; (status, location, body)."""
    login(d.client, user)
    token = csrf_of(d.client.get(page).text)
    r = d.client.post(path, data={"csrf": token, **data}, follow_redirects=False)
    return r.status_code, r.headers.get("location", ""), r.text


def refused_to_everyone_but(d: Desk, db: Database, allowed: set[str], path: str, data: dict[str, str]) -> None:
    """Every other user (the same role of another county included) gets the 403 page, an anonymous caller the
    login, a forged form token the 403 page; nothing changes."""
    before = state(db)
    d.client.cookies.clear()
    anon = d.client.post(path, data={"csrf": "x", **data}, follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/login")
    for name in USERS:
        login(d.client, name)
        token = csrf_of(d.client.get("/login").text) if name not in allowed else "forged"
        r = d.client.post(path, data={"csrf": token, **data}, follow_redirects=False)
        assert r.status_code == 403, (name, path, r.status_code)
        assert state(db) == before, (name, path)


def test_the_clerk_registers_a_project_for_its_own_collective(db: Database, desk: Desk) -> None:
    d, w = desk, desk.world
    d.client.cookies.clear()
    assert d.client.get("/quota/projects/new", follow_redirects=False).status_code == 303
    login(d.client, "farmer")
    assert d.client.get("/quota/projects/new").status_code == 403
    login(d.client, "clerk")
    page = d.client.get("/quota/projects/new").text
    assert '<label for="boundary">' in page and '<label for="plan_ref">' in page and "登记复垦项目" in page
    assert 'href="/quota/projects/new"' in d.client.get("/quota").text
    form = {"kind": "mining", "plan_ref": "余江复垦方案〔2026〕9号", "planned_area_m2": "400",
            "boundary": json.dumps(boundary(1, 1)), "collective_id": "999", "county_code": "360681"}
    before = state(db)
    for bad, code in (("{not json", 422), (json.dumps(boundary(0, 0)), 409),  # overlaps the accepted project
                      (json.dumps(boundary(40, 40)), 422), ("x" * 20_001, 422)):  # outside its land; too long
        status, _, body = post(d, "clerk", "/quota/projects", form | {"boundary": bad}, "/quota/projects/new")
        assert status == code and "复垦项目" in alert(body) and state(db) == before, (bad[:20], status, alert(body))
        assert "余江复垦方案〔2026〕9号" in body  # the values entered are kept
    refused_to_everyone_but(d, db, {"clerk", "bureau", "far_bureau"}, "/quota/projects", form)
    status, _, _ = post(d, "far_bureau", "/quota/projects", form | {"county_code": COUNTY,
                                                                     "collective_id": str(w.collective_id)},
                        "/quota/projects/new")
    assert status == 403 and state(db) == before
    status, location, _ = post(d, "clerk", "/quota/projects", form, "/quota/projects/new")
    assert status == 303 and re.fullmatch(r"/quota/projects/\d+", location)
    pid = int(location.rsplit("/", 1)[1])
    with db.transaction(readonly=True) as s:
        made = s.get(ReclamationProject, pid)
        assert made is not None and made.collective_id == w.collective_id and made.region_code == COUNTY
    shown = d.client.get(location).text
    assert "已立项" in shown and "废弃工矿" in shown and "reclamation_registered" in shown
    assert 'id="works-form"' not in shown and 'id="waiting"' in shown  # the bureau's step, not the clerk's
    # the clerk's overview lists its collective's project (its village's region does not cover the county's code)
    assert f'href="/quota/projects/{pid}"' in d.client.get("/quota").text


def test_the_bureau_takes_a_project_through_works_and_acceptance(db: Database, desk: Desk) -> None:
    d = desk
    url = f"/quota/projects/{d.planned}"
    login(d.client, "far_bureau")
    assert d.client.get(url).status_code == 403
    login(d.client, "farmer")
    assert d.client.get(url).status_code == 403
    login(d.client, "bureau")
    page = d.client.get(url).text
    assert 'id="works-form"' in page and 'id="rejection-form"' in page and 'href="/quota/projects/' in \
        d.client.get("/quota").text
    refused_to_everyone_but(d, db, {"bureau"}, f"{url}/works", {})
    status, location, _ = post(d, "bureau", f"{url}/works", {}, url)
    assert status == 303 and location == url and "施工中" in d.client.get(url).text
    status, _, _ = post(d, "bureau", f"{url}/works", {}, url)  # the works began already
    assert status == 409

    accept = {"accepted_area_m2": "75.5", "quality_grade": "6", "accepted_on": "2026-06-30"}
    before = state(db)
    status, _, body = post(d, "bureau", f"{url}/acceptance", accept | {"accepted_area_m2": "0"}, url)
    assert status == 422 and "accepted_area_m2" in alert(body) and 'value="2026-06-30"' in body
    status, _, body = post(d, "bureau", f"{url}/acceptance", accept | {"quality_grade": "16"}, url)
    assert status == 422 and "quality_grade" in alert(body) and state(db) == before
    refused_to_everyone_but(d, db, {"bureau"}, f"{url}/acceptance", accept)
    status, _, _ = post(d, "bureau", f"{url}/acceptance", accept, url)
    page = d.client.get(url).text
    assert status == 303 and "已验收" in page and "75.50" in page and "quota_credited" in page
    assert state(db)[1] == before[1] + 1  # the credit entry

    # a rejection: refused without a reason and for the accepted project; taken for a planned one
    before = state(db)
    status, _, body = post(d, "bureau", f"{url}/rejection", {"reason": "不符合规划"}, url)
    assert status == 409 and "accepted" in alert(body) and state(db) == before
    with db.transaction() as s:
        other = project(s, d.world, col=1, row=2, planned="50")
    other_url = f"/quota/projects/{other}"
    before = state(db)
    status, _, body = post(d, "bureau", f"{other_url}/rejection", {"reason": " "}, other_url)
    assert status == 422 and "reason" in alert(body) and state(db) == before
    refused_to_everyone_but(d, db, {"bureau"}, f"{other_url}/rejection", {"reason": "不符合规划"})
    status, _, _ = post(d, "bureau", f"{other_url}/rejection", {"reason": "不符合规划"}, other_url)
    assert status == 303 and "未通过" in d.client.get(f"{other_url}?lang=zh_CN").text
    assert "rejected" in d.client.get(f"{other_url}?lang=en").text


def test_the_bureau_drafts_and_approves_a_plan_and_allocates(db: Database, desk: Desk) -> None:
    d, w = desk, desk.world
    url = f"/quota/plans/{COUNTY}/2027"
    login(d.client, "far_bureau")
    assert d.client.get(url).status_code == 403
    login(d.client, "bureau")
    page = d.client.get(url).text
    assert 'id="draft-form"' in page and '<label for="quota_0"' in page and "尚无供应计划" in page
    rows = {"use_0": "industrial", "quarter_0": "1", "quota_0": "300", "parcels_0": "2",
            "use_1": "commercial", "quarter_1": "3", "quota_1": "100", "parcels_1": "1"}
    before = state(db)
    status, _, body = post(d, "bureau", url, rows | {"use_1": "industrial", "quarter_1": "1"}, url)
    assert status == 422 and "供应计划明细无效" in alert(body) and state(db) == before
    refused_to_everyone_but(d, db, {"bureau"}, url, rows)
    status, location, _ = post(d, "bureau", url, rows, url)
    page = d.client.get(url).text
    assert status == 303 and location == url and "草案" in page and "商业" in page and 'id="approval-form"' in page

    status, _, body = post(d, "bureau", f"{url}/approval", {"approved_on": "2027-13-01"}, url)
    assert status == 422 and "approved_on" in alert(body)
    refused_to_everyone_but(d, db, {"bureau"}, f"{url}/approval", {"approved_on": "2027-01-10"})
    status, _, _ = post(d, "bureau", f"{url}/approval", {"approved_on": "2027-01-10"}, url)
    assert status == 303 and 'id="allocation-form"' in d.client.get(url).text

    # allocation under the 2026 plan (the fixture's: 500 m² accepted, industrial Q2)
    url = f"/quota/plans/{COUNTY}/2026"
    alloc = {"parcel_id": str(w.parcels[1]), "amount_m2": "120", "land_use": "industrial", "quarter": "2"}
    before = state(db)
    status, _, body = post(d, "bureau", f"{url}/allocations", alloc | {"amount_m2": "500.01"}, url)
    assert status == 409 and "500" in alert(body) and 'value="500.01"' in body and state(db) == before
    status, _, body = post(d, "bureau", f"{url}/allocations", alloc | {"parcel_id": str(w.elsewhere)}, url)
    assert status == 422 and str(w.elsewhere) in alert(body) and state(db) == before
    refused_to_everyone_but(d, db, {"bureau"}, f"{url}/allocations", alloc)
    status, _, _ = post(d, "bureau", f"{url}/allocations", alloc, url)
    page = d.client.get(url).text
    assert status == 303 and "quota_allocated" in page and "380.00" in page  # unallocated 500 − 120
    assert state(db)[2] == before[2] + 1

    # the bureau lists quota on the exchange (a construction_quota lot takes it from the county now)
    assert 'id="quota-lot-form"' in page and '<label for="lot_starts">' in page
    lot = {"title": "余江区建设用地指标 100 平方米", "amount_m2": "100", "start_price": "150000.00",
           "starts_at": "2026-07-10T09:00"}
    before = state(db)
    status, _, body = post(d, "bureau", f"{url}/lots", lot | {"amount_m2": "380.01"}, url)
    assert status in (409, 422) and alert(body) and 'value="380.01"' in body and state(db) == before
    status, _, body = post(d, "bureau", f"{url}/lots", lot | {"start_price": "abc"}, url)
    assert status == 422 and "start_price" in alert(body) and state(db) == before
    refused_to_everyone_but(d, db, {"bureau"}, f"{url}/lots", lot)
    status, _, _ = post(d, "bureau", f"{url}/lots", lot, url)
    assert status == 303 and "280.00" in d.client.get(url).text  # unallocated 380 − 100
    with db.transaction(readonly=True) as s:
        listed = s.scalars(select(QuotaLot)).one()
        assert listed.amount_m2 == 100 and listed.county_code == COUNTY and listed.year == 2026


def test_the_reserve_centre_proposes_acquires_supplies_and_cancels(db: Database, desk: Desk) -> None:
    d, w = desk, desk.world
    d.client.cookies.clear()
    assert d.client.get("/quota/reserves/new", follow_redirects=False).status_code == 303
    login(d.client, "bureau")
    assert d.client.get("/quota/reserves/new").status_code == 403
    login(d.client, "centre")
    assert 'href="/quota/reserves/new"' in d.client.get("/quota").text
    assert '<label for="compensation_cny">' in d.client.get("/quota/reserves/new").text
    new = "/quota/reserves/new"
    propose = {"county_code": COUNTY, "parcel_id": str(w.parcels[2]), "compensation_cny": "120000.50"}
    before = state(db)
    status, _, body = post(d, "centre", "/quota/reserves", propose | {"compensation_cny": "-1"}, new)
    assert status == 422 and "compensation_cny" in alert(body) and state(db) == before
    status, _, body = post(d, "centre", "/quota/reserves", propose | {"parcel_id": str(w.elsewhere)}, new)
    assert status == 422 and str(w.elsewhere) in alert(body) and state(db) == before
    refused_to_everyone_but(d, db, {"centre", "far_centre"}, "/quota/reserves", propose)
    status, _, _ = post(d, "far_centre", "/quota/reserves", propose, new)
    assert status == 403 and state(db) == before
    status, location, _ = post(d, "centre", "/quota/reserves", propose, new)
    assert status == 303 and re.fullmatch(r"/quota/reserves/\d+", location)
    page = d.client.get(location).text
    assert "拟收储" in page and "¥120,000.50" in page and "reserve_proposed" in page
    login(d.client, "far_centre")
    assert d.client.get(location).status_code == 403

    status, _, body = post(d, "centre", f"{location}/acquisition", {"acquired_on": "soon"}, location)
    assert status == 422 and "acquired_on" in alert(body)
    refused_to_everyone_but(d, db, {"centre"}, f"{location}/acquisition", {"acquired_on": "2026-06-20"})
    status, _, _ = post(d, "centre", f"{location}/acquisition", {"acquired_on": "2026-06-20"}, location)
    assert status == 303 and "储备中" in d.client.get(location).text

    supply = {"year": "2026", "land_use": "industrial", "quarter": "2", "supplied_on": "2026-06-25"}
    before = state(db)
    status, _, body = post(d, "centre", f"{location}/supply", supply | {"land_use": "commercial"}, location)
    assert status == 409 and alert(body) and 'value="2026-06-25"' in body and state(db) == before
    refused_to_everyone_but(d, db, {"centre"}, f"{location}/supply", supply)
    status, _, _ = post(d, "centre", f"{location}/supply", supply, location)
    assert status == 303 and "已供应" in d.client.get(location).text

    # a second proposal withdrawn: the cancelled case cannot be acquired afterwards
    status, second, _ = post(d, "centre", "/quota/reserves", propose | {"parcel_id": str(w.parcels[3])}, new)
    assert status == 303
    status, _, body = post(d, "centre", f"{second}/cancellation", {"reason": ""}, second)
    assert status == 422 and "reason" in alert(body)
    refused_to_everyone_but(d, db, {"centre"}, f"{second}/cancellation", {"reason": "规划调整"})
    status, _, _ = post(d, "centre", f"{second}/cancellation", {"reason": "规划调整"}, second)
    assert status == 303 and "已撤销" in d.client.get(second).text
    before = state(db)
    status, _, body = post(d, "centre", f"{second}/acquisition", {"acquired_on": "2026-06-20"}, second)
    assert status == 409 and alert(body) and state(db) == before


def test_the_bureau_allocates_a_buyers_quota(db: Database, desk: Desk, clock: Clock) -> None:
    """L5: quota bought on the exchange is the buyer's holding; the bureau records its allocation to a destination
    parcel from the plan page; more than the holding is refused on the form, nothing changed."""
    from landbridge.land_quota import transfer
    from tests.land_quota.test_transfer import buyers, listed, sell

    d, w = desk, desk.world
    parties = buyers(db)
    qlot = listed(db, "300")
    sell(db, clock, qlot.lot_id, parties)
    with db.transaction() as s:
        assert transfer.run_due(s) == 1  # the buyer (the higher bid) now holds 300 m²
    url = f"/quota/plans/{COUNTY}/2026"
    held = {"party_id": str(parties[1]), "parcel_id": str(w.parcels[2]), "amount_m2": "120"}
    login(d.client, "bureau")
    assert 'id="held-allocation-form"' in d.client.get(url).text
    before = state(db)
    status, _, body = post(d, "bureau", f"{url}/held-allocations", held | {"amount_m2": "300.01"}, url)
    assert status == 409 and alert(body) and 'value="300.01"' in body and state(db) == before
    refused_to_everyone_but(d, db, {"bureau"}, f"{url}/held-allocations", held)
    status, _, _ = post(d, "bureau", f"{url}/held-allocations", held, url)
    assert status == 303 and state(db)[2] == before[2] + 1
    with db.transaction(readonly=True) as s:
        [holding] = transfer.holdings_of(s, parties[1])
        assert holding.allocated_m2 == 120

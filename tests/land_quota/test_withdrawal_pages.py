"""Homestead withdrawal pages (/quota/withdrawals, issue #16 part 5; requirements S18, S30): each step's form posted
by the role the API lets take it succeeds; a refusal shows its typed message on the form under its 4xx status and
changes nothing; other roles (and the right role outside its collective or region) get the 403 page, an anonymous
caller the login, a forged form token the 403 page — each changing nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from landbridge import registry
from landbridge.auth import create_organisation, create_user
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal
from landbridge.main import create_app
from tests.land_quota.homestead_world import REGISTRAR, HomesteadWorld, build, council, vote
from tests.land_quota.test_withdrawal_api import USERS, state
from tests.web.test_pages import csrf_of, login


@dataclass
class Pages:
    client: TestClient
    world: HomesteadWorld


@pytest.fixture
def pages(db: Database, clock: Clock) -> Iterator[Pages]:
    with db.transaction() as s:
        orgs = {name: create_organisation(s, name=f"{name} org", kind=kind, region_code=region).id
                for name, (_, kind, region) in USERS.items()}
        w = build(s, organisation_id=orgs["clerk"])
        parties = {"household": w.member, "neighbour": w.only_member}
        for name, (role, _, _) in USERS.items():
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=orgs[name],
                        is_demo=True, party_id=parties.get(name))
    with TestClient(create_app()) as c:
        yield Pages(c, w)


def alert(html: str) -> str:
    found = re.search(r'id="error">([^<]*)<', html)
    return found.group(1) if found else ""


def post(p: Pages, user: str, path: str, data: dict[str, str], page: str) -> tuple[int, str, str]:
    """Log ``user`` in, take the form token from ``page``, post; (status, location, body)."""
    login(p.client, user)
    token = csrf_of(p.client.get(page).text)
    r = p.client.post(path, data={"csrf": token, **data}, follow_redirects=False)
    return r.status_code, r.headers.get("location", ""), r.text


def refused_to_everyone_but(p: Pages, db: Database, allowed: set[str], path: str, data: dict[str, str]) -> None:
    """Every other user gets the 403 page, an anonymous caller the login; nothing changes."""
    before = state(db)
    p.client.cookies.clear()
    anon = p.client.post(path, data={"csrf": "x", **data}, follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/login")
    for name in USERS:
        if name in allowed:
            continue
        login(p.client, name)
        token = csrf_of(p.client.get("/login").text)
        r = p.client.post(path, data={"csrf": token, **data}, follow_redirects=False)
        assert r.status_code == 403, (name, path, r.status_code)
        assert state(db) == before, (name, path)


def test_the_household_applies_through_the_form(db: Database, pages: Pages) -> None:
    """S30: the household's form; its only homestead refused on the form (一户一宅), nothing changed."""
    p, w = pages, pages.world
    p.client.cookies.clear()
    assert p.client.get("/quota/withdrawals/new", follow_redirects=False).status_code == 303
    login(p.client, "clerk")
    assert p.client.get("/quota/withdrawals/new").status_code == 403
    login(p.client, "neighbour")
    page = p.client.get("/quota/withdrawals/new").text
    assert '<label for="right_id">拟退出的宅基地<select id="right_id"' in page
    assert '<label for="household_size">户籍人口<input id="household_size"' in page
    before = state(db)
    status, _, body = post(p, "neighbour", "/quota/withdrawals", {"right_id": str(w.only), "household_size": "2",
                                                                  "collective_id": str(w.village.collective_id)},
                           "/quota/withdrawals/new")
    assert status == 409 and "唯一的宅基地" in alert(body) and state(db) == before
    status, _, body = post(p, "household", "/quota/withdrawals", {"right_id": str(w.spare), "household_size": "0",
                                                                  "collective_id": str(w.village.collective_id)},
                           "/quota/withdrawals/new")
    assert status == 422 and "household_size" in alert(body) and state(db) == before
    login(p.client, "household")
    forged = p.client.post("/quota/withdrawals", data={"csrf": "forged", "right_id": str(w.spare),
                                                       "household_size": "2"}, follow_redirects=False)
    assert forged.status_code == 403 and state(db) == before
    status, location, _ = post(p, "household", "/quota/withdrawals",
                               {"right_id": str(w.spare), "household_size": "2",
                                "collective_id": str(w.village.collective_id)}, "/quota/withdrawals/new")
    assert status == 303 and re.fullmatch(r"/quota/withdrawals/\d+", location)
    case = p.client.get(location).text
    assert "已申请" in case and "退出申请" in case and "withdrawal_applied" in case
    assert p.client.get("/quota/withdrawals/new?lang=en").text.count("Applied") >= 1
    login(p.client, "neighbour")
    assert p.client.get(location).status_code == 403  # another household's case


def test_every_step_through_its_form_with_refusals_and_the_permission_matrix(db: Database, pages: Pages) -> None:
    """S18, S30: decision, valuation, payment, cancellation and hand-over, each by its role, through the pages."""
    p, w = pages, pages.world
    status, location, _ = post(p, "household", "/quota/withdrawals",
                               {"right_id": str(w.spare), "household_size": "2",
                                "collective_id": str(w.village.collective_id)}, "/quota/withdrawals/new")
    assert status == 303
    cid = int(location.rsplit("/", 1)[1])
    case_url = f"/quota/withdrawals/{cid}"
    login(p.client, "clerk")
    page = p.client.get(case_url).text
    number = re.search(r"<code>(ZT\d{4}-\d{5})</code>", page)
    assert number and 'id="decision-form"' in page and '<label for="motion_id">成员表决（表决事项编号）<input' in page
    login(p.client, "township")
    assert 'id="decision-form"' not in p.client.get(case_url).text  # the clerk's step, not the township's

    # the collective's decision: without the vote refused on the form; other roles 403
    before = state(db)
    status, _, body = post(p, "clerk", f"{case_url}/decision", {"reason": "同意"}, case_url)
    assert status == 409 and "理事会" in alert(body) and state(db) == before
    with db.transaction() as s:
        meeting, motion = council(s, w, number.group(1)), vote(s, w, number.group(1))
    decision = {"council_meeting_id": str(meeting), "motion_id": str(motion)}
    refused_to_everyone_but(p, db, {"clerk"}, f"{case_url}/decision", decision)
    status, location, _ = post(p, "clerk", f"{case_url}/decision", decision, case_url)
    assert status == 303 and location == case_url and "集体同意" in p.client.get(case_url).text

    # valuation by the township of the village
    valuation = {"house_structure": "earth_wood", "house_floor_m2": "60"}
    status, _, body = post(p, "township", f"{case_url}/valuation", {"house_structure": "marble",
                                                                    "house_floor_m2": "60"}, case_url)
    assert status == 422 and "marble" in alert(body) and 'value="60"' in body
    refused_to_everyone_but(p, db, {"township"}, f"{case_url}/valuation", valuation)
    status, _, _ = post(p, "township", f"{case_url}/valuation", valuation, case_url)
    page = p.client.get(case_url).text
    assert status == 303 and "¥4,800.00" in page and "已核定补偿" in page
    total = re.search(r'id="amount" name="amount"[^>]*value="([\d.]+)"', page)
    assert total is None  # the payment form is the clerk's
    login(p.client, "clerk")
    total = re.search(r'id="amount" name="amount"[^>]*value="([\d.]+)"', p.client.get(case_url).text)
    assert total is not None

    # payment: a wrong amount refused on the form, to the fen
    payment = {"amount": total.group(1), "payment_ref": "农商行 20260302-17", "paid_on": "2026-03-02"}
    before = state(db)
    status, _, body = post(p, "clerk", f"{case_url}/payment", {**payment, "amount": "0.01"}, case_url)
    assert status == 409 and "不符" in alert(body) and state(db) == before
    refused_to_everyone_but(p, db, {"clerk"}, f"{case_url}/payment", payment)
    status, _, _ = post(p, "clerk", f"{case_url}/payment", payment, case_url)
    assert status == 303 and "农商行 20260302-17" in p.client.get(case_url).text

    # the registry cancellation, lodged by the township
    refused_to_everyone_but(p, db, {"township"}, f"{case_url}/cancellation", {})
    status, _, _ = post(p, "township", f"{case_url}/cancellation", {}, case_url)
    assert status == 303 and "注销登记中" in p.client.get(case_url).text

    # hand-over: refused until the registry registered the cancellation
    hand_over = {"plan_ref": "余江复垦方案〔2026〕9号"}
    before = state(db)
    status, _, body = post(p, "bureau", f"{case_url}/hand-over", hand_over, case_url)
    assert status == 409 and "尚未登簿" in alert(body) and state(db) == before
    with db.transaction() as s:
        row = s.get(HomesteadWithdrawal, cid)
        assert row is not None and row.cancellation_application_ids
        registry.approve_application(s, application_id=int(row.cancellation_application_ids[0]), actor=REGISTRAR)
    refused_to_everyone_but(p, db, {"bureau"}, f"{case_url}/hand-over", hand_over)
    status, _, _ = post(p, "bureau", f"{case_url}/hand-over", hand_over, case_url)
    page = p.client.get(case_url).text
    assert status == 303 and "已移交复垦" in page and 'id="next"' not in page
    assert all(e in page for e in ("withdrawal_valued", "withdrawal_paid", "withdrawal_handed_over"))
    assert page.count('class="done"') == 6
    english = p.client.get(f"{case_url}?lang=en").text
    assert "Handed over to reclamation" in english and "Registered area (m²)" in english

"""A second city without touching code (issue #13 item 4): the invented 东乡区 test profile, found through
LANDBRIDGE_PROFILE_DIR and picked by LANDBRIDGE_CITY_PROFILE, builds a small demo world and serves the
journey: public map, rules page with its own amendments, login of its demo accounts, the registrar's queue,
the exchange, the clerk's collective, and its changed login rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landbridge.auth.models import Organisation, User
from landbridge.cityprofile import get_profile
from landbridge.cityprofile.loader import _cached, profile_folder, unlocked_versions
from landbridge.config import get_settings
from landbridge.db import Database
from landbridge.demo.world import build_world
from landbridge.exchange.models import Lot
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.registry.models import Parcel

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
TODAY = date(2026, 3, 2)


@pytest.fixture
def dongxiang(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANDBRIDGE_PROFILE_DIR", str(PROFILES))
    monkeypatch.setenv("LANDBRIDGE_CITY_PROFILE", "dongxiang")
    get_settings.cache_clear()
    _cached.cache_clear()
    yield
    monkeypatch.delenv("LANDBRIDGE_PROFILE_DIR")
    monkeypatch.delenv("LANDBRIDGE_CITY_PROFILE")
    get_settings.cache_clear()
    _cached.cache_clear()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _login(client: TestClient, username: str, password: str = "demo") -> int:
    token = _csrf(client.get("/login?lang=zh_CN").text)
    r = client.post("/login", data={"username": username, "password": password, "csrf": token},
                    follow_redirects=False)
    return r.status_code


def test_the_second_profile_is_outside_the_package_and_complete(dongxiang: None) -> None:
    profile = get_profile()
    assert profile.code == "dongxiang" and profile.raw["invented"] is True
    assert profile_folder("dongxiang") == PROFILES / "dongxiang"
    assert unlocked_versions(profile, PROFILES / "dongxiang") == []
    assert {r.county_code for r in profile.villages()} == {"361003"}
    assert profile.rules("auth").int("login_max_failures") == 3  # its own amendment
    assert profile.rules("registry").int("objection_lapse_days") == 15  # inherited from the profile it extends
    assert get_profile("yingtan").rules("auth").int("login_max_failures") == 5  # the other city is untouched


def test_a_newer_base_version_keeps_the_citys_own_amendments(dongxiang: None) -> None:
    """The base (Yingtan) adds an exchange version (2026-01-01, market entry) after 东乡's 2025 amendment: on one
    timeline, 东乡 gets the new rules and keeps its own deposit until it amends it again (issue #13 item 4)."""
    exchange, base = get_profile().rules("exchange"), get_profile("yingtan").rules("exchange")
    days = [v.effective_from for v in exchange.versions]
    assert days == sorted(days) and date(2025, 1, 1) in days and date(2026, 1, 1) in days
    assert exchange.decimal("default.deposit_percent", date(2024, 12, 31)) == base.decimal(
        "default.deposit_percent", date(2024, 12, 31))
    for day in (date(2025, 6, 1), date(2026, 6, 1)):
        assert exchange.decimal("default.deposit_percent", day) == Decimal("0.20")
    assert exchange.value("collective_construction_land.entry_methods", date(2026, 6, 1)) == ["grant", "lease",
                                                                                             "equity"]
    assert "collective_construction_land.entry_methods" not in exchange.version_at(date(2025, 6, 1)).rules
    assert exchange.version_at(date(2026, 6, 1)).amended == base.version_at(date(2026, 6, 1)).amended


def test_the_second_profile_builds_a_small_demo_and_serves_the_journey(dongxiang: None, db: Database,
                                                                     clock: Clock) -> None:
    report = build_world(db, get_profile(), scale="small", seed=20260101, today=TODAY)
    assert report.villages == 5 and report.parcels >= 2000 and report.lots >= 1 and report.sales >= 600 + report.entries
    with db.transaction() as s:
        codes = set(s.scalars(select(Parcel.region_code).distinct()))
        assert codes and all(c.startswith("361003") for c in codes)
        assert s.scalar(select(func.count()).select_from(Organisation).where(Organisation.name.like("%鹰潭%"))) == 0
        clerk = s.execute(select(User).where(User.username == "clerk")).scalar_one()
        org = s.get(Organisation, clerk.organisation_id)
        assert org is not None and org.name == "云岭村股份经济合作社" and org.region_code == "361003100001"
        lot = s.execute(select(Lot).order_by(Lot.id)).scalars().first()
        assert lot is not None and lot.rule_digest is not None
    with TestClient(create_app()) as c:
        home = c.get("/?lang=zh_CN")
        assert home.status_code == 200 and "东乡区" in home.text and "鹰潭" not in home.text
        rules = c.get("/rules").text
        row = rules[rules.index('id="rule-auth-login_max_failures"'):]
        assert "<td>3</td>" in row[:row.index("</tr>")] and "2021-01-01: 5" in row[:row.index("</tr>")]
        assert 'id="rule-exchange-default.deposit_percent"' in rules
        assert _login(c, "registrar") in (302, 303)
        queue = c.get("/registrar/queue")
        assert queue.status_code == 200 and "SQ" in queue.text
        c.post("/logout", data={"csrf": _csrf(queue.text)})
        assert c.get("/exchange").status_code == 200
        assert c.get(f"/exchange/lots/{lot.id}").status_code == 200
        assert _login(c, "clerk") in (302, 303)
        collective = c.get("/collective")
        assert collective.status_code == 200 and "云岭村" in collective.text
        c.post("/logout", data={"csrf": _csrf(collective.text)})
        # Its own rule: the third failed login locks the account (Yingtan's profile allows five).
        assert [_login(c, "bidder", "wrong") for _ in range(3)][-1] != 429
        assert _login(c, "bidder") == 429

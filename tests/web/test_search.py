"""Search across the platform (一网通办, issue #20 item 1; R1): a parcel or unit found by its code, by anyone the
parcel page is public to; a parcel only lodged not found; short and over-long queries; the page and the API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from landbridge.db import Database
from landbridge.kernel.hall import SearchHit, normalise_query, search_for
from landbridge.main import create_app
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus
from tests.web.test_pages import login
from tests.web.world import World


@pytest.fixture
def client(db: Database) -> TestClient:
    return TestClient(create_app(), headers={"Accept": "text/html"})


def codes(db: Database, world: World) -> tuple[str, str, str]:
    """The homestead parcel's code, its unit's code and the lodged parcel's code."""
    with db.transaction(readonly=True) as s:
        parcel = s.get(Parcel, world.homestead_parcel)
        unit = s.get(PropertyUnit, world.homestead_unit)
        lodged = s.get(Parcel, world.lodged_parcel)
        assert parcel and unit and lodged and lodged.status == RecordStatus.pending
        return parcel.parcel_code, unit.unit_code, lodged.parcel_code


def hrefs(page: str) -> list[str]:
    table = re.search(r'<table class="search-hits">(.*?)</table>', page, re.S)
    return re.findall(r'href="([^"]+)"', table.group(1)) if table else []


def test_queries_are_normalised_and_short_ones_find_nothing() -> None:
    assert normalise_query("  ３６０６ 03  ") == "3606 03"  # full-width digits from a Chinese input method
    assert normalise_query(" x ") is None and normalise_query(None) is None
    assert SearchHit("宗地", "Parcel", "X", "/p").kind("en") == "Parcel"


def test_anyone_finds_a_registered_parcel_by_its_code_and_its_unit_by_the_unit_code(
        client: TestClient, db: Database, world: World) -> None:
    parcel_code, unit_code, _ = codes(db, world)
    page = client.get("/search", params={"q": parcel_code.lower()})
    assert page.status_code == 200 and hrefs(page.text) == [f"/parcels/{world.homestead_parcel}"]
    assert "宗地" in page.text and "锦江村一组" in page.text and "找到 1 条" in page.text
    # a unit code finds the unit's parcel; the code up to the parcel's length finds the parcel once, not its units
    unit = client.get("/api/v1/search", params={"q": unit_code}).json()
    assert [(i["module"], i["kind_en"], i["label"], i["href"]) for i in unit["items"]] == [
        ("registry", "Property unit", unit_code, f"/parcels/{world.homestead_parcel}")]
    village = client.get("/api/v1/search", params={"q": parcel_code[:12]}).json()["items"]
    assert {i["href"] for i in village} == {f"/parcels/{world.homestead_parcel}",
                                            f"/parcels/{world.contract_parcel}"}
    assert all(i["kind_en"] == "Parcel" for i in village)


def test_a_parcel_only_lodged_is_not_found_and_no_holder_is_named(
        client: TestClient, db: Database, world: World) -> None:
    parcel_code, _, lodged_code = codes(db, world)
    login(client, "registrar")
    found = client.get("/api/v1/search", params={"q": lodged_code}).json()["items"]
    assert f"/parcels/{world.lodged_parcel}" not in {i["href"] for i in found}
    body = client.get("/search", params={"q": parcel_code}).text
    assert "周建国" not in body and "李秀英" not in body  # a search names no party


def test_short_unknown_and_over_long_queries(client: TestClient, world: World) -> None:
    short = client.get("/search", params={"q": "a"})
    assert short.status_code == 200 and "请至少输入 2 个字符" in short.text and not hrefs(short.text)
    none = client.get("/search", params={"q": "不存在的编号", "lang": "en"})
    assert "Nothing you may open was found" in none.text
    assert client.get("/api/v1/search", params={"q": "zz"}).json() == {"query": "zz", "items": []}
    too_long = client.get("/api/v1/search", params={"q": "9" * 65}, headers={"Accept": "application/json"})
    assert too_long.status_code == 422 and too_long.json()["code"] == "request.invalid"
    assert client.get("/api/v1/search").status_code == 422


def test_the_hall_and_the_menu_offer_the_search(client: TestClient, world: World) -> None:
    assert 'href="/search"' in client.get("/").text
    login(client, "member")
    assert 'action="/search"' in client.get("/hall").text


def test_every_source_is_asked_with_the_callers_principal(db: Database, world: World) -> None:
    with db.transaction(readonly=True) as s:
        modules = {module for module, _ in search_for(s, None, "zz")}
        assert modules == set()  # nothing found for an unknown number, and no source failed on an anonymous caller
        parcel = s.scalars(select(Parcel).where(Parcel.id == world.homestead_parcel)).one()
        assert [m for m, _ in search_for(s, None, parcel.parcel_code)] == ["registry"]

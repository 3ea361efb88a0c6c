"""The land finder (issue #23): on a fixture of 18 parcels (three rows at 0, 500 and 1 000 m from a road, two
villages of two counties, two right types, three sizes, values for all but two, an industrial zone over the first
two rows and a farmland zone over the third, a town centre), each filter and combinations return exactly the
parcels that satisfy them, computed here from the fixture's own definitions (the plan's answer per parcel from
``planning.is_use_permitted``); the open lot is listed with its parcel; bad filters are typed 4xx; the page
lists the same parcels and no holder's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Point
from sqlalchemy.orm import Session

from landbridge import exchange, planning, registry
from landbridge.db import Database
from landbridge.kernel.clock import Clock, now
from landbridge.main import create_app
from landbridge.valuation.mass.models import MassRun, MassValue
from tests.exchange.conftest import World as LotWorld
from tests.exchange.conftest import new_lot
from tests.planning.conftest import DEG_PER_M, LON_DEG_PER_M, ORIGIN, PLAN, rect, zone
from tests.registry.conftest import OTHER_VILLAGE, VILLAGE, register, resident_id, square

NAME = "找地持有人丁某"
NR = "user:3:nr"


@dataclass(frozen=True)
class Row:
    """What the fixture made of one parcel, to compute the expected answers from."""

    parcel_id: int
    unit_id: int
    region: str
    right_type: str
    area: Decimal
    value: Decimal | None
    row: int  # 0, 5 or 10: 0, 500 or 1 000 m north of the road's line
    industrial: bool  # the plan permits 0601 (industrial) there


def _world(s: Session) -> tuple[list[Row], int]:
    holder = registry.create_party(s, kind="person", name=NAME, id_number=resident_id(771), actor="user:1").id
    planning.create_features(s, [
        planning.FeatureIn("road", "county", "县道", LineString([(ORIGIN[0] - 0.01, ORIGIN[1] - 10 * DEG_PER_M),
                                                                 (ORIGIN[0] + 0.03, ORIGIN[1] - 10 * DEG_PER_M)])),
        planning.FeatureIn("town_centre", "town", "锦江镇",
                           Point(ORIGIN[0] + 250 * LON_DEG_PER_M, ORIGIN[1] + 1020 * DEG_PER_M),
                           code="360603101000")], actor="user:1")
    for code, kind, geom in (("Z-IND", "industrial", rect(-50, -50, 2500, 700)),
                             ("Z-AGR", "general_agriculture", rect(-50, 800, 2500, 400))):
        z = planning.create_zone(s, zone(code, kind, geom), actor=NR, plan_version=PLAN)
        planning.approve_zone(s, zone_id=z.id, actor=NR)
    rows: list[Row] = []
    specs = []
    for k in range(18):
        row = (0, 5, 10)[k // 6]
        col = k % 6
        size = (20.0, 30.0, 40.0)[col % 3]
        region = VILLAGE if col < 4 else OTHER_VILLAGE
        right = "land_contract_right" if col % 2 == 0 else "homestead_use_right"
        specs.append((k, row, col, size, region, right))
    for k, row, col, size, region, right in specs:
        unit = register(s, square(col, row, size_m=size), [(holder, "1")], right_type=right, region=region)
        pid = registry.unit_parcels(s, [unit])[unit]
        area = registry.parcel_areas(s, [pid])[pid]
        geom = square(col, row, size_m=size)
        rows.append(Row(pid, unit, region, right, area, None if k in (4, 13) else Decimal(50 + 25 * k),
                        row, planning.is_use_permitted(s, geom, "0601")))
    run = MassRun(run_no="MA2026-000009", valuation_date=date(2026, 11, 30), model_version="t", method="gbm", seed=0,
                  parameters={}, metrics={}, model_json="{}", sale_count=0, parcel_count=16, status="completed",
                  actor="user:1", created_at=now(), completed_at=now())
    s.add(run)
    s.flush()
    for r in rows:
        if r.value is not None:
            s.add(MassValue(run_id=run.id, parcel_id=r.parcel_id, region_code=r.region, land_use_class="0101",
                            value_per_m2_cny=r.value, value_cny=r.value * r.area, features=b""))
    return rows, holder


@pytest.fixture
def fixture(db: Database, clock: Clock) -> tuple[list[Row], int]:
    with db.transaction() as s:
        return _world(s)


def _ids(client: TestClient, query: str) -> list[int]:
    r = client.get(f"/api/v1/finder?{query}&page_size=200")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["complete"] and body["total"] == len(body["items"])
    assert NAME not in r.text and "holder" not in r.text and "party" not in r.text
    return [i["parcel_id"] for i in body["items"]]


def test_filters_return_exactly_the_parcels_that_satisfy_them(db: Database, fixture: tuple[list[Row], int]) -> None:
    rows, _ = fixture
    assert sum(r.industrial for r in rows) == 12  # the plan's own answer: rows 0 and 5 industrial, row 10 not

    def expect(pred: Any) -> list[int]:
        return sorted(r.parcel_id for r in rows if pred(r))

    cases: list[tuple[str, Any]] = [
        ("", lambda r: True),
        ("area_min=500", lambda r: r.area >= 500),
        ("area_min=500&area_max=1000", lambda r: 500 <= r.area <= 1000),
        ("right_type=homestead_use_right", lambda r: r.right_type == "homestead_use_right"),
        ("region=360681", lambda r: r.region == OTHER_VILLAGE),
        ("region=360603101", lambda r: r.region == VILLAGE),
        (f"region={VILLAGE}", lambda r: r.region == VILLAGE),
        ("price_min=200", lambda r: r.value is not None and r.value >= 200),
        ("price_min=100&price_max=300", lambda r: r.value is not None and 100 <= r.value <= 300),
        ("use=0601", lambda r: r.industrial),
        ("max_road_m=300", lambda r: r.row == 0),
        ("max_road_m=700", lambda r: r.row in (0, 5)),
        ("max_town_m=350", lambda r: r.row == 10),
        ("use=0601&max_road_m=700&region=360603&right_type=land_contract_right&price_max=400&area_max=1000",
         lambda r: r.industrial and r.row in (0, 5) and r.region == VILLAGE and r.right_type == "land_contract_right"
         and r.value is not None and r.value <= 400 and r.area <= 1000),
    ]
    with TestClient(create_app()) as client:
        for query, pred in cases:
            assert _ids(client, query) == expect(pred), query
        first = client.get("/api/v1/finder?region=360603&page_size=3&page=2").json()
        assert first["total"] == 12 and [i["parcel_id"] for i in first["items"]] == expect(
            lambda r: r.region == VILLAGE)[3:6]
        item = client.get(f"/api/v1/finder?region={VILLAGE}&page_size=1").json()["items"][0]
        assert item["value_per_m2"] == "50.00" and item["permitted_uses"] and item["dist_road_m"] < 300
        assert item["url"] == f"/parcels/{item['parcel_id']}"


def test_the_open_lot_is_listed_with_its_parcel(db: Database, fixture: tuple[list[Row], int]) -> None:
    rows, holder = fixture
    target = next(r for r in rows if r.right_type == "land_contract_right")
    with db.transaction() as s:
        right = registry.current_rights(s, target.unit_id)[0].id
        lot = new_lot(s, LotWorld(seller=holder, unit=target.unit_id, right=right))
        lot_id, number = lot.id, lot.number
        assert exchange.lots_on_units(s, [target.unit_id])[target.unit_id]["lot_id"] == lot_id
    with TestClient(create_app()) as client:
        items = client.get("/api/v1/finder?page_size=200").json()["items"]
        with_lot = [(i["parcel_id"], i["lot"]["number"], i["lot"]["class"]) for i in items if i["lot"]]
        assert with_lot == [(target.parcel_id, number, "upcoming")]
        page = client.get(f"/finder?region={target.region}")
        assert page.status_code == 200 and f'href="/exchange/lots/{lot_id}"' in page.text
        assert f'href="/parcels/{target.parcel_id}"' in page.text and NAME not in page.text


@pytest.mark.parametrize(("query", "code"), [
    ("area_min=900&area_max=100", "finder.invalid_range"),
    ("price_min=5&price_max=1", "finder.invalid_range"),
    ("use=9999", "finder.unknown_use"),
    ("right_type=castle", "finder.unknown_right_type"),
    ("region=3606", "finder.invalid_region"),
    ("region=abcdef", "finder.invalid_region"),
])
def test_bad_filters_are_typed(db: Database, query: str, code: str) -> None:
    with TestClient(create_app()) as client:
        r = client.get(f"/api/v1/finder?{query}")
        assert r.status_code == 422 and r.json()["code"] == code, r.text
        page = client.get(f"/finder?{query}")
        assert page.status_code == 422 and code in page.text
    with TestClient(create_app()) as client:
        for bad in ("area_min=-1", "area_max=abc", "max_road_m=-5", "page=0"):
            assert client.get(f"/api/v1/finder?{bad}").status_code == 422, bad
        page = client.get("/finder?area_min=abc")
        assert page.status_code == 422 and "finder.invalid_number" in page.text


def test_the_page_lists_the_results(db: Database, fixture: tuple[list[Row], int]) -> None:
    rows, _ = fixture
    with TestClient(create_app()) as client:
        page = client.get("/finder?max_road_m=300&lang=en")
        assert page.status_code == 200
        listed = [int(x.split('"')[0]) for x in page.text.split('data-parcel="')[1:]]
        assert listed == sorted(r.parcel_id for r in rows if r.row == 0)
        assert "6 parcels found" in page.text
        blank = client.get("/finder")
        assert blank.status_code == 200 and "data-parcel=" not in blank.text


def test_totals_are_exact_past_the_scan_bound(db: Database, fixture: tuple[list[Row], int],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #23 (L6, P1): with only the registry's filters the total is a count and the page an offset in SQL,
    exact however many parcels meet them; with others over more candidates than ``MAX_SCAN`` the answer says it
    is not complete (and is exact again once the bound holds them all)."""
    import importlib

    finder_search = importlib.import_module("landbridge.finder.search")

    rows, _ = fixture
    monkeypatch.setattr(finder_search, "MAX_SCAN", 5)
    village = sorted(r.parcel_id for r in rows if r.region == VILLAGE)
    with TestClient(create_app()) as client:
        body = client.get("/api/v1/finder?region=360603&page_size=4&page=3").json()
        assert body["complete"] and body["total"] == 12 and [i["parcel_id"] for i in body["items"]] == village[8:12]
        assert client.get("/api/v1/finder?region=999999").json()["total"] == 0  # all nines: an open range
        partial = client.get("/api/v1/finder?region=360603&use=0601&page_size=200").json()
        assert not partial["complete"] and partial["scanned"] == 5 and partial["total"] <= 5
    monkeypatch.setattr(finder_search, "MAX_SCAN", 20)
    with TestClient(create_app()) as client:
        whole = client.get("/api/v1/finder?region=360603&use=0601&page_size=200").json()
        assert whole["complete"] and [i["parcel_id"] for i in whole["items"]] == sorted(
            r.parcel_id for r in rows if r.region == VILLAGE and r.industrial)

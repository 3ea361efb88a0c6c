"""The open data API and pages (issue #19 item 6; P2, S2) on a hand-made fixture: tables by area and period with
record counts and complementary suppression, the price index against hand-computed values, the catalogue, bounded
query parameters (typed 422/404, never 500) and no personal data anywhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app

Q = "start=2026-01-01&end=2026-06-30&granularity=quarter&level=district"


@pytest.fixture
def client(db: Database, clock: Clock, world: None) -> Iterator[TestClient]:
    clock.set(datetime(2026, 9, 30, 2, tzinfo=UTC))
    with TestClient(create_app()) as c:
        yield c


def rows_of(body: dict) -> dict[str, list]:
    return {r["name"]: [c["records"] for c in r["cells"]] + [r["total"]["records"]] for r in body["rows"]}


def test_exchange_deals_table_suppresses_with_complements(client: TestClient) -> None:
    # 余江 Q1 5 deals + the lot without unit = 6, Q2 5; 贵溪 Q2 1. The 1 hides (and 贵溪's total of 1); column Q2
    # then needs a second hidden cell (余江 Q2 5: 1 + 5 ≥ 5) and the total column one more (余江's total 11)
    r = client.get(f"/api/v1/open-data/tables/exchange_deals?{Q}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["k"] == 5 and body["periods"] == ["2026Q1", "2026Q2"]
    assert rows_of(body) == {"月湖区": [0, 0, 0], "余江区": [6, None, None], "贵溪市": [0, None, None]}
    totals = body["totals"]
    assert [c["records"] for c in totals["cells"]] == [6, 6] and totals["total"]["records"] == 12
    assert Decimal(totals["total"]["measure"]) == Decimal(5 * 200_000 + 5000 + 150_000 + 600_000 + 900_000
                                                          + 500_000)
    published = [c for r in [*body["rows"], totals] for c in [*r["cells"], r["total"]] if not c["suppressed"]]
    assert all(c["records"] == 0 or c["records"] >= 5 for c in published)


def test_rights_table_counts_registered_rights_by_type(client: TestClient) -> None:
    r = client.get(f"/api/v1/open-data/tables/rights_registered?{Q}&category=land_contract_right")
    body = r.json()
    # 余江 7 in Q1 (the pending one is not registered), 贵溪 2: the 2 hides, and so must 余江's 7, or the column
    # total 9 − 7 would give the 2 away; the grand total 9 is built from 9 records and stays
    assert rows_of(body) == {"月湖区": [0, 0, 0], "余江区": [None, 0, None], "贵溪市": [None, 0, None]}
    assert body["totals"]["total"]["records"] == 9
    assert client.get(f"/api/v1/open-data/tables/rights_registered?{Q}&category=no_such_type").status_code == 422


def test_township_level_and_region_filter(client: TestClient) -> None:
    r = client.get("/api/v1/open-data/tables/exchange_deals?start=2026-01-01&end=2026-12-31&granularity=year"
                   "&level=township&region=360603")
    body = r.json()
    assert all(row["area"].startswith("360603") for row in body["rows"])
    townships = [r.code for r in get_profile().regions.values() if r.level == "township" and r.code[:6] == "360603"]
    assert [row["area"] for row in body["rows"]] == sorted(townships) and len(townships) > 3
    assert body["totals"]["total"]["records"] == 13  # 6 + 5 + 2 in 余江 in 2026


def test_csv_download(client: TestClient) -> None:
    r = client.get(f"/api/v1/open-data/tables/exchange_deals/csv?{Q}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert lines[0][:5] == ["area_code", "area_name", "area_name_en", "period", "records"]
    assert ["360603000000", "余江区", "Yujiang District", "2026Q2", "<5", "<5", "元 CNY"] in lines
    assert lines[-1][:5] == ["", "合计", "Total", "total", "12"]


def test_price_index_by_hand(client: TestClient) -> None:
    body = client.get("/api/v1/open-data/price-index?district=360603&use=industrial").json()
    (series,) = body["series"]
    assert series["base"] == "2026Q1" and series["use"] == "industrial"
    points = {p["period"]: p for p in series["points"]}
    assert points["2026Q1"] == {"period": "2026Q1", "deals": 5, "unit_price": "200.00", "index": "100.00",
                                "suppressed": False}
    # Q2: (150 · 600 · 300³)^(1/5) = (300⁵)^(1/5) = 300 → 150.00; Q3: two deals → "<5"
    assert points["2026Q2"]["unit_price"] == "300.00" and points["2026Q2"]["index"] == "150.00"
    assert points["2026Q3"] == {"period": "2026Q3", "deals": "<5", "unit_price": None, "index": None,
                                "suppressed": True}
    guixi = client.get("/api/v1/open-data/price-index?district=360681").json()["series"]
    assert guixi[0]["base"] is None and guixi[0]["points"][0]["deals"] == "<5"
    r = client.get("/api/v1/open-data/price-index/csv")
    assert "360603000000,余江区,Yujiang District,industrial,2026Q2,5,300.00,150.00,2026Q1" in r.text


def test_catalogue_lists_every_dataset(client: TestClient) -> None:
    entries = {e["key"]: e for e in client.get("/api/v1/open-data/datasets").json()["datasets"]}
    assert set(entries) == {"rights_registered", "land_entered", "exchange_deals", "dividends", "price_index",
                            "assessment_results"}
    assert entries["exchange_deals"]["licence"] == "CC-BY-4.0"
    assert entries["exchange_deals"]["last_record_on"] == "2026-08-01"
    assert entries["exchange_deals"]["csv"] == "/api/v1/open-data/tables/exchange_deals/csv"
    # the assessment package provides the results; nothing is published in this world, and nothing is invented
    assert client.get("/api/v1/open-data/assessment-results").json() == {"available": True, "results": []}


@pytest.mark.parametrize("url, status, code", [
    ("/api/v1/open-data/tables/nope", 404, "open_data.unknown_dataset"),
    ("/api/v1/open-data/tables/exchange_deals?start=2026-05-01&end=2026-01-01", 422, "open_data.bad_range"),
    ("/api/v1/open-data/tables/exchange_deals?start=2000-01-01&end=2026-01-01&granularity=month", 422,
     "open_data.too_many_periods"),
    ("/api/v1/open-data/tables/exchange_deals?start=1900-01-01", 422, "open_data.bad_range"),
    ("/api/v1/open-data/tables/exchange_deals?level=village", 422, None),
    ("/api/v1/open-data/tables/exchange_deals?region=12345", 422, None),
    ("/api/v1/open-data/tables/exchange_deals?limit=100000", 422, None),
    ("/api/v1/open-data/tables/exchange_deals?offset=-1", 422, None),
    ("/api/v1/open-data/tables/exchange_deals?start=notadate", 422, None),
    ("/api/v1/open-data/tables/dividends?category=x", 422, "open_data.unknown_category"),
    ("/api/v1/open-data/price-index?district=36", 422, None),
    ("/api/v1/open-data/price-index?use=DROP%20TABLE", 422, None),
    ("/api/v1/open-data/price-index?use=vineyard", 422, "open_data.unknown_category"),
    ("/api/v1/open-data/price-index/csv?use=DROP%20TABLE", 422, None),
    ("/open-data?granularity=decade", 422, None),
    ("/open-data?start=2026-05-01&end=2026-01-01", 422, None),
])
def test_bounded_parameters(client: TestClient, url: str, status: int, code: str | None) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    if code:
        assert code in r.text


def test_pages_render_in_both_languages(client: TestClient) -> None:
    for path in ("/open-data", "/open-data/price-index", "/open-data/catalogue"):
        for lang, word in (("", "数据开放"), ("?lang=en", "Open data")):
            client.cookies.clear()
            r = client.get(path + lang)
            assert r.status_code == 200, (path, r.text[:500])
            assert word in r.text
    client.cookies.clear()
    page = client.get(f"/open-data?dataset=exchange_deals&{Q}").text
    assert "&lt;5" in page and "余江区" in page and "暂无已公布的考核结果" in page
    assert 'href="/open-data"' in client.get("/").text  # in the public navigation


def test_no_personal_data(client: TestClient) -> None:
    text = "".join(client.get(u).text for u in (
        f"/api/v1/open-data/tables/exchange_deals?{Q}", "/api/v1/open-data/price-index",
        "/api/v1/open-data/datasets", f"/open-data?{Q}", "/open-data/price-index", "/open-data/catalogue"))
    for secret in ("LOT-", "标的 LOT", "JC0000", "party_id", "bidder", "lot_id", "case_id", "right_id"):
        assert secret not in text

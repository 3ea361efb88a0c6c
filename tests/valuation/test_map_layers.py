"""The price layers of the public map (issue #23): published price zones, mass values per parcel and per village,
validated sales as points and cells, the year-on-year change by village. Each feature's class is the legend row
whose bounds hold its value (legend and drawing share one list); no party's name or ID number reaches any layer;
a bad viewport is a 422 ``valuation.invalid_viewport``."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, Polygon
from sqlalchemy.orm import Session

from landbridge import planning, registry
from landbridge.db import Database
from landbridge.kernel.clock import Clock, now
from landbridge.kernel.viewport import class_of, quantile_breaks
from landbridge.main import create_app
from landbridge.valuation import import_benchmark_system, publish_benchmark_system, record_sale
from landbridge.valuation.benchmark.models import SaleFlag
from landbridge.valuation.mass.models import MassRun, MassValue
from tests.registry.conftest import OTHER_VILLAGE, VILLAGE, register, resident_id, square
from tests.valuation.test_benchmark import golden_document
from tests.valuation.test_sales_service import sale

NAME, ID_NUMBER = "持有人甲某", resident_id(731)
BUYER, BUYER_ID = "买受人丙某", resident_id(732)
BOX = "116.89,28.19,116.92,28.23"
GOLDEN_BOX = "116.99,28.19,117.05,28.25"


def _ring(x0: float, y0: float, x1: float, y1: float) -> LineString:
    return LineString([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])


def _run(s: Session, no: str, on: date, values: dict[int, tuple[str, Decimal]]) -> None:
    run = MassRun(run_no=no, valuation_date=on, model_version="t", method="gbm", seed=0, parameters={}, metrics={},
                  model_json="{}", sale_count=0, parcel_count=len(values), status="completed", actor="user:1",
                  created_at=now(), completed_at=now())
    s.add(run)
    s.flush()
    for pid, (region, unit) in values.items():
        s.add(MassValue(run_id=run.id, parcel_id=pid, region_code=region, land_use_class="0101",
                        value_per_m2_cny=unit, value_cny=unit * 400, features=b""))


def _world(db: Database) -> dict[str, Any]:
    """Six parcels in VILLAGE and three in OTHER_VILLAGE held by a person; two runs (2025, 2026) valuing them;
    both villages' boundaries; four sales near the parcels (one with a buyer, one flagged non-market)."""
    with db.transaction() as s:
        holder = registry.create_party(s, kind="person", name=NAME, id_number=ID_NUMBER, actor="user:1").id
        buyer = registry.create_party(s, kind="person", name=BUYER, id_number=BUYER_ID, actor="user:1").id
        units = [register(s, square(c), [(holder, "1")]) for c in range(6)]
        units += [register(s, square(c, row=2), [(holder, "1")], region=OTHER_VILLAGE) for c in range(3)]
        parcels = registry.unit_parcels(s, units)
        ids = [parcels[u] for u in units]
        now_values = {pid: (VILLAGE if k < 6 else OTHER_VILLAGE, Decimal(100 + 10 * k)) for k, pid in enumerate(ids)}
        before = {pid: (region, (v / Decimal("1.05")).quantize(Decimal("0.01")) if region == VILLAGE else v)
                  for pid, (region, v) in now_values.items()}
        _run(s, "MA2025-000001", date(2025, 11, 30), before)
        _run(s, "MA2026-000001", date(2026, 11, 30), now_values)
        planning.create_features(s, [
            planning.FeatureIn("boundary", "village", "范家村", _ring(116.899, 28.199, 116.907, 28.2005),
                               code=VILLAGE),
            planning.FeatureIn("boundary", "village", "他村", _ring(116.899, 28.2015, 116.905, 28.2025),
                               code=OTHER_VILLAGE)], actor="user:1")
        sales = []
        for k, (lon, price) in enumerate([(116.901, "400000.00"), (116.902, "600000.00"), (116.903, "900000.00"),
                                          (116.904, "5000000.00")]):
            row = sale(lon=lon, lat=28.2003, price_cny=Decimal(price), sale_date=date(2025, 3, 1 + k),
                       buyer_party_id=buyer if k == 0 else None)
            sales.append(record_sale(s, **dataclasses.asdict(row), source="exchange", actor="user:1:nr"))
        s.add(SaleFlag(sale_id=sales[3].id, reason="price_outlier", score=9.0, detail="t", status="accepted",
                       run_no="F1", region_code=VILLAGE, created_at=now()))
        published = import_benchmark_system(s, golden_document(), actor="user:1")
        publish_benchmark_system(s, published.code, actor="user:1")
        draft = golden_document("DRAFT-2025")
        for zone in draft["zones"]:
            zone["code"] = "D" + zone["code"]
        import_benchmark_system(s, draft, actor="user:1")
    return {"ids": ids, "now": now_values, "before": before, "sales": [x.sale_no for x in sales]}


def _in_row(value: Decimal, row: dict[str, Any]) -> bool:
    return ((row["min"] is None or value >= Decimal(row["min"]))
            and (row["max"] is None or value < Decimal(row["max"])))


def _check_classes(answer: dict[str, Any], key: str) -> None:
    """Every feature's class is a legend row whose bounds hold the feature's value; classes count from 0."""
    rows = answer["legend"]
    assert [r["class"] for r in rows] == list(range(len(rows)))
    assert len({r["colour"] for r in rows}) == len(rows)
    for f in answer["features"]:
        row = rows[f["properties"]["class"]]
        assert _in_row(Decimal(f["properties"][key]), row), (f["properties"], row)


@pytest.fixture
def layers(db: Database, clock: Clock) -> dict[str, Any]:
    return _world(db)


def test_zones_values_sales_and_trend(db: Database, layers: dict[str, Any]) -> None:
    with TestClient(create_app()) as client:
        def get(path: str) -> dict[str, Any]:
            r = client.get(path)
            assert r.status_code == 200, r.text
            assert NAME not in r.text and ID_NUMBER not in r.text and BUYER not in r.text and BUYER_ID not in r.text
            assert '"buyer' not in r.text and '"seller' not in r.text and "party" not in r.text
            out: dict[str, Any] = r.json()
            return out

        zones = get(f"/api/v1/valuation/map/zones?bbox={GOLDEN_BOX}&zoom=13&use=residential")
        assert zones["uses"] == ["commercial", "residential"] and zones["use"] == "residential"
        assert sorted(f["properties"]["code"] for f in zones["features"]) == ["R1", "R2"]  # the draft is not public
        assert {f["properties"]["base_price"] for f in zones["features"]} == {"710.00", "790.00"}
        _check_classes(zones, "base_price")
        assert len({f["properties"]["class"] for f in zones["features"]}) == 2
        commercial = get(f"/api/v1/valuation/map/zones?bbox={GOLDEN_BOX}&zoom=13&use=commercial")
        assert [f["properties"]["code"] for f in commercial["features"]] == ["C1"]
        assert get(f"/api/v1/valuation/map/zones?bbox={BOX}&zoom=13")["features"] == []  # none in this box

        parcels = get(f"/api/v1/valuation/map/values?bbox={BOX}&zoom=16")
        assert parcels["level"] == "parcel" and parcels["run"] == "MA2026-000001"
        got = {f["properties"]["parcel_id"]: Decimal(f["properties"]["value_per_m2"]) for f in parcels["features"]}
        assert got == {pid: v for pid, (_, v) in layers["now"].items()}
        _check_classes(parcels, "value_per_m2")
        breaks = quantile_breaks([v for _, v in layers["now"].values()])  # quintiles of all the run's parcels
        assert [f["properties"]["class"] for f in parcels["features"]] == [
            class_of(got[f["properties"]["parcel_id"]], breaks) for f in parcels["features"]]
        assert len({f["properties"]["class"] for f in parcels["features"]}) == 5

        villages = get(f"/api/v1/valuation/map/values?bbox={BOX}&zoom=11")
        assert villages["level"] == "village"
        means = {f["properties"]["region_code"]: Decimal(f["properties"]["value_per_m2"])
                 for f in villages["features"]}
        assert means == {VILLAGE: Decimal("125.00"), OTHER_VILLAGE: Decimal("170.00")}  # (100..150)/6, (160..180)/3
        assert all(f["geometry"]["type"] == "Polygon" for f in villages["features"])
        _check_classes(villages, "value_per_m2")

        trend = get(f"/api/v1/valuation/map/trend?bbox={BOX}&zoom=11")
        assert (trend["current"], trend["previous"]) == ("2026-11-30", "2025-11-30")
        change = {f["properties"]["region_code"]: Decimal(f["properties"]["change"]) for f in trend["features"]}
        mean_before = sum(v for r, v in layers["before"].values() if r == VILLAGE) / 6
        assert change[VILLAGE] == (Decimal("125") / mean_before.quantize(Decimal("0.01")) - 1).quantize(
            Decimal("0.0001"))
        assert change[OTHER_VILLAGE] == Decimal("0")
        _check_classes(trend, "change")
        assert [f["properties"]["class"] for f in sorted(trend["features"], key=lambda f: f["id"])] == [3, 2]

        points = get(f"/api/v1/valuation/map/sales?bbox={BOX}&zoom=14")
        assert points["level"] == "sale"
        assert sorted(f["properties"]["sale_no"] for f in points["features"]) == sorted(layers["sales"][:3])
        _check_classes(points, "price_per_m2")
        since = get(f"/api/v1/valuation/map/sales?bbox={BOX}&zoom=14&since=2025-03-02")
        assert sorted(f["properties"]["sale_no"] for f in since["features"]) == sorted(layers["sales"][1:3])
        cells = get(f"/api/v1/valuation/map/sales?bbox={BOX}&zoom=10")
        assert cells["level"] == "cell" and sum(f["properties"]["count"] for f in cells["features"]) == 3
        _check_classes(cells, "price_per_m2")


@pytest.mark.parametrize("query", ["bbox=1,2,3", "bbox=a,b,c,d", "bbox=10,10,5,5", "bbox=116,28,119,29",
                                   "bbox=nan,0,1,1", "bbox=116.9,28.2,116.91,28.21&zoom=30",
                                   "bbox=116.9,28.2,116.91,28.21&zoom=-1"])
def test_bad_viewports_are_refused(db: Database, query: str) -> None:
    with TestClient(create_app()) as client:
        for layer in ("zones", "values", "sales", "trend"):
            r = client.get(f"/api/v1/valuation/map/{layer}?{query}")
            assert r.status_code == 422 and r.json()["code"] == "valuation.invalid_viewport", (layer, r.text)
        r = client.get("/api/v1/valuation/map/zones?bbox=116.9,28.2,116.91,28.21&use=0999")
        assert r.status_code == 422 and r.json()["code"] == "valuation.unknown_zone_use"


def test_no_run_no_system_no_sales(db: Database) -> None:
    with TestClient(create_app()) as client:
        for layer in ("zones", "values", "sales", "trend"):
            r = client.get(f"/api/v1/valuation/map/{layer}?bbox={BOX}&zoom=16")
            assert r.status_code == 200 and r.json()["features"] == [], r.text



def test_price_context_on_the_parcel_page(db: Database, layers: dict[str, Any]) -> None:
    from landbridge.kernel import modules

    first = layers["ids"][0]
    with db.transaction(readonly=True) as s:
        ctx = modules.fact("valuation.price_context")(s, first)
    assert ctx["zones"] == []  # the golden zones lie elsewhere
    assert ctx["value"]["value_per_m2"] == "100.00" and ctx["value"]["run"] == "MA2026-000001"
    assert ctx["value"]["low"] is None  # no held-out sales in these runs: no interval claimed
    assert sorted(x["sale_no"] for x in ctx["sales"]) == sorted(layers["sales"][:3])  # the flagged sale is left out
    assert all(0 < x["distance_m"] <= 2000 for x in ctx["sales"])
    assert [(t["valuation_date"], t["value_per_m2"]) for t in ctx["trend"]] == [
        ("2025-11-30", str((sum(v for r, v in layers["before"].values() if r == VILLAGE) / 6).quantize(
            Decimal("0.01")))), ("2026-11-30", "125.00")]
    with TestClient(create_app()) as client:
        page = client.get(f"/parcels/{first}")
        assert page.status_code == 200 and 'id="price-context"' in page.text
        section = page.text.split('id="price-context"')[1].split("</section>")[0]
        assert "125.00" in section and "2025-03-03" in section  # the village mean, a nearby sale
        assert BUYER not in section and BUYER_ID not in section and "100.00" in section


def test_price_context_of_a_golden_zone(db: Database, clock: Clock) -> None:
    from landbridge.kernel import modules

    with db.transaction() as s:
        holder = registry.create_party(s, kind="person", name=NAME, id_number=ID_NUMBER, actor="user:1").id
        system = import_benchmark_system(s, golden_document(), actor="user:1")
        publish_benchmark_system(s, system.code, actor="user:1")
        unit = register(s, Polygon([(117.005, 28.205), (117.006, 28.205), (117.006, 28.206), (117.005, 28.206)]),
                        [(holder, "1")])
        pid = registry.unit_parcels(s, [unit])[unit]
        ctx = modules.fact("valuation.price_context")(s, pid)
    assert [(z["code"], z["base_price"]) for z in ctx["zones"]] == [("R2", "710.00")]
    assert ctx["value"] is None and ctx["sales"] == [] and ctx["trend"] == []

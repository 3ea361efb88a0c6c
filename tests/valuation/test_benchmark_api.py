"""Benchmark API on a small demo world: import/publish/export, a parcel's coefficient and comparison values with
their explanations, the permission matrix (nothing changes on denial), stable errors (L1, F1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import box, mapping
from sqlalchemy import func, select

from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo.geography import build_geography
from landbridge.demo.world import build_world
from landbridge.ledger import current_size
from landbridge.main import create_app
from landbridge.registry.models import Parcel, RecordStatus
from landbridge.valuation import SaleIn, record_sales
from landbridge.valuation.benchmark.models import BenchmarkSystem
from landbridge.valuation.sales.models import Sale
from tests.registry.test_api import auth
from tests.valuation.test_benchmark import golden_document
from tests.web.test_pages import csrf_of, login

VILLAGE = "360603101001"
TODAY = date(2026, 6, 1)


def world_document(db: Database) -> dict[str, Any]:
    """The golden system with one 'rural' zone per grade over the world's parcels (grade 1 the western half)."""
    with db.transaction(readonly=True) as s:
        minx, miny, maxx, maxy = s.execute(select(func.min(Parcel.minx), func.min(Parcel.miny), func.max(Parcel.maxx),
                                                  func.max(Parcel.maxy))).one()
    mid = (minx + maxx) / 2
    doc = golden_document("DEMO-2025")
    doc["base_date"] = "2025-01-01"
    doc["params"]["capitalisation_rates"]["rural"] = "0.06"
    doc["params"]["monthly_growth"]["rural"] = "0.003"
    doc["params"]["use_by_class"] = {"01": "rural", "07": "residential", "0702": "rural", "05": "commercial"}
    doc["zones"] += [
        {"code": "RU1", "use": "rural", "grade": 1, "name": "农村一级", "base_price": "320", "term_years": 30,
         "plot_ratio": None, "development_level": "三通一平",
         "geometry": mapping(box(minx - 0.01, miny - 0.01, mid, maxy + 0.01))},
        {"code": "RU2", "use": "rural", "grade": 2, "name": "农村二级", "base_price": "240", "term_years": 30,
         "plot_ratio": None, "development_level": "三通一平",
         "geometry": mapping(box(mid, miny - 0.01, maxx + 0.01, maxy + 0.01))}]
    doc["factors"].append({"use": "rural", "kind": "regional", "name": "road", "label": "距道路距离",
                           "attribute": "dist_road_m", "direction": "lower_better", "thresholds": ["200", "800"],
                           "values": ["3", "0", "-3"], "default_grade": 1})
    return doc


def test_benchmark_api_on_a_demo_world(db: Database) -> None:
    profile = get_profile()
    build_world(db, profile, seed=11, today=TODAY, villages={VILLAGE: 300},
                geography=build_geography(profile, seed=20260101))
    with db.transaction() as s:
        for role, name in ((Role.nr_official, "guixi_nr"), (Role.bank_officer, "guixi_bank")):
            org = create_organisation(s, name=f"贵溪 {name}", kind=OrgKind.bank, region_code="360681000000")
            create_user(s, username=name, password="demo", display_name=name, role=role, organisation_id=org.id,
                        is_demo=True)
        parcel = s.execute(select(Parcel).where(Parcel.status == RecordStatus.current,
                                                Parcel.land_use_class.like("01%"))
                           .order_by(Parcel.id)).scalars().first()
        assert parcel is not None
        parcel_id = parcel.id
        sold = s.execute(select(Sale.land_use_class, func.count()).group_by(Sale.land_use_class)).all()
    doc = world_document(db)
    client = TestClient(create_app())

    def state() -> tuple[int, int]:
        with db.transaction(readonly=True) as s:
            return current_size(s), s.scalar(select(func.count()).select_from(BenchmarkSystem)) or 0

    # import: only the bureau of an area covering the system's area
    for user, status in ((None, 401), ("member", 403), ("bank", 403), ("supervisor", 403), ("admin", 403),
                         ("guixi_nr", 403)):
        before = state()
        r = client.post("/api/v1/valuation/benchmark", json=doc, headers=auth(client, user))
        assert r.status_code == status, (user, r.text)
        assert state() == before
    nr = auth(client, "nr")
    r = client.post("/api/v1/valuation/benchmark", json=doc, headers=nr)
    assert r.status_code == 201 and r.json()["status"] == "draft", r.text
    assert client.post("/api/v1/valuation/benchmark", json=doc, headers=nr).status_code == 409
    bad = client.post("/api/v1/valuation/benchmark", content=b"{not json", headers={**nr, "content-type":
                                                                                    "application/json"})
    assert bad.status_code == 422 and bad.json()["code"] == "valuation.invalid_benchmark"
    # the draft is not used: the parcel is valued by the system the demo world published
    r = client.get(f"/api/v1/valuation/parcels/{parcel_id}/coefficient-value", headers=nr)
    assert r.status_code == 200 and r.json()["benchmark"].startswith("YT-BENCHMARK-"), r.text
    before = state()
    assert client.post("/api/v1/valuation/benchmark/DEMO-2025/publish", headers=auth(client, "bank")).status_code == 403
    assert state() == before
    r = client.post("/api/v1/valuation/benchmark/DEMO-2025/publish", headers=nr)
    assert r.status_code == 200 and r.json()["status"] == "published"
    for user, status in ((None, 401), ("member", 403), ("clerk", 403), ("bank", 200), ("registrar", 200)):
        assert client.get("/api/v1/valuation/benchmark", headers=auth(client, user)).status_code == status
    exported = client.get("/api/v1/valuation/benchmark/DEMO-2025", headers=auth(client, "bank")).json()
    assert exported["format"] == "landbridge.benchmark/1" and len(exported["zones"]) == 5
    zones = client.get("/api/v1/valuation/benchmark/DEMO-2025/zones.geojson", params={"use": "rural"},
                       headers=nr).json()
    assert [f["properties"]["code"] for f in zones["features"]] == ["RU1", "RU2"]

    # a parcel's coefficient value, explained
    url = f"/api/v1/valuation/parcels/{parcel_id}/coefficient-value"
    for user, status in ((None, 401), ("member", 403), ("registrar", 403), ("guixi_bank", 403), ("bank", 200),
                         ("supervisor", 200), ("nr", 200)):
        before = state()
        r = client.get(url, params={"valuation_date": "2026-01-01"}, headers=auth(client, user))
        assert r.status_code == status, (user, r.text)
        assert state() == before
    body = client.get(url, params={"valuation_date": "2026-01-01", "attr": "dist_road_m:100"}, headers=nr).json()
    assert body["zone"]["use"] == "rural" and body["zone"]["code"] in ("RU1", "RU2")
    assert body["factors"] == [{"name": "road", "label": "距道路距离", "kind": "regional", "grade": 0, "value": "3",
                                "input": "100.0"}]
    assert body["date_factor_source"].startswith("(1 + 0.003)^")
    base = Decimal(body["zone"]["base_price"])
    expected = (base * Decimal("1.03") * Decimal(body["term_factor"]) * Decimal(body["plot_ratio_factor"])
                * Decimal(body["date_factor"])).quantize(Decimal("0.1"))
    assert Decimal(body["price_per_m2_cny"]) == expected
    assert Decimal(body["value_cny"]) == (expected * Decimal(body["area_m2"])).quantize(Decimal("0.01"))
    default = client.get(url, params={"valuation_date": "2026-01-01"}, headers=nr).json()
    # without attributes the factor inputs are derived from the parcel's data (metres to the one-map roads)
    assert not any("dist_road_m" in w for w in default["warnings"]) and float(default["factors"][0]["input"]) >= 0
    odd = client.get(url, params={"attr": "nocolon"}, headers=nr)
    assert odd.status_code == 422 and odd.json()["code"] == "valuation.invalid_attribute"
    assert client.get("/api/v1/valuation/parcels/99999999/coefficient-value", headers=nr).status_code == 404

    # sales comparison: three comparables of the same use within three years, adjusted by index ratios
    curl = f"/api/v1/valuation/parcels/{parcel_id}/comparison-value"
    assert client.get(curl, headers=auth(client, "member")).status_code == 403
    assert client.get(curl, headers=auth(client, "guixi_bank")).status_code == 403
    with db.transaction(readonly=True) as s:
        use = s.get_one(Parcel, parcel_id).land_use_class
    assert dict(sold).get(use, 0) >= 3
    comp = client.get(curl, params={"valuation_date": "2026-01-01"}, headers=auth(client, "bank"))
    assert comp.status_code == 200, comp.text
    c = comp.json()
    assert len(c["comparables"]) == 3 and c["candidates_considered"] >= 3
    for item in c["comparables"]:
        assert date(2023, 1, 1) <= date.fromisoformat(item["sale_date"]) <= date(2026, 1, 1)
        assert item["adjustments"][0]["name"] == "date"
        factor = Decimal(1)
        for a in item["adjustments"]:
            factor *= Decimal(a["ratio"])
        assert Decimal(item["corrected_price_cny"]) == (Decimal(item["price_per_m2_cny"]) * factor).quantize(
            Decimal("0.1"))
    similarity = [i["similarity"] for i in c["comparables"]]
    assert similarity == sorted(similarity)
    mean = sum(Decimal(i["corrected_price_cny"]) for i in c["comparables"]) / 3
    assert Decimal(c["price_per_m2_cny"]) == mean.quantize(Decimal("0.1"))
    early = client.get(curl, params={"valuation_date": "2019-01-01"}, headers=nr)
    assert early.status_code == 422 and early.json()["code"] == "valuation.too_few_comparables"
    # Three sales on the parcel itself (the most similar possible): prices 1 : 2 : 1 spread 100 % (> 40 %), and a
    # two-year lease term against the subject's 30 years moves one total adjustment beyond 30 %.
    with db.transaction() as s:
        p = s.get_one(Parcel, parcel_id)
        centre = p.geom.representative_point()
        rows = [SaleIn(sale_date=date(2025, 12, day), price_cny=(Decimal(price) * p.area_m2).quantize(Decimal("0.01")),
                       area_m2=p.area_m2, land_use_class=p.land_use_class, region_code=p.region_code,
                       right_type="land_management_right", method="lease", parcel_id=p.id, term_years=term,
                       lon=centre.x, lat=centre.y)
                for day, price, term in ((1, 100, 30), (2, 200, 30), (3, 100, 2))]
        record_sales(s, rows, actor="t", source="import")
    c = client.get(curl, params={"valuation_date": "2026-01-01"}, headers=nr).json()
    assert {i["sale_date"] for i in c["comparables"]} == {"2025-12-01", "2025-12-02", "2025-12-03"}
    short = next(i for i in c["comparables"] if i["sale_date"] == "2025-12-03")
    assert short["warning"] and "30%" in short["warning"] and [a["name"] for a in short["adjustments"]][-1] == "term"
    assert all(i["warning"] is None for i in c["comparables"] if i is not short)
    assert Decimal(c["spread"]) > Decimal("0.40") and any("spread" in w for w in c["warnings"])

    # the bureau's pages: zones of the system in force, a parcel's explained value
    page = TestClient(create_app())
    assert login(page, "nr").status_code == 303
    zones_page = page.get("/valuation/benchmark")
    assert zones_page.status_code == 200 and "基准地价" in zones_page.text and "RU1" in zones_page.text
    assert "Benchmark" in page.get("/valuation/benchmark?lang=en").text
    detail = page.get(f"/valuation/parcels/{parcel_id}?valuation_date=2026-01-01&lang=zh_CN")
    assert detail.status_code == 200 and "基准地价系数修正法" in detail.text and "市场比较法" in detail.text
    assert "Sales comparison" in page.get(f"/valuation/parcels/{parcel_id}?lang=en").text
    assert csrf_of(zones_page.text)
    member = TestClient(create_app())
    assert login(member, "member").status_code == 303
    assert member.get("/valuation/benchmark").status_code == 403

"""Benchmark price system as versioned data: import, publish (retiring the old one), export round trip, errors,
ledger events (L1, P2)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from landbridge.auth import create_demo_accounts
from landbridge.cli import app as cli_app
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.ledger import current_size, verify_ledger
from landbridge.main import create_app
from landbridge.valuation.benchmark.models import BenchmarkFactor, PriceZone
from landbridge.valuation.benchmark.rules import parse_document, value_parcel
from landbridge.valuation.benchmark.service import (
    benchmark_tables,
    current_benchmark_system,
    export_benchmark_system,
    get_benchmark_system,
    import_benchmark_system,
    is_stale,
    list_benchmark_systems,
    publish_benchmark_system,
)
from tests.registry.test_api import auth
from tests.valuation.test_benchmark import GOLDEN_ATTRIBUTES, VALUATION_DATE, golden_document


def test_import_publish_export(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        system = import_benchmark_system(s, golden_document("YT-2024"), actor="user:1:nr")
        assert system.status == "draft" and len(system.document_sha256) == 64
        assert current_benchmark_system(s, "360603101001") is None
    with db.transaction() as s:
        publish_benchmark_system(s, "YT-2024", actor="user:1:nr")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PriceZone)) == 3
        assert s.scalar(select(func.count()).select_from(BenchmarkFactor)) == 9
        doc = export_benchmark_system(s, "YT-2024")
        assert current_benchmark_system(s, "360603101001").code == "YT-2024"  # type: ignore[union-attr]
    # The export is the import format: the same tables, and the same golden value through them.
    json.dumps(doc)  # plain JSON
    again, original = parse_document(doc), parse_document(golden_document())
    assert [(z.code, z.base_price, z.term_years, z.plot_ratio) for z in again.zones] == [
        (z.code, z.base_price, z.term_years, z.plot_ratio) for z in original.zones]
    assert again.factors == original.factors and again.plot_ratio == original.plot_ratio
    assert all(a.geometry.equals(b.geometry) for a, b in zip(again.zones, original.zones, strict=True))
    with db.transaction(readonly=True) as s:
        tables = benchmark_tables(s, "YT-2024")
    zone = next(z for z in tables.zones if z.code == "R2")
    result = value_parcel(tables, zone, valuation_date=VALUATION_DATE, remaining_years=Decimal("63.97"),
                          plot_ratio=Decimal("4.58"), attributes=GOLDEN_ATTRIBUTES)
    assert result.price_per_m2 == Decimal("1144.6")
    # A revision: imported under a new code, published, retires the first.
    doc["code"] = "YT-2025"
    doc["base_date"] = "2025-01-01"
    with db.transaction() as s:
        import_benchmark_system(s, doc, actor="user:1:nr")
        publish_benchmark_system(s, "YT-2025", actor="user:1:nr")
    with db.transaction() as s:
        assert get_benchmark_system(s, "YT-2024").status == "retired"
        assert current_benchmark_system(s, "360681100001").code == "YT-2025"  # type: ignore[union-attr]
        assert [x.code for x in list_benchmark_systems(s, region_prefix="360603")] == ["YT-2025", "YT-2024"]
        assert not is_stale(get_benchmark_system(s, "YT-2024"), date(2029, 12, 31))
        assert is_stale(get_benchmark_system(s, "YT-2024"), date(2030, 1, 2))
        with pytest.raises(Conflict) as exc:
            publish_benchmark_system(s, "YT-2025", actor="user:1:nr")
        assert exc.value.code == "valuation.benchmark_not_draft"
        assert verify_ledger(s).ok


def test_import_refusals_change_nothing(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        import_benchmark_system(s, golden_document("YT-2024"), actor="t")
    with db.transaction(readonly=True) as s:
        before = current_size(s)
    bad_docs = []
    outside = golden_document("BAD-1")
    outside["zones"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[100, 20], [100.1, 20], [100.1, 20.1],
                                                                           [100, 20]]]}
    bad_docs.append((outside, "zones[0].geometry"))
    fen = golden_document("BAD-2")
    fen["zones"][0]["base_price"] = "710.001"
    bad_docs.append((fen, "zones[0].base_price"))
    nofmt = golden_document("BAD-3")
    del nofmt["format"]
    bad_docs.append((nofmt, "format"))
    region = golden_document("BAD-4")
    region["region_code"] = "999999999999"
    bad_docs.append((region, "region_code"))
    broken = golden_document("BAD-5")
    broken["factors"][0]["values"] = None
    bad_docs.append((broken, "document"))
    for doc, where in bad_docs:
        with db.transaction() as s, pytest.raises(RuleViolation) as exc:
            import_benchmark_system(s, doc, actor="t")
        assert exc.value.code == "valuation.invalid_benchmark" and exc.value.details["where"] == where
    with db.transaction() as s, pytest.raises(Conflict) as dup:
        import_benchmark_system(s, golden_document("YT-2024"), actor="t")
    assert dup.value.code == "valuation.benchmark_exists"
    with db.transaction(readonly=True) as s:
        assert current_size(s) == before
        with pytest.raises(NotFound):
            export_benchmark_system(s, "NOPE")


def test_cli_import_publish_export(db: Database, settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    src = tmp_path / "yt.json"
    src.write_text(json.dumps(golden_document("YT-CLI")), encoding="utf-8")
    url = ["--database", settings.database_url]
    ok = runner.invoke(cli_app, ["valuation", "benchmark-import", str(src), *url])
    assert ok.exit_code == 0 and "YT-CLI: draft" in ok.stdout, ok.output
    assert runner.invoke(cli_app, ["valuation", "benchmark-publish", "YT-CLI", *url]).exit_code == 0
    out = tmp_path / "out.json"
    assert runner.invoke(cli_app, ["valuation", "benchmark-export", "YT-CLI", "--out", str(out), *url]).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["status"] == "published" and parse_document(doc).zones[0].base_price == Decimal(710)
    again = runner.invoke(cli_app, ["valuation", "benchmark-import", str(src), *url])
    assert again.exit_code == 2 and "valuation.benchmark_exists" in again.stderr
    missing = runner.invoke(cli_app, ["valuation", "benchmark-export", "NOPE", *url])
    assert missing.exit_code == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert runner.invoke(cli_app, ["valuation", "benchmark-import", str(bad), *url]).exit_code == 2


def test_import_by_uploaded_file(db: Database, clock: Clock) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    client = TestClient(create_app())
    nr = auth(client, "nr")
    url = "/api/v1/valuation/benchmark"
    body = json.dumps(golden_document("YT-FILE")).encode()
    r = client.post(url, files={"file": ("yt.json", body, "application/json")}, headers=nr)
    assert r.status_code == 201 and r.json()["code"] == "YT-FILE", r.text
    for files in ({"file": ("x.json", b"[1, 2]", "application/json")}, {"file": ("x.json", b"{", "application/json")},
                  {"other": ("x.json", body, "application/json")}):
        r = client.post(url, files=files, headers=nr)
        assert r.status_code == 422 and r.json()["code"] == "valuation.invalid_benchmark", r.text


def test_factor_places_are_kept_until_features_are_added(db: Database, clock: Clock) -> None:
    """The coefficient value's one-map layers are built once, and built again when features are loaded (L1, L2)."""
    from shapely.geometry import LineString

    from landbridge.planning import FeatureIn, create_features
    from landbridge.valuation.benchmark.service import factor_places
    from landbridge.valuation.mass.places import distances

    lon, lat = np.array([116.90]), np.array([28.20])
    with db.transaction() as s:
        create_features(s, [FeatureIn("road", "county", "far", LineString([(116.95, 28.15), (116.95, 28.25)]))],
                        actor="test")
    with db.transaction(readonly=True) as s:
        first = factor_places(s, VALUATION_DATE)
        assert factor_places(s, VALUATION_DATE) is first  # kept: nothing changed
        far = distances(first, lon, lat)["dist_road_m"][0]
    with db.transaction() as s:
        create_features(s, [FeatureIn("road", "county", "near", LineString([(116.901, 28.15), (116.901, 28.25)]))],
                        actor="test")
    with db.transaction(readonly=True) as s:
        second = factor_places(s, VALUATION_DATE)
        near = distances(second, lon, lat)["dist_road_m"][0]
    assert second is not first and 50 < near < 150 < 4000 < far < 6000

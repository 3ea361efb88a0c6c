"""Parcel files: GeoJSON and GeoPackage round trips through the bulk import and the export (R1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.errors import RuleViolation
from landbridge.kernel.clock import Clock
from landbridge.registry.bulk import import_parcels
from landbridge.registry.exports import export_parcel_file as export_parcels
from landbridge.registry.files import file_sha256, read_parcels, write_parcels
from landbridge.registry.models import Application, Parcel, PropertyUnit

BOX = (116.95, 28.15, 116.96, 28.16)


def village() -> str:
    return get_profile().villages()[3].code


def write_sample(path: Path, n: int = 20, seed: int = 1, luc: str = "0101") -> list[Polygon]:
    geoms = generate_parcels(n, BOX, seed=seed)
    write_parcels(path, geoms, {"region_code": [village()] * n, "land_use_class": [luc] * n,
                                "location": [f"鹰潭 {i} 号" for i in range(n)]})
    return geoms


def db_counts(db: Database) -> tuple[int, int, int]:
    with db.transaction(readonly=True) as s:
        return (s.scalar(select(func.count()).select_from(Parcel)) or 0,
                s.scalar(select(func.count()).select_from(PropertyUnit)) or 0,
                s.scalar(select(func.count()).select_from(Application)) or 0)


@pytest.mark.parametrize(("src", "dst"), [("in.geojson", "out.gpkg"), ("in.gpkg", "out.geojson")])
def test_round_trip_import_then_export(db: Database, clock: Clock, tmp_path: Path, src: str, dst: str) -> None:
    geoms = write_sample(tmp_path / src)
    parsed = read_parcels(tmp_path / src)
    assert parsed.sha256 == file_sha256(tmp_path / src) and len(parsed.batch) == 20
    assert parsed.batch.locations[3] == "鹰潭 3 号"
    with db.transaction() as s:
        report = import_parcels(s, parsed.batch, actor="user:1", file_sha256=parsed.sha256)
    with db.transaction(readonly=True) as s:
        assert export_parcels(s, tmp_path / dst) == 20
        app = s.get(Application, report.application_id)
        assert app is not None and app.payload["file_sha256"] == parsed.sha256
    back = read_parcels(tmp_path / dst)
    assert [str(c)[:12] for c in back.batch.parcel_codes] == [village()] * 20
    assert [g.equals(MultiPolygon([o])) for g, o in zip(back.batch.geoms, geoms, strict=True)] == [True] * 20
    assert list(back.batch.land_use_classes) == ["0101"] * 20
    assert list(back.batch.locations) == [f"鹰潭 {i} 号" for i in range(20)]
    if dst.endswith(".geojson"):
        doc = json.loads((tmp_path / dst).read_text(encoding="utf-8"))
        props = doc["features"][0]["properties"]
        assert len(props["unit_code"]) == 28 and props["unit_code"].endswith("W00000000")
        assert props["unit_code"][:19] == props["parcel_code"]
        assert float(props["area_m2"]) > 0


def test_export_in_a_bbox(db: Database, clock: Clock, tmp_path: Path) -> None:
    write_sample(tmp_path / "in.geojson", n=100)
    parsed = read_parcels(tmp_path / "in.geojson")
    with db.transaction() as s:
        import_parcels(s, parsed.batch, actor="user:1", file_sha256=parsed.sha256)
    with db.transaction(readonly=True) as s:
        inside = export_parcels(s, tmp_path / "part.gpkg", bbox=(116.95, 28.15, 116.952, 28.152))
        none = export_parcels(s, tmp_path / "none.gpkg", bbox=(117.5, 28.7, 117.51, 28.71))
    assert 1 <= inside < 100
    assert none == 0
    assert len(read_parcels(tmp_path / "part.gpkg").batch) == inside


def test_bad_geometry_in_file_rejected_with_code_and_nothing_written(db: Database, clock: Clock,
                                                                      tmp_path: Path) -> None:
    geoms = generate_parcels(6, BOX, seed=2)
    geoms[4] = Polygon([(116.95, 28.15), (116.951, 28.151), (116.951, 28.15), (116.95, 28.151)])  # bow-tie
    write_parcels(tmp_path / "bad.geojson", geoms, {"region_code": [village()] * 6, "land_use_class": ["0702"] * 6})
    parsed = read_parcels(tmp_path / "bad.geojson")
    with pytest.raises(RuleViolation) as err, db.transaction() as s:
        import_parcels(s, parsed.batch, actor="user:1", file_sha256=parsed.sha256)
    assert err.value.code == "registry.invalid_geometry" and err.value.details["feature_index"] == 4
    assert db_counts(db) == (0, 0, 0)


def test_overlap_in_file_rejected_with_code_and_nothing_written(db: Database, clock: Clock, tmp_path: Path) -> None:
    geoms = generate_parcels(6, BOX, seed=3)
    geoms.append(translate(geoms[1], 0.0002, 0.0002))
    write_parcels(tmp_path / "overlap.gpkg", geoms,
                  {"region_code": [village()] * 7, "land_use_class": ["0702"] * 7})
    parsed = read_parcels(tmp_path / "overlap.gpkg")
    with pytest.raises(RuleViolation) as err, db.transaction() as s:
        import_parcels(s, parsed.batch, actor="user:1", file_sha256=parsed.sha256)
    assert err.value.code == "registry.parcel_overlap"
    assert err.value.details["feature_index"] == 6
    assert db_counts(db) == (0, 0, 0)


def test_region_code_option_fills_missing_regions(tmp_path: Path) -> None:
    geoms = generate_parcels(3, BOX, seed=4)
    write_parcels(tmp_path / "noregion.geojson", geoms, {"land_use_class": ["0702"] * 3})
    with pytest.raises(RuleViolation) as err:
        read_parcels(tmp_path / "noregion.geojson")
    assert err.value.code == "registry.missing_field"
    parsed = read_parcels(tmp_path / "noregion.geojson", region_code=village())
    assert list(parsed.batch.region_codes) == [village()] * 3


def test_foreign_crs_and_file_type_rejected(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
           "features": [{"type": "Feature", "properties": {"region_code": village(), "land_use_class": "0702"},
                         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}
    (tmp_path / "webmerc.geojson").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RuleViolation) as err:
        read_parcels(tmp_path / "webmerc.geojson")
    assert err.value.code == "registry.unsupported_crs"
    with pytest.raises(RuleViolation) as err2:
        read_parcels(tmp_path / "parcels.shp")
    assert err2.value.code == "registry.unsupported_file"


def test_cli_import_and_export(db: Database, clock: Clock, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from landbridge.cli import app
    from landbridge.db import set_database

    geoms = generate_parcels(12, BOX, seed=5)
    write_parcels(tmp_path / "cli.geojson", geoms, {"land_use_class": ["0702"] * 12})
    runner = CliRunner()
    try:
        ok = runner.invoke(app, ["import", "parcels", str(tmp_path / "cli.geojson"), "--region-code", village(),
                                 "--database", db.url])
        assert ok.exit_code == 0, ok.output
        again = runner.invoke(app, ["import", "parcels", str(tmp_path / "cli.geojson"), "--region-code", village(),
                                    "--database", db.url])
        assert again.exit_code == 1 and "registry.parcel_overlap" in again.output
        out = runner.invoke(app, ["export", "parcels", str(tmp_path / "out.gpkg"), "--database", db.url])
        assert out.exit_code == 0, out.output
    finally:
        set_database(db)
    assert db_counts(db) == (12, 12, 1)
    assert len(read_parcels(tmp_path / "out.gpkg").batch) == 12

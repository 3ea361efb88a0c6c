"""Real cadastral files (issue #21): Shapefile/GPKG/FileGDB in EPSG:4548, 4527, 4490 with GBK or UTF-8 attributes,
dry-run reports, exclusion of rejected features, exports read back with pyogrio and openpyxl."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pyogrio
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer
from shapely.affinity import translate
from sqlalchemy import func, select

from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.kernel.geo import areas_m2
from landbridge.registry.cadastre import check_features, import_staged, read_staged, resolve_crs
from landbridge.registry.exports import export_parcel_file, write_report
from landbridge.registry.models import Parcel
from tests.registry.conftest import resident_id

BOX = (116.95, 28.15, 116.97, 28.17)
N = 30


def village() -> str:
    return get_profile().villages()[3].code


def codes(n: int) -> list[str]:
    return [f"{village()}JC{i + 1:05d}" for i in range(n)]


def write_survey(path: Path, epsg: int = 4548, encoding: str = "GBK", n: int = N, *, cpg: bool = True,
                 geoms: list | None = None, extra: dict | None = None) -> list:
    """A county's delivery: parcels from the demo generator in ``epsg`` with the standard's Chinese attributes."""
    geoms = geoms if geoms is not None else generate_parcels(n, BOX, seed=7)
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    if epsg != 4490:
        t = Transformer.from_crs(4490, epsg, always_xy=True)
        arr = shapely.transform(arr, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    fields = {"ZDDM": codes(len(geoms)), "ZL": [f"余江区锦江镇范家村{i}号" for i in range(len(geoms))],
              "YT": ["0702"] * len(geoms), "QLR": ["张三"] * len(geoms),
              "ZJH": [resident_id(i) for i in range(len(geoms))], "QLLX": ["5"] * len(geoms)}
    fields.update(extra or {})
    driver = {".shp": "ESRI Shapefile", ".gpkg": "GPKG", ".gdb": "OpenFileGDB"}[path.suffix]
    pyogrio.raw.write(path, shapely.to_wkb(arr), [np.array(v, dtype=object) for v in fields.values()], list(fields),
                      layer="ZD", driver=driver, geometry_type="Polygon", crs=f"EPSG:{epsg}",
                      encoding=encoding if driver == "ESRI Shapefile" else None)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return geoms


def count(db: Database) -> int:
    with db.transaction(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(Parcel)) or 0


@pytest.mark.parametrize(("name", "epsg", "encoding", "cpg"), [
    ("zd.shp", 4548, "GBK", True), ("zd.shp", 4527, "UTF-8", True), ("zd.shp", 4490, "GBK", True),
    ("zd.shp", 4548, "GBK", False), ("zd.gpkg", 4527, "UTF-8", True), ("zd.gdb", 4548, "UTF-8", True)])
def test_round_trip_county_shapefile(db: Database, clock: Clock, tmp_path: Path, name: str, epsg: int,
                                     encoding: str, cpg: bool) -> None:
    src = tmp_path / name
    geoms = write_survey(src, epsg, encoding, cpg=cpg)
    staged = read_staged(src)
    assert staged.columns["location"][2] == "余江区锦江镇范家村2号"
    assert staged.columns["holder_name"][0] == "张三"
    assert staged.columns["region_code"][0] == village()
    with db.transaction() as s:
        report = check_features(s, staged)
        assert report.clean, report.findings[:3]
        imported = import_staged(s, report, actor="user:1")
    assert imported.parcel_count == N == count(db)
    out = tmp_path / "out" / "export.shp"
    out.parent.mkdir()
    with db.transaction(readonly=True) as s:
        assert export_parcel_file(s, out, srid=4548) == N
    assert out.with_suffix(".cpg").read_text().strip() == "GBK"
    info = pyogrio.read_info(out)
    assert info["crs"] == "EPSG:4548"
    _meta, _f, wkb, data = pyogrio.raw.read(out)
    names = list(_meta["fields"])
    back = dict(zip([str(n) for n in names], map(list, data), strict=True))
    assert sorted(back["ZDDM"]) == codes(N)
    assert sorted(back["ZL"]) == sorted(f"余江区锦江镇范家村{i}号" for i in range(N))
    t = Transformer.from_crs(4490, 4548, always_xy=True)
    original = dict(zip(codes(N), geoms, strict=True))
    for code, blob in zip(back["ZDDM"], wkb, strict=True):
        want = shapely.transform(original[code], lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
        # area to 0.01 m²; a File Geodatabase snaps its source coordinates to a 0.1 mm grid (XYResolution)
        tolerance = 0.01 if not name.endswith(".gdb") else max(0.01, 1e-4 * want.length)
        assert abs(shapely.from_wkb(blob).area - want.area) < tolerance
    # read the export back through the importer: the standard's field names map again
    again = read_staged(out)
    assert sorted(c for c in again.columns["parcel_code"] if c) == codes(N)


def test_zipped_shapefile_and_exports_to_xlsx_csv(db: Database, clock: Clock, tmp_path: Path) -> None:
    write_survey(tmp_path / "zd.shp")
    archive = tmp_path / "delivery.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in tmp_path.glob("zd.*"):
            zf.write(p, f"县/{p.name}")
    staged = read_staged(archive)
    assert len(staged) == N and staged.columns["location"][0] == "余江区锦江镇范家村0号"
    with db.transaction() as s:
        import_staged(s, check_features(s, staged), actor="user:1")
    with db.transaction(readonly=True) as s:
        assert export_parcel_file(s, tmp_path / "p.xlsx") == N
        assert export_parcel_file(s, tmp_path / "p.csv") == N
        assert export_parcel_file(s, tmp_path / "p.gpkg") == N
    raw = (tmp_path / "p.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "宗地代码" in raw.decode("utf-8-sig")
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    assert ws.freeze_panes == "A2" and ws["A1"].value == "宗地代码"
    assert ws["F2"].number_format == "0.00" and isinstance(ws["F2"].value, float)
    assert pyogrio.read_info(tmp_path / "p.gpkg")["features"] == N


def test_gbk_without_cpg_decoded_as_the_profile_default_and_garbage_refused(tmp_path: Path) -> None:
    write_survey(tmp_path / "zd.shp", cpg=False)
    assert read_staged(tmp_path / "zd.shp").columns["holder_name"][0] == "张三"
    with pytest.raises(DomainError) as exc:
        read_staged(tmp_path / "zd.shp", encoding="ISO-8859-1")
    assert exc.value.code == "registry.text_encoding" and "feature 1" in exc.value.message_en


def test_dry_run_report_lists_every_finding_and_import_needs_exclusion(db: Database, clock: Clock,
                                                                      tmp_path: Path) -> None:
    geoms = generate_parcels(N, BOX, seed=7)
    geoms[4] = translate(geoms[3], xoff=0.0)  # a copy of feature 4 (1-based) as feature 5
    bad_ids = [resident_id(i) for i in range(N)]
    bad_ids[6] = "360622198001011234"
    yt = ["0702"] * N
    yt[8] = "9999"
    write_survey(tmp_path / "zd.shp", geoms=geoms, extra={"ZJH": bad_ids, "YT": yt})
    staged = read_staged(tmp_path / "zd.shp")
    with db.transaction() as s:
        report = check_features(s, staged)
    found = {(f.feature, f.code) for f in report.findings}
    assert {(4, "registry.parcel_overlap"), (5, "registry.parcel_overlap"), (7, "registry.invalid_holder_id"),
            (9, "registry.invalid_land_use_class")} <= found
    assert report.rejected == {3, 4, 6, 8}
    write_report(report, tmp_path / "report.xlsx")
    write_report(report, tmp_path / "report.gpkg")
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    rows = list(wb["检查结果 Findings"].iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[4]) for r in rows} == found
    id_rows = [r for r in rows if r[4] == "registry.invalid_holder_id"]
    assert id_rows and all("3606**********1234" in r[5] and "360622198001011234" not in str(r) for r in id_rows)
    assert all("360622198001011234" not in f.message + f.message_en for f in report.findings)  # masked (P: privacy)
    _m, _f, _w, data = pyogrio.raw.read(tmp_path / "report.gpkg")
    status = list(data[list(_m["fields"]).index("status")])
    assert status.count("rejected") == 4 and status.count("ok") == N - 4
    with pytest.raises(DomainError) as exc, db.transaction() as s:
        import_staged(s, report, actor="user:1")
    assert exc.value.code == "registry.import_not_clean"
    assert count(db) == 0
    with db.transaction() as s:
        done = import_staged(s, check_features(s, read_staged(tmp_path / "zd.shp")), actor="user:1",
                             exclude_rejected=True)
    assert done.parcel_count == N - 4 == count(db)
    with db.transaction() as s:  # the same file again: every parcel now overlaps the register and its code exists
        again = check_features(s, read_staged(tmp_path / "zd.shp"))
    assert {f.code for f in again.findings if f.feature == 1} == {"registry.duplicate_parcel_code",
                                                                  "registry.parcel_overlap"}


def test_projected_area_from_file_matches_register(db: Database, clock: Clock, tmp_path: Path) -> None:
    geoms = write_survey(tmp_path / "zd.shp", 4527)
    with db.transaction() as s:
        import_staged(s, check_features(s, read_staged(tmp_path / "zd.shp")), actor="user:1")
    with db.transaction(readonly=True) as s:
        stored = dict(s.execute(select(Parcel.parcel_code, Parcel.area_m2)).all())
    want = areas_m2(np.array(geoms, dtype=object), 4548)
    for code, a in zip(codes(N), want, strict=True):
        assert abs(float(stored[code]) - a) <= 0.01


@pytest.mark.parametrize(("crs", "code"), [
    ("EPSG:2384", "registry.legacy_datum"), ("EPSG:2436", "registry.legacy_datum"),
    ("EPSG:4610", "registry.legacy_datum"),
    ("EPSG:32650", "registry.unsupported_crs"), (None, "registry.missing_crs")])
def test_crs_refusals(crs: str | None, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        resolve_crs(crs)
    assert exc.value.code == code
    if code == "registry.legacy_datum":
        assert "seven-parameter" in exc.value.message_en and "七参数" in exc.value.message


@pytest.mark.parametrize("epsg", [4490, 4326, 4491, 4512, 4513, 4527, 4533, 4534, 4548, 4554])
def test_every_cgcs2000_zone_accepted(epsg: int) -> None:
    resolved = resolve_crs(f"EPSG:{epsg}")
    assert resolved.epsg == epsg and (resolved.transformer is None) == (epsg in (4490, 4326))


def test_esri_prj_without_code_is_recognised() -> None:
    esri = ('PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
            'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
            'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
            'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],'
            'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    resolved = resolve_crs(esri)
    assert resolved.transformer is not None and resolved.false_easting == 500000.0
    lon, lat = resolved.transformer.transform(500000.0, 3116000.0)
    assert abs(lon - 117.0) < 1e-9 and 28.0 < lat < 28.3


def test_zone_prefix_mismatch_and_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_survey(tmp_path / "zd.shp", 4527)
    with pytest.raises(DomainError) as exc:
        read_staged(tmp_path / "zd.shp", crs="4548")  # 39 500 000-range eastings declared as un-prefixed
    assert exc.value.code == "registry.crs_mismatch"
    rules = get_profile().rules("registry_import")
    real = rules.int

    def tight(name: str, day: object = None) -> int:
        return 10 if name == "max_features" else real(name)

    monkeypatch.setattr(rules, "int", tight)
    with pytest.raises(DomainError) as exc:
        read_staged(tmp_path / "zd.shp")
    assert exc.value.code == "registry.too_many_features"


def test_missing_land_use_field_and_unsupported_file(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(DomainError) as exc:
        read_staged(tmp_path / "x.txt")
    assert exc.value.code == "registry.unsupported_file"
    geoms = generate_parcels(3, BOX, seed=1)
    pyogrio.raw.write(tmp_path / "y.gpkg", shapely.to_wkb(np.array(geoms, dtype=object)),
                      [np.array(["a", "b", "c"], dtype=object)], ["ZL"], driver="GPKG", geometry_type="Polygon",
                      crs="EPSG:4490")
    with pytest.raises(DomainError) as exc:
        read_staged(tmp_path / "y.gpkg")
    assert exc.value.code == "registry.missing_field"


def test_cli_dry_run_report_then_import_and_projected_export(db: Database, clock: Clock, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from landbridge.cli import app
    from landbridge.db import set_database

    write_survey(tmp_path / "zd.shp", 4548)
    runner = CliRunner()
    try:
        dry = runner.invoke(app, ["import", "parcels", str(tmp_path / "zd.shp"), "--dry-run",
                                  "--report", str(tmp_path / "r.xlsx"), "--report", str(tmp_path / "r.gpkg"),
                                  "--database", db.url])
        assert dry.exit_code == 0, dry.output
        assert f"{N} features (ESRI Shapefile, EPSG:4548" in dry.output and "0 rejected" in dry.output
        assert (tmp_path / "r.xlsx").exists() and pyogrio.read_info(tmp_path / "r.gpkg")["features"] == N
        assert count(db) == 0
        done = runner.invoke(app, ["import", "parcels", str(tmp_path / "zd.shp"), "--database", db.url])
        assert done.exit_code == 0 and f"imported {N} parcels" in done.output, done.output
        again = runner.invoke(app, ["import", "parcels", str(tmp_path / "zd.shp"), "--dry-run", "--database", db.url])
        assert again.exit_code == 2 and f"{N} rejected" in again.output
        refused = runner.invoke(app, ["import", "parcels", str(tmp_path / "zd.shp"), "--database", db.url])
        assert refused.exit_code == 1 and "registry.import_not_clean" in refused.output
        out = runner.invoke(app, ["export", "parcels", str(tmp_path / "x.shp"), "--projected", "--database", db.url])
        assert out.exit_code == 0 and "(EPSG:4548)" in out.output, out.output
    finally:
        set_database(db)
    assert count(db) == N and pyogrio.read_info(tmp_path / "x.shp")["crs"] == "EPSG:4548"


def test_legacy_datum_with_profile_parameters_is_transformed(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = get_profile().rules("registry_import")
    real = rules.value

    def with_params(name: str, day: object = None) -> object:
        if name == "legacy_datum_parameters":
            return {"4610": [0, 0, 0, 0, 0, 0, 0], "4214": [100.0, 0, 0, 0, 0, 0, 0]}
        return real(name)

    monkeypatch.setattr(rules, "value", with_params)
    null = resolve_crs("EPSG:2384")  # Xian 1980 / 3-degree GK CM 117E, zero parameters: a pure reprojection
    assert null.transformer is not None
    lon, _lat = null.transformer.transform(500000.0, 3116000.0)
    assert abs(lon - 117.0) < 1e-6
    shifted = resolve_crs("EPSG:4214")
    assert shifted.transformer is not None
    lon2, lat2 = shifted.transformer.transform(117.0, 28.0)
    assert 0.0005 < abs(lon2 - 117.0) + abs(lat2 - 28.0) < 0.01  # a 100 m shift applied, not a null one


def test_zipped_file_geodatabase(tmp_path: Path) -> None:
    write_survey(tmp_path / "county.gdb", 4527, "UTF-8")
    archive = tmp_path / "county.gdb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in (tmp_path / "county.gdb").rglob("*"):
            zf.write(p, p.relative_to(tmp_path).as_posix())
    staged = read_staged(archive, layer="ZD")
    assert staged.source.driver == "OpenFileGDB" and staged.crs.name == "EPSG:4527" and len(staged) == N
    assert staged.columns["location"][5] == "余江区锦江镇范家村5号"
    with pytest.raises(DomainError) as exc:
        read_staged(archive, layer="JZD")
    assert exc.value.code == "registry.layer_not_found" and "ZD" in exc.value.message_en

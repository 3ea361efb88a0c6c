"""Sales and a valuation run's parcel values out as files (issue #21), read back with openpyxl, csv and pyogrio."""

from __future__ import annotations

import csv
import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from pyproj import CRS
from sqlalchemy import select
from typer.testing import CliRunner

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.cli import app
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock, now
from landbridge.kernel.tables import MONEY_FORMAT
from landbridge.registry.bulk import import_parcels
from landbridge.registry.files import read_parcels, write_parcels
from landbridge.registry.models import Parcel
from landbridge.valuation import record_sale
from landbridge.valuation.mass.exports import export_run_values
from landbridge.valuation.mass.models import MassRun, MassValue
from landbridge.valuation.sales.exports import SALE_COLUMNS, export_sales_file
from tests.registry.conftest import resident_id
from tests.valuation.test_sales_service import sale

runner = CliRunner()
ID_NUMBER = resident_id(417)


def _sales(db: Database) -> None:
    with db.transaction() as s:
        buyer = registry.create_party(s, kind="person", name="买受人甲", id_number=ID_NUMBER, actor="user:1").id
        record_sale(s, **dataclasses.asdict(sale(buyer_party_id=buyer, related_parties=True)), source="exchange",
                    actor="user:1:nr")
        record_sale(s, **dataclasses.asdict(sale(sale_date=date(2023, 1, 2), price_cny=Decimal("1000.01"),
                                                 area_m2=Decimal("3"), land_use_class="0701")),
                    source="exchange", actor="user:1:nr")


def test_sales_as_xlsx_and_csv_without_party_identities(db: Database, clock: Clock, tmp_path: Path) -> None:
    _sales(db)
    with db.transaction(readonly=True) as s:
        assert export_sales_file(s, tmp_path / "s.xlsx") == 2
        assert export_sales_file(s, tmp_path / "s.csv") == 2
        assert export_sales_file(s, tmp_path / "only.csv", land_use_class="0701") == 1
        assert export_sales_file(s, tmp_path / "none.csv", since=date(2025, 1, 1)) == 0
    titles = [c.title for _n, c in SALE_COLUMNS]
    ws = load_workbook(tmp_path / "s.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == titles
    first = dict(zip(titles, ws[2], strict=True))
    assert first["交易编号"].value == "S2024-000001" and first["交易日期"].value.date() == date(2024, 5, 6)
    assert first["成交价（元）"].value == pytest.approx(1_200_000.0)
    assert first["成交价（元）"].number_format == MONEY_FORMAT
    assert first["单价（元/平方米）"].value == pytest.approx(600.0) and first["关联交易"].value == "是"
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader((tmp_path / "s.csv").open(encoding="utf-8-sig", newline="")))
    assert rows[0] == titles
    assert rows[2][titles.index("单价（元/平方米）")] == "333.34"  # 1000.01 / 3, half up
    assert [r[titles.index("用途（地类）")] for r in csv.reader((tmp_path / "only.csv").open(
        encoding="utf-8-sig"))][1:] == ["0701"]
    for path in (tmp_path / "s.csv",):
        text = path.read_text(encoding="utf-8-sig")
        assert ID_NUMBER not in text and "买受人甲" not in text and "buyer" not in text


def test_cli_sales_export_and_a_bad_suffix(db: Database, clock: Clock, tmp_path: Path) -> None:
    _sales(db)
    ok = runner.invoke(app, ["export", "sales", str(tmp_path / "s.xlsx"), "--since", "2024-01-01"])
    assert ok.exit_code == 0, ok.output
    assert "exported 1 sales" in ok.output
    bad = runner.invoke(app, ["export", "sales", str(tmp_path / "s.txt")])
    assert bad.exit_code == 1 and "kernel.unsupported_table" in bad.output
    wrong_date = runner.invoke(app, ["export", "sales", str(tmp_path / "s.csv"), "--since", "2024-13-01"])
    assert wrong_date.exit_code == 2


def _run(db: Database, tmp_path: Path) -> tuple[int, dict[str, tuple[Decimal, Decimal]]]:
    village = get_profile().villages()[3].code
    geoms = generate_parcels(6, (116.95, 28.15, 116.96, 28.16), seed=3)
    write_parcels(tmp_path / "in.geojson", geoms, {"region_code": [village] * 6, "land_use_class": ["0101"] * 6})
    parsed = read_parcels(tmp_path / "in.geojson")
    expected: dict[str, tuple[Decimal, Decimal]] = {}
    with db.transaction() as s:
        import_parcels(s, parsed.batch, actor="user:1", file_sha256=parsed.sha256)
        run = MassRun(run_no="MA2026-0001", valuation_date=date(2026, 1, 1), model_version="test", method="gbm",
                      seed=1, parameters={}, metrics={}, model_json="{}", sale_count=0, parcel_count=5,
                      status="completed", actor="user:1", created_at=now())
        s.add(run)
        s.flush()
        for k, p in enumerate(s.scalars(select(Parcel).order_by(Parcel.id)).all()[:5]):  # the sixth is not valued
            per_m2 = Decimal("100.00") + k
            value = (per_m2 * p.area_m2).quantize(Decimal("0.01"))
            s.add(MassValue(run_id=run.id, parcel_id=p.id, region_code=p.region_code, land_use_class="0101",
                            value_per_m2_cny=per_m2, value_cny=value, features=b""))
            expected[p.parcel_code] = (per_m2, value)
        s.flush()
        return run.id, expected


def test_valuation_run_as_tables_and_parcel_files(db: Database, clock: Clock, tmp_path: Path) -> None:
    run_id, expected = _run(db, tmp_path)
    projected = get_profile().projected_srid
    with db.transaction(readonly=True) as s:
        assert export_run_values(s, run_id, tmp_path / "v.xlsx") == 5
        assert export_run_values(s, run_id, tmp_path / "v.csv") == 5
        assert export_run_values(s, run_id, tmp_path / "v.gpkg") == 5
        assert export_run_values(s, run_id, tmp_path / "v.shp", srid=projected) == 5
        with pytest.raises(DomainError) as caught:
            export_run_values(s, run_id + 99, tmp_path / "none.xlsx")
        assert caught.value.code == "valuation.mass_run_not_found"
    ws = load_workbook(tmp_path / "v.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["评估批次", "宗地代码", "行政区划代码", "用途（地类）", "宗地面积（平方米）",
                                        "评估单价（元/平方米）", "评估总价（元）"]
    got = {r[1]: (Decimal(str(r[5])), Decimal(str(r[6]))) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert got == expected
    rows = list(csv.reader((tmp_path / "v.csv").open(encoding="utf-8-sig", newline="")))
    assert {r[1]: (Decimal(r[5]), Decimal(r[6])) for r in rows[1:]} == expected
    assert rows[1][0] == "MA2026-0001"
    meta, _fids, _wkb, data = pyogrio.raw.read(tmp_path / "v.gpkg")
    gpkg = dict(zip(meta["fields"], data, strict=True))
    assert CRS.from_user_input(meta["crs"]).to_epsg() == 4490 and len(gpkg["parcel_code"]) == 5
    assert dict(zip(gpkg["parcel_code"], gpkg["value_cny"], strict=True)) == pytest.approx(
        {k: float(v) for k, (_p, v) in expected.items()})
    meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / "v.shp", encoding="GBK")
    shp = dict(zip(meta["fields"], data, strict=True))
    assert CRS.from_user_input(meta["crs"]).to_epsg() == projected and {"ZDDM", "ZDMJ", "value_cny"} <= set(shp)
    assert (tmp_path / "v.cpg").read_text().strip().upper() in ("GBK", "936", "CP936")
    for code, area, geom in zip(shp["ZDDM"], shp["ZDMJ"], shapely.from_wkb(wkb), strict=True):
        assert code in expected and geom.area == pytest.approx(area, rel=1e-3)  # projected metres match the register

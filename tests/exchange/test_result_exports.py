"""Lot results out as the results notice publishes them (issue #21): only confirmed awards, the transferee as the
rules name it, never a losing or live bidder, read back from XLSX and CSV with BOM."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyogrio
import shapely
from openpyxl import load_workbook
from pyproj import CRS, Transformer
from typer.testing import CliRunner

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.cli import app
from landbridge.db import Database
from landbridge.exchange.exports import RESULT_COLUMNS, RESULT_FIELDS, export_lot_results
from landbridge.kernel.clock import Clock
from landbridge.kernel.tables import MONEY_FORMAT
from tests.exchange.conftest import OPERATOR, World, enrol, new_lot, start_in
from tests.exchange.test_legal_rules import decided

runner = CliRunner()


def test_only_confirmed_results_as_published(db: Database, clock: Clock, world: World, tmp_path: Path) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id, number = lot.id, lot.number
        live = new_lot(s, world, starts_at=start_in(30))  # announced, bidders enrolled: nothing of it leaves
        enrol(s, live, world, world.bidders[2])
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction(readonly=True) as s:
        assert export_lot_results(s, tmp_path / "pending.csv") == 0  # awarded but not confirmed: not published
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    with db.transaction(readonly=True) as s:
        assert export_lot_results(s, tmp_path / "r.xlsx") == 1
        assert export_lot_results(s, tmp_path / "r.csv") == 1
        assert export_lot_results(s, tmp_path / "elsewhere.csv", region_prefix="3699") == 0
    titles = [c.title for c in RESULT_COLUMNS]
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2" and [c.value for c in ws[1]] == titles
    row = dict(zip(titles, ws[2], strict=True))
    winner, loser = world.names[b1.party_id], world.names[b0.party_id]
    assert row["标的编号"].value == number
    assert row["成交价（元）"].value == 101000 and row["成交价（元）"].number_format == MONEY_FORMAT
    assert row["受让方"].value == winner[0] + "**"  # the rules publish a natural person's name masked
    assert row["竞买号"].value == b1.bidder_code and row["成交确认书编号"].value == f"CJ-{number}"
    assert row["异议数"].value == 0 and ws.max_row == 2
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == titles and Decimal(rows[1][titles.index("成交价（元）")]) == Decimal("101000.00")
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    for name in (winner, loser, world.names[world.bidders[2]]):
        assert name not in text
    assert len(rows) == 2 and rows[1][titles.index("竞买号")] == b1.bidder_code  # the losing bidder's code is absent


def test_cli_lots_export(db: Database, clock: Clock, world: World, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["export", "lots", str(tmp_path / "r.csv")])
    assert ok.exit_code == 0, ok.output
    assert "exported 0 lot results" in ok.output
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("标的编号,")


def test_results_as_points_at_their_parcels(db: Database, clock: Clock, world: World, tmp_path: Path) -> None:
    """The spatial files carry exactly the table's columns, at the lot's parcel's representative point; a losing
    bidder's name and code, and the winner's full name, are in none of them."""
    with db.transaction() as s:
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id, number = lot.id, lot.number
        parcel = registry.get_parcel(s, registry.get_unit(s, world.unit).parcel_id).geom
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    projected = get_profile().projected_srid
    with db.transaction(readonly=True) as s:
        assert export_lot_results(s, tmp_path / "r.gpkg") == 1
        assert export_lot_results(s, tmp_path / "r.geojson") == 1
        assert export_lot_results(s, tmp_path / "r.shp", srid=projected) == 1
    winner, loser = world.names[b1.party_id], world.names[b0.party_id]
    for name in ("r.gpkg", "r.geojson"):
        meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / name)
        row = dict(zip(meta["fields"], data, strict=True))
        assert list(meta["fields"]) == list(RESULT_FIELDS) and meta["geometry_type"] == "Point"
        assert CRS.from_user_input(meta["crs"]).to_epsg() == 4490
        point = shapely.from_wkb(wkb)[0]
        assert parcel.contains(point) and point.equals_exact(shapely.point_on_surface(parcel), 1e-9)
        assert row["lot_number"][0] == number and row["price_cny"][0] == 101000.0
        assert row["transferee"][0] == winner[0] + "**" and row["transferee_code"][0] == b1.bidder_code
    meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / "r.shp", encoding="GBK")
    shp = dict(zip(meta["fields"], data, strict=True))
    assert CRS.from_user_input(meta["crs"]).to_epsg() == projected
    assert (tmp_path / "r.cpg").read_text().strip().upper() in ("GBK", "936", "CP936")
    assert shp["SRF"][0] == winner[0] + "**" and shp["BDBH"][0] == number  # Chinese through the GBK .dbf
    x, y = Transformer.from_crs(projected, 4490, always_xy=True).transform(*shapely.from_wkb(wkb)[0].coords[0])
    assert parcel.contains(shapely.Point(x, y))
    for path in tmp_path.glob("r.*"):
        raw = path.read_bytes()
        for name in (winner, loser):
            assert name.encode() not in raw and name.encode("gbk") not in raw
    assert b0.bidder_code not in {str(v) for values in shp.values() for v in values}  # the loser's code: nowhere

"""Sales out as points (issue #21): each sale at its parcel's representative point (inside the parcel), in
EPSG:4490 or the profile's projected CRS, as GeoJSON, GeoPackage and Shapefile with a GBK .cpg; read back with
pyogrio. No party identity travels with them."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer
from sqlalchemy import select
from typer.testing import CliRunner

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.cli import app
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.kernel.clock import Clock
from landbridge.registry.bulk import import_parcels
from landbridge.registry.files import read_parcels, write_parcels
from landbridge.registry.models import Parcel
from landbridge.valuation import record_sale
from landbridge.valuation.sales.exports import export_sales_file
from tests.registry.conftest import resident_id
from tests.valuation.test_sales_service import sale

runner = CliRunner()
ID_NUMBER = resident_id(418)


def _world(db: Database, tmp_path: Path) -> dict[str, shapely.Geometry]:
    """Three parcels; a sale on each of the first two (one with a buyer), one sale with no parcel (at 116.9, 28.2).
    Returns each sale number's parcel geometry (None for the sale without a parcel)."""
    village = get_profile().villages()[3].code
    geoms = generate_parcels(3, (116.95, 28.15, 116.96, 28.16), seed=5)
    write_parcels(tmp_path / "in.geojson", geoms, {"region_code": [village] * 3, "land_use_class": ["0601"] * 3})
    parsed = read_parcels(tmp_path / "in.geojson")
    out: dict[str, shapely.Geometry] = {}
    with db.transaction() as s:
        import_parcels(s, parsed.batch, actor="user:1", file_sha256=parsed.sha256)
        parcels = s.scalars(select(Parcel).order_by(Parcel.id)).all()
        buyer = registry.create_party(s, kind="person", name="买受人乙", id_number=ID_NUMBER, actor="user:1").id
        for k, p in enumerate(parcels[:2]):
            row = sale(buyer_party_id=buyer if k == 0 else None, related_parties=k == 0,
                       sale_date=date(2024, 5, 6 + k), parcel_id=p.id)
            done = record_sale(s, **dataclasses.asdict(row), source="exchange", actor="user:1:nr")
            out[done.sale_no] = p.geom
        loose = record_sale(s, **dataclasses.asdict(sale(sale_date=date(2024, 6, 1))), source="exchange",
                            actor="user:1:nr")
        out[loose.sale_no] = None
    return out


def test_sales_as_points_inside_their_parcels(db: Database, clock: Clock, tmp_path: Path) -> None:
    parcels = _world(db, tmp_path)
    projected = get_profile().projected_srid
    with db.transaction(readonly=True) as s:
        assert export_sales_file(s, tmp_path / "s.gpkg") == 3
        assert export_sales_file(s, tmp_path / "s.geojson") == 3
        assert export_sales_file(s, tmp_path / "s.shp", srid=projected) == 3
        assert export_sales_file(s, tmp_path / "may.gpkg", since=date(2024, 5, 7), until=date(2024, 5, 31)) == 1
        assert export_sales_file(s, tmp_path / "none.gpkg", since=date(2030, 1, 1)) == 0
    empty = pyogrio.read_info(tmp_path / "none.gpkg")
    assert empty["features"] == 0 and empty["geometry_type"] == "Point" and "price_cny" in list(empty["fields"])
    for name in ("s.gpkg", "s.geojson"):
        meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / name)
        fields = dict(zip(meta["fields"], data, strict=True))
        assert meta["geometry_type"] == "Point" and CRS.from_user_input(meta["crs"]).to_epsg() == 4490
        points = dict(zip(fields["sale_no"], shapely.from_wkb(wkb), strict=True))
        assert set(points) == set(parcels)
        for no, geom in parcels.items():
            if geom is None:  # no parcel: the position the sale was recorded with
                assert (points[no].x, points[no].y) == pytest.approx((116.9, 28.2))
            else:
                assert geom.contains(points[no]) and points[no].equals_exact(shapely.point_on_surface(geom), 1e-9)
        assert list(fields["price_cny"]) == pytest.approx([1_200_000.0] * 3)
        assert not {"buyer_party_id", "seller_party_id", "parcel_id"} & set(fields)
    meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / "s.shp", encoding="GBK")
    shp = dict(zip(meta["fields"], data, strict=True))
    assert CRS.from_user_input(meta["crs"]).to_epsg() == projected and meta["geometry_type"] == "Point"
    assert {"JYBH", "JYRQ", "CJJ", "DJ", "YT", "GLJY"} <= set(shp)
    assert (tmp_path / "s.cpg").read_text().strip().upper() in ("GBK", "936", "CP936")
    back = Transformer.from_crs(projected, 4490, always_xy=True)
    for no, point in zip(shp["JYBH"], shapely.from_wkb(wkb), strict=True):
        geom = parcels[no]
        if geom is not None:
            assert point.x > 100_000  # metres, not degrees
            assert geom.contains(shapely.Point(*back.transform(point.x, point.y)))
    related = dict(zip(shp["JYBH"], shp["GLJY"], strict=True))
    first, second = sorted(no for no, g in parcels.items() if g is not None)
    assert (related[first], related[second]) == ("是", "否")  # Chinese text through the GBK .dbf
    for path in tmp_path.glob("s.*"):
        raw = path.read_bytes()
        assert ID_NUMBER.encode() not in raw and "买受人乙".encode() not in raw and "买受人乙".encode("gbk") not in raw
    meta, _fids, _wkb, data = pyogrio.raw.read(tmp_path / "may.gpkg")
    assert list(dict(zip(meta["fields"], data, strict=True))["sale_date"]) == ["2024-05-07"]


def test_cli_sales_points_projected(db: Database, clock: Clock, tmp_path: Path) -> None:
    _world(db, tmp_path)
    done = runner.invoke(app, ["export", "sales", str(tmp_path / "s.gpkg"), "--projected"])
    assert done.exit_code == 0, done.output
    meta = pyogrio.read_info(tmp_path / "s.gpkg")
    assert CRS.from_user_input(meta["crs"]).to_epsg() == get_profile().projected_srid and meta["features"] == 3

"""Parcels with rights out (issue #21 scope 3): each current parcel with its current rights (type, certificate,
term, restriction flags, holders), names masked outside the reader's scope, ID numbers masked, each full name
recorded as read; read back from XLSX, CSV with BOM, GeoPackage, GeoJSON and a GBK Shapefile."""

from __future__ import annotations

import csv
from pathlib import Path

import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from pyproj import CRS, Transformer
from sqlalchemy import select
from typer.testing import CliRunner

from landbridge.cityprofile import get_profile
from landbridge.cli import app
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.kernel.ids import mask_id
from landbridge.privacy import Reader, mask_name
from landbridge.privacy.models import PersonalRead
from landbridge.registry import approve_application, get_party, get_unit, lodge_mortgage
from landbridge.registry.bulk import import_parcels
from landbridge.registry.files import read_parcels, write_parcels
from landbridge.registry.models import Certificate, Parcel
from landbridge.registry.rights_export import COLUMNS, NAMES, export_parcels_with_rights, iter_parcels_with_rights
from tests.registry.conftest import ACTOR, VILLAGE, People, register, square

runner = CliRunner()
READER = Reader(actor="user:9:registrar", role="registrar", organisation_id=None)


def _world(db: Database, people: People, tmp_path: Path) -> dict[str, int]:
    """A parcel without rights (imported first), a parcel of a and b (1/2 each) under a mortgage, one of c alone.
    Returns the unit ids by holder key."""
    geoms = generate_parcels(1, (116.80, 28.05, 116.801, 28.051), seed=2)
    write_parcels(tmp_path / "bare.geojson", geoms, {"region_code": [VILLAGE], "land_use_class": ["0101"]})
    parsed = read_parcels(tmp_path / "bare.geojson")
    with db.transaction() as s:
        import_parcels(s, parsed.batch, actor=ACTOR, file_sha256=parsed.sha256)
        ab = register(s, square(3), [(people.a, "1/2"), (people.b, "1/2")])
        c = register(s, square(5), [(people.c, "1")])
        app_ = lodge_mortgage(s, actor=ACTOR, unit_id=ab, mortgagee_party_id=people.bank,
                              secured_amount="250000.00", document_no="鹰抵字 2026-8")
        approve_application(s, application_id=app_.id, actor=ACTOR)
    return {"ab": ab, "c": c}


def _facts(db: Database, people: People, units: dict[str, int]) -> dict[str, object]:
    with db.transaction(readonly=True) as s:
        parties = {k: get_party(s, getattr(people, k)) for k in ("a", "b", "c")}
        certs = {k: s.scalars(select(Certificate.number).where(Certificate.unit_id == u,
                                                                Certificate.kind == "ownership")).one()
                 for k, u in units.items()}
        codes = {k: get_unit(s, u).unit_code for k, u in units.items()}
        return {"names": {k: p.name for k, p in parties.items()}, "ids": {k: p.id_number for k, p in parties.items()},
                "certs": certs, "codes": codes}


def _reads(db: Database) -> list[tuple[int | None, str]]:
    with db.transaction(readonly=True) as s:
        return [(r.party_id, r.purpose) for r in s.scalars(select(PersonalRead).order_by(PersonalRead.id))]


def test_table_with_rights_flags_and_masked_ids(db: Database, people: People, tmp_path: Path) -> None:
    units = _world(db, people, tmp_path)
    facts = _facts(db, people, units)
    names, ids, certs, codes = facts["names"], facts["ids"], facts["certs"], facts["codes"]
    assert isinstance(names, dict) and isinstance(ids, dict) and isinstance(certs, dict) and isinstance(codes, dict)
    with db.transaction() as s:
        assert export_parcels_with_rights(s, tmp_path / "r.xlsx", reader=READER) == 3
    titles = [c.title for c in COLUMNS]
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2" and [c.value for c in ws[1]] == titles
    rows = [dict(zip(NAMES, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    bare, ab, c = rows
    assert bare["right_type"] is None and bare["holders"] is None and bare["unit_code"] is None
    assert ab["unit_code"] == codes["ab"] and ab["certificate_no"] == certs["ab"]
    assert ab["right_type"] == "土地承包经营权" and ab["term_end"].date().isoformat() == "2050-01-01"
    assert ab["holders"] == f"{names['a']}、{names['b']}" and ab["shares"] == "1/2、1/2"
    assert ab["holder_ids"] == f"{mask_id(ids['a'])}、{mask_id(ids['b'])}" and ids["a"] not in ab["holder_ids"]
    assert (ab["flag_mortgage"], ab["flag_seizure"], c["flag_mortgage"]) == ("是", "否", "否")
    assert c["holders"] == names["c"] and c["shares"] == "1" and c["certificate_no"] == certs["c"]
    assert ab["area_m2"] == pytest.approx(400, rel=0.02)  # a 20 m square
    assert sorted(_reads(db)) == sorted((getattr(people, k), "parcels_with_rights") for k in ("a", "b", "c"))


def test_names_outside_scope_masked_and_not_recorded(db: Database, people: People, tmp_path: Path) -> None:
    _world(db, people, tmp_path)
    names = _facts(db, people, {})["names"]
    assert isinstance(names, dict)
    with db.transaction() as s:
        assert export_parcels_with_rights(s, tmp_path / "r.csv", reader=READER,
                                          scope=lambda persons: {people.a} & persons) == 3
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.reader(fh))
    holders = [r[NAMES.index("holders")] for r in back[1:]]
    assert holders == ["", f"{names['a']}、{mask_name(names['b'])}", mask_name(names["c"])]
    assert names["b"] not in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert _reads(db) == [(people.a, "parcels_with_rights")]


def test_spatial_files_in_chunks(db: Database, people: People, tmp_path: Path) -> None:
    """Chunks of one parcel: the first has no right at all (every text column empty), later ones append to it."""
    _world(db, people, tmp_path)
    names = _facts(db, people, {})["names"]
    assert isinstance(names, dict)
    projected = get_profile().projected_srid
    with db.transaction() as s:
        shapes = {p.parcel_code: p.geom for p in s.scalars(select(Parcel))}
        assert export_parcels_with_rights(s, tmp_path / "r.gpkg", reader=READER, chunk=1) == 3
        assert export_parcels_with_rights(s, tmp_path / "r.geojson", reader=READER, chunk=1) == 3
        assert export_parcels_with_rights(s, tmp_path / "r.shp", reader=READER, chunk=1, srid=projected) == 3
        assert export_parcels_with_rights(s, tmp_path / "none.gpkg", reader=READER, region_prefix="3699") == 0
    for name in ("r.gpkg", "r.geojson"):
        meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / name)
        got = dict(zip(meta["fields"], data, strict=True))
        assert list(meta["fields"]) == list(NAMES) and CRS.from_user_input(meta["crs"]).to_epsg() == 4490
        assert [h or None for h in got["holders"]] == [None, f"{names['a']}、{names['b']}", names["c"]]
        for code, geom in zip(got["parcel_code"], shapely.from_wkb(wkb), strict=True):
            assert geom.equals_exact(shapes[code], 1e-9)
    meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / "r.shp", encoding="GBK")
    shp = dict(zip(meta["fields"], data, strict=True))
    assert CRS.from_user_input(meta["crs"]).to_epsg() == projected
    assert {"ZDDM", "BDCDYH", "QLLX", "BDCQZH", "QLR", "ZJH", "DY", "CF", "ZDMJ"} <= set(shp)
    assert (tmp_path / "r.cpg").read_text().strip().upper() in ("GBK", "936", "CP936")
    assert shp["QLR"][2] == names["c"] and shp["DY"][1] == "是" and shp["QLLX"][1] == "土地承包经营权"
    to_m = Transformer.from_crs(4490, projected, always_xy=True)
    for code, area, geom in zip(shp["ZDDM"], shp["ZDMJ"], shapely.from_wkb(wkb), strict=True):
        assert geom.area == pytest.approx(area, rel=1e-3)  # projected metres match the registered area
        assert shapely.transform(shapes[code], to_m.transform, interleaved=False).area == pytest.approx(
            geom.area, rel=1e-6)
    assert pyogrio.read_info(tmp_path / "none.gpkg")["features"] == 0


def test_chunks_bound_what_is_held(db: Database, people: People, tmp_path: Path) -> None:
    """Each chunk holds its parcels' rows only, and the reads of a chunk are recorded when it is produced."""
    _world(db, people, tmp_path)
    with db.transaction() as s:
        chunks = iter_parcels_with_rights(s, reader=READER, chunk=2)
        first = next(chunks)
        assert len(first) == 2 and {r["parcel_code"] for _g, r in first} == {first[0][1]["parcel_code"],
                                                                            first[1][1]["parcel_code"]}
        held = {p for (p,) in s.execute(select(PersonalRead.party_id))}
        assert held == {people.a, people.b}  # c's parcel is in the next chunk: not read yet
        assert len(next(chunks)) == 1 and next(chunks, None) is None


def test_cli_parcels_with_rights(db: Database, people: People, tmp_path: Path) -> None:
    _world(db, people, tmp_path)
    names = _facts(db, people, {})["names"]
    assert isinstance(names, dict)
    masked = runner.invoke(app, ["export", "parcels-with-rights", str(tmp_path / "m.csv"), "--reader", "张科长",
                                 "--mask-names"])
    assert masked.exit_code == 0, masked.output
    assert "exported 3 parcel rights rows" in masked.output
    text = (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    assert mask_name(names["c"]) in text and names["c"] not in text and _reads(db) == []
    done = runner.invoke(app, ["export", "parcels-with-rights", str(tmp_path / "r.gpkg"), "--reader", "张科长",
                               "--projected", "--region", VILLAGE[:6]])
    assert done.exit_code == 0, done.output
    assert CRS.from_user_input(pyogrio.read_info(tmp_path / "r.gpkg")["crs"]).to_epsg() == \
        get_profile().projected_srid
    assert len(_reads(db)) == 3
    bad = runner.invoke(app, ["export", "parcels-with-rights", str(tmp_path / "r.txt"), "--reader", "张科长"])
    assert bad.exit_code == 1 and "kernel.unsupported_table" in bad.output
    nobody = runner.invoke(app, ["export", "parcels-with-rights", str(tmp_path / "r.csv"), "--reader", ""])
    assert nobody.exit_code == 2

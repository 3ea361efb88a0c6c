"""The published lot results as an API download (issue #21): who may read the file (one case per role), the
caller's area, and the files read back (XLSX, CSV with BOM, GeoPackage points): exactly the results notice."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from landbridge import exchange, registry
from landbridge.auth import Role, create_demo_accounts
from landbridge.db import Database
from landbridge.exchange.export_views import READERS
from landbridge.exchange.exports import RESULT_COLUMNS
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from tests.exchange.conftest import OPERATOR, World, enrol, new_lot
from tests.exchange.test_legal_rules import decided
from tests.registry.test_api import auth
from tests.valuation.test_export_api import USERS


def _confirmed(db: Database, clock: Clock, world: World) -> tuple[str, str, str, str, shapely.Geometry]:
    """A confirmed award: (lot number, published transferee, winner's code, loser's name, the lot's parcel)."""
    with db.transaction() as s:
        create_demo_accounts(s)
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id, number = lot.id, lot.number
        parcel = registry.get_parcel(s, registry.get_unit(s, world.unit).parcel_id).geom
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    winner = world.names[b1.party_id]
    return number, winner[0] + "**", b1.bidder_code, world.names[b0.party_id], parcel


@pytest.mark.parametrize("role", [None, *Role])
def test_lot_results_download_per_role(db: Database, clock: Clock, world: World, role: Role | None) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    with TestClient(create_app()) as client:
        r = client.get("/api/v1/exports/lots.csv", headers=auth(client, None if role is None else USERS[role]))
    expected = 401 if role is None else 200 if role in READERS else 403
    assert r.status_code == expected, r.text
    if expected == 200:
        assert r.content.startswith(b"\xef\xbb\xbf") and r.headers["x-row-count"] == "0"
    else:
        assert r.json()["code"] == ("auth.login_required" if role is None else "auth.forbidden_role")


def test_lot_results_files_as_the_notice(db: Database, clock: Clock, world: World, tmp_path: Path) -> None:
    number, transferee, code, loser, parcel = _confirmed(db, clock, world)
    with TestClient(create_app()) as client:
        h = auth(client, "exchange")
        xlsx = client.get("/api/v1/exports/lots.xlsx", headers=h)
        assert xlsx.status_code == 200, xlsx.text
        ws = load_workbook(io.BytesIO(xlsx.content)).active
        assert ws is not None and [c.value for c in ws[1]] == [c.title for c in RESULT_COLUMNS]
        row = dict(zip([c.title for c in RESULT_COLUMNS], next(ws.iter_rows(min_row=2, values_only=True)),
                       strict=True))
        assert (row["标的编号"], row["受让方"], row["竞买号"], ws.max_row) == (number, transferee, code, 2)
        csv_ = client.get("/api/v1/exports/lots.csv", params={"kind": "nothing-such"}, headers=h)
        assert len(list(csv.reader(io.StringIO(csv_.content.decode("utf-8-sig"))))) == 1
        gpkg = client.get("/api/v1/exports/lots.gpkg", headers=auth(client, "supervisor"))
        (tmp_path / "r.gpkg").write_bytes(gpkg.content)
        meta, _fids, wkb, data = pyogrio.raw.read(tmp_path / "r.gpkg")
        got = dict(zip(meta["fields"], data, strict=True))
        assert list(got["transferee"]) == [transferee] and parcel.contains(shapely.from_wkb(wkb)[0])
        for body in (xlsx.content, csv_.content, gpkg.content):
            assert loser.encode() not in body
        outside = client.get("/api/v1/exports/lots.csv", params={"region_prefix": "3701"}, headers=h)
        assert outside.status_code == 403 and outside.json()["code"] == "auth.forbidden_region"
        assert client.get("/api/v1/exports/lots.csv", params={"region_prefix": "36x"}, headers=h).status_code == 422
        assert client.get("/api/v1/exports/lots.shp", headers=h).status_code == 422

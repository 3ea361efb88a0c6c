"""API downloads of the sales record and a valuation run's values (issue #21): who may read them (one case per
role), typed 4xx for bad ranges, and the files read back with openpyxl, csv and pyogrio."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pyproj import CRS

from landbridge.auth import Role, create_demo_accounts
from landbridge.cityprofile import get_profile
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app
from landbridge.valuation.export_views import MAX_RANGE_DAYS
from landbridge.valuation.sales.exports import SALE_COLUMNS
from tests.registry.test_api import auth
from tests.valuation.test_exports import _run
from tests.valuation.test_sale_points import ID_NUMBER, _world

USERS = {Role.admin: "admin", Role.registrar: "registrar", Role.nr_official: "nr", Role.township_official: "township",
         Role.collective_clerk: "clerk", Role.member: "member", Role.exchange_operator: "exchange",
         Role.bidder: "bidder", Role.bank_officer: "bank", Role.guarantor_officer: "guarantor",
         Role.insurer_officer: "insurer", Role.fund_manager: "fund", Role.supervisor: "supervisor",
         Role.org_admin: "bankadmin", Role.reserve_officer: "reserve",
         Role.labour_inspector: "inspector",
         Role.employer: "employer", Role.employment_officer: "jobs",
         Role.hotline_operator: "hotline"}
SALES_READERS = {Role.nr_official, Role.registrar, Role.bank_officer, Role.supervisor, Role.admin}
VALUE_READERS = {Role.nr_official, Role.bank_officer}
RANGE = {"from": "2024-01-01", "to": "2024-12-31"}


def test_every_role_is_named() -> None:
    assert set(USERS) == set(Role)


@pytest.mark.parametrize("role", [None, *Role])
def test_sales_download_per_role(db: Database, clock: Clock, tmp_path: Path, role: Role | None) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    _world(db, tmp_path)
    with TestClient(create_app()) as client:
        r = client.get("/api/v1/exports/sales.xlsx", params=RANGE,
                       headers=auth(client, None if role is None else USERS[role]))
    expected = 401 if role is None else 200 if role in SALES_READERS else 403
    assert r.status_code == expected, r.text
    if expected != 200:
        assert r.json()["code"] == ("auth.login_required" if role is None else "auth.forbidden_role")
        return
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="sales-2024-01-01-2024-12-31.xlsx"' in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and [c.value for c in ws[1]] == [c.title for _n, c in SALE_COLUMNS]
    assert ws.max_row == 4 and r.headers["x-row-count"] == "3"
    assert ID_NUMBER.encode() not in r.content


def test_sales_download_formats_and_ranges(db: Database, clock: Clock, tmp_path: Path) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    _world(db, tmp_path)
    with TestClient(create_app()) as client:
        h = auth(client, "nr")
        may = client.get("/api/v1/exports/sales.csv", params={"from": "2024-05-07", "to": "2024-05-31"}, headers=h)
        assert may.status_code == 200 and may.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(may.content.decode("utf-8-sig"))))
        assert len(rows) == 2 and rows[1][1] == "2024-05-07"
        gpkg = client.get("/api/v1/exports/sales.gpkg", params={**RANGE, "projected": "true"}, headers=h)
        assert gpkg.status_code == 200, gpkg.text
        (tmp_path / "got.gpkg").write_bytes(gpkg.content)
        info = pyogrio.read_info(tmp_path / "got.gpkg")
        assert info["features"] == 3 and info["geometry_type"] == "Point"
        assert CRS.from_user_input(info["crs"]).to_epsg() == get_profile().projected_srid
        geojson = client.get("/api/v1/exports/sales.geojson", params=RANGE, headers=h)
        assert geojson.status_code == 200 and len(geojson.json()["features"]) == 3
        backwards = client.get("/api/v1/exports/sales.xlsx", params={"from": "2024-12-31", "to": "2024-01-01"},
                               headers=h)
        assert backwards.status_code == 422 and backwards.json()["code"] == "valuation.bad_export_range"
        too_long = client.get("/api/v1/exports/sales.xlsx",
                              params={"from": "2000-01-01", "to": "2024-01-01"}, headers=h)
        assert too_long.status_code == 422 and too_long.json()["code"] == "valuation.bad_export_range"
        assert str(MAX_RANGE_DAYS) in too_long.text
        assert client.get("/api/v1/exports/sales.xlsx", params={"from": "2024-01-01"}, headers=h).status_code == 422
        assert client.get("/api/v1/exports/sales.xlsx", params={**RANGE, "from": "2024-02-30"},
                          headers=h).status_code == 422
        assert client.get("/api/v1/exports/sales.txt", params=RANGE, headers=h).status_code == 422
        other = client.get("/api/v1/exports/sales.csv", params={**RANGE, "region_prefix": "3701"}, headers=h)
        assert other.status_code == 403 and other.json()["code"] == "auth.forbidden_region"


@pytest.mark.parametrize("role", [None, *Role])
def test_valuation_download_per_role(db: Database, clock: Clock, tmp_path: Path, role: Role | None) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    run_id, expected_values = _run(db, tmp_path)
    with TestClient(create_app()) as client:
        r = client.get(f"/api/v1/exports/valuation/{run_id}.csv",
                       headers=auth(client, None if role is None else USERS[role]))
    expected = 401 if role is None else 200 if role in VALUE_READERS else 403
    assert r.status_code == expected, r.text
    if expected != 200:
        assert r.json()["code"] == ("auth.login_required" if role is None else "auth.forbidden_role")
    else:
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert {row[1] for row in rows[1:]} == set(expected_values)


def test_valuation_download_formats_and_unknown_run(db: Database, clock: Clock, tmp_path: Path) -> None:
    with db.transaction() as s:
        create_demo_accounts(s)
    run_id, expected_values = _run(db, tmp_path)
    with TestClient(create_app()) as client:
        h = auth(client, "bank")
        xlsx = client.get(f"/api/v1/exports/valuation/{run_id}.xlsx", headers=h)
        ws = load_workbook(io.BytesIO(xlsx.content)).active
        assert ws is not None and ws.max_row == 1 + len(expected_values)
        gpkg = client.get(f"/api/v1/exports/valuation/{run_id}.gpkg", headers=h)
        (tmp_path / "v.gpkg").write_bytes(gpkg.content)
        assert pyogrio.read_info(tmp_path / "v.gpkg")["features"] == len(expected_values)
        missing = client.get(f"/api/v1/exports/valuation/{run_id + 99}.xlsx", headers=h)
        assert missing.status_code == 404 and missing.json()["code"] == "valuation.mass_run_not_found"
        assert client.get("/api/v1/exports/valuation/0.xlsx", headers=h).status_code == 422

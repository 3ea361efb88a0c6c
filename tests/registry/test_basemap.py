"""Base maps (issue #21 item 4): off by default; a local MBTiles file served with TMS rows; an online source
allowed by the page policy and shown with its attribution."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landbridge.config import get_settings
from landbridge.db import Database
from landbridge.kernel.clock import Clock
from landbridge.main import create_app

PNG = b"\x89PNG\r\n\x1a\nfake-tile"


def make_mbtiles(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "test"), ("format", "png")])
        conn.execute("INSERT INTO tiles VALUES (3, 6, 4, ?)", (PNG,))  # TMS row 4 at z3 = XYZ y 3


def map_config(client: TestClient) -> dict:
    page = client.get("/")
    assert page.status_code == 200
    found = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', page.text, re.S)
    assert found
    return json.loads(found.group(1))


@pytest.fixture
def app_with(db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def start(**env: str) -> TestClient:
        for key, value in env.items():
            monkeypatch.setenv(f"LANDBRIDGE_{key.upper()}", value)
        get_settings.cache_clear()
        return TestClient(create_app())

    yield start
    get_settings.cache_clear()


def test_off_by_default(app_with) -> None:  # type: ignore[no-untyped-def]
    with app_with() as client:
        assert map_config(client)["basemap"] is None
        assert client.get("/basemap/3/6/3").status_code == 404
        assert "img-src 'self' data: blob:;" in client.get("/").headers["content-security-policy"]


def test_local_mbtiles(app_with, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_mbtiles(tmp_path / "base.mbtiles")
    with app_with(basemap_mbtiles=str(tmp_path / "base.mbtiles"), basemap_attribution="© 鹰潭市自然资源局") as client:
        config = map_config(client)["basemap"]
        assert config == {"url": "/basemap/{z}/{x}/{y}", "attribution": "© 鹰潭市自然资源局", "maxZoom": 18}
        tile = client.get("/basemap/3/6/3")
        assert tile.status_code == 200 and tile.content == PNG and tile.headers["content-type"] == "image/png"
        assert client.get("/basemap/3/6/4").status_code == 404
        assert client.get("/basemap/3/99/3").status_code == 404


def test_online_source_in_the_page_policy(app_with) -> None:  # type: ignore[no-untyped-def]
    url = ("https://t{s}.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=img"
           "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY")
    with app_with(basemap_url=url, basemap_attribution="天地图") as client:
        assert map_config(client)["basemap"]["url"] == url
        csp = client.get("/").headers["content-security-policy"]
        assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in csp

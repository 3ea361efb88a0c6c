"""A local base map served from an MBTiles file (issue #21 item 4): ``GET /basemap/{z}/{x}/{y}``.

Off unless ``LANDBRIDGE_BASEMAP_MBTILES`` names a file (MBTiles 1.3: ``tiles(zoom_level, tile_column, tile_row,
tile_data)`` with TMS rows, ``tile_row = 2^z − 1 − y``; ``metadata.format`` png, jpg, webp or pbf). The file is
opened read-only; a missing tile is a 404, as Leaflet expects for tiles outside the covered area.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from landbridge.config import get_settings

router = APIRouter(include_in_schema=False)
_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
          "pbf": "application/x-protobuf", "mvt": "application/x-protobuf"}
MAX_ZOOM = 24


@lru_cache(maxsize=4)
def _format(path: str) -> str:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:  # `with conn` does not close it
        row = conn.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
    return str(row[0]).lower() if row else "png"


def read_tile(path: str | Path, z: int, x: int, y: int) -> bytes | None:
    """The tile at XYZ ``z/x/y`` of an MBTiles file, or None."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return None
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:  # `with conn` does not close it
        row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                           (z, x, 2**z - 1 - y)).fetchone()
    return bytes(row[0]) if row else None


@router.get("/basemap/{z}/{x}/{y}")
def basemap_tile(z: int, x: int, y: int) -> Response:
    """One base-map tile from the configured MBTiles file (404 when none is configured or the tile is absent)."""
    path = get_settings().basemap_mbtiles
    if not path or not Path(path).is_file():
        return Response(status_code=404)
    data = read_tile(path, z, x, y)
    if data is None:
        return Response(status_code=404)
    fmt = _format(path)
    headers = {"Cache-Control": "public, max-age=86400"}
    if fmt in ("pbf", "mvt") and data[:2] == b"\x1f\x8b":
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type=_TYPES.get(fmt, "application/octet-stream"), headers=headers)

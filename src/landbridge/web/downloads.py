"""File downloads of the API (issue #21): an export is written to a private temporary folder by the module that owns
its rows, then sent from disk in chunks (``FileResponse``) and the folder deleted once sent, so that neither a
city-scale XLSX nor a GeoPackage is ever held in memory whole."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.responses import FileResponse

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


def file_download(write: Callable[[Path], int], fmt: str, filename: str) -> FileResponse:
    """Call ``write(path)`` (returning the number of rows) for a ``.{fmt}`` file and answer with that file as an
    attachment named ``filename`` (``X-Row-Count`` says how many rows); a refusal leaves nothing behind."""
    folder = tempfile.mkdtemp(prefix="landbridge-export-")
    path = Path(folder) / f"export.{fmt}"
    try:
        count = write(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=MEDIA_TYPES[fmt], filename=filename, headers={"X-Row-Count": str(count)},
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

"""Tabular exports a Chinese office desktop opens as is: XLSX and CSV with a byte-order mark (issue #21).

``write_table`` writes one header row (Chinese column titles) and the rows, streamed: openpyxl's write-only
workbook for ``.xlsx`` (frozen header row, bold header, a number format per column), and UTF-8 with a BOM for
``.csv`` (Excel on a Chinese Windows desktop reads a CSV without BOM as GBK and garbles it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from landbridge.kernel.clock import to_local
from landbridge.kernel.errors import KernelError

CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM
TABLE_SUFFIXES = (".xlsx", ".csv")
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")  # what the registry's file writer writes (points, parcels)
MONEY_FORMAT = "#,##0.00"  # 元, two decimals (fen)
AREA_FORMAT = "0.00"  # 平方米
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True)
class Column:
    """A column: its header (zh-CN) and optional Excel number format ("0.00", "#,##0", "yyyy-mm-dd")."""

    title: str
    number_format: str | None = None
    width: int = 14


def _local(value: Any) -> Any:
    """Excel has no time zones: an aware time is written as the city's local wall-clock time."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return to_local(value).replace(tzinfo=None)
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="seconds")
    return value


def write_table(path: str | Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
                sheet: str = "Sheet1") -> int:
    """Write ``rows`` under ``columns`` to ``.xlsx`` or ``.csv`` (by suffix); returns the number of rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    count = 0
    if suffix not in TABLE_SUFFIXES:
        raise KernelError.UNSUPPORTED_TABLE.error(suffix=suffix or "(none)")
    if suffix == ".csv":
        try:
            with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([c.title for c in columns])
                for row in rows:
                    writer.writerow([_csv_cell(v) for v in row])
                    count += 1
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written file is left behind a refusal
            raise
        return count
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.freeze_panes = "A2"
    for k, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(k)].width = c.width
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        cells = []
        for c, v in zip(columns, row, strict=True):
            cell = WriteOnlyCell(ws, value=_local(v))
            if c.number_format and v is not None:
                cell.number_format = c.number_format
            cells.append(cell)
        ws.append(cells)
        count += 1
    wb.save(path)
    return count

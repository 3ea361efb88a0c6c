"""Tabular exports a Chinese office desktop opens as is: XLSX and CSV with a byte-order mark (issue #21).

``write_table`` writes one header row (Chinese column titles) and the rows, streamed: openpyxl's write-only
workbook for ``.xlsx`` (frozen header row, bold header, a number format per column), and UTF-8 with a BOM for
``.csv`` (Excel on a Chinese Windows desktop reads a CSV without BOM as GBK and garbles it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM


@dataclass(frozen=True)
class Column:
    """A column: its header (zh-CN) and optional Excel number format ("0.00", "#,##0", "yyyy-mm-dd")."""

    title: str
    number_format: str | None = None
    width: int = 14


def write_table(path: str | Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
                sheet: str = "Sheet1") -> int:
    """Write ``rows`` under ``columns`` to ``.xlsx`` or ``.csv`` (by suffix); returns the number of rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.title for c in columns])
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        return count
    if suffix != ".xlsx":
        raise ValueError(f"unsupported table format {suffix} (use .xlsx or .csv)")
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
            cell = WriteOnlyCell(ws, value=v)
            if c.number_format and v is not None:
                cell.number_format = c.number_format
            cells.append(cell)
        ws.append(cells)
        count += 1
    wb.save(path)
    return count

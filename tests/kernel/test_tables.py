"""The one table writer (issue #21): XLSX with Chinese headers, number formats and a frozen header row; CSV with
a byte-order mark; a typed refusal for any other suffix."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from landbridge.errors import DomainError
from landbridge.kernel.tables import AREA_FORMAT, DATE_FORMAT, MONEY_FORMAT, Column, write_table

COLUMNS = [Column("宗地代码", None, 22), Column("成交价（元）", MONEY_FORMAT), Column("面积（平方米）", AREA_FORMAT),
           Column("交易日期", DATE_FORMAT), Column("记录时间", "yyyy-mm-dd hh:mm:ss")]
ROWS = [["360603101001JC00001", Decimal("1234567.89"), Decimal("2000.50"), date(2024, 5, 6),
         datetime(2024, 5, 6, 23, 30, tzinfo=UTC)],
        ["360603101001JC00002", None, Decimal("0.01"), None, None]]


def test_xlsx_has_chinese_headers_formats_and_a_frozen_header(tmp_path: Path) -> None:
    assert write_table(tmp_path / "t.xlsx", COLUMNS, iter(ROWS), sheet="交易") == 2
    ws = load_workbook(tmp_path / "t.xlsx")["交易"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS] and ws["A1"].font.b
    row = ws[2]
    assert row[0].value == "360603101001JC00001"
    assert row[1].value == pytest.approx(1234567.89) and row[1].number_format == MONEY_FORMAT
    assert row[2].value == pytest.approx(2000.5) and row[2].number_format == AREA_FORMAT
    assert row[3].value == datetime(2024, 5, 6) and row[3].number_format == DATE_FORMAT
    assert row[4].value == datetime(2024, 5, 7, 7, 30)  # 23:30 UTC is 07:30 the next day in Beijing
    assert [c.value for c in ws[3]] == ["360603101001JC00002", None, pytest.approx(0.01), None, None]
    assert ws.max_row == 3


def test_csv_has_a_bom_and_local_times(tmp_path: Path) -> None:
    assert write_table(tmp_path / "t.csv", COLUMNS, ROWS) == 2
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [c.title for c in COLUMNS]
    assert rows[1] == ["360603101001JC00001", "1234567.89", "2000.50", "2024-05-06", "2024-05-07 07:30:00"]
    assert rows[2] == ["360603101001JC00002", "", "0.01", "", ""]


@pytest.mark.parametrize("name", ["t.txt", "t", "t.xls"])
def test_other_suffixes_are_refused_with_a_code(tmp_path: Path, name: str) -> None:
    with pytest.raises(DomainError) as caught:
        write_table(tmp_path / name, COLUMNS, ROWS)
    assert caught.value.code == "kernel.unsupported_table"
    assert not (tmp_path / name).exists()

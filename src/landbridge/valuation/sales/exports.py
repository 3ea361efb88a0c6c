"""The sales record out as a table (L1, F1; issue #21): XLSX (Chinese headers, money and area formats, frozen
header row) or CSV with a byte-order mark, through the one table writer (``landbridge.kernel.tables``).

The rows are this module's own query (``iter_sales``, keyset-chunked, memory independent of the record's size).
The buyer's and seller's party ids are left out: a file leaves the platform's access control, and who bought is
personal data of a natural person (the related-parties flag, which the ratio study needs, stays).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from landbridge.kernel.tables import AREA_FORMAT, DATE_FORMAT, MONEY_FORMAT, Column, write_table
from landbridge.valuation.sales.queries import iter_sales

SALE_COLUMNS: tuple[tuple[str, Column], ...] = (
    ("sale_no", Column("交易编号", None, 16)),
    ("sale_date", Column("交易日期", DATE_FORMAT, 12)),
    ("unit_code", Column("不动产单元号", None, 30)),
    ("region_code", Column("行政区划代码", None, 14)),
    ("land_use_class", Column("用途（地类）", None, 10)),
    ("right_type", Column("权利类型", None, 16)),
    ("method", Column("交易方式", None, 10)),
    ("source", Column("数据来源", None, 10)),
    ("price_cny", Column("成交价（元）", MONEY_FORMAT, 16)),
    ("area_m2", Column("面积（平方米）", AREA_FORMAT, 14)),
    ("price_per_m2_cny", Column("单价（元/平方米）", MONEY_FORMAT, 16)),
    ("term_years", Column("年限（年）", "0", 10)),
    ("plot_ratio", Column("容积率", "0.00", 8)),
    ("lon", Column("经度", "0.000000", 12)),
    ("lat", Column("纬度", "0.000000", 12)),
    ("related_parties", Column("关联交易", None, 8)),
)


def sale_rows(session: Session, *, land_use_class: str | None = None, region_prefix: str | None = None,
              since: date | None = None, until: date | None = None) -> Iterator[list[Any]]:
    """The matching sales in id order as table rows under ``SALE_COLUMNS`` (no party identities)."""
    for sale in iter_sales(session, land_use_class=land_use_class, region_prefix=region_prefix, since=since,
                           until=until):
        row: list[Any] = []
        for name, _col in SALE_COLUMNS:
            value = sale[name]
            if name == "related_parties":
                value = None if value is None else ("是" if value else "否")
            row.append(value)
        yield row


def export_sales_file(session: Session, path: str | Path, *, land_use_class: str | None = None,
                      region_prefix: str | None = None, since: date | None = None,
                      until: date | None = None) -> int:
    """Write the matching sales to ``.xlsx`` or ``.csv`` (by suffix); returns the number of sales written."""
    columns: Sequence[Column] = [c for _n, c in SALE_COLUMNS]
    return write_table(path, columns, sale_rows(session, land_use_class=land_use_class, region_prefix=region_prefix,
                                                since=since, until=until), sheet="交易案例")

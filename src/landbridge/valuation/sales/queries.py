"""Reading the sales record: filtered pages, a streaming iterator, CSV export (L1, F1).

Export is CSV only: neither polars nor pyarrow is a dependency of the platform, so Parquet is not
written here (a later issue may add it together with the dependency).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from landbridge.kernel.money import FEN
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.sales.models import Sale

CSV_FIELDS = ("sale_no", "sale_date", "parcel_id", "unit_code", "region_code", "land_use_class", "right_type",
              "method", "source", "price_cny", "area_m2", "price_per_m2_cny", "term_years", "plot_ratio", "lon",
              "lat", "buyer_party_id", "seller_party_id", "related_parties")
PARTY_FIELDS = frozenset({"buyer_party_id", "seller_party_id"})


def _filtered(stmt: Select[Any], *, land_use_class: str | None, region_prefix: str | None, since: date | None,
              until: date | None) -> Select[Any]:
    if land_use_class:
        stmt = stmt.where(Sale.land_use_class == land_use_class)
    if region_prefix:
        stmt = stmt.where(Sale.region_code.startswith(region_prefix, autoescape=True))
    if since is not None:
        stmt = stmt.where(Sale.sale_date >= since)
    if until is not None:
        stmt = stmt.where(Sale.sale_date <= until)
    return stmt


def get_sale(session: Session, sale_id: int) -> Sale:
    """One sale of the sales record, or 404 (L1)."""
    sale = session.get(Sale, sale_id)
    if sale is None:
        raise ValuationError.SALE_NOT_FOUND.error({"sale_id": sale_id}, id=sale_id)
    return sale


def list_sales(session: Session, *, land_use_class: str | None = None, region_prefix: str | None = None,
               since: date | None = None, until: date | None = None, page: int = 1,
               page_size: int = 100) -> tuple[list[Sale], int]:
    """A page of sales (newest first) matching the filters, and how many match in all (L1, F1)."""
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    filters: dict[str, Any] = {"land_use_class": land_use_class, "region_prefix": region_prefix, "since": since,
                               "until": until}
    total = int(session.execute(_filtered(select(func.count()).select_from(Sale), **filters)).scalar_one())
    stmt = _filtered(select(Sale), **filters).order_by(Sale.sale_date.desc(), Sale.id.desc())
    items = list(session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).scalars())
    return items, total


def iter_sales(session: Session, *, land_use_class: str | None = None, region_prefix: str | None = None,
               since: date | None = None, until: date | None = None, chunk: int = 5_000) -> Iterator[dict[str, Any]]:
    """Every matching sale in id order as a plain row (``CSV_FIELDS``), fetched in keyset chunks (L1, F1)."""
    columns = [getattr(Sale, name) for name in CSV_FIELDS if name != "price_per_m2_cny"]
    stmt = _filtered(select(Sale.id, *columns), land_use_class=land_use_class, region_prefix=region_prefix,
                     since=since, until=until)
    last = 0
    while True:
        rows = session.execute(stmt.where(Sale.id > last).order_by(Sale.id).limit(chunk)).mappings().all()
        if not rows:
            return
        for row in rows:
            out = dict(row)
            out.pop("id")
            out["price_per_m2_cny"] = (Decimal(out["price_cny"]) / Decimal(out["area_m2"])).quantize(
                FEN, rounding=ROUND_HALF_UP)
            yield out
        last = int(rows[-1]["id"])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def sales_csv(session: Session, *, mask_parties: bool = False, chunk_rows: int = 2_000,
              **filters: Any) -> Iterator[str]:
    """The matching sales as CSV text (UTF-8, header first), yielded in pieces for streaming (L1)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for n, row in enumerate(iter_sales(session, **filters), start=1):
        writer.writerow(["" if mask_parties and name in PARTY_FIELDS else _cell(row[name]) for name in CSV_FIELDS])
        if n % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_sales_csv(session: Session, out: TextIO, *, mask_parties: bool = False, **filters: Any) -> int:
    """Write the matching sales to a CSV file; returns the number of sales written (L1)."""
    lines = 0
    for piece in sales_csv(session, mask_parties=mask_parties, **filters):
        out.write(piece)
        lines += piece.count("\n")
    return lines - 1

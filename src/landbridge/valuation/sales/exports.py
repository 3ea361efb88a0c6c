"""The sales record out (L1, F1; issue #21): XLSX (Chinese headers, money and area formats, frozen header row) or
CSV with a byte-order mark through the one table writer (``landbridge.kernel.tables``), or points as GeoJSON,
GeoPackage or Shapefile (GBK ``.cpg``) through the registry's one file writer, in CGCS2000 geographic or the
profile's projected CRS. A sale's point is its parcel's representative point (``registry.parcel_points``: inside
the parcel); a sale recorded without a parcel keeps the position it was recorded with, or none.

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

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.kernel.tables import AREA_FORMAT, DATE_FORMAT, MONEY_FORMAT, SPATIAL_SUFFIXES, Column, write_table
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


# DBF field names (≤ 10 characters) for the Shapefile: the standard's pinyin initials where it has them
SHAPEFILE_NAMES = {"sale_no": "JYBH", "sale_date": "JYRQ", "unit_code": "BDCDYH", "region_code": "XZQDM",
                   "land_use_class": "YT", "right_type": "QLLX", "method": "JYFS", "source": "SJLY",
                   "price_cny": "CJJ", "area_m2": "MJ", "price_per_m2_cny": "DJ", "term_years": "NX",
                   "plot_ratio": "RJL", "lon": "JD", "lat": "WD", "related_parties": "GLJY"}
NUMERIC = frozenset({"price_cny", "area_m2", "price_per_m2_cny", "term_years", "plot_ratio", "lon", "lat"})
CHUNK = 2_000


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
                      until: date | None = None, srid: int = GEOGRAPHIC_SRID) -> int:
    """Write the matching sales to ``.xlsx`` or ``.csv``, or as points to ``.geojson``, ``.gpkg`` or ``.shp`` in
    ``srid`` (by suffix); returns the number of sales written."""
    if Path(path).suffix.lower() in SPATIAL_SUFFIXES:
        return _write_sale_points(session, Path(path), srid=srid, land_use_class=land_use_class,
                                  region_prefix=region_prefix, since=since, until=until)
    columns: Sequence[Column] = [c for _n, c in SALE_COLUMNS]
    return write_table(path, columns, sale_rows(session, land_use_class=land_use_class, region_prefix=region_prefix,
                                                since=since, until=until), sheet="交易案例")


def _spatial_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in NUMERIC:
        return float(value)
    if name == "related_parties":
        return "是" if value else "否"
    return value.isoformat() if isinstance(value, date) else str(value)


def _write_sale_points(session: Session, path: Path, *, srid: int, **filters: Any) -> int:
    from landbridge.registry.cadastre import RULE_SET
    from landbridge.registry.files import write_chunks  # the one file writer (pyogrio on demand)

    names = [n for n, _c in SALE_COLUMNS]

    def chunks() -> Iterator[tuple[list[Any], dict[str, list[Any]]]]:
        batch: list[dict[str, Any]] = []
        for sale in iter_sales(session, **filters):
            batch.append(sale)
            if len(batch) >= CHUNK:
                yield _points_of(session, batch, names)
                batch = []
        if batch:
            yield _points_of(session, batch, names)

    return write_chunks(path, chunks(), names, points=True, float_fields=NUMERIC, srid=srid, layer="sales",
                        field_names=SHAPEFILE_NAMES,
                        encoding=str(get_profile().rules(RULE_SET).value("export_shapefile_encoding")))


def _points_of(session: Session, batch: list[dict[str, Any]],
               names: list[str]) -> tuple[list[Any], dict[str, list[Any]]]:
    """A chunk of sales as points (the parcel's representative point, else the recorded lon/lat) and attributes."""
    from shapely.geometry import Point

    where = registry.parcel_points(session, [int(r["parcel_id"]) for r in batch if r["parcel_id"] is not None])
    points: list[Any] = []
    for r in batch:
        point = where.get(int(r["parcel_id"])) if r["parcel_id"] is not None else None
        if point is None and r["lon"] is not None and r["lat"] is not None:
            point = Point(float(r["lon"]), float(r["lat"]))
        points.append(point)
    return points, {n: [_spatial_value(n, r[n]) for r in batch] for n in names}

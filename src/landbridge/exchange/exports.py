"""Lot results out as the law publishes them (成交公示; 39号令 art. 22; issue #21): XLSX or CSV with BOM through
the one table writer (``landbridge.kernel.tables``), or points as GeoJSON, GeoPackage or Shapefile (GBK ``.cpg``)
through the registry's one file writer, in CGCS2000 geographic or the profile's projected CRS: a lot's point is
its parcel's representative point (``registry.parcel_points``), the attributes exactly the table's.

Each row is the lot's results notice (``results_notice.notice_of``) and nothing more: only lots with a confirmed
award, the transferee named exactly as the publication rules name it (a natural person masked or by bidder code),
never a bidder that did not win, never a live auction's leader, no objector and no grounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.exchange.models import Lot
from landbridge.exchange.results_notice import NOTICE_PHASES, notice_of
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.kernel.tables import DATE_FORMAT, MONEY_FORMAT, SPATIAL_SUFFIXES, Column, write_table
from landbridge.registry.cadastre import RULE_SET
from landbridge.registry.files import write_chunks  # the one file writer (pyogrio on demand)

RESULT_COLUMNS = (Column("标的编号", None, 18), Column("标的名称", None, 30), Column("标的类型", None, 16),
                  Column("行政区划代码", None, 14), Column("成交价（元）", MONEY_FORMAT, 16),
                  Column("受让方", None, 24), Column("竞买号", None, 10), Column("成交确认书编号", None, 20),
                  Column("公示日期", DATE_FORMAT, 12), Column("公示截止日", DATE_FORMAT, 12),
                  Column("异议数", "0", 8), Column("依据", None, 30))
CHUNK = 500
# the spatial files' attribute names (the GeoPackage's and GeoJSON's) and the Shapefile's (≤ 10 characters)
RESULT_FIELDS = ("lot_number", "title", "kind", "region_code", "price_cny", "transferee", "transferee_code",
                 "confirmation_no", "published_on", "closes_on", "objections", "source")
SHAPEFILE_NAMES = dict(zip(RESULT_FIELDS, ("BDBH", "BDMC", "BDLX", "XZQDM", "CJJ", "SRF", "JMH", "QRSBH", "GSRQ",
                                           "GSJZR", "YYS", "YJ"), strict=True))
NUMERIC = frozenset({"price_cny", "objections"})


def lot_result_rows(session: Session, *, region_prefix: str | None = None, kind: str | None = None,
                    chunk: int = CHUNK) -> Iterator[list[Any]]:
    """The published results of confirmed awards (optionally in a region or of a lot kind), in lot id order, as
    rows under ``RESULT_COLUMNS``."""
    for _lot, row in _results(session, region_prefix=region_prefix, kind=kind, chunk=chunk):
        yield row


def _results(session: Session, *, region_prefix: str | None, kind: str | None,
             chunk: int) -> Iterator[tuple[Lot, list[Any]]]:
    stmt = select(Lot).where(Lot.phase.in_([str(p) for p in NOTICE_PHASES]))
    if region_prefix:
        stmt = stmt.where(Lot.region_code.startswith(region_prefix, autoescape=True))
    if kind:
        stmt = stmt.where(Lot.kind == kind)
    last = 0
    while True:
        lots = list(session.scalars(stmt.where(Lot.id > last).order_by(Lot.id).limit(chunk)))
        if not lots:
            return
        for lot in lots:
            notice = notice_of(session, lot)
            if notice is None:
                continue
            yield lot, [notice.lot_number, lot.title, lot.kind, lot.region_code, notice.price_cny, notice.transferee,
                   notice.transferee_code, notice.confirmation_no, notice.published_on, notice.closes_on,
                   len(notice.objections), notice.source]
        last = lots[-1].id


def export_lot_results(session: Session, path: str | Path, *, region_prefix: str | None = None,
                       kind: str | None = None, srid: int = GEOGRAPHIC_SRID) -> int:
    """Write the published lot results to ``.xlsx`` or ``.csv``, or as points to ``.geojson``, ``.gpkg`` or
    ``.shp`` in ``srid``; returns the number of results written."""
    if Path(path).suffix.lower() in SPATIAL_SUFFIXES:
        return _write_result_points(session, Path(path), region_prefix=region_prefix, kind=kind, srid=srid)
    return write_table(path, RESULT_COLUMNS, lot_result_rows(session, region_prefix=region_prefix, kind=kind),
                       sheet="成交结果")


def _spatial_value(value: Any) -> Any:
    """A table cell as a spatial attribute: numbers (price, objections) as floats, days as ISO text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return float(value)


def _write_result_points(session: Session, path: Path, *, region_prefix: str | None, kind: str | None,
                         srid: int) -> int:

    def chunks() -> Iterator[tuple[list[Any], dict[str, list[Any]]]]:
        batch: list[tuple[Lot, list[Any]]] = []
        for item in _results(session, region_prefix=region_prefix, kind=kind, chunk=CHUNK):
            batch.append(item)
            if len(batch) >= CHUNK:
                yield _points_of(session, batch)
                batch = []
        if batch:
            yield _points_of(session, batch)

    return write_chunks(path, chunks(), RESULT_FIELDS, points=True, float_fields=NUMERIC, srid=srid,
                        layer="lot_results", field_names=SHAPEFILE_NAMES,
                        encoding=str(get_profile().rules(RULE_SET).value("export_shapefile_encoding")))


def _points_of(session: Session, batch: list[tuple[Lot, list[Any]]]) -> tuple[list[Any], dict[str, list[Any]]]:
    """A chunk of results at their lots' parcels' representative points, with the table's values."""
    parcels = registry.unit_parcels(session, [lot.unit_id for lot, _r in batch if lot.unit_id is not None])
    where = registry.parcel_points(session, list(parcels.values()))
    points = [None if lot.unit_id is None or lot.unit_id not in parcels else where.get(parcels[lot.unit_id])
              for lot, _r in batch]
    return points, {f: [_spatial_value(row[k]) for _lot, row in batch] for k, f in enumerate(RESULT_FIELDS)}

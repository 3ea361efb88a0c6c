"""A valuation run's parcel values out (L1; issue #21): XLSX or CSV with BOM through the one table writer
(``landbridge.kernel.tables``), or GeoJSON, GeoPackage and Shapefile through the registry's one parcel-file writer
(``landbridge.registry.files.write_parcels``), in CGCS2000 geographic or the profile's projected CRS.

The rows are this module's own query (``run_value_rows``: the run's ``MassValue`` rows in parcel order, keyset
chunked); parcel codes, areas and shapes come from the registry's public bulk reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.kernel.tables import AREA_FORMAT, MONEY_FORMAT, TABLE_SUFFIXES, Column, write_table
from landbridge.valuation.mass.models import MassRun, MassValue
from landbridge.valuation.mass.service import get_run

FIELDS = ("run_no", "parcel_code", "region_code", "land_use_class", "area_m2", "value_per_m2_cny", "value_cny")
VALUE_COLUMNS = (Column("评估批次", None, 20), Column("宗地代码", None, 22), Column("行政区划代码", None, 14),
                 Column("用途（地类）", None, 10), Column("宗地面积（平方米）", AREA_FORMAT, 16),
                 Column("评估单价（元/平方米）", MONEY_FORMAT, 18), Column("评估总价（元）", MONEY_FORMAT, 18))
CHUNK = 2_000


def run_value_rows(session: Session, run_id: int, *, with_geometry: bool = False,
                   chunk: int = CHUNK) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(geometry or None, row under ``FIELDS``) for each parcel value of the run, in parcel id order; 404
    ``valuation.mass_run_not_found`` for an unknown run (L1)."""
    run = get_run(session, run_id)  # refused at once, before a file is opened
    return _value_rows(session, run, with_geometry, chunk)


def _value_rows(session: Session, run: MassRun, with_geometry: bool,
                chunk: int) -> Iterator[tuple[Any, dict[str, Any]]]:
    stmt = select(MassValue.parcel_id, MassValue.region_code, MassValue.land_use_class, MassValue.value_per_m2_cny,
                  MassValue.value_cny).where(MassValue.run_id == run.id).order_by(MassValue.parcel_id)
    last = 0
    while True:
        rows = session.execute(stmt.where(MassValue.parcel_id > last).limit(chunk)).all()
        if not rows:
            return
        ids = [int(r[0]) for r in rows]
        codes = registry.parcel_codes(session, ids)
        shapes: dict[int, tuple[Any, Decimal]] = {}
        if with_geometry:
            shapes = {i: (g, a) for i, g, a in registry.parcel_shapes(session, ids)}
            areas = {i: a for i, (_g, a) in shapes.items()}
        else:
            areas = registry.parcel_areas(session, ids)
        for pid, region, use, per_m2, value in rows:
            geom = shapes.get(int(pid), (None, None))[0]
            yield geom, {"run_no": run.run_no, "parcel_code": codes.get(int(pid)), "region_code": region,
                         "land_use_class": use, "area_m2": areas.get(int(pid)), "value_per_m2_cny": per_m2,
                         "value_cny": value}
        last = ids[-1]


def export_run_values(session: Session, run_id: int, path: str | Path, *, srid: int = GEOGRAPHIC_SRID) -> int:
    """Write the run's parcel values to .xlsx/.csv (attributes) or .geojson/.gpkg/.shp (parcels in ``srid``);
    returns the number of parcels written."""
    path = Path(path)
    if path.suffix.lower() in TABLE_SUFFIXES:
        rows = ([row[f] for f in FIELDS] for _g, row in run_value_rows(session, run_id))
        return write_table(path, VALUE_COLUMNS, rows, sheet="评估结果")
    from landbridge.registry.cadastre import RULE_SET
    from landbridge.registry.files import write_parcels  # the one parcel-file writer (pyogrio on demand)

    geoms: list[Any] = []
    props: dict[str, list[Any]] = {f: [] for f in FIELDS}
    for geom, row in run_value_rows(session, run_id, with_geometry=True):
        geoms.append(geom)
        for f in FIELDS:
            v = row[f]
            props[f].append(float(v) if isinstance(v, Decimal) else v)
    write_parcels(path, geoms, props, srid=srid, encoding=str(
        get_profile().rules(RULE_SET).value("export_shapefile_encoding")))
    return len(geoms)

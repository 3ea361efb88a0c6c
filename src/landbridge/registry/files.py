"""Parcel files in and out: GeoJSON FeatureCollections and GeoPackages in EPSG:4490 (R1).

Reading and writing go through ``pyogrio.raw`` (GDAL, columnar, no GeoPandas), so that a file of
10⁶ parcels is read into a ``ParcelBatch`` in seconds. Feature properties: ``region_code``
(12-digit village code), ``land_use_class`` (GB/T 21010), ``location``, and optionally
``parcel_code`` (19 characters; drawn from the sequence counter when absent). Exports carry the
current parcels with their pure-land unit codes and areas.

A GeoJSON file without a ``crs`` member is read as CGCS2000: RFC 7946 says WGS 84, and the two
frames differ by a few centimetres, well inside survey tolerance for a file exchange.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from landbridge.kernel.geo import GEOGRAPHIC_SRID, as_multipolygon
from landbridge.kernel.spatial import BBox, bbox_filter
from landbridge.registry.bulk import ParcelBatch
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus
from landbridge.registry.rules import PURE_LAND_SUFFIX

FIELDS = ("region_code", "land_use_class", "location", "parcel_code")
EXPORT_FIELDS = ("parcel_code", "unit_code", "region_code", "land_use_class", "location", "area_m2")
_ACCEPTED_CRS = {GEOGRAPHIC_SRID, 4326}  # 4326 / CRS84: GeoJSON's default frame, taken as CGCS2000


@dataclass(frozen=True)
class ParcelFile:
    """A parsed parcel file: the batch to import and the SHA-256 of the file's bytes."""

    batch: ParcelBatch
    sha256: str
    driver: str


def _driver(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "GeoJSON"
    if suffix == ".gpkg":
        return "GPKG"
    raise RegistryError.UNSUPPORTED_FILE.error(suffix=suffix)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed (sealed in the import application and its ledger events, P2)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_crs(crs: str | None) -> None:
    if not crs:
        return
    epsg = CRS.from_user_input(crs).to_epsg()
    if epsg not in _ACCEPTED_CRS:
        raise RegistryError.UNSUPPORTED_CRS.error({"crs": crs}, crs=str(crs))


def text_values(values: Any) -> list[str | None]:
    """A file column as text: None for missing and NaN, whole floats without ".0", stripped, "" as None."""
    out: list[str | None] = []
    for v in values.tolist() if hasattr(values, "tolist") else values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            text = str(v).strip()
            out.append(text or None)
    return out


def read_parcels(path: str | Path, *, region_code: str | None = None) -> ParcelFile:
    """Read a GeoJSON or GeoPackage parcel file into a batch for ``import_parcels`` (R1).

    ``region_code`` fills the region of features that carry none (CLI ``--region-code``).
    """
    path = Path(path)
    driver = _driver(path)
    meta, _fids, wkb, field_data = pyogrio.raw.read(path)
    _check_crs(meta.get("crs"))
    names = [str(f) for f in meta["fields"]]
    columns = {name: text_values(data) for name, data in zip(names, field_data, strict=True)}
    n = 0 if wkb is None else len(wkb)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if n else np.empty(0, dtype=object)
    regions = columns.get("region_code")
    if region_code:
        regions = [r or region_code for r in (regions or [None] * n)]
    for required, values in (("region_code", regions), ("land_use_class", columns.get("land_use_class"))):
        if values is None:
            raise RegistryError.MISSING_FIELD.error({"required": required}, field=required)
    batch = ParcelBatch(
        geoms=list(geoms), region_codes=regions or [], land_use_classes=columns["land_use_class"],
        locations=columns.get("location") or [None] * n, parcel_codes=columns.get("parcel_code") or [None] * n,
    )
    return ParcelFile(batch=batch, sha256=file_sha256(path), driver=driver)


WRITE_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}
SHAPEFILE_FIELDS = {"parcel_code": "ZDDM", "unit_code": "BDCDYH", "region_code": "XZQDM", "land_use_class": "YT",
                    "location": "ZL", "area_m2": "ZDMJ"}  # the standard's names: DBF field names are ≤ 10 characters


def _reproject(arr: np.ndarray, srid: int) -> Any:
    if srid == GEOGRAPHIC_SRID:
        return arr
    t = Transformer.from_crs(GEOGRAPHIC_SRID, srid, always_xy=True)
    return shapely.transform(arr, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def write_chunks(path: str | Path, chunks: Iterable[tuple[list[Any], dict[str, list[Any]]]], names: Sequence[str],
                 *, points: bool, float_fields: frozenset[str], srid: int = GEOGRAPHIC_SRID, layer: str,
                 encoding: str = "UTF-8", field_names: dict[str, str] | None = None) -> int:
    """Write (geometries, properties under ``names``) chunk by chunk to one layer, Points or MultiPolygons (a
    missing geometry stays empty): each chunk appended to the file, so an export holds one chunk at a time (issue
    #21). ``float_fields`` are numbers, every other property text, whatever the first chunk holds; no chunk at all
    writes an empty layer with the columns. A failure part way leaves no file. Returns the number of features."""
    path = Path(path)
    kind = "Point" if points else "MultiPolygon"
    count = 0
    try:
        for geoms, props in chunks:
            shapes = [None if g is None or g.is_empty else (g if points else as_multipolygon(g)) for g in geoms]
            _write(path, shapes, {n: props[n] for n in names}, srid=srid, layer=layer, encoding=encoding,
                   append=count > 0, geometry_type=kind, field_names=field_names or {}, float_fields=float_fields)
            count += len(geoms)
        if count == 0:
            _write(path, [], {n: [] for n in names}, srid=srid, layer=layer, encoding=encoding, append=False,
                   geometry_type=kind, field_names=field_names or {}, float_fields=float_fields)
    except BaseException:
        for sibling in path.parent.glob(path.stem + ".*"):
            if sibling.suffix.lower() in (path.suffix.lower(), ".shx", ".dbf", ".prj", ".cpg"):
                sibling.unlink(missing_ok=True)
        raise
    return count


def write_parcels(path: str | Path, geoms: Any, properties: dict[str, list[Any]], *, srid: int = GEOGRAPHIC_SRID,
                  layer: str = "parcels", encoding: str = "UTF-8", append: bool = False,
                  field_names: dict[str, str] | None = None, float_fields: frozenset[str] | None = None) -> None:
    """Write MultiPolygons (a missing geometry stays empty) with text or float properties to GeoJSON, GeoPackage
    or Shapefile in ``srid`` (R1; issue #21): the one writer of parcel files, for imports' fixtures, exports and
    the dry-run report. A Shapefile takes the standard's field names and ``encoding`` (its ``.cpg``). ``append``
    adds to the file's layer instead of replacing the file (a report written chunk by chunk)."""
    _write(path, [None if g is None else as_multipolygon(g) for g in geoms], properties, srid=srid, layer=layer,
           encoding=encoding, append=append, geometry_type="MultiPolygon", field_names=field_names or {},
           float_fields=float_fields)


def _write(path: str | Path, geoms: list[Any], properties: dict[str, list[Any]], *, srid: int, layer: str,
           encoding: str, append: bool, geometry_type: str, field_names: dict[str, str],
           float_fields: frozenset[str] | None = None) -> None:
    path = Path(path)
    driver = WRITE_DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise RegistryError.UNSUPPORTED_FILE.error(suffix=path.suffix)
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    arr = _reproject(arr, srid)
    names, data, masks = [], [], []
    for name, values in properties.items():
        if len(values) != len(arr):
            raise ValueError(f"property {name} has {len(values)} values for {len(arr)} geometries")
        names.append(field_names.get(name) or SHAPEFILE_FIELDS.get(name, name[:10]) if driver == "ESRI Shapefile"
                     else name)
        if (float_fields is not None and name in float_fields) or (float_fields is None and values and all(
                isinstance(v, float) or v is None for v in values)):
            data.append(np.array([np.nan if v is None else v for v in values], dtype=np.float64))
        else:
            data.append(np.array(["" if v is None else str(v) for v in values], dtype=object))
        masks.append(np.array([v is None for v in values], dtype=bool))
    if driver == "ESRI Shapefile":
        layer = path.stem  # a Shapefile is its own one layer: another name would append to a sibling file
    if append:
        pass
    elif driver == "ESRI Shapefile":
        for sibling in path.parent.glob(path.stem + ".*"):
            if sibling.suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                sibling.unlink()
    elif path.exists():
        path.unlink()
    pyogrio.raw.write(path, shapely.to_wkb(arr), data, names, field_mask=masks, layer=layer, driver=driver,
                      geometry_type=geometry_type, crs=CRS.from_epsg(srid).to_wkt(),
                      encoding=encoding if driver == "ESRI Shapefile" else "UTF-8", append=append)


def iter_current_parcels(session: Session, *, bbox: BBox | None = None,
                         chunk: int = 10_000) -> Iterator[tuple[BaseGeometry, dict[str, str | None]]]:
    """Current parcels (optionally meeting ``bbox``) with their pure-land unit codes, in id order (R1)."""
    unit_join = and_(PropertyUnit.parcel_id == Parcel.id, PropertyUnit.status == RecordStatus.current,
                     PropertyUnit.unit_code.like("%" + PURE_LAND_SUFFIX))
    stmt = (select(Parcel.id, Parcel.geom, Parcel.parcel_code, PropertyUnit.unit_code, Parcel.region_code,
                   Parcel.land_use_class, Parcel.location, Parcel.area_m2)
            .outerjoin(PropertyUnit, unit_join)
            .where(Parcel.status == RecordStatus.current))
    if bbox is not None:
        stmt = stmt.where(bbox_filter(session, Parcel, bbox))
    last = 0
    while True:
        rows = session.execute(stmt.where(Parcel.id > last).order_by(Parcel.id).limit(chunk)).all()
        if not rows:
            return
        for r in rows:
            yield r[1], {"parcel_code": r[2], "unit_code": r[3], "region_code": r[4], "land_use_class": r[5],
                         "location": r[6], "area_m2": None if r[7] is None else f"{r[7]:.2f}"}
        last = rows[-1][0]

"""Bulk parcel import (首次登记 of a surveyed batch): the fast path for 10⁶ parcels (R1, P1, P2).

The bulk path does not go row by row through the registry service, but it enforces the same
rules on the whole batch with vectorised checks, before anything is written:

* every geometry is a valid, non-empty (multi)polygon inside the city profile's extent
  (``registry.invalid_geometry``);
* the region code is a village of the city profile (``registry.invalid_region_code``) and the
  land-use class a GB/T 21010-2017 code (``registry.invalid_land_use_class``);
* no two parcels of the batch overlap by more than the profile's ``overlap_tolerance_m2``
  (Shapely STRtree, ``kernel.spatial.overlapping_pairs``), and no parcel overlaps a current
  parcel in the database (bounding-box / ``ST_Intersects`` candidates per spatially sorted chunk,
  then the exact interior test and the overlap area in the projected CRS) (``registry.parcel_overlap``);
* parcel codes are unique in the batch and among current parcels (``registry.duplicate_parcel_code``).

Any failure raises a typed error naming the feature index, and nothing is written: the caller's
transaction rolls back. Otherwise one registry ``Application`` (kind ``first``, status
``approved``) is recorded, and its parcels and pure-land property units are inserted as
``current`` with SQLAlchemy Core ``executemany`` in chunks of ``CHUNK`` rows, in the caller's
transaction (atomic: all or nothing).

Unit codes (rules.md, Registry; built with ``registry.rules.make_parcel_code``): county 6 +
cadastral district 3 + sub-district 3 (the 12-digit village code) + feature code 2 (``J``
collective land + the right type from the land-use class) + a 5-digit parcel sequence from the
``Counter`` named ``parcel_seq:<12-digit prefix>`` (locked ``FOR UPDATE`` on PostgreSQL) +
``W00000000`` (pure land, no attachment). The parcel code is the first 19 characters.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter as Tally
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    LargeBinary,
    Table,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.geo import GEOGRAPHIC_SRID, GeometryError, areas_m2, validate_polygon
from landbridge.kernel.spatial import bbox_filter, overlapping_pairs
from landbridge.ledger import append_event, list_events, subjects
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    Application,
    ApplicationStatus,
    Counter,
    Parcel,
    PropertyUnit,
    RecordStatus,
    RegistrationKind,
)
from landbridge.registry.queries import layer_filter
from landbridge.registry.rules import (
    PURE_LAND_SUFFIX,
    SEQUENCE_MAX,
    Layer,
    layer_of,
    make_parcel_code,
    valid_unit_code,
)
from landbridge.registry.service import SPATIAL_LOCK, next_counter

CHUNK = 10_000
_PARCEL: Table = Parcel.__table__  # type: ignore[assignment]
_UNIT: Table = PropertyUnit.__table__  # type: ignore[assignment]
_COUNTER: Table = Counter.__table__  # type: ignore[assignment]
COLLECTIVE_LAND = "J"

# GB/T 21010-2017 land-use classes (second level): first-level prefix -> allowed second-level numbers.
_LAND_USE_CLASSES: dict[str, range] = {
    "01": range(1, 4), "02": range(1, 5), "03": range(1, 8), "04": range(1, 5), "05": range(1, 9),
    "06": range(1, 5), "07": range(1, 3), "08": range(1, 11), "10": range(1, 10), "11": range(1, 11),
    "12": range(1, 8),
}
# 宗地特征码 second letter (right type) by land-use class: C homestead, D farm contract land,
# E forest, F grass, B construction land, A collective ownership (water, other land).
_RIGHT_LETTER_BY_PREFIX = {
    "0702": "C", "01": "D", "02": "D", "03": "E", "04": "F", "05": "B", "06": "B", "07": "B", "08": "B",
    "09": "B", "10": "B", "11": "A", "12": "A",
}

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class ParcelBatch:
    """Columnar parcels to import: geometries in EPSG:4490 and their attributes (one entry per feature)."""

    geoms: Sequence[BaseGeometry | None]
    region_codes: Sequence[str | None]
    land_use_classes: Sequence[str | None]
    locations: Sequence[str | None] = field(default_factory=list)
    parcel_codes: Sequence[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geoms)


@dataclass(frozen=True)
class ImportReport:
    """Outcome of a bulk import: the application and how many parcels and units became current."""

    application_id: int
    application_number: str
    parcel_count: int
    unit_count: int
    chunk_count: int
    file_sha256: str
    ledger_seqs: list[int]


def is_land_use_class(code: str | None) -> bool:
    """Whether ``code`` is a GB/T 21010-2017 land-use class (e.g. ``0702``, or ``09``) of a parcel (R1)."""
    if not code:
        return False
    if code == "09":
        return True
    if len(code) != 4 or not code.isdigit():
        return False
    allowed = _LAND_USE_CLASSES.get(code[:2])
    return allowed is not None and int(code[2:]) in allowed


def feature_code_for_land_use(land_use_class: str) -> str:
    """宗地特征码 of a collective-land parcel from its land-use class (rules.md Registry, R1)."""
    letter = _RIGHT_LETTER_BY_PREFIX.get(land_use_class) or _RIGHT_LETTER_BY_PREFIX[land_use_class[:2]]
    return COLLECTIVE_LAND + letter


def canonical_row(parcel_code: str, unit_code: str, region_code: str, land_use_class: str, location: str | None,
                  area_m2: str, wkb_hex: str) -> str:
    """One imported parcel as canonical text: a compact JSON array in a fixed field order (P2)."""
    return json.dumps([parcel_code, unit_code, region_code, land_use_class, location or "", area_m2, wkb_hex],
                      ensure_ascii=False, separators=(",", ":"))


def rows_digest(rows: Sequence[str]) -> str:
    """SHA-256 over canonical rows, each followed by a newline: what a ``parcels_imported`` event seals."""
    h = hashlib.sha256()
    for row in rows:
        h.update(row.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _invalid_geometry(index: int, reason: str) -> DomainError:
    return RegistryError.INVALID_GEOMETRY.error({"index": index}, feature_index=index, reason=reason)


def _overlap(index: int, other: str, overlap: float) -> DomainError:
    area = f"{overlap:.2f}"
    return RegistryError.PARCEL_OVERLAP.error({"index": index, "area": area}, feature_index=index, other=other,
                                              overlap_m2=area)


def _check_attributes(batch: ParcelBatch) -> None:
    profile = get_profile()
    villages = {r.code for r in profile.villages()}
    n = len(batch)
    for name, values in (("region_codes", batch.region_codes), ("land_use_classes", batch.land_use_classes)):
        if len(values) != n:
            raise ValueError(f"batch column {name} has {len(values)} entries for {n} geometries")
    for i, code in enumerate(batch.region_codes):
        if code not in villages:
            raise RegistryError.INVALID_REGION_CODE.error({"i": i, "code": code}, feature_index=i, region_code=code)
    for i, luc in enumerate(batch.land_use_classes):
        if not is_land_use_class(luc):
            raise RegistryError.INVALID_LAND_USE_CLASS.error({"i": i, "luc": luc}, feature_index=i, land_use_class=luc)


def validate_geometries(geoms: Sequence[BaseGeometry | None]) -> np.ndarray:
    """Check every parcel geometry (valid polygon inside the profile extent) and return MultiPolygons (R1)."""
    extent = get_profile().extent
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    missing = np.array([g is None for g in arr], dtype=bool)
    if missing.any():
        raise _invalid_geometry(int(np.argmax(missing)), "missing geometry")
    type_ids = shapely.get_type_id(arr)
    polygon = type_ids == shapely.GeometryType.POLYGON
    ok = (polygon | (type_ids == shapely.GeometryType.MULTIPOLYGON)) & ~shapely.is_empty(arr)
    ok[ok] &= shapely.is_valid(arr[ok])
    bounds = shapely.bounds(arr)
    with np.errstate(invalid="ignore"):
        ok &= ((bounds[:, 0] >= extent[0]) & (bounds[:, 1] >= extent[1])
               & (bounds[:, 2] <= extent[2]) & (bounds[:, 3] <= extent[3]))
    if not ok.all():
        bad = int(np.argmin(ok))
        try:
            validate_polygon(arr[bad], extent)
            reason = "geometry rejected"
        except GeometryError as exc:
            reason = str(exc)
        raise _invalid_geometry(bad, reason)
    multi = arr.copy()
    if polygon.any():
        singles = arr[polygon]
        multi[polygon] = shapely.multipolygons(singles, indices=np.arange(len(singles)))
    return multi


def spatial_order(geoms: np.ndarray) -> np.ndarray:
    """Indices along a Z-order (Morton) curve of the box centres: compact chunks for the overlap check (P1)."""
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.int64)
    b = shapely.bounds(geoms)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    span = max(float(np.ptp(cx)), float(np.ptp(cy)), 1e-12)
    qx = ((cx - cx.min()) / span * 65535).astype(np.uint64)
    qy = ((cy - cy.min()) / span * 65535).astype(np.uint64)
    key = np.zeros(len(geoms), dtype=np.uint64)
    for bit in range(16):
        key |= ((qx >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
        key |= ((qy >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + 1)
    return np.argsort(key, kind="stable")


_WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="overlap")


def _split(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Apply a vectorised pairwise Shapely function on all cores (Shapely releases the GIL)."""
    if _WORKERS == 1 or len(a) < 2_000:
        return fn(a, b)
    bounds = np.linspace(0, len(a), _WORKERS + 1).astype(int)
    parts = list(_POOL.map(lambda k: fn(a[bounds[k]:bounds[k + 1]], b[bounds[k]:bounds[k + 1]]), range(_WORKERS)))
    return np.concatenate(parts)


def find_database_overlaps(session: Session, geoms: np.ndarray, *, tolerance_m2: float, projected_srid: int,
                           chunk: int = CHUNK, first_only: bool = True,
                           statuses: Sequence[str] = (RecordStatus.current, RecordStatus.pending),
                           layer: Layer | None = None,
                           progress: Progress = _no_progress) -> list[tuple[int, str, float]]:
    """Overlaps (feature index, parcel code, m²) of new geometries with current or pending parcels (R1).

    Chunked along a Z-order curve: per chunk the candidates come from the spatial index
    (``kernel.spatial.bbox_filter``: PostGIS GiST or the SQLite R*Tree) and the exact interior test
    and overlap area are computed with Shapely in the projected CRS. With ``layer`` only parcels of
    that cadastral layer are candidates (ownership parcels and use-right parcels each tile the ground).
    """
    hits: list[tuple[int, str, float]] = []
    is_pg = session.get_bind().dialect.name == "postgresql"
    wkb_column: Any = (func.ST_AsBinary(_PARCEL.c.geom, type_=LargeBinary()) if is_pg
                       else type_coerce(_PARCEL.c.geom, LargeBinary()))
    order = spatial_order(geoms)
    total = len(order)
    for start in range(0, total, chunk):
        idx = order[start:start + chunk]
        part = geoms[idx]
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(part))
        # Raw WKB decoded in one vectorised call (no per-row type processing, no ORM rows).
        stmt = select(_PARCEL.c.parcel_code, wkb_column).where(
            _PARCEL.c.status.in_([str(v) for v in statuses]), bbox_filter(session, Parcel, (minx, miny, maxx, maxy)))
        if layer is not None:
            stmt = stmt.where(layer_filter(layer))
        rows = session.connection().execute(stmt).all()
        progress("database overlap check", min(start + chunk, total), total)
        if not rows:
            continue
        blobs = np.empty(len(rows), dtype=object)
        blobs[:] = [bytes(r[1]) for r in rows]
        existing = shapely.from_wkb(blobs)
        tree = shapely.STRtree(existing)
        left, right = tree.query(part, predicate="intersects")
        if left.size == 0:
            continue
        inner = _split(lambda a, b: shapely.relate_pattern(a, b, "T********"), part[left], existing[right])
        left, right = left[inner], right[inner]
        if left.size == 0:
            continue
        areas = _split(lambda a, b: areas_m2(shapely.intersection(a, b), projected_srid), part[left], existing[right])
        over = areas > tolerance_m2
        found = sorted((int(idx[i]), str(rows[j][0]), float(a))
                       for i, j, a in zip(left[over].tolist(), right[over].tolist(), areas[over].tolist(), strict=True))
        hits.extend(found)
        if first_only and hits:
            return [min(hits)]
    return sorted(hits)


def check_overlaps(session: Session, geoms: np.ndarray, layers: np.ndarray, *, tolerance_m2: float,
                   projected_srid: int, chunk: int = CHUNK, progress: Progress = _no_progress) -> None:
    """Refuse a batch whose parcels overlap each other or current/pending parcels, layer by layer (R1).

    Takes the registry's spatial lock first (as the service's lodging does), so nothing can be lodged
    into the same ground between this check and the caller's insert.
    """
    n = len(geoms)
    progress("overlap check in file", 0, n)
    for layer in sorted(set(layers.tolist())):
        idx = np.flatnonzero(layers == layer)
        pairs = overlapping_pairs(geoms[idx], projected_srid, tolerance_m2)
        if pairs:
            i, j, area = min(pairs)
            raise _overlap(int(idx[j]), f"#{int(idx[i])}", area)
    progress("overlap check in file", n, n)
    _upsert_counter(session, SPATIAL_LOCK)
    for layer in sorted(set(layers.tolist())):
        idx = np.flatnonzero(layers == layer)
        hits = find_database_overlaps(session, geoms[idx], tolerance_m2=tolerance_m2, projected_srid=projected_srid,
                                      chunk=chunk, layer=Layer(layer), progress=progress)
        if hits:
            i, code, area = hits[0]
            raise _overlap(int(idx[i]), code, area)


def _upsert_counter(session: Session, name: str) -> int:
    """Lock the named counter (creating it at 0) and return its value; PostgreSQL locks the row FOR UPDATE."""
    table = _COUNTER
    dialect = session.get_bind().dialect.name
    ins: Any = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))
    session.execute(ins.values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    stmt = select(Counter.value).where(Counter.name == name)
    if for_update(session):
        stmt = stmt.with_for_update()
    return int(session.execute(stmt).scalar_one())


def _set_counter(session: Session, name: str, value: int) -> None:
    session.execute(update(_COUNTER).where(_COUNTER.c.name == name).values(value=value))


def _assign_codes(session: Session, batch: ParcelBatch, features: Sequence[str] | None = None) -> list[str]:
    """Parcel codes for every feature: given ones are checked, the others drawn from the sequence counters.

    The feature codes (宗地特征码) come from the land-use classes unless the caller gives them (from right types).
    """
    n = len(batch)
    given = list(batch.parcel_codes) if batch.parcel_codes else [None] * n
    codes: list[str | None] = [None] * n
    if features is None:
        features = [feature_code_for_land_use(str(luc)) for luc in batch.land_use_classes]
    seen: dict[str, int] = {}
    max_given: dict[str, int] = {}
    for i, code in enumerate(given):
        if not code:
            continue
        region = str(batch.region_codes[i])
        if len(code) != 19 or not code.startswith(region) or not valid_unit_code(code + PURE_LAND_SUFFIX):
            raise RegistryError.INVALID_PARCEL_CODE.error({"i": i, "code": code}, feature_index=i, parcel_code=code)
        if code in seen:
            raise _duplicate(i, code)
        seen[code] = i
        codes[i] = code
        max_given[region] = max(max_given.get(region, 0), int(code[14:]))
    if seen:
        existing = _current_codes(session, list(seen))
        if existing:
            first = min(existing, key=lambda c: seen[c])
            raise _duplicate(seen[first], first)
    need = Tally(str(batch.region_codes[i]) for i in range(n) if codes[i] is None)
    next_seq: dict[str, int] = {}
    for region in sorted(set(need) | set(max_given)):  # fixed lock order: no deadlock between importers
        name = f"parcel_seq:{region}"
        value = max(_upsert_counter(session, name), max_given.get(region, 0))
        last = value + need.get(region, 0)
        if last > SEQUENCE_MAX:
            raise RegistryError.PARCEL_SEQUENCE_EXHAUSTED.error({"region": region}, region_code=region,
                                                                needed=need.get(region, 0))
        _set_counter(session, name, last)
        next_seq[region] = value + 1
    for i in range(n):
        if codes[i] is None:
            region = str(batch.region_codes[i])
            codes[i] = make_parcel_code(region, features[i], next_seq[region])
            next_seq[region] += 1
    out = [str(c) for c in codes]
    if len(set(out)) != n:  # a given code may collide with a drawn one
        dup = Tally(out)
        i = next(k for k, c in enumerate(out) if dup[c] > 1)
        raise _duplicate(i, out[i])
    return out


def _duplicate(index: int, code: str) -> DomainError:
    return RegistryError.DUPLICATE_PARCEL_CODE.error({"index": index, "code": code}, feature_index=index,
                                                     parcel_code=code)


def _current_codes(session: Session, codes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(codes), 1000):
        part = codes[start:start + 1000]
        found.update(session.execute(
            select(Parcel.parcel_code).where(Parcel.status == RecordStatus.current, Parcel.parcel_code.in_(part))
        ).scalars())
    return found


def parcel_insert_statement(session: Session) -> Any:
    """INSERT for parcel rows with the geometry as a ``wkb`` parameter (PostGIS: ST_GeomFromWKB with the SRID)."""
    wkb_param: Any = bindparam("wkb", type_=LargeBinary())
    geom_expr: Any = (func.ST_SetSRID(func.ST_GeomFromWKB(wkb_param), GEOGRAPHIC_SRID)
                      if session.get_bind().dialect.name == "postgresql" else wkb_param)
    return insert(_PARCEL).values(
        parcel_code=bindparam("parcel_code"), land_use_class=bindparam("land_use_class"),
        location=bindparam("location"), geom=geom_expr, area_m2=bindparam("area_m2"),
        minx=bindparam("minx"), miny=bindparam("miny"), maxx=bindparam("maxx"), maxy=bindparam("maxy"),
        status=bindparam("status"), begin_lifespan=bindparam("begin_lifespan"),
        application_id=bindparam("application_id"), region_code=bindparam("region_code"),
    )


def import_parcels(session: Session, batch: ParcelBatch, *, actor: str, file_sha256: str,
                   progress: Progress = _no_progress, chunk: int = CHUNK) -> ImportReport:
    """Register a surveyed batch of parcels as current in one approved first registration (批量首次登记, R1, P2).

    All or nothing: every rule is checked on the whole batch before the first insert, and the
    inserts run in the caller's transaction. The ledger gets one ``parcels_imported`` event per
    chunk of ``chunk`` parcels rather than one per parcel: each event carries the chunk's parcel
    count, first and last parcel codes and the SHA-256 over the chunk's canonical rows
    (``canonical_row``: codes, region, land use, location, area and the WKB geometry), so every
    imported parcel is covered by a signed, Merkle-logged digest that ``verify_import`` can
    recompute from the tables, without 10⁶ separate events.
    """
    n = len(batch)
    if n == 0:
        raise RegistryError.EMPTY_IMPORT.error()
    profile = get_profile()
    rules = profile.rules("registry")
    tolerance = float(rules.decimal("overlap_tolerance_m2"))
    srid = profile.projected_srid
    _check_attributes(batch)
    progress("validate geometries", 0, n)
    geoms = validate_geometries(batch.geoms)
    progress("validate geometries", n, n)
    layers = np.array([layer_of(feature_code_for_land_use(str(c))).value for c in batch.land_use_classes])
    check_overlaps(session, geoms, layers, tolerance_m2=tolerance, projected_srid=srid, chunk=chunk,
                   progress=progress)
    areas = areas_m2(geoms, srid)
    codes = _assign_codes(session, batch)
    locations = list(batch.locations) if batch.locations else [None] * n
    regions = [str(r) for r in batch.region_codes]
    classes = [str(c) for c in batch.land_use_classes]
    region_counts = Tally(regions)

    stamp = now()
    number = f"SQ{to_local(stamp).year}{next_counter(session, f'application:{to_local(stamp).year}'):08d}"
    region = regions[0] if len(region_counts) == 1 else profile.city_code
    application = Application(
        number=number, kind=RegistrationKind.first, status=ApplicationStatus.approved, region_code=region,
        unit_id=None, summary=f"批量导入 {n} 宗地", lodged_by=actor, lodged_at=stamp, decided_by=actor,
        decided_at=stamp, decision_reason="bulk import",
        payload={"file_sha256": file_sha256, "parcel_count": n, "unit_count": n, "chunk_size": chunk,
                 "regions": dict(sorted(region_counts.items()))},
    )
    session.add(application)
    session.flush()

    parcel_insert = parcel_insert_statement(session)
    seqs: list[int] = []
    chunks = (n + chunk - 1) // chunk
    try:
        for k, start in enumerate(range(0, n, chunk)):
            stop = min(start + chunk, n)
            part = geoms[start:stop]
            wkbs = shapely.to_wkb(part)
            bounds = shapely.bounds(part)
            rows: list[dict[str, Any]] = []
            canon: list[str] = []
            for off, i in enumerate(range(start, stop)):
                area_text = f"{areas[i]:.2f}"
                wkb = bytes(wkbs[off])
                rows.append({
                    "parcel_code": codes[i], "land_use_class": classes[i], "location": locations[i],
                    "wkb": wkb, "area_m2": Decimal(area_text), "minx": float(bounds[off, 0]),
                    "miny": float(bounds[off, 1]), "maxx": float(bounds[off, 2]), "maxy": float(bounds[off, 3]),
                    "status": RecordStatus.current.value, "begin_lifespan": stamp, "application_id": application.id,
                    "region_code": regions[i],
                })
                canon.append(canonical_row(codes[i], codes[i] + PURE_LAND_SUFFIX, regions[i], classes[i],
                                           locations[i], area_text, wkb.hex()))
            session.execute(parcel_insert, rows)
            event = append_event(session, module="registry", event_type="parcels_imported",
                                 subject=subjects.application(number), actor=actor, payload={
                                     "application": number, "file_sha256": file_sha256, "chunk": k,
                                     "chunks": chunks, "count": stop - start, "first_parcel_code": codes[start],
                                     "last_parcel_code": codes[stop - 1], "rows_sha256": rows_digest(canon),
                                 })
            seqs.append(event.seq)
            progress("insert parcels", stop, n)
        refresh_statistics(session, "registry_parcel")  # so that the unit inserts walk the id range
        _insert_units(session, application.id, progress, chunk, n)
        refresh_statistics(session, "registry_property_unit")
    except IntegrityError as exc:  # a concurrent writer took a code between our check and insert
        raise RegistryError.DUPLICATE_PARCEL_CODE_2.error() from exc
    return ImportReport(application_id=application.id, application_number=number, parcel_count=n, unit_count=n,
                        chunk_count=chunks, file_sha256=file_sha256, ledger_seqs=seqs)


def _insert_units(session: Session, application_id: int, progress: Progress, chunk: int, n: int) -> None:
    """One pure-land property unit per imported parcel, set-based (INSERT … SELECT) by id range."""
    lo, hi = session.execute(
        select(func.min(Parcel.id), func.max(Parcel.id)).where(Parcel.application_id == application_id)).one()
    unit = _UNIT
    cols = ["unit_code", "parcel_id", "attachment", "building_no", "unit_no", "attrs", "status", "begin_lifespan",
            "application_id", "region_code"]
    empty: Any = cast(literal("{}"), JSON) if session.get_bind().dialect.name == "postgresql" else literal("{}")
    done = 0
    for start in range(int(lo), int(hi) + 1, chunk):
        src = select(
            Parcel.parcel_code + literal(PURE_LAND_SUFFIX), Parcel.id, literal("W"), literal(0), literal(0),
            empty, Parcel.status, Parcel.begin_lifespan, Parcel.application_id, Parcel.region_code,
        ).where(Parcel.application_id == application_id, Parcel.id >= start, Parcel.id < start + chunk)
        result = session.execute(insert(unit).from_select(cols, src))
        done += max(int(getattr(result, "rowcount", 0) or 0), 0)
        progress("insert property units", min(done, n), n)


def refresh_statistics(session: Session, table: str) -> None:
    """Refresh the planner statistics of a registry table after a bulk load (P1: viewport speed).

    Without them SQLite prefers the low-selectivity ``status`` index over ``parcel_id`` once the
    tables hold 10⁶ rows, which makes a map viewport query scan every unit, and PostgreSQL walks
    the ``application_id`` index instead of the id range when inserting the units.
    """
    if table not in ("registry_parcel", "registry_property_unit"):
        raise ValueError(f"no statistics refresh for {table}")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit=0"))  # sampled statistics mislead on a one-value index
    session.execute(text(f"ANALYZE {table}"))


def verify_import(session: Session, application_number: str) -> list[int]:
    """Recompute every chunk digest of a bulk import from the tables; return the chunks that differ (P2)."""
    events = list_events(session, module="registry", subject=subjects.application(application_number), limit=100_000)
    events = [e for e in events if e.event_type == "parcels_imported"]
    if not events:
        return []
    app_id = session.execute(select(Application.id).where(Application.number == application_number)).scalar_one()
    bad: list[int] = []
    last_id = 0
    for event in events:
        payload = json.loads(event.body)["payload"]
        rows = session.execute(
            select(Parcel.id, Parcel.parcel_code, Parcel.region_code, Parcel.land_use_class, Parcel.location,
                   Parcel.area_m2, Parcel.geom)
            .where(Parcel.application_id == app_id, Parcel.id > last_id).order_by(Parcel.id)
            .limit(int(payload["count"]))
        ).all()
        if rows:
            last_id = rows[-1][0]
        canon = [canonical_row(r[1], r[1] + PURE_LAND_SUFFIX, r[2], r[3], r[4], f"{Decimal(r[5]):.2f}",
                               bytes(shapely.to_wkb(r[6])).hex()) for r in rows]
        if len(rows) != int(payload["count"]) or rows_digest(canon) != payload["rows_sha256"]:
            bad.append(int(payload["chunk"]))
    return bad

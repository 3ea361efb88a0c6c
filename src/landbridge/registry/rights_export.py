"""Parcels with rights out (宗地及权利; issue #21 scope 3): each current parcel with its current registered rights
(right type, certificate number, term, restriction flags, holders and shares) as XLSX or CSV with BOM through the
one table writer, or as GeoJSON, GeoPackage and Shapefile (GBK ``.cpg``) through the one parcel-file writer, in
CGCS2000 geographic or the profile's projected CRS.

One row (feature) per current right on a current unit of the parcel; a parcel without a current right keeps one row
with the right's columns empty. The holders of a right are one cell, joined with "、" in id order, as are their ID
numbers (always masked, ``mask_id``) and shares.

Personal data, as in the register extract (``extracts``): a natural person's or household's name is shown whole
only where ``scope`` says the reader may see it (masked otherwise), and each person shown whole is recorded as
read (``privacy.record_reads``, purpose ``parcels_with_rights``) in the caller's transaction; phones and addresses
never leave.

Memory: parcels are read in keyset chunks of ``CHUNK`` with their units, rights, holders, parties, certificates and
restrictions read for the chunk only; tables are written row by row and spatial files appended chunk by chunk, so
the memory is bounded by the chunk, not the register.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.clock import to_local
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.kernel.ids import mask_id
from landbridge.kernel.spatial import BBox, bbox_filter
from landbridge.kernel.tables import AREA_FORMAT, DATE_FORMAT, SPATIAL_SUFFIXES, TABLE_SUFFIXES, Column, write_table
from landbridge.privacy import Reader, mask_name, record_reads
from landbridge.registry.extracts import Scope
from landbridge.registry.labels import RIGHT_TYPE_LABELS
from landbridge.registry.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    Parcel,
    Party,
    PartyKind,
    PropertyUnit,
    RecordStatus,
    Restriction,
    Right,
    RightHolder,
)
from landbridge.web.i18n import translator

PURPOSE = "parcels_with_rights"
CHUNK = 1_000
FLAGS = (("mortgage", "抵押", "DY"), ("seizure", "查封", "CF"), ("objection", "异议", "YY"),
         ("advance_notice", "预告", "YG"))  # restriction kind, column title, DBF name (pinyin initials)
# (field, table column, Shapefile DBF name ≤ 10 characters: the cadastral standard's where it has one)
FIELDS: tuple[tuple[str, Column, str], ...] = (
    ("parcel_code", Column("宗地代码", None, 22), "ZDDM"),
    ("unit_code", Column("不动产单元号", None, 30), "BDCDYH"),
    ("region_code", Column("行政区划代码", None, 14), "XZQDM"),
    ("location", Column("坐落", None, 30), "ZL"),
    ("area_m2", Column("宗地面积（平方米）", AREA_FORMAT, 14), "ZDMJ"),
    ("land_use_class", Column("用途（地类）", None, 10), "YT"),
    ("right_type", Column("权利类型", None, 22), "QLLX"),
    ("certificate_no", Column("不动产权证书号", None, 28), "BDCQZH"),
    ("term_start", Column("起始日期", DATE_FORMAT, 12), "QSRQ"),
    ("term_end", Column("终止日期", DATE_FORMAT, 12), "ZZRQ"),
    ("holders", Column("权利人", None, 24), "QLR"),
    ("holder_ids", Column("证件号码（脱敏）", None, 26), "ZJH"),
    ("shares", Column("份额", None, 10), "FE"),
    *((f"flag_{kind}", Column(label, None, 6), dbf) for kind, label, dbf in FLAGS),
)
NAMES = tuple(f for f, _c, _s in FIELDS)
COLUMNS = tuple(c for _f, c, _s in FIELDS)
SHAPEFILE_NAMES = {f: s for f, _c, s in FIELDS}
SEP = "、"
NUMERIC = frozenset({"area_m2"})  # the other attributes are text in the spatial files, empty or not


@dataclass
class _Row:
    """One row before the reader's scope is known: the holders as party ids, named at the end of the chunk."""

    geom: Any
    values: dict[str, Any]
    holder_ids: list[int]


def _day(value: datetime | None) -> date | None:
    """The local (Beijing) day of a stored UTC instant."""
    return None if value is None else to_local(value).date()


def _chunk_rows(session: Session, parcels: list[Any]) -> list[_Row]:
    """The rows of a chunk of parcels (id, geom, code, region, use, location, area), in parcel, unit, right order."""
    ids = [int(p[0]) for p in parcels]
    units: dict[int, list[PropertyUnit]] = {}
    for u in session.scalars(select(PropertyUnit).where(PropertyUnit.parcel_id.in_(ids),
                                                        PropertyUnit.status == RecordStatus.current)
                             .order_by(PropertyUnit.id)):
        units.setdefault(u.parcel_id, []).append(u)
    unit_ids = [u.id for us in units.values() for u in us]
    rights: dict[int, list[Right]] = {}
    for r in session.scalars(select(Right).where(Right.unit_id.in_(unit_ids), Right.status == RecordStatus.current)
                             .order_by(Right.id)):
        if r.unit_id is not None:
            rights.setdefault(r.unit_id, []).append(r)
    right_ids = [r.id for rs in rights.values() for r in rs]
    holders: dict[int, list[tuple[int, int, int]]] = {}
    for rid, pid, num, den in session.execute(
            select(RightHolder.right_id, RightHolder.party_id, RightHolder.share_num, RightHolder.share_den)
            .where(RightHolder.right_id.in_(right_ids)).order_by(RightHolder.party_id)):
        holders.setdefault(int(rid), []).append((int(pid), int(num), int(den)))
    certificates: dict[int, str] = {}
    for cert_right, number in session.execute(
            select(Certificate.right_id, Certificate.number).where(
                Certificate.right_id.in_(right_ids), Certificate.status == CertificateStatus.valid.value,
                Certificate.kind == CertificateKind.ownership.value)
            .order_by(Certificate.id)):
        if cert_right is not None:
            certificates.setdefault(int(cert_right), number)
    flags: dict[int, set[str]] = {}
    for rid, kind in session.execute(select(Restriction.right_id, Restriction.kind).where(
            Restriction.right_id.in_(right_ids), Restriction.status == RecordStatus.current)):
        flags.setdefault(int(rid), set()).add(str(kind))
    zh = translator("zh_CN")
    rows: list[_Row] = []
    for pid, geom, code, region, use, location, area in parcels:
        head = {**dict.fromkeys(NAMES), "parcel_code": code, "region_code": region, "location": location,
                "area_m2": None if area is None else float(area), "land_use_class": use}
        found = False
        for unit in units.get(int(pid), []):
            for right in rights.get(unit.id, []):
                found = True
                held = holders.get(right.id, [])
                on = flags.get(right.id, set())
                rows.append(_Row(geom, {
                    **head, "unit_code": unit.unit_code,
                    "right_type": zh(RIGHT_TYPE_LABELS.get(right.right_type, right.right_type)),
                    "certificate_no": certificates.get(right.id),
                    "term_start": right.term_start or _day(right.begin_lifespan), "term_end": right.term_end,
                    "shares": SEP.join(f"{n}/{d}" if d != 1 else str(n) for _p, n, d in held) or None,
                    **{f"flag_{k}": "是" if k in on else "否" for k, _t, _d in FLAGS}}, [p for p, _n, _d in held]))
        if not found:
            rows.append(_Row(geom, head, []))  # no current right: the right's columns stay empty
    return rows


def _name_rows(session: Session, rows: list[_Row], reader: Reader, scope: Scope | None) -> None:
    """Fill the holders' names (whole or masked by ``scope``) and masked ID numbers; record the whole reads."""
    wanted = sorted({p for r in rows for p in r.holder_ids})
    parties = {p.id: p for p in session.scalars(select(Party).where(Party.id.in_(wanted)))} if wanted else {}
    persons = {pid for pid, p in parties.items() if p.kind != PartyKind.organisation.value}
    whole = persons if scope is None else scope(persons) & persons
    for row in rows:
        named = [parties[p] for p in row.holder_ids if p in parties]
        row.values["holders"] = SEP.join(
            p.name if p.id not in persons or p.id in whole else mask_name(p.name) for p in named) or None
        row.values["holder_ids"] = SEP.join(mask_id(p.id_number) or "" for p in named) or None
    if whole:
        record_reads(session, reader=reader, purpose=PURPOSE,
                     records=[(f"party:{pid}", pid) for pid in sorted(whole)])


def iter_parcels_with_rights(session: Session, *, reader: Reader, scope: Scope | None = None,
                             region_prefix: str | None = None, bbox: BBox | None = None,
                             chunk: int = CHUNK) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """Chunks of (parcel geometry, row under ``NAMES``) for the current parcels (of a region, meeting a box), in
    parcel id order. Reads are recorded chunk by chunk as each is produced."""
    stmt = select(Parcel.id, Parcel.geom, Parcel.parcel_code, Parcel.region_code, Parcel.land_use_class,
                  Parcel.location, Parcel.area_m2).where(Parcel.status == RecordStatus.current)
    if region_prefix:
        stmt = stmt.where(Parcel.region_code.startswith(region_prefix, autoescape=True))
    if bbox is not None:
        stmt = stmt.where(bbox_filter(session, Parcel, bbox))
    last = 0
    while True:
        parcels = session.execute(stmt.where(Parcel.id > last).order_by(Parcel.id).limit(chunk)).all()
        if not parcels:
            return
        rows = _chunk_rows(session, list(parcels))
        _name_rows(session, rows, reader, scope)
        yield [(r.geom, r.values) for r in rows]
        last = int(parcels[-1][0])


def export_parcels_with_rights(session: Session, path: str | Path, *, reader: Reader, scope: Scope | None = None,
                               region_prefix: str | None = None, bbox: BBox | None = None,
                               srid: int = GEOGRAPHIC_SRID, chunk: int = CHUNK) -> int:
    """Write the parcels with their rights to ``.xlsx``/``.csv`` or ``.geojson``/``.gpkg``/``.shp`` (in ``srid``);
    returns the number of rows written. The caller commits, so that the reads stay recorded with the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    chunks = iter_parcels_with_rights(session, reader=reader, scope=scope, region_prefix=region_prefix, bbox=bbox,
                                      chunk=chunk)
    if suffix in TABLE_SUFFIXES or suffix not in SPATIAL_SUFFIXES:
        rows = ([values[f] for f in NAMES] for part in chunks for _g, values in part)
        return write_table(path, COLUMNS, rows, sheet="宗地及权利")
    from landbridge.registry.cadastre import RULE_SET
    from landbridge.registry.files import write_chunks

    return write_chunks(path, (([g for g, _v in part], {f: [_spatial(v[f]) for _g, v in part] for f in NAMES})
                               for part in chunks), NAMES, points=False, float_fields=NUMERIC, srid=srid,
                        layer="parcels_with_rights", field_names=SHAPEFILE_NAMES,
                        encoding=str(get_profile().rules(RULE_SET).value("export_shapefile_encoding")))


def _spatial(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


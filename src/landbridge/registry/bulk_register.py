"""Bulk first registration of whole villages (批量首次登记): parcels, units, rights, holders, certificates (R1, P2).

The path the demo world and a county's initial data take: 10⁴–10⁶ units at once. It enforces the
registry service's rules on the whole batch before anything is written, vectorised where it matters:

* regions, land-use classes, right types (feature code from the right type, as the service does),
  attachments, terms (start ≤ end); a house (房地一体) only on a homestead with attachment ``F``, held by
  the homestead's holders;
* shares of every right's holders sum to exactly 1 (``rules.check_shares``); every holder exists;
* valid geometries inside the profile extent; no overlap within the batch or with current/pending parcels
  of the same cadastral layer (``bulk.check_overlaps``, under the registry's spatial lock).

Then one approved ``first`` application is recorded and the rows are inserted with Core
``executemany`` in chunks, in the caller's transaction (all or nothing). The ledger gets one
``units_registered`` event per chunk with the SHA-256 over the chunk's canonical rows (codes, area,
geometry, right type, term, holders and shares, certificate number), not one event per row.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError, RuleViolation
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.geo import areas_m2
from landbridge.ledger import append_event, list_events, subjects
from landbridge.privacy import blind_indexes, encrypt_many
from landbridge.registry import rules
from landbridge.registry.bulk import (
    CHUNK,
    ParcelBatch,
    Progress,
    _assign_codes,
    _check_attributes,
    _no_progress,
    _set_counter,
    _upsert_counter,
    check_overlaps,
    parcel_insert_statement,
    rows_digest,
    validate_geometries,
)
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    ID_NUMBER_CONTEXT,
    PHONE_CONTEXT,
    Application,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Parcel,
    Party,
    PartyKind,
    PartyMember,
    PropertyUnit,
    RecordStatus,
    RegistrationKind,
    Right,
    RightHolder,
    RightType,
)
from landbridge.registry.service import next_counter
from landbridge.registry.service.checks import right_type_of
from landbridge.registry.service.parties import check_members, check_party

_PARCEL: Table = Parcel.__table__  # type: ignore[assignment]
_UNIT: Table = PropertyUnit.__table__  # type: ignore[assignment]
_RIGHT: Table = Right.__table__  # type: ignore[assignment]
_HOLDER: Table = RightHolder.__table__  # type: ignore[assignment]
_CERT: Table = Certificate.__table__  # type: ignore[assignment]
_PARTY: Table = Party.__table__  # type: ignore[assignment]
_MEMBER: Table = PartyMember.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class UnitRegistration:
    """One unit to register: its parcel geometry (EPSG:4490), the right on it and the right's holders."""

    geometry: BaseGeometry
    region_code: str
    land_use_class: str
    right_type: str
    holders: Sequence[tuple[int, Fraction]]
    location: str | None = None
    attachment: str = "W"
    term_start: date | None = None
    term_end: date | None = None
    house: bool = False  # 房地一体: a house ownership right with the homestead's holders
    unit_attrs: dict[str, Any] = field(default_factory=dict)
    right_attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BulkRegistrationReport:
    """Outcome of a bulk registration: the application and the ids of what became current, in input order."""

    application_id: int
    application_number: str
    parcel_ids: list[int]
    unit_ids: list[int]
    right_ids: list[int]
    certificate_count: int
    ledger_seqs: list[int]


def _invalid(index: int, error: RegistryError, *, fmt: dict[str, Any] | None = None, **details: Any) -> DomainError:
    """A bulk item's refusal: the member's message with the item it refuses."""
    zh, en = error.render(fmt, **details)
    return error.kind(error.code, f"第 {index} 项：{zh}", f"item {index}: {en}", item_index=index, **details)


def _at_item(index: int, exc: DomainError) -> RuleViolation:
    """A rule's refusal named with the item it refuses."""
    return RuleViolation(exc.code, f"第 {index} 项：{exc.message}", f"item {index}: {exc.message_en}",
                         item_index=index)


def _check_rows(rows: Sequence[UnitRegistration]) -> list[str]:
    """Per-row rules (pure); returns the feature codes from the right types."""
    features: list[str] = []
    for i, row in enumerate(rows):
        try:
            feature = rules.feature_code(right_type_of(row.right_type))
        except RuleViolation:
            raise _invalid(i, RegistryError.INVALID_RIGHT_TYPE_3, fmt={"row": row}) from None
        try:  # the single path's rules (service.applications), each failure named by its row
            rules.check_attachment(row.attachment)
            if row.house:
                rules.check_house_on_homestead(row.right_type, row.attachment)
        except RuleViolation as exc:
            raise _at_item(i, exc) from None
        if row.term_start and row.term_end and row.term_end < row.term_start:
            raise _invalid(i, RegistryError.INVALID_TERM_2)
        try:
            rules.check_shares(list(row.holders))
        except RuleViolation as exc:
            raise _at_item(i, exc) from None
        features.append(feature)
    return features


def _check_parties_exist(session: Session, rows: Sequence[UnitRegistration]) -> None:
    wanted = sorted({pid for row in rows for pid, _ in row.holders})
    found: set[int] = set()
    for start in range(0, len(wanted), 5000):
        part = wanted[start:start + 5000]
        found.update(session.execute(select(Party.id).where(Party.id.in_(part))).scalars())
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise RegistryError.PARTY_NOT_FOUND.error({"missing": missing}, party_id=missing[0])


def _returning_ids(session: Session, table: Table, rows: list[dict[str, Any]], stmt: Any = None, *,
                   holds_write_lock: bool = False) -> list[int]:
    """Insert rows and return their new ids in input order.

    On SQLite, ``RETURNING`` in parameter order runs one statement per row. When this transaction already
    holds SQLite's single write lock (it has written before), no other writer can take ids meanwhile, so
    the ids after the current maximum are ours: they are given explicitly and the rows go in one batch.
    """
    if holds_write_lock and session.get_bind().dialect.name == "sqlite":
        first = int(session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        base = stmt if stmt is not None else insert(table)
        statement = base.values(id=bindparam("id")) if stmt is not None else base
        session.execute(statement, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    statement = (stmt if stmt is not None else insert(table)).returning(table.c.id, sort_by_parameter_order=True)
    return [int(v) for v in session.execute(statement, rows).scalars().all()]


def _reserve(session: Session, name: str, count: int) -> int:
    """Reserve ``count`` numbers of a named counter; returns the first."""
    first = _upsert_counter(session, name) + 1
    _set_counter(session, name, first + count - 1)
    return first


def bulk_register(session: Session, rows: Sequence[UnitRegistration], *, actor: str,
                  issue_certificates: bool = True, progress: Progress = _no_progress,
                  chunk: int = CHUNK) -> BulkRegistrationReport:
    """Register many units at once as one approved first registration (批量首次登记, R1, P2); all or nothing."""
    n = len(rows)
    if n == 0:
        raise RegistryError.EMPTY_IMPORT_2.error()
    profile = get_profile()
    tolerance = float(profile.rules("registry").decimal("overlap_tolerance_m2"))
    srid = profile.projected_srid
    batch = ParcelBatch(geoms=[r.geometry for r in rows], region_codes=[r.region_code for r in rows],
                        land_use_classes=[r.land_use_class for r in rows], locations=[r.location for r in rows])
    _check_attributes(batch)
    features = _check_rows(rows)
    _check_parties_exist(session, rows)
    progress("validate geometries", 0, n)
    geoms = validate_geometries(batch.geoms)
    progress("validate geometries", n, n)
    layers = np.array([rules.layer_of(f).value for f in features])
    check_overlaps(session, geoms, layers, tolerance_m2=tolerance, projected_srid=srid, chunk=chunk,
                   progress=progress)
    areas = areas_m2(geoms, srid)
    codes = _assign_codes(session, batch, features)

    stamp = now()
    year = to_local(stamp).year
    number = f"SQ{year}{next_counter(session, f'application:{year}'):08d}"
    regions = sorted({r.region_code for r in rows})
    application = Application(
        number=number, kind=RegistrationKind.first, status=ApplicationStatus.approved,
        region_code=regions[0] if len(regions) == 1 else profile.city_code, unit_id=None,
        summary=f"批量首次登记 {n} 个不动产单元", lodged_by=actor, lodged_at=stamp, decided_by=actor,
        decided_at=stamp, decision_reason="bulk first registration",
        payload={"unit_count": n, "chunk_size": chunk, "regions": regions[:50]})
    session.add(application)
    session.flush()
    cert_total = n if issue_certificates else 0
    serial = _reserve(session, f"certificate:{year}", cert_total) if cert_total else 0

    parcel_stmt = parcel_insert_statement(session)
    common = {"status": RecordStatus.current.value, "begin_lifespan": stamp, "application_id": application.id}
    parcel_ids: list[int] = []
    unit_ids: list[int] = []
    right_ids: list[int] = []
    seqs: list[int] = []
    chunks = (n + chunk - 1) // chunk
    try:
        for k, start in enumerate(range(0, n, chunk)):
            stop = min(start + chunk, n)
            part = geoms[start:stop]
            wkbs = shapely.to_wkb(part)
            bounds = shapely.bounds(part)
            idx = range(start, stop)
            area_text = [f"{areas[i]:.2f}" for i in idx]
            p_ids = _returning_ids(session, _PARCEL, [{
                **common, "parcel_code": codes[i], "land_use_class": rows[i].land_use_class,
                "location": rows[i].location, "wkb": bytes(wkbs[off]), "area_m2": Decimal(area_text[off]),
                "minx": float(bounds[off, 0]), "miny": float(bounds[off, 1]), "maxx": float(bounds[off, 2]),
                "maxy": float(bounds[off, 3]), "region_code": rows[i].region_code,
            } for off, i in enumerate(idx)], parcel_stmt, holds_write_lock=True)
            unit_codes = [rules.make_unit_code(codes[i], rows[i].attachment, *((1, 1) if rows[i].attachment != "W"
                                                                                else (0, 0))) for i in idx]
            u_ids = _returning_ids(session, _UNIT, [{
                **common, "unit_code": unit_codes[off], "parcel_id": p_ids[off], "attachment": rows[i].attachment,
                "building_no": int(unit_codes[off][20:24]), "unit_no": int(unit_codes[off][24:]),
                "attrs": rows[i].unit_attrs, "region_code": rows[i].region_code, "supersedes_id": None,
            } for off, i in enumerate(idx)], holds_write_lock=True)
            right_rows: list[dict[str, Any]] = []
            owners: list[int] = []  # input offset of each right row
            for off, i in enumerate(idx):
                row = rows[i]
                base = {**common, "unit_id": u_ids[off], "term_start": row.term_start, "term_end": row.term_end,
                        "region_code": row.region_code, "predecessor_id": None, "supersedes_id": None,
                        "collective_party_id": None}
                right_rows.append({**base, "right_type": row.right_type, "attrs": row.right_attrs})
                owners.append(off)
                if row.house:
                    right_rows.append({**base, "right_type": RightType.house_ownership.value, "attrs": {},
                                       "term_start": None, "term_end": None})
                    owners.append(off)
            r_ids = _returning_ids(session, _RIGHT, right_rows, holds_write_lock=True)
            holder_rows = [{"right_id": rid, "party_id": pid, "share_num": share.numerator,
                            "share_den": share.denominator}
                           for rid, off in zip(r_ids, owners, strict=True) for pid, share in rows[start + off].holders]
            session.execute(insert(_HOLDER), holder_rows)
            primary = [rid for j, rid in enumerate(r_ids) if j == 0 or owners[j] != owners[j - 1]]
            cert_numbers = [""] * (stop - start)
            if issue_certificates:
                cert_rows = []
                for off, rid in enumerate(primary):  # 房地一体: one certificate for the homestead and its house
                    cert_numbers[off] = profile.certificate_number(year, serial)
                    serial += 1
                    cert_rows.append({"number": cert_numbers[off], "kind": CertificateKind.ownership.value,
                                      "status": CertificateStatus.valid.value, "unit_id": u_ids[off], "right_id": rid,
                                      "restriction_id": None, "application_id": application.id,
                                      "region_code": rows[start + off].region_code, "issued_at": stamp,
                                      "issued_by": actor, "verify_token": secrets.token_urlsafe(24)})
                session.execute(insert(_CERT), cert_rows)
            canon = [json.dumps([
                unit_codes[off], rows[i].region_code, rows[i].land_use_class, area_text[off], bytes(wkbs[off]).hex(),
                rows[i].right_type, str(rows[i].term_start or ""), str(rows[i].term_end or ""), rows[i].house,
                [[pid, rules.share_text(sh)] for pid, sh in sorted(rows[i].holders)], cert_numbers[off],
            ], ensure_ascii=False, separators=(",", ":")) for off, i in enumerate(idx)]
            event = append_event(session, module="registry", event_type="units_registered",
                                 subject=subjects.application(number), actor=actor, payload={
                                     "application": number, "chunk": k, "chunks": chunks, "count": stop - start,
                                     "first_unit_code": unit_codes[0], "last_unit_code": unit_codes[-1],
                                     "rows_sha256": rows_digest(canon)})
            seqs.append(event.seq)
            parcel_ids += p_ids
            unit_ids += u_ids
            right_ids += primary
            progress("register units", stop, n)
    except IntegrityError as exc:  # a concurrent writer took a code between our check and our insert
        raise RegistryError.DUPLICATE_PARCEL_CODE_2.error() from exc
    return BulkRegistrationReport(application_id=application.id, application_number=number, parcel_ids=parcel_ids,
                                  unit_ids=unit_ids, right_ids=right_ids, certificate_count=cert_total,
                                  ledger_seqs=seqs)


# --- parties --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartyIn:
    """A party to register in bulk: a person (resident ID), an organisation (USCC) or a group with members."""

    kind: str
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    region_code: str | None = None
    members: Sequence[tuple[int, str, Fraction]] = ()  # groups: (member party id, relation, share)


def _check_party_rows(parties: Sequence[PartyIn]) -> list[tuple[str | None, str | None]]:
    """Per-row party rules (as ``create_party``); returns the normalised (id type, id number) of each row."""
    out: list[tuple[str | None, str | None]] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(parties):
        try:
            kind, id_type, number = check_party(p.kind, p.name, p.id_number)
            if p.members:
                check_members(kind)
        except RuleViolation as exc:
            raise _at_item(i, exc) from None
        if p.members:
            try:
                rules.check_shares([(pid, share) for pid, _, share in p.members])
            except RuleViolation as exc:
                raise _at_item(i, exc) from None
        if number is not None:
            if number in seen:
                raise RegistryError.PARTY_EXISTS_2.error({"i": i, "seen_number": seen[number]}, item_index=i)
            seen[number] = i
        out.append((id_type if number else None, number))
    return out


def bulk_create_parties(session: Session, parties: Sequence[PartyIn], *, actor: str,
                        chunk: int = CHUNK) -> list[int]:
    """Register many parties (权利人) at once, e.g. a village's households (R1); ids in input order; all or nothing.

    The same rules as ``create_party``; ID numbers and phones are encrypted in batch (one cipher per call) with
    their blind indexes (issue #12 item 4). One ``parties_registered`` ledger event per chunk carries the SHA-256
    over the chunk's canonical rows, in which an ID number enters only as its keyed blind index.
    """
    if not parties:
        return []
    ids_of = _check_party_rows(parties)
    id_index = blind_indexes([num for _, num in ids_of], purpose=ID_NUMBER_CONTEXT)
    taken_at = {idx: i for i, idx in enumerate(id_index) if idx is not None}
    wanted = sorted(taken_at)
    for start in range(0, len(wanted), 5000):
        taken = session.execute(select(Party.id_index).where(Party.id_index.in_(wanted[start:start + 5000]))
                                ).scalars().first()
        if taken is not None:
            raise RegistryError.PARTY_EXISTS.error(item_index=taken_at[taken])
    member_ids = sorted({pid for p in parties for pid, _, _ in p.members})
    kinds: dict[int, str] = {}
    for start in range(0, len(member_ids), 5000):
        found = session.execute(select(Party.id, Party.kind).where(Party.id.in_(member_ids[start:start + 5000])))
        kinds.update((int(pid), str(kind)) for pid, kind in found.all())
    for i, p in enumerate(parties):
        for pid, _, _ in p.members:
            if pid not in kinds:
                raise RegistryError.PARTY_NOT_FOUND_2.error({"i": i, "pid": pid}, item_index=i, party_id=pid)
            if kinds[pid] == PartyKind.group:
                raise _invalid(i, RegistryError.NESTED_GROUP)
    stamp = now()
    out: list[int] = []
    try:
        for start in range(0, len(parties), chunk):
            part = parties[start:start + chunk]
            sealed_ids = encrypt_many([num for _, num in ids_of[start:start + chunk]], context=ID_NUMBER_CONTEXT)
            phones = [p.phone or None for p in part]
            sealed_phones = encrypt_many(phones, context=PHONE_CONTEXT)
            phone_index = blind_indexes(phones, purpose=PHONE_CONTEXT)
            ids = _returning_ids(session, _PARTY, [{
                "kind": p.kind, "name": p.name.strip(), "id_type": ids_of[start + off][0],
                "id_number_enc": sealed_ids[off], "id_index": id_index[start + off],
                "phone_enc": sealed_phones[off], "phone_index": phone_index[off], "address": p.address,
                "region_code": p.region_code, "created_at": stamp} for off, p in enumerate(part)])
            members = [{"group_id": gid, "member_id": pid, "relation": rel, "share_num": share.numerator,
                        "share_den": share.denominator} for gid, p in zip(ids, part, strict=True)
                       for pid, rel, share in p.members]
            if members:
                session.execute(insert(_MEMBER), members)
            canon = [json.dumps([gid, p.kind, p.name.strip(), ids_of[start + off][0],
                                 id_index[start + off], p.region_code,
                                 [[pid, rel, rules.share_text(sh)] for pid, rel, sh in p.members]],
                                ensure_ascii=False, separators=(",", ":"))
                     for off, (gid, p) in enumerate(zip(ids, part, strict=True))]
            append_event(session, module="registry", event_type="parties_registered", subject=subjects.party(ids[0]),
                         actor=actor, payload={"count": len(ids), "first_party_id": ids[0], "last_party_id": ids[-1],
                                               "rows_sha256": rows_digest(canon)})
            out += ids
    except IntegrityError as exc:  # a concurrent writer registered one of these ID numbers meanwhile
        raise RegistryError.PARTY_EXISTS.error() from exc
    return out


def verify_bulk_registration(session: Session, application_number: str) -> list[int]:
    """Recompute every ``units_registered`` chunk digest of a bulk registration from the tables (P2).

    Returns the numbers of the chunks whose rows no longer match what the ledger sealed (empty: intact).
    """
    events = [e for e in list_events(session, module="registry", subject=subjects.application(application_number),
                                     limit=1_000_000) if e.event_type == "units_registered"]
    if not events:
        return []
    app_id = session.execute(select(Application.id).where(Application.number == application_number)).scalar_one()
    bad: list[int] = []
    last_id = 0
    for event in events:
        payload = json.loads(event.body)["payload"]
        units = session.execute(
            select(PropertyUnit.id, PropertyUnit.unit_code, PropertyUnit.region_code, Parcel.land_use_class,
                   Parcel.area_m2, Parcel.geom)
            .join(Parcel, Parcel.id == PropertyUnit.parcel_id)
            .where(PropertyUnit.application_id == app_id, PropertyUnit.id > last_id)
            .order_by(PropertyUnit.id).limit(int(payload["count"]))).all()
        if units:
            last_id = units[-1][0]
        ids = [u[0] for u in units]
        rights: dict[int, list[Right]] = {}
        for r in session.execute(select(Right).where(Right.application_id == app_id, Right.unit_id.in_(ids))
                                 .order_by(Right.id)).scalars():
            rights.setdefault(int(r.unit_id or 0), []).append(r)
        primary = {uid: rs[0] for uid, rs in rights.items()}
        right_ids = [r.id for r in primary.values()]
        holders: dict[int, list[list[Any]]] = {}
        for rid, pid, num, den in session.execute(
                select(RightHolder.right_id, RightHolder.party_id, RightHolder.share_num, RightHolder.share_den)
                .where(RightHolder.right_id.in_(right_ids)).order_by(RightHolder.right_id, RightHolder.party_id)):
            holders.setdefault(rid, []).append([pid, rules.share_text(Fraction(num, den))])
        certs = {int(rid or 0): str(num) for rid, num in session.execute(
            select(Certificate.right_id, Certificate.number)
            .where(Certificate.application_id == app_id, Certificate.right_id.in_(right_ids)))}
        canon = []
        for uid, unit_code, region, luc, area, geom in units:
            right = primary.get(uid)
            if right is None:
                canon.append("")
                continue
            canon.append(json.dumps([
                unit_code, region, luc, f"{Decimal(area):.2f}", bytes(shapely.to_wkb(geom)).hex(), right.right_type,
                str(right.term_start or ""), str(right.term_end or ""),
                any(r.right_type == RightType.house_ownership for r in rights[uid]), holders.get(right.id, []),
                certs.get(right.id, ""),
            ], ensure_ascii=False, separators=(",", ":")))
        if len(units) != int(payload["count"]) or rows_digest(canon) != payload["rows_sha256"]:
            bad.append(int(payload["chunk"]))
    return bad

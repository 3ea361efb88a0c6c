"""Registry reads: parcels in a viewport, parcel detail with history, applications, as-of-date views (R1, R2)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.ids import valid_resident_id, valid_uscc
from landbridge.kernel.spatial import BBox, bbox_filter
from landbridge.privacy import blind_index, decrypt_many
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    ID_NUMBER_CONTEXT,
    PHONE_CONTEXT,
    Application,
    Certificate,
    IdType,
    Parcel,
    Party,
    PropertyUnit,
    RecordStatus,
    Restriction,
    Right,
    RightHolder,
    RightType,
)
from landbridge.registry.rules import OWNERSHIP_LETTER, Layer, share_text

LIVE = (RecordStatus.current.value,)


def _get(session: Session, model: Any, obj_id: int, missing: RegistryError, *, lock: bool = False) -> Any:
    stmt = select(model).where(model.id == obj_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    obj = session.execute(stmt).scalar_one_or_none()
    if obj is None:
        raise missing.error(id=obj_id)
    return obj


def get_party(session: Session, party_id: int) -> Party:
    """Load a party (权利人) or 404 (R1)."""
    party = session.get(Party, party_id)
    if party is None:
        raise party_not_found(party_id)
    return party


def find_party_by_id_number(session: Session, id_type: str, id_number: str) -> Party | None:
    """The party holding an ID number, found by its keyed blind index (the number itself is stored only encrypted)
    (R1; issue #12 item 4)."""
    number = valid_resident_id(id_number) if id_type == IdType.resident_id else valid_uscc(id_number)
    if number is None:
        return None
    index = blind_index(number, purpose=ID_NUMBER_CONTEXT)
    return session.execute(select(Party).where(Party.id_type == id_type, Party.id_index == index)).scalar_one_or_none()


def find_parties_by_phone(session: Session, phone: str, *, limit: int = 20) -> list[Party]:
    """Parties with this exact phone number, by its blind index (issue #12 item 4)."""
    index = blind_index(phone.strip(), purpose=PHONE_CONTEXT)
    return list(session.execute(select(Party).where(Party.phone_index == index).order_by(Party.id).limit(limit))
                .scalars())


def party_not_found(party_id: int) -> DomainError:
    """The one answer for a party that is missing or out of the reader's scope (no existence oracle)."""
    return RegistryError.PARTY_NOT_FOUND_3.error({"party_id": party_id}, id=party_id)


def party_kinds(session: Session, party_ids: Sequence[int], *, chunk: int = 5000) -> dict[int, tuple[str, str | None]]:
    """Kind and ID number of many parties at once (bulk paths: a village's roll); unknown ids are absent (R1)."""
    ids = sorted(set(party_ids))
    out: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(ids), chunk):
        rows = session.execute(select(Party.id, Party.kind, Party.id_number_enc).where(
            Party.id.in_(ids[start:start + chunk]))).all()
        numbers = decrypt_many([sealed for _, _, sealed in rows], context=ID_NUMBER_CONTEXT)
        out.update({pid: (str(kind), number) for (pid, kind, _), number in zip(rows, numbers, strict=True)})
    return out


def current_extent(session: Session) -> tuple[float, float, float, float] | None:
    """The lon/lat box (minx, miny, maxx, maxy) of all current parcels, or None when there are none (map view)."""
    row: tuple[Any, ...] = tuple(session.execute(
        select(func.min(Parcel.minx), func.min(Parcel.miny), func.max(Parcel.maxx), func.max(Parcel.maxy))
        .where(Parcel.status == RecordStatus.current)).one())
    if row[0] is None:
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def get_parcel(session: Session, parcel_id: int) -> Parcel:
    """Load a parcel (宗地) version or 404 (R1)."""
    parcel: Parcel = _get(session, Parcel, parcel_id, RegistryError.PARCEL_NOT_FOUND)
    return parcel


def get_unit(session: Session, unit_id: int, *, lock: bool = False) -> PropertyUnit:
    """Load a property unit (不动产单元) or 404 (R1)."""
    unit: PropertyUnit = _get(session, PropertyUnit, unit_id, RegistryError.UNIT_NOT_FOUND, lock=lock)
    return unit


def get_application(session: Session, application_id: int, *, lock: bool = False) -> Application:
    """Load a registration application (登记申请) or 404 (R1)."""
    app: Application = _get(session, Application, application_id, RegistryError.APPLICATION_NOT_FOUND, lock=lock)
    return app


def get_certificate(session: Session, certificate_id: int) -> Certificate:
    """Load a certificate (不动产权证书 / 登记证明) or 404 (R1)."""
    cert: Certificate = _get(session, Certificate, certificate_id, RegistryError.CERTIFICATE_BY_ID_NOT_FOUND)
    return cert


def get_certificate_by_token(session: Session, token: str) -> Certificate:
    """Find a certificate by its QR verification token, or 404 (R1, P2)."""
    cert = session.execute(select(Certificate).where(Certificate.verify_token == token)).scalar_one_or_none()
    if cert is None:
        raise RegistryError.CERTIFICATE_NOT_FOUND_2.error()
    return cert


def holders_of(session: Session, right_id: int) -> list[tuple[int, Fraction]]:
    """The holders of a right with their shares."""
    rows = session.execute(select(RightHolder.party_id, RightHolder.share_num, RightHolder.share_den)
                           .where(RightHolder.right_id == right_id).order_by(RightHolder.party_id)).all()
    return [(pid, Fraction(n, d)) for pid, n, d in rows]


def current_rights(session: Session, unit_id: int) -> list[Right]:
    """Current rights on a unit, oldest first."""
    return list(session.execute(select(Right).where(Right.unit_id == unit_id, Right.status == RecordStatus.current)
                                .order_by(Right.id)).scalars())


def current_restrictions(session: Session, unit_id: int) -> list[Restriction]:
    """Current restrictions on a unit, oldest first."""
    return list(session.execute(select(Restriction).where(Restriction.unit_id == unit_id,
                                                          Restriction.status == RecordStatus.current)
                                .order_by(Restriction.id)).scalars())


def current_restrictions_of(session: Session, unit_ids: Iterable[int]) -> dict[int, list[Restriction]]:
    """Current restrictions on each of many units, oldest first (one read per thousand units, not one per unit);
    every asked unit is a key, with an empty list where it has none."""
    ids = sorted(set(unit_ids))
    out: dict[int, list[Restriction]] = {unit_id: [] for unit_id in ids}
    for first in range(0, len(ids), 1000):
        for row in session.execute(select(Restriction).where(Restriction.unit_id.in_(ids[first:first + 1000]),
                                                             Restriction.status == RecordStatus.current)
                                   .order_by(Restriction.id)).scalars():
            out[row.unit_id].append(row)
    return out


def current_restriction_keys(session: Session, restriction_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(unit id, restriction id) of those of ``restriction_ids`` that are current: two integers per row, one read
    per thousand ids (what a holder of many liens checks them against, without loading the restrictions)."""
    ids = sorted(set(restriction_ids))
    out: set[tuple[int, int]] = set()
    for first in range(0, len(ids), 1000):
        out.update((int(u), int(r)) for u, r in session.execute(
            select(Restriction.unit_id, Restriction.id).where(Restriction.id.in_(ids[first:first + 1000]),
                                                              Restriction.status == RecordStatus.current)))
    return out


def _valid_at(model: Any, at: datetime | None) -> ColumnElement[bool]:
    if at is None:
        return model.status == RecordStatus.current  # type: ignore[no-any-return]
    return and_(model.status.in_([RecordStatus.current, RecordStatus.historic]),
                model.begin_lifespan <= at, or_(model.end_lifespan.is_(None), model.end_lifespan > at))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _party_names(session: Session, ids: set[int]) -> dict[int, Party]:
    if not ids:
        return {}
    return {p.id: p for p in session.execute(select(Party).where(Party.id.in_(ids))).scalars()}


def right_dict(session: Session, right: Right) -> dict[str, Any]:
    """A right with its holders as plain data."""
    holders = holders_of(session, right.id)
    parties = _party_names(session, {pid for pid, _ in holders})
    return {
        "id": right.id, "right_type": right.right_type, "status": right.status, "unit_id": right.unit_id,
        "begin_lifespan": _iso(right.begin_lifespan), "end_lifespan": _iso(right.end_lifespan),
        "term_start": right.term_start.isoformat() if right.term_start else None,
        "term_end": right.term_end.isoformat() if right.term_end else None,
        "predecessor_id": right.predecessor_id, "supersedes_id": right.supersedes_id,
        "application_id": right.application_id,
        "holders": [{"party_id": pid, "name": parties[pid].name, "share": share_text(share)}
                    for pid, share in holders],
    }


def restriction_dict(restriction: Restriction) -> dict[str, Any]:
    """A restriction as plain data."""
    return {
        "id": restriction.id, "kind": restriction.kind, "status": restriction.status, "right_id": restriction.right_id,
        "unit_id": restriction.unit_id, "holder_party_id": restriction.holder_party_id, "rank": restriction.rank,
        "secured_amount_cny": str(restriction.secured_amount_cny) if restriction.secured_amount_cny is not None
        else None,
        "no_transfer_agreement": restriction.no_transfer_agreement, "expires_at": _iso(restriction.expires_at),
        "suit_filed_at": _iso(restriction.suit_filed_at), "document_no": restriction.document_no,
        "begin_lifespan": _iso(restriction.begin_lifespan), "end_lifespan": _iso(restriction.end_lifespan),
        "supersedes_id": restriction.supersedes_id, "application_id": restriction.application_id,
    }


def unit_as_of(session: Session, unit_id: int, at: datetime | None = None) -> dict[str, Any]:
    """A unit with its rights (and holders) and restrictions as they stood at ``at`` (now if None) (R2)."""
    unit = get_unit(session, unit_id)
    rights = session.execute(select(Right).where(Right.unit_id == unit_id, _valid_at(Right, at))
                             .order_by(Right.id)).scalars().all()
    restrictions = session.execute(select(Restriction).where(Restriction.unit_id == unit_id,
                                                             _valid_at(Restriction, at))
                                   .order_by(Restriction.id)).scalars().all()
    return {
        "id": unit.id, "unit_code": unit.unit_code, "status": unit.status, "attachment": unit.attachment,
        "parcel_id": unit.parcel_id, "begin_lifespan": _iso(unit.begin_lifespan),
        "end_lifespan": _iso(unit.end_lifespan),
        "rights": [right_dict(session, r) for r in rights],
        "restrictions": [restriction_dict(r) for r in restrictions],
    }


def parcel_detail(session: Session, parcel_id: int, as_of: datetime | None = None) -> dict[str, Any]:
    """A parcel with its units, rights, holders, restrictions (now or as of a date) and full history (R1, R2)."""
    parcel = get_parcel(session, parcel_id)
    units = session.execute(select(PropertyUnit).where(PropertyUnit.parcel_id == parcel_id)
                            .order_by(PropertyUnit.id)).scalars().all()
    live_units = [u for u in units if u.status in (RecordStatus.current, RecordStatus.historic)]
    unit_ids = [u.id for u in units]
    history: list[dict[str, Any]] = [
        {"object": "parcel", "id": parcel.id, "status": parcel.status, "begin_lifespan": _iso(parcel.begin_lifespan),
         "end_lifespan": _iso(parcel.end_lifespan), "application_id": parcel.application_id}]
    if unit_ids:
        for r in session.execute(select(Right).where(Right.unit_id.in_(unit_ids)).order_by(Right.id)).scalars():
            item = right_dict(session, r)
            item["object"] = "right"
            history.append(item)
        for x in session.execute(select(Restriction).where(Restriction.unit_id.in_(unit_ids))
                                 .order_by(Restriction.id)).scalars():
            item = restriction_dict(x)
            item["object"] = "restriction"
            history.append(item)
    history.sort(key=lambda h: (h.get("begin_lifespan") or "9999", h["object"], h["id"]))
    return {
        "id": parcel.id, "parcel_code": parcel.parcel_code, "status": parcel.status,
        "region_code": parcel.region_code, "land_use_class": parcel.land_use_class, "location": parcel.location,
        "area_m2": str(parcel.area_m2), "bbox": [parcel.minx, parcel.miny, parcel.maxx, parcel.maxy],
        "geometry": parcel.geom.__geo_interface__, "begin_lifespan": _iso(parcel.begin_lifespan),
        "end_lifespan": _iso(parcel.end_lifespan), "application_id": parcel.application_id,
        "as_of": _iso(as_of),
        "units": [unit_as_of(session, u.id, as_of) for u in (live_units if as_of is not None else
                                                             [u for u in units if u.status == RecordStatus.current])],
        "history": history,
    }


def layer_filter(layer: Layer) -> ColumnElement[bool]:
    """WHERE clause: parcels of one cadastral layer (the 14th character of the parcel code, R1)."""
    letter = func.substr(Parcel.parcel_code, 14, 1)
    return letter == OWNERSHIP_LETTER if layer is Layer.ownership else letter != OWNERSHIP_LETTER


def list_parcels_in_bbox(session: Session, bbox: BBox, *, limit: int = 100, offset: int = 0,
                         layer: Layer | None = None) -> tuple[list[dict[str, Any]], int]:
    """Current parcels meeting a viewport box, as public features (no personal data) plus the total (R1).

    ``layer``: only ownership parcels (village territories, for overview maps) or only use-right parcels.
    """
    where = and_(Parcel.status == RecordStatus.current, bbox_filter(session, Parcel, bbox))
    if layer is not None:
        where = and_(where, layer_filter(layer))
    total = int(session.execute(select(func.count()).select_from(Parcel).where(where)).scalar_one())
    parcels = session.execute(select(Parcel).where(where).order_by(Parcel.id).limit(limit).offset(offset)
                              ).scalars().all()
    ids = [p.id for p in parcels]
    units: dict[int, list[tuple[int, str]]] = {}
    rights: dict[int, list[str]] = {}
    if ids:
        for uid, pid, code in session.execute(select(PropertyUnit.id, PropertyUnit.parcel_id, PropertyUnit.unit_code)
                                              .where(PropertyUnit.parcel_id.in_(ids),
                                                     PropertyUnit.status == RecordStatus.current)
                                              .order_by(PropertyUnit.id)):
            units.setdefault(pid, []).append((uid, code))
        unit_ids = [u for lst in units.values() for u, _ in lst]
        if unit_ids:
            unit_parcel = {u: pid for pid, lst in units.items() for u, _ in lst}
            for right_unit, rtype in session.execute(select(Right.unit_id, Right.right_type)
                                              .where(Right.unit_id.in_(unit_ids), Right.status == RecordStatus.current)
                                              .order_by(Right.id)):
                lst = rights.setdefault(unit_parcel[right_unit or 0], [])
                if rtype not in lst:
                    lst.append(rtype)
    features = [{
        "type": "Feature", "id": p.id, "geometry": p.geom.__geo_interface__,
        "properties": {"id": p.id, "parcel_code": p.parcel_code, "unit_codes": [c for _, c in units.get(p.id, [])],
                       "right_types": rights.get(p.id, []), "land_use_class": p.land_use_class,
                       "area_m2": str(p.area_m2), "region_code": p.region_code},
    } for p in parcels]
    return features, total


def construction_land_in_bbox(session: Session, bbox: BBox, *, limit: int = 300
                              ) -> tuple[list[dict[str, Any]], bool]:
    """Current parcels meeting a viewport box that carry a current collective construction land use right, for
    the market-entry overlay of the public map (全景看地, L1, P1): public facts only (no holder, no party id): the
    unit, use, area, whether the right was granted by market entry (its method and registered term) and whether
    an organisation (a collective) or someone else holds it. At most ``limit`` rights (a parcel with several counts
    each), in parcel order; the flag says the box held more."""
    where = and_(Parcel.status == RecordStatus.current, bbox_filter(session, Parcel, bbox))
    rows = session.execute(
        select(Parcel, PropertyUnit.id, Right.id, Right.attrs, Right.term_end)
        .join(PropertyUnit, and_(PropertyUnit.parcel_id == Parcel.id, PropertyUnit.status == RecordStatus.current))
        .join(Right, and_(Right.unit_id == PropertyUnit.id, Right.status == RecordStatus.current,
                          Right.right_type == RightType.collective_construction_land_use_right))
        .where(where).order_by(Parcel.id, Right.id).limit(limit)).all()
    kinds: dict[int, set[str]] = {}
    right_ids = [r[2] for r in rows]
    if right_ids:
        for rid, kind in session.execute(select(RightHolder.right_id, Party.kind).join(
                Party, Party.id == RightHolder.party_id).where(RightHolder.right_id.in_(right_ids))):
            kinds.setdefault(rid, set()).add(str(kind))
    out: dict[int, dict[str, Any]] = {}
    for parcel, unit_id, right_id, attrs, term_end in rows:
        method = (attrs or {}).get("entry_method")
        feature = out.setdefault(parcel.id, {
            "type": "Feature", "id": parcel.id, "geometry": parcel.geom.__geo_interface__,
            "properties": {"parcel_id": parcel.id, "unit_id": unit_id, "land_use_class": parcel.land_use_class,
                           "area_m2": str(parcel.area_m2), "region_code": parcel.region_code,
                           "entry_method": None, "term_end": None, "collective_held": False}})
        props = feature["properties"]
        if method:
            props["entry_method"], props["term_end"] = str(method), term_end.isoformat() if term_end else None
        elif kinds.get(right_id) == {"organisation"}:
            props["collective_held"] = True
    return list(out.values()), len(rows) >= limit


def list_applications(session: Session, *, status: str | None = None, region_prefix: str | None = None,
                      limit: int = 50, offset: int = 0) -> tuple[list[Application], int]:
    """Registration applications, newest first, filtered by status and region prefix, plus the total (R1)."""
    conds: list[ColumnElement[bool]] = []
    if status:
        conds.append(Application.status == status)
    if region_prefix:
        conds.append(Application.region_code.startswith(region_prefix))
    total = int(session.execute(select(func.count()).select_from(Application).where(*conds)).scalar_one())
    rows = session.execute(select(Application).where(*conds).order_by(Application.id.desc())
                           .limit(limit).offset(offset)).scalars().all()
    return list(rows), total


def certificates_of_application(session: Session, application_id: int) -> list[Certificate]:
    """Certificates issued on approval of an application."""
    return list(session.execute(select(Certificate).where(Certificate.application_id == application_id)
                                .order_by(Certificate.id)).scalars())


def iter_parcel_features(session: Session, *, parcel_ids: Sequence[int] | None = None,
                         region_prefix: str | None = None, chunk: int = 20_000) -> Iterator[dict[str, list[Any]]]:
    """Current use-right parcels in id order, ``chunk`` at a time, as columns for mass appraisal (R1, L1).

    Columns: parcel_id, region_code, land_use_class, area_m2 (float), lon/lat (bounding-box centre) and
    plot_ratio (a unit's ``plot_ratio`` attribute, None where none is recorded).
    """
    where = and_(Parcel.status == RecordStatus.current, layer_filter(Layer.use))
    if region_prefix:
        where = and_(where, Parcel.region_code.startswith(region_prefix))
    wanted = sorted(set(parcel_ids)) if parcel_ids is not None else None
    last = -1
    while True:
        stmt = select(Parcel.id, Parcel.region_code, Parcel.land_use_class, Parcel.area_m2, Parcel.minx, Parcel.miny,
                      Parcel.maxx, Parcel.maxy).where(where, Parcel.id > last).order_by(Parcel.id).limit(chunk)
        if wanted is not None:
            batch = [i for i in wanted if i > last][:chunk]
            if not batch:
                return
            stmt = stmt.where(Parcel.id.in_(batch))
        rows = session.execute(stmt).all()
        if not rows:
            return
        last = rows[-1][0]
        ratio: dict[int, Any] = {}
        for pid, attrs in session.execute(select(PropertyUnit.parcel_id, PropertyUnit.attrs).where(
                PropertyUnit.parcel_id.between(rows[0][0], last), PropertyUnit.status == RecordStatus.current)):
            if attrs and attrs.get("plot_ratio") is not None and pid not in ratio:
                ratio[pid] = attrs["plot_ratio"]
        yield {"parcel_id": [r[0] for r in rows], "region_code": [r[1] for r in rows],
               "land_use_class": [r[2] for r in rows], "area_m2": [float(r[3]) for r in rows],
               "lon": [(r[4] + r[6]) / 2 for r in rows], "lat": [(r[5] + r[7]) / 2 for r in rows],
               "plot_ratio": [None if ratio.get(r[0]) is None else str(ratio[r[0]]) for r in rows]}

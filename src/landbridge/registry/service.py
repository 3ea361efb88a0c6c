"""Registry transitions (不动产登记): parties, lodging, approval, certificates, documents (R1, R2, R3).

Every transition loads and locks what it changes, checks the allowed state itself, applies the
change as new versioned rows, and writes a ledger event in the caller's transaction. Nothing is
ever deleted: approval flips pending rows to current and superseded rows to historic.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import decided_by, get_profile
from landbridge.config import get_settings
from landbridge.db import for_update
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.kernel.area import quantize_m2
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.kernel.geo import GeometryError, area_m2, validate_polygon
from landbridge.kernel.ids import valid_resident_id, valid_uscc
from landbridge.kernel.money import to_money
from landbridge.kernel.spatial import exact_overlaps, geometry_filter
from landbridge.ledger import append_event, subjects
from landbridge.privacy import mask_name
from landbridge.registry import rules
from landbridge.registry.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Counter,
    IdType,
    Parcel,
    Party,
    PartyKind,
    PartyMember,
    PropertyUnit,
    RecordStatus,
    RegistrationKind,
    Restriction,
    RestrictionKind,
    Right,
    RightHolder,
    RightType,
    SourceDocument,
)
from landbridge.registry.queries import (
    certificates_of_application,
    current_restrictions,
    current_rights,
    get_application,
    get_party,
    get_unit,
    holders_of,
    layer_filter,
)

MODULE = "registry"
HolderInput = Sequence[tuple[int, Fraction | str | int]]
VERSIONED: tuple[Any, ...] = (Parcel, PropertyUnit, Right, Restriction)
SPATIAL_LOCK = "lock:registry_parcels"


def _registry_rules() -> Any:
    return get_profile().rules("registry")


# --- counters and locks -------------------------------------------------------------------------

def _lock_counter(session: Session, name: str) -> int:
    """Lock the named counter row (creating it at 0) and return its value (FOR UPDATE on PostgreSQL)."""
    table: Any = Counter.__table__
    dialect = session.get_bind().dialect.name
    ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    session.execute(ins.values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    stmt = select(Counter.value).where(Counter.name == name)
    if for_update(session):
        stmt = stmt.with_for_update()
    return int(session.execute(stmt).scalar_one())


def next_counter(session: Session, name: str) -> int:
    """The next value of a gap-free named counter (parcel sequence, certificate serial) under its row lock (R1)."""
    value = _lock_counter(session, name) + 1
    session.execute(update(Counter).where(Counter.name == name).values(value=value))
    return value


def _lock_parcels(session: Session) -> None:
    """Serialise spatial checks (overlaps) between concurrent lodgings and approvals."""
    _lock_counter(session, SPATIAL_LOCK)


# --- parties ------------------------------------------------------------------------------------

def create_party(session: Session, *, kind: str, name: str, id_type: str | None = None, id_number: str | None = None,
                 phone: str | None = None, address: str | None = None, region_code: str | None = None,
                 members: Sequence[tuple[int, str, Fraction | str]] | None = None, actor: str) -> Party:
    """Register a party (权利人): person with a resident ID, organisation with a USCC, or a group (R1)."""
    try:
        party_kind = PartyKind(kind)
    except ValueError:
        raise RuleViolation("registry.invalid_party_kind", f"权利人类型 {kind} 无效", f"unknown party kind {kind!r}",
                            kind=kind) from None
    if not name.strip():
        raise RuleViolation("registry.name_required", "姓名或名称不能为空", "a name is required")
    number: str | None = None
    kind_of_id: str | None = None
    if party_kind is PartyKind.person:
        number = valid_resident_id(id_number or "")
        kind_of_id = IdType.resident_id
        if id_type not in (None, IdType.resident_id) or number is None:
            raise RuleViolation("registry.invalid_id_number", "居民身份证号无效", "the resident ID number is not valid")
    elif party_kind is PartyKind.organisation:
        number = valid_uscc(id_number or "")
        kind_of_id = IdType.uscc
        if id_type not in (None, IdType.uscc) or number is None:
            raise RuleViolation("registry.invalid_id_number", "统一社会信用代码无效",
                                "the unified social credit code is not valid")
    elif id_number:
        raise RuleViolation("registry.invalid_id_number", "家庭或共有人组不能有证件号", "a group has no ID number")
    member_rows: list[tuple[int, str, Fraction]] = []
    if members:
        if party_kind is not PartyKind.group:
            raise RuleViolation("registry.members_only_for_groups", "只有家庭或共有人组可以有成员",
                                "only a group party has members")
        member_rows = [(pid, rel, rules.parse_share(share)) for pid, rel, share in members]
        rules.check_shares([(pid, share) for pid, _, share in member_rows])
        for pid, _, _ in member_rows:
            if get_party(session, pid).kind == PartyKind.group:
                raise RuleViolation("registry.nested_group", "成员不能是另一个组", "a member cannot be a group")
    party = Party(kind=party_kind, name=name.strip(), id_type=kind_of_id if number else None, id_number=number,
                  phone=phone, address=address, region_code=region_code, created_at=now())
    try:
        with session.begin_nested():
            session.add(party)
            session.flush()
    except IntegrityError:
        # the unique blind index decides (no check-then-act); the error names neither the party nor its id
        raise _party_exists() from None
    for pid, rel, share in member_rows:
        session.add(PartyMember(group_id=party.id, member_id=pid, relation=rel, share_num=share.numerator,
                                share_den=share.denominator))
    session.flush()
    append_event(session, module=MODULE, event_type="party_created", subject=subjects.party(party.id), actor=actor,
                 payload={"kind": party_kind.value, "name": _event_name(party_kind, party.name),
                          "id_type": party.id_type,
                          "members": [[pid, rel, rules.share_text(s)] for pid, rel, s in member_rows]})
    return party


def _event_name(kind: PartyKind, name: str) -> str:
    """The name a ledger event carries: an organisation's in full, a person's or household's masked (issue #12)."""
    return name if kind is PartyKind.organisation else mask_name(name)


def _party_exists() -> Conflict:
    """A duplicate ID number: the body reveals no id or name of the party that holds it (no ID → name oracle)."""
    return Conflict("registry.party_exists", "该证件号的权利人已存在", "a party with this ID number already exists")


def _holders(session: Session, holders: HolderInput) -> list[tuple[int, Fraction]]:
    parsed = [(int(pid), rules.parse_share(share)) for pid, share in holders]
    rules.check_shares(parsed)
    for pid, _ in parsed:
        get_party(session, pid)
    return sorted(parsed)


def _add_right(session: Session, *, app: Application, unit_id: int, right_type: str,
               holders: list[tuple[int, Fraction]], term_start: date | None = None, term_end: date | None = None,
               predecessor_id: int | None = None, supersedes_id: int | None = None,
               attrs: dict[str, Any] | None = None, collective_party_id: int | None = None) -> Right:
    right = Right(unit_id=unit_id, right_type=right_type, status=RecordStatus.pending, application_id=app.id,
                  region_code=app.region_code, term_start=term_start, term_end=term_end,
                  predecessor_id=predecessor_id, supersedes_id=supersedes_id, attrs=attrs or {},
                  collective_party_id=collective_party_id)
    session.add(right)
    session.flush()
    for pid, share in holders:
        session.add(RightHolder(right_id=right.id, party_id=pid, share_num=share.numerator,
                                share_den=share.denominator))
    session.flush()
    return right


# --- applications -------------------------------------------------------------------------------

def _new_application(session: Session, *, kind: RegistrationKind, region_code: str, unit_id: int | None,
                     summary: str, actor: str, payload: dict[str, Any]) -> Application:
    """Create a lodged application; the partial unique index refuses a second one on the same unit."""
    at = now()
    year = to_local(at).year
    serial = next_counter(session, f"application:{year}")
    app = Application(number=f"SQ{year}{serial:08d}", kind=kind, status=ApplicationStatus.lodged,
                      region_code=region_code, unit_id=unit_id, summary=summary[:300], lodged_by=actor,
                      lodged_at=at, payload=payload, version=1,
                      rule_digest=decided_by("registry", to_local(at).date()).digest)
    try:
        with session.begin_nested():
            session.add(app)
            session.flush()
    except IntegrityError:
        raise Conflict("registry.unit_has_pending_application", "该不动产单元已有在办的登记申请",
                       "another application on this unit is pending", unit_id=unit_id) from None
    return app


def _claim_unit(session: Session, app: Application, unit_id: int) -> None:
    """Point the application at its unit (one lodged application per unit, enforced by the database)."""
    try:
        with session.begin_nested():
            app.unit_id = unit_id
            session.flush()
    except IntegrityError:
        raise Conflict("registry.unit_has_pending_application", "该不动产单元已有在办的登记申请",
                       "another application on this unit is pending", unit_id=unit_id) from None


def concerns(session: Session, app: Application) -> list[str]:
    """The records an application's events concern besides itself (issue #14 item 7): its unit, the unit's parcel,
    the rights it adds or that stand on the unit, and their holders, so each record's history finds the event."""
    if app.unit_id is None:
        return []
    out = [subjects.unit(app.unit_id)]
    parcel_id = session.execute(select(PropertyUnit.parcel_id).where(PropertyUnit.id == app.unit_id)).scalar()
    if parcel_id is not None:
        out.append(subjects.parcel(parcel_id))
    rows = session.execute(select(Right.id, RightHolder.party_id)
                           .outerjoin(RightHolder, RightHolder.right_id == Right.id).where(Right.unit_id == app.unit_id,
                                  or_(Right.application_id == app.id, Right.status == RecordStatus.current))
                           .order_by(Right.id, RightHolder.party_id)).all()
    out += [subjects.right(right_id) for right_id in dict.fromkeys(r for r, _ in rows)]
    out += [subjects.party(party_id) for party_id in dict.fromkeys(p for _, p in rows if p is not None)]
    return out


def _lodged_event(session: Session, app: Application, actor: str) -> None:
    append_event(session, module=MODULE, event_type="application_lodged", subject=subjects.application(app.id),
                 also=concerns(session, app), actor=actor,
                 payload={"number": app.number, "kind": app.kind, "unit_id": app.unit_id,
                          "region_code": app.region_code, "detail": app.payload})


def _check_region(region_code: str) -> None:
    profile = get_profile()
    region = profile.region(region_code)
    if region is None or region.level != "village":
        raise RuleViolation("registry.invalid_region_code", f"区划代码 {region_code} 不是本市的行政村",
                            f"region code {region_code} is not a village of the city profile",
                            region_code=region_code)


def _geometry(geometry: BaseGeometry) -> BaseGeometry:
    try:
        return validate_polygon(geometry, get_profile().extent)
    except GeometryError as exc:
        raise RuleViolation("registry.invalid_geometry", f"宗地图形无效：{exc}", f"invalid parcel geometry: {exc}",
                            reason=str(exc)) from None


def _check_overlaps(session: Session, geom: BaseGeometry, *, layer: rules.Layer, statuses: Sequence[str],
                    exclude_ids: Sequence[int] = ()) -> None:
    """409 ``registry.parcel_overlap`` naming the parcels of the same layer that ``geom`` overlaps (R1)."""
    profile = get_profile()
    tolerance = float(_registry_rules().decimal("overlap_tolerance_m2"))
    stmt = select(Parcel.id, Parcel.parcel_code, Parcel.geom).where(
        Parcel.status.in_(list(statuses)), layer_filter(layer), geometry_filter(session, Parcel, geom))
    if exclude_ids:
        stmt = stmt.where(Parcel.id.not_in(list(exclude_ids)))
    candidates = [((pid, code), g) for pid, code, g in session.execute(stmt)]
    hits = exact_overlaps(geom, candidates, profile.projected_srid, tolerance)
    if hits:
        codes = sorted({code for (_, code), _ in hits})
        raise Conflict("registry.parcel_overlap", f"宗地与 {', '.join(codes)} 重叠",
                       f"the parcel overlaps {', '.join(codes)}", parcel_codes=codes,
                       overlaps=[{"parcel_code": code, "area_m2": str(quantize_m2(a))} for (_, code), a in hits])


def _homestead_warnings(session: Session, holders: list[tuple[int, Fraction]]) -> list[dict[str, Any]]:
    """一户一宅: warn (do not block) when a holder's household already holds a homestead (rules.md)."""
    if _registry_rules().value("one_homestead_per_household") != "warn":
        return []
    ids = {pid for pid, _ in holders}
    groups = {g for (g,) in session.execute(select(PartyMember.group_id).where(PartyMember.member_id.in_(ids)))}
    members = {m for (m,) in session.execute(select(PartyMember.member_id).where(PartyMember.group_id.in_(ids)))}
    related = ids | groups | members
    rows = session.execute(
        select(Right.id, PropertyUnit.unit_code, RightHolder.party_id)
        .join(RightHolder, RightHolder.right_id == Right.id).join(PropertyUnit, PropertyUnit.id == Right.unit_id)
        .where(Right.right_type == RightType.homestead_use_right,
               Right.status.in_([RecordStatus.current, RecordStatus.pending]),
               RightHolder.party_id.in_(related))).all()
    seen: set[int] = set()
    warnings = []
    for right_id, unit_code, pid in rows:
        if right_id in seen:
            continue
        seen.add(right_id)
        warnings.append({"code": "registry.one_homestead_per_household",
                         "message": f"该户已有宅基地（{unit_code}），一户一宅", "message_en":
                         f"the household already holds a homestead ({unit_code}): one homestead per household",
                         "right_id": right_id, "unit_code": unit_code, "party_id": pid})
    return warnings


def lodge_first_registration(session: Session, *, actor: str, region_code: str, geometry: BaseGeometry,
                             land_use_class: str, location: str | None, right_type: str, holders: HolderInput,
                             feature_code: str | None = None, attachment: str = "W", term_start: date | None = None,
                             term_end: date | None = None, attrs: dict[str, Any] | None = None,
                             house_holders: HolderInput | None = None) -> Application:
    """Lodge a first registration (首次登记): a new parcel, its unit and right(s), all pending (R1)."""
    _check_region(region_code)
    try:
        rtype = RightType(right_type)
    except ValueError:
        raise RuleViolation("registry.invalid_right_type", f"权利类型 {right_type} 无效",
                            f"unknown right type {right_type!r}", right_type=right_type) from None
    if attachment not in rules.ATTACHMENTS:
        raise RuleViolation("registry.invalid_attachment", "定着物代码必须是 F、L、Q 或 W",
                            "attachment must be F, L, Q or W", attachment=attachment)
    if not land_use_class or len(land_use_class) > 8:
        raise RuleViolation("registry.invalid_land_use_class", "地类代码无效", "invalid land-use class")
    geom = _geometry(geometry)
    parsed = _holders(session, holders)
    house = rtype is RightType.homestead_use_right and attachment == "F"
    if house_holders is not None:
        if not house:
            raise RuleViolation("registry.house_needs_homestead", "房屋所有权须与宅基地使用权一并登记（房地一体）",
                                "a house is registered together with its homestead (attachment F)")
        rules.check_same_holders(parsed, _holders(session, house_holders))
    feature = feature_code or rules.feature_code(rtype)
    if not (len(feature) == 2 and feature[0] in "JGZ" and feature[1].isalpha() and feature[1].isupper()):
        raise RuleViolation("registry.invalid_feature_code", "宗地特征码无效", "invalid parcel feature code",
                            feature_code=feature)
    _lock_parcels(session)
    _check_overlaps(session, geom, layer=rules.layer_of(feature), statuses=[RecordStatus.current, RecordStatus.pending])
    warnings = _homestead_warnings(session, parsed) if rtype is RightType.homestead_use_right else []
    sequence = next_counter(session, f"parcel_seq:{region_code}")
    if sequence > rules.SEQUENCE_MAX:
        raise RuleViolation("registry.parcel_sequence_exhausted", f"区划 {region_code} 的宗地顺序号已用尽",
                            f"region {region_code} has no parcel sequence numbers left", region_code=region_code)
    parcel_code = rules.make_parcel_code(region_code, feature, sequence)
    building, unit_no = (1, 1) if attachment != "W" else (0, 0)
    unit_code = rules.make_unit_code(parcel_code, attachment, building, unit_no)
    app = _new_application(session, kind=RegistrationKind.first, region_code=region_code, unit_id=None,
                           summary=f"首次登记 {unit_code} {rtype.value}", actor=actor,
                           payload={"right_type": rtype.value, "unit_code": unit_code, "warnings": warnings})
    minx, miny, maxx, maxy = geom.bounds
    parcel = Parcel(parcel_code=parcel_code, land_use_class=land_use_class, location=location, geom=geom,
                    area_m2=quantize_m2(area_m2(geom, get_profile().projected_srid)), minx=minx, miny=miny, maxx=maxx,
                    maxy=maxy, status=RecordStatus.pending, application_id=app.id, region_code=region_code)
    session.add(parcel)
    session.flush()
    unit = PropertyUnit(unit_code=unit_code, parcel_id=parcel.id, attachment=attachment, building_no=building,
                        unit_no=unit_no, attrs=attrs or {}, status=RecordStatus.pending, application_id=app.id,
                        region_code=region_code)
    session.add(unit)
    session.flush()
    _claim_unit(session, app, unit.id)
    right = _add_right(session, app=app, unit_id=unit.id, right_type=rtype, holders=parsed, term_start=term_start,
                       term_end=term_end)
    right_ids = [right.id]
    if house:
        right_ids.append(_add_right(session, app=app, unit_id=unit.id, right_type=RightType.house_ownership,
                                    holders=parsed).id)
    app.payload = {**app.payload, "parcel_id": parcel.id, "parcel_code": parcel_code, "unit_id": unit.id,
                   "right_ids": right_ids, "area_m2": str(parcel.area_m2),
                   "holders": [[pid, rules.share_text(s)] for pid, s in parsed]}
    session.flush()
    _lodged_event(session, app, actor)
    return app


def _current_unit(session: Session, unit_id: int) -> PropertyUnit:
    unit = get_unit(session, unit_id, lock=True)
    if unit.status != RecordStatus.current:
        raise Conflict("registry.unit_not_current", "不动产单元不是现势状态", "the property unit is not current",
                       unit_id=unit_id, status=unit.status)
    return unit


def _current_right(session: Session, unit: PropertyUnit, right_id: int | None) -> Right:
    rights = current_rights(session, unit.id)
    if right_id is None:
        owned = [r for r in rights if r.right_type in rules.UNIT_RIGHT_TYPES]
        if not owned:
            raise Conflict("registry.no_current_right", "该单元没有现势权利", "the unit has no current right",
                           unit_id=unit.id)
        return owned[0]
    for r in rights:
        if r.id == right_id:
            return r
    raise Conflict("registry.right_not_current", "该权利不是本单元的现势权利",
                   "the right is not a current right of this unit", right_id=right_id)


def _refuse_if_seized(session: Session, unit: PropertyUnit) -> None:
    for r in current_restrictions(session, unit.id):
        if r.kind == RestrictionKind.seizure:
            raise Conflict("registry.unit_seized", "该不动产已被查封，不能办理登记",
                           "the unit is seized; no registration can be made", restriction_id=r.id,
                           restriction_kind=r.kind)


def lodge_right_on_unit(session: Session, *, actor: str, unit_id: int, right_type: str, holders: HolderInput,
                        term_start: date | None = None, term_end: date | None = None,
                        predecessor_id: int | None = None, attrs: dict[str, Any] | None = None) -> Application:
    """Lodge an additional right on a current unit, e.g. a land management right (土地经营权) (R2)."""
    unit = _current_unit(session, unit_id)
    try:
        rtype = RightType(right_type)
    except ValueError:
        raise RuleViolation("registry.invalid_right_type", f"权利类型 {right_type} 无效",
                            f"unknown right type {right_type!r}", right_type=right_type) from None
    parsed = _holders(session, holders)
    _refuse_if_seized(session, unit)
    if rtype is RightType.land_management_right:
        predecessor = _current_right(session, unit, predecessor_id) if predecessor_id is not None else None
        if predecessor is None or predecessor.right_type != RightType.land_contract_right:
            raise RuleViolation("registry.predecessor_required", "土地经营权须来源于本单元现势的土地承包经营权",
                                "a land management right derives from a current land contract right on the unit")
        rules.check_management_term(term_start, term_end, _registry_rules().int("land_management_right_min_years"))
    if any(r.right_type == rtype and rtype is not RightType.land_management_right
           for r in current_rights(session, unit.id)):
        raise Conflict("registry.right_exists", "该单元已有同类现势权利",
                       "the unit already has a current right of this type", right_type=rtype.value)
    app = _new_application(session, kind=RegistrationKind.first, region_code=unit.region_code, unit_id=unit.id,
                           summary=f"{rtype.value} {unit.unit_code}", actor=actor, payload={"right_type": rtype.value})
    right = _add_right(session, app=app, unit_id=unit.id, right_type=rtype, holders=parsed, term_start=term_start,
                       term_end=term_end, predecessor_id=predecessor_id, attrs=attrs)
    app.payload = {**app.payload, "unit_id": unit.id, "unit_code": unit.unit_code, "right_ids": [right.id],
                   "predecessor_id": predecessor_id, "holders": [[p, rules.share_text(s)] for p, s in parsed]}
    session.flush()
    _lodged_event(session, app, actor)
    return app


def _facts(restrictions: Sequence[Restriction]) -> list[rules.RestrictionFact]:
    return [rules.RestrictionFact(r.id, r.kind, r.holder_party_id,
                                 ensure_utc(r.expires_at) if r.expires_at else None, r.no_transfer_agreement)
            for r in restrictions]


def _transfer_rights(session: Session, unit: PropertyUnit, right_id: int | None) -> list[Right]:
    """The rights a transfer moves: the given one, or every current unit right held like the main one."""
    main = _current_right(session, unit, right_id)
    if right_id is not None:
        return [main]
    main_holders = holders_of(session, main.id)
    return [r for r in current_rights(session, unit.id)
            if r.right_type in rules.UNIT_RIGHT_TYPES and holders_of(session, r.id) == main_holders]


def _check_transfer(session: Session, unit: PropertyUnit, buyers: Sequence[int], consent: bool) -> None:
    blocking = rules.transfer_blocks(_facts(current_restrictions(session, unit.id)), transferees=buyers, at=now(),
                                     mortgagee_consent=consent,
                                     no_transfer_rule=bool(_registry_rules().value(
                                         "transfer_blocked_by_no_transfer_agreement")))
    rules.raise_if_blocked(blocking)


def lodge_transfer(session: Session, *, actor: str, unit_id: int, holders: HolderInput, reason: str,
                   mortgagee_consent: bool = False, right_id: int | None = None) -> Application:
    """Lodge a transfer (转移登记) of a unit's right(s) to new holders, unless blocked (R2, R3)."""
    unit = _current_unit(session, unit_id)
    parsed = _holders(session, holders)
    _check_transfer(session, unit, [p for p, _ in parsed], mortgagee_consent)
    rights = _transfer_rights(session, unit, right_id)
    app = _new_application(session, kind=RegistrationKind.transfer, region_code=unit.region_code, unit_id=unit.id,
                           summary=f"转移登记 {unit.unit_code}", actor=actor, payload={"reason": reason})
    new_ids = [_add_right(session, app=app, unit_id=unit.id, right_type=r.right_type, holders=parsed,
                          term_start=r.term_start, term_end=r.term_end, predecessor_id=r.predecessor_id,
                          supersedes_id=r.id, attrs=dict(r.attrs or {}),
                          collective_party_id=r.collective_party_id).id for r in rights]
    app.payload = {"reason": reason, "mortgagee_consent": mortgagee_consent, "unit_id": unit.id,
                   "unit_code": unit.unit_code, "superseded_right_ids": [r.id for r in rights],
                   "right_ids": new_ids, "holders": [[p, rules.share_text(s)] for p, s in parsed]}
    session.flush()
    _lodged_event(session, app, actor)
    return app


def _lodge_restriction(session: Session, *, actor: str, kind: RestrictionKind, reg_kind: RegistrationKind,
                       unit_id: int, right_id: int | None, holder_party_id: int | None, summary: str,
                       occupy_unit: bool = True, **fields: Any) -> Application:
    unit = _current_unit(session, unit_id)
    if holder_party_id is not None:
        get_party(session, holder_party_id)
    if kind is not RestrictionKind.seizure:
        _refuse_if_seized(session, unit)
    right = _current_right(session, unit, right_id)
    app = _new_application(session, kind=reg_kind, region_code=unit.region_code,
                           unit_id=unit.id if occupy_unit else None, summary=f"{summary} {unit.unit_code}",
                           actor=actor, payload={})
    restriction = Restriction(kind=kind, unit_id=unit.id, right_id=right.id, holder_party_id=holder_party_id,
                              status=RecordStatus.pending, application_id=app.id, region_code=unit.region_code,
                              **fields)
    session.add(restriction)
    session.flush()
    app.payload = {"restriction_kind": kind.value, "unit_id": unit.id, "unit_code": unit.unit_code,
                   "right_id": right.id, "restriction_ids": [restriction.id], "holder_party_id": holder_party_id,
                   **{k: (str(v) if isinstance(v, Decimal) else v) for k, v in fields.items()
                      if k in ("secured_amount_cny", "no_transfer_agreement", "document_no")}}
    session.flush()
    _lodged_event(session, app, actor)
    return app


def lodge_mortgage(session: Session, *, actor: str, unit_id: int, mortgagee_party_id: int,
                   secured_amount: Decimal | str, no_transfer_agreement: bool = False, right_id: int | None = None,
                   document_no: str | None = None) -> Application:
    """Lodge a mortgage (抵押权登记) on a unit's right; its rank is fixed at registration (R3)."""
    amount = to_money(secured_amount)
    if amount <= 0:
        raise RuleViolation("registry.invalid_amount", "被担保债权数额必须大于0", "the secured amount must be positive")
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.mortgage, reg_kind=RegistrationKind.first,
                              unit_id=unit_id, right_id=right_id, holder_party_id=mortgagee_party_id,
                              summary="抵押权登记", secured_amount_cny=amount,
                              no_transfer_agreement=no_transfer_agreement, document_no=document_no)


def lodge_seizure(session: Session, *, actor: str, unit_id: int, document_no: str, court_party_id: int | None = None,
                  right_id: int | None = None) -> Application:
    """Lodge a seizure (查封登记) on a court's order; it does not wait for pending applications (R3)."""
    if not document_no.strip():
        raise RuleViolation("registry.document_no_required", "查封须提供法院文书号",
                            "a seizure needs the court order number")
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.seizure, reg_kind=RegistrationKind.seizure,
                              unit_id=unit_id, right_id=right_id, holder_party_id=court_party_id, summary="查封登记",
                              occupy_unit=False, document_no=document_no)


def lodge_objection(session: Session, *, actor: str, unit_id: int, objector_party_id: int, reason: str,
                    right_id: int | None = None) -> Application:
    """Lodge an objection (异议登记); it lapses unless a suit is filed in time (R3)."""
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.objection, reg_kind=RegistrationKind.objection,
                              unit_id=unit_id, right_id=right_id, holder_party_id=objector_party_id,
                              summary="异议登记", attrs={"reason": reason})


def lodge_advance_notice(session: Session, *, actor: str, unit_id: int, holder_party_id: int,
                         document_no: str | None = None, right_id: int | None = None) -> Application:
    """Lodge an advance notice (预告登记) for a buyer; it blocks transfers to anyone else (R3)."""
    return _lodge_restriction(session, actor=actor, kind=RestrictionKind.advance_notice,
                              reg_kind=RegistrationKind.advance_notice, unit_id=unit_id, right_id=right_id,
                              holder_party_id=holder_party_id, summary="预告登记", document_no=document_no)


def lodge_cancellation(session: Session, *, actor: str, unit_id: int, reason: str, restriction_id: int | None = None,
                       right_id: int | None = None) -> Application:
    """Lodge a cancellation (注销登记): discharge a restriction or cancel a right (R2, R3)."""
    if (restriction_id is None) == (right_id is None):
        raise RuleViolation("registry.cancellation_target", "须且只须指定一项要注销的权利或限制",
                            "name exactly one right or restriction to cancel")
    unit = _current_unit(session, unit_id)
    if restriction_id is not None:
        if restriction_id not in {r.id for r in current_restrictions(session, unit.id)}:
            raise Conflict("registry.restriction_not_current", "该限制不是本单元的现势限制",
                           "the restriction is not current on this unit", restriction_id=restriction_id)
    else:
        _refuse_if_seized(session, unit)
        _current_right(session, unit, right_id)
    app = _new_application(session, kind=RegistrationKind.cancellation, region_code=unit.region_code,
                           unit_id=unit.id, summary=f"注销登记 {unit.unit_code}", actor=actor,
                           payload={"reason": reason, "unit_id": unit.id, "unit_code": unit.unit_code,
                                    "cancel_restriction_id": restriction_id, "cancel_right_id": right_id})
    _lodged_event(session, app, actor)
    return app


def record_suit_filed(session: Session, *, restriction_id: int, actor: str, case_no: str) -> Restriction:
    """Record that the objector filed a suit in time, so the objection does not lapse (R3)."""
    stmt = select(Restriction).where(Restriction.id == restriction_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    r = session.execute(stmt).scalar_one_or_none()
    if r is None:
        raise NotFound("registry.restriction_not_found", "限制不存在", "restriction not found", id=restriction_id)
    if r.kind != RestrictionKind.objection or r.status != RecordStatus.current:
        raise Conflict("registry.not_current_objection", "只能对现势的异议登记记录起诉",
                       "a suit can only be recorded on a current objection", restriction_id=restriction_id)
    if r.suit_filed_at is not None:
        raise Conflict("registry.suit_already_filed", "已记录起诉", "a suit is already recorded")
    at = now()
    if r.expires_at is not None and at >= ensure_utc(r.expires_at):
        raise Conflict("registry.objection_lapsed", "异议登记已过期", "the objection has lapsed")
    r.suit_filed_at = at
    r.attrs = {**(r.attrs or {}), "case_no": case_no}
    session.flush()
    append_event(session, module=MODULE, event_type="objection_suit_filed", subject=subjects.restriction(r.id),
                 also=[subjects.unit(r.unit_id), subjects.right(r.right_id)], actor=actor,
                 payload={"case_no": case_no, "unit_id": r.unit_id})
    return r


# --- decisions ----------------------------------------------------------------------------------

def _lock_lodged(session: Session, application_id: int) -> Application:
    app = get_application(session, application_id, lock=True)
    session.refresh(app)
    if app.status != ApplicationStatus.lodged:
        raise Conflict("registry.application_not_lodged", f"申请 {app.number} 已{app.status}，不能再处理",
                       f"application {app.number} is {app.status}, not lodged", status=app.status)
    return app


def _pending_rows(session: Session, model: Any, app: Application) -> list[Any]:
    return list(session.execute(select(model).where(model.application_id == app.id,
                                                    model.status == RecordStatus.pending).order_by(model.id)
                                ).scalars())


def _end(row: Any, at: datetime, *, expected: str = RecordStatus.current) -> None:
    if row.status != expected:
        raise Conflict("registry.superseded_not_current", "被替代的记录已不是现势状态",
                       "a record this application replaces is no longer current", id=row.id, status=row.status)
    row.status = RecordStatus.historic
    row.end_lifespan = at


def _lock_row(session: Session, model: Any, row_id: int) -> Any:
    stmt = select(model).where(model.id == row_id)
    if for_update(session):
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one()


def _recheck(session: Session, app: Application) -> None:
    """Re-run the rules at approval: the register may have changed since lodging (R1, R3)."""
    if app.kind == RegistrationKind.first and app.payload.get("parcel_id"):
        parcel = session.get(Parcel, app.payload["parcel_id"])
        assert parcel is not None
        _lock_parcels(session)
        _check_overlaps(session, parcel.geom, layer=rules.layer_of(parcel.parcel_code), statuses=[RecordStatus.current],
                        exclude_ids=[parcel.id])
    elif app.kind == RegistrationKind.transfer:
        unit = _current_unit(session, int(app.payload["unit_id"]))
        buyers = [int(p) for p, _ in app.payload["holders"]]
        _check_transfer(session, unit, buyers, bool(app.payload.get("mortgagee_consent")))
    elif app.payload.get("unit_id"):
        unit = _current_unit(session, int(app.payload["unit_id"]))  # locks the unit: restrictions serialise here
        if app.kind not in (RegistrationKind.seizure, RegistrationKind.cancellation) \
                or app.payload.get("cancel_right_id"):
            _refuse_if_seized(session, unit)
        live = {r.id for r in current_rights(session, unit.id)}
        for restriction in _pending_rows(session, Restriction, app):
            if restriction.right_id not in live:
                raise Conflict("registry.right_not_current", "该限制所在的权利已不是现势状态，请重新申请",
                               "the right this restriction is on is no longer current; lodge again",
                               right_id=restriction.right_id)


def approve_application(session: Session, *, application_id: int, actor: str) -> Application:
    """Approve (登簿): pending rows become current, superseded rows historic, certificates issued (R1-R3)."""
    app = _lock_lodged(session, application_id)
    _recheck(session, app)
    at = now()
    notes: dict[str, Any] = {}
    for model in VERSIONED:
        for row in _pending_rows(session, model, app):
            if row.supersedes_id is not None:
                _end(_lock_row(session, model, row.supersedes_id), at)
            row.status = RecordStatus.current
            row.begin_lifespan = at
            if model is Restriction:
                _activate_restriction(session, row, at)
    session.flush()
    if app.kind == RegistrationKind.transfer:
        notes.update(_follow_transfer(session, app, at))
    elif app.kind == RegistrationKind.cancellation:
        notes.update(_apply_cancellation(session, app, at))
    app.status = ApplicationStatus.approved
    app.decided_by = actor
    app.decided_at = at
    app.version += 1
    session.flush()
    append_event(session, module=MODULE, event_type="application_approved", subject=subjects.application(app.id),
                 also=concerns(session, app), actor=actor,
                 payload={"number": app.number, "kind": app.kind, "unit_id": app.unit_id, **notes})
    _issue(session, app, actor)
    return app


def _activate_restriction(session: Session, r: Restriction, at: datetime) -> None:
    reg = _registry_rules()
    if r.kind == RestrictionKind.mortgage:
        ranks = session.execute(select(Restriction.rank).where(
            Restriction.unit_id == r.unit_id, Restriction.kind == RestrictionKind.mortgage,
            Restriction.status == RecordStatus.current, Restriction.id != r.id)).scalars().all()
        r.rank = rules.next_mortgage_rank(ranks)
    elif r.kind == RestrictionKind.objection:
        r.expires_at = rules.lapse_at(at, reg.int("objection_lapse_days"))
    elif r.kind == RestrictionKind.advance_notice:
        r.expires_at = rules.lapse_at(at, reg.int("advance_notice_lapse_days"))


def _follow_transfer(session: Session, app: Application, at: datetime) -> dict[str, Any]:
    """The mortgage follows the transferred right (民法典 art. 406); a fulfilled advance notice ends."""
    new_by_old = {r.supersedes_id: r for r in session.execute(
        select(Right).where(Right.application_id == app.id)).scalars()}
    buyers = {int(p) for p, _ in app.payload["holders"]}
    notified: list[dict[str, Any]] = []
    ended: list[int] = []
    follows = bool(_registry_rules().value("mortgage_follows_transfer"))
    for old in current_restrictions(session, int(app.payload["unit_id"])):
        if old.kind == RestrictionKind.mortgage and old.right_id in new_by_old and follows:
            moved = Restriction(kind=old.kind, unit_id=old.unit_id, right_id=new_by_old[old.right_id].id,
                                holder_party_id=old.holder_party_id, rank=old.rank,
                                secured_amount_cny=old.secured_amount_cny,
                                no_transfer_agreement=old.no_transfer_agreement, expires_at=old.expires_at,
                                document_no=old.document_no, attrs=dict(old.attrs or {}),
                                status=RecordStatus.current, begin_lifespan=at, application_id=app.id,
                                supersedes_id=old.id, region_code=old.region_code)
            _end(old, at)
            session.add(moved)
            session.flush()
            notified.append({"mortgage_id": moved.id, "mortgagee_party_id": old.holder_party_id, "rank": old.rank})
        elif old.kind == RestrictionKind.advance_notice and old.holder_party_id in buyers:
            _end(old, at)
            ended.append(old.id)
    for item in notified:
        append_event(session, module=MODULE, event_type="mortgagee_notified",
                     subject=subjects.restriction(item['mortgage_id']), actor="system:registry",
                     also=[subjects.application(app.id), *concerns(session, app)],
                     payload={"application_id": app.id, "unit_id": app.unit_id, **item})
    for cert in session.execute(select(Certificate).where(
            Certificate.right_id.in_(list(new_by_old)), Certificate.kind == CertificateKind.ownership,
            Certificate.status == CertificateStatus.valid)).scalars():
        cert.status = CertificateStatus.void
    session.flush()
    return {"mortgages_followed": notified, "advance_notices_fulfilled": ended}


def _apply_cancellation(session: Session, app: Application, at: datetime) -> dict[str, Any]:
    rid = app.payload.get("cancel_restriction_id")
    if rid is not None:
        restriction = _lock_row(session, Restriction, int(rid))
        _end(restriction, at)
        for cert in session.execute(select(Certificate).where(Certificate.restriction_id == restriction.id,
                                                              Certificate.status == CertificateStatus.valid)).scalars():
            cert.status = CertificateStatus.void
        return {"cancelled_restriction_id": restriction.id}
    right = _lock_row(session, Right, int(app.payload["cancel_right_id"]))
    on_right = [r for r in current_restrictions(session, right.unit_id or 0) if r.right_id == right.id]
    if on_right:
        raise Conflict("registry.right_encumbered", "该权利上还有现势限制，须先注销",
                       "the right still carries current restrictions", restriction_ids=[r.id for r in on_right])
    _end(right, at)
    for cert in session.execute(select(Certificate).where(Certificate.right_id == right.id,
                                                          Certificate.status == CertificateStatus.valid)).scalars():
        cert.status = CertificateStatus.void
    return {"cancelled_right_id": right.id}


def _decide(session: Session, *, application_id: int, actor: str, status: ApplicationStatus, reason: str | None,
            event: str) -> Application:
    app = _lock_lodged(session, application_id)
    at = now()
    for model in VERSIONED:
        for row in _pending_rows(session, model, app):
            row.status = RecordStatus.cancelled
            row.end_lifespan = at
    app.status = status
    app.decided_by = actor
    app.decided_at = at
    app.decision_reason = reason
    app.version += 1
    session.flush()
    append_event(session, module=MODULE, event_type=event, subject=subjects.application(app.id), actor=actor,
                 also=concerns(session, app), payload={"number": app.number, "reason": reason})
    return app


def reject_application(session: Session, *, application_id: int, actor: str, reason: str) -> Application:
    """Refuse registration (不予登记); pending rows are cancelled, never deleted (R1)."""
    if not reason.strip():
        raise RuleViolation("registry.reason_required", "不予登记须说明理由", "a rejection needs a reason")
    return _decide(session, application_id=application_id, actor=actor, status=ApplicationStatus.rejected,
                   reason=reason, event="application_rejected")


def withdraw_application(session: Session, *, application_id: int, actor: str, reason: str | None = None,
                         ) -> Application:
    """Withdraw a lodged application (撤回申请) (R1)."""
    return _decide(session, application_id=application_id, actor=actor, status=ApplicationStatus.withdrawn,
                   reason=reason, event="application_withdrawn")


# --- certificates -------------------------------------------------------------------------------

def _new_certificate(session: Session, app: Application, actor: str, *, kind: CertificateKind, unit_id: int,
                     right_id: int | None, restriction_id: int | None) -> Certificate:
    at = now()
    year = to_local(at).year
    encumbrance = kind is CertificateKind.encumbrance
    serial = next_counter(session, f"{'encumbrance_certificate' if encumbrance else 'certificate'}:{year}")
    number = get_profile().certificate_number(year, serial, encumbrance=encumbrance)
    cert = Certificate(number=number, kind=kind, status=CertificateStatus.valid, unit_id=unit_id, right_id=right_id,
                       restriction_id=restriction_id, application_id=app.id, region_code=app.region_code,
                       issued_at=at, issued_by=actor, verify_token=secrets.token_urlsafe(24))
    session.add(cert)
    session.flush()
    event = append_event(session, module=MODULE, event_type="certificate_issued",
                         subject=subjects.certificate(cert.id), actor=actor,
                         also=[subjects.application(app.id), *concerns(session, app)],
                         payload={"number": number, "kind": kind.value, "unit_id": unit_id, "right_id": right_id,
                                  "restriction_id": restriction_id, "application_id": app.id})
    cert.ledger_seq = event.seq
    session.flush()
    return cert


def _issue(session: Session, app: Application, actor: str) -> list[Certificate]:
    certs: list[Certificate] = []
    rights = list(session.execute(select(Right).where(Right.application_id == app.id,
                                                             Right.status == RecordStatus.current)
                                         .order_by(Right.id)).scalars())
    types = {r.right_type for r in rights}
    for r in rights:
        if r.right_type == RightType.house_ownership and RightType.homestead_use_right in types:
            continue  # 房地一体: one certificate for the homestead and its house
        certs.append(_new_certificate(session, app, actor, kind=CertificateKind.ownership, unit_id=r.unit_id or 0,
                                      right_id=r.id, restriction_id=None))
    for x in session.execute(select(Restriction).where(Restriction.application_id == app.id,
                                                       Restriction.status == RecordStatus.current,
                                                       Restriction.supersedes_id.is_(None))
                             .order_by(Restriction.id)).scalars():
        if x.kind in (RestrictionKind.mortgage, RestrictionKind.objection, RestrictionKind.advance_notice):
            certs.append(_new_certificate(session, app, actor, kind=CertificateKind.encumbrance, unit_id=x.unit_id,
                                          right_id=x.right_id, restriction_id=x.id))
    return certs


def issue_certificate(session: Session, *, application_id: int, actor: str) -> list[Certificate]:
    """The certificates of an approved application (issued on approval; issues any missing) (R1)."""
    app = get_application(session, application_id, lock=True)
    if app.status != ApplicationStatus.approved:
        raise Conflict("registry.application_not_approved", "申请尚未登簿，不能发证",
                       "certificates are issued only for approved applications", status=app.status)
    existing = certificates_of_application(session, app.id)
    return existing or _issue(session, app, actor)


# --- documents ----------------------------------------------------------------------------------

def add_source_document(session: Session, *, application_id: int, kind: str, filename: str, content_type: str,
                        content: bytes, ref_no: str | None = None, actor: str) -> SourceDocument:
    """Attach a source document (来源文件) to an application, sealed by its SHA-256 in the ledger (R1, P2)."""
    app = get_application(session, application_id)
    limit = get_settings().max_upload_bytes
    if not content:
        raise RuleViolation("registry.empty_document", "文件为空", "the document is empty")
    if len(content) > limit:
        raise RuleViolation("registry.document_too_large", f"文件超过 {limit} 字节上限",
                            f"the document exceeds the {limit}-byte limit", limit=limit, size=len(content))
    digest = hashlib.sha256(content).hexdigest()
    doc = SourceDocument(application_id=app.id, kind=kind[:40], ref_no=ref_no, filename=filename[:200],
                         content_type=content_type[:100], size=len(content), sha256=digest, content=content,
                         uploaded_by=actor, uploaded_at=now())
    session.add(doc)
    session.flush()
    append_event(session, module=MODULE, event_type="document_added", subject=subjects.application(app.id), actor=actor,
                 payload={"document_id": doc.id, "kind": doc.kind, "filename": doc.filename, "size": doc.size,
                          "sha256": digest})
    return doc

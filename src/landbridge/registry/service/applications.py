"""Registry service, applications: lodging a first registration, a right on a unit and a transfer (首次登记,
转移登记), each a lodged application with its pending rows and ledger event (R1, R2).

Every transition loads and locks what it changes, checks the allowed state itself, applies the change as new
versioned rows, and writes a ledger event in the caller's transaction. Nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import decided_by, get_profile
from landbridge.kernel.area import quantize_m2
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.geo import area_m2
from landbridge.ledger import append_event, subjects
from landbridge.registry import rules
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    Application,
    ApplicationStatus,
    Parcel,
    PartyMember,
    PropertyUnit,
    RecordStatus,
    RegistrationKind,
    Right,
    RightHolder,
    RightType,
)
from landbridge.registry.queries import (
    current_rights,
    holders_of,
)
from landbridge.registry.service import entry_checks as entry
from landbridge.registry.service.checks import (
    check_overlaps,
    check_region,
    check_transfer,
    current_right,
    current_unit,
    discharged_restrictions,
    refuse_if_seized,
    right_type_of,
    valid_geometry,
)
from landbridge.registry.service.parties import parse_holders
from landbridge.registry.service.shared import MODULE, HolderInput, concerns, lock_parcels, next_counter, registry_rules


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

def new_application(session: Session, *, kind: RegistrationKind, region_code: str, unit_id: int | None,
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
        raise RegistryError.UNIT_HAS_PENDING_APPLICATION.error(unit_id=unit_id) from None
    return app


def _claim_unit(session: Session, app: Application, unit_id: int) -> None:
    """Point the application at its unit (one lodged application per unit, enforced by the database)."""
    try:
        with session.begin_nested():
            app.unit_id = unit_id
            session.flush()
    except IntegrityError:
        raise RegistryError.UNIT_HAS_PENDING_APPLICATION.error(unit_id=unit_id) from None


def lodged_event(session: Session, app: Application, actor: str) -> None:
    """Write the ``application_lodged`` ledger event of a newly lodged application (R1)."""
    append_event(session, module=MODULE, event_type="application_lodged", subject=subjects.application(app.id),
                 also=concerns(session, app), actor=actor,
                 payload={"number": app.number, "kind": app.kind, "unit_id": app.unit_id,
                          "region_code": app.region_code, "detail": app.payload})


def _homestead_warnings(session: Session, holders: list[tuple[int, Fraction]]) -> list[dict[str, Any]]:
    """一户一宅: warn (do not block) when a holder's household already holds a homestead (rules.md)."""
    if registry_rules().value("one_homestead_per_household") != "warn":
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
    check_region(region_code)
    rtype = right_type_of(right_type)
    rules.check_attachment(attachment)
    if not land_use_class or len(land_use_class) > 8:
        raise RegistryError.INVALID_LAND_USE_CLASS_2.error()
    geom = valid_geometry(geometry)
    parsed = parse_holders(session, holders)
    house = rtype is RightType.homestead_use_right and attachment == "F"
    if house_holders is not None:
        rules.check_house_on_homestead(rtype, attachment)
        rules.check_same_holders(parsed, parse_holders(session, house_holders))
    feature = feature_code or rules.feature_code(rtype)
    if not (len(feature) == 2 and feature[0] in "JGZ" and feature[1].isalpha() and feature[1].isupper()):
        raise RegistryError.INVALID_FEATURE_CODE.error(feature_code=feature)
    lock_parcels(session)
    check_overlaps(session, geom, layer=rules.layer_of(feature), statuses=[RecordStatus.current, RecordStatus.pending])
    warnings = _homestead_warnings(session, parsed) if rtype is RightType.homestead_use_right else []
    sequence = next_counter(session, f"parcel_seq:{region_code}")
    if sequence > rules.SEQUENCE_MAX:
        raise RegistryError.PARCEL_SEQUENCE_EXHAUSTED_2.error(region_code=region_code)
    parcel_code = rules.make_parcel_code(region_code, feature, sequence)
    building, unit_no = (1, 1) if attachment != "W" else (0, 0)
    unit_code = rules.make_unit_code(parcel_code, attachment, building, unit_no)
    app = new_application(session, kind=RegistrationKind.first, region_code=region_code, unit_id=None,
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
    lodged_event(session, app, actor)
    return app


def lodge_right_on_unit(session: Session, *, actor: str, unit_id: int, right_type: str, holders: HolderInput,
                        term_start: date | None = None, term_end: date | None = None,
                        predecessor_id: int | None = None, attrs: dict[str, Any] | None = None) -> Application:
    """Lodge an additional right on a current unit, e.g. a land management right (土地经营权) (R2)."""
    unit = current_unit(session, unit_id)
    rtype = right_type_of(right_type)
    parsed = parse_holders(session, holders)
    refuse_if_seized(session, unit)
    if rtype is RightType.land_management_right:
        predecessor = current_right(session, unit, predecessor_id) if predecessor_id is not None else None
        if predecessor is None or predecessor.right_type != RightType.land_contract_right:
            raise RegistryError.PREDECESSOR_REQUIRED.error()
        rules.check_management_term(term_start, term_end, registry_rules().int("land_management_right_min_years"))
    if any(r.right_type == rtype and rtype is not RightType.land_management_right
           for r in current_rights(session, unit.id)):
        raise RegistryError.RIGHT_EXISTS.error(right_type=rtype.value)
    app = new_application(session, kind=RegistrationKind.first, region_code=unit.region_code, unit_id=unit.id,
                           summary=f"{rtype.value} {unit.unit_code}", actor=actor, payload={"right_type": rtype.value})
    right = _add_right(session, app=app, unit_id=unit.id, right_type=rtype, holders=parsed, term_start=term_start,
                       term_end=term_end, predecessor_id=predecessor_id, attrs=attrs)
    app.payload = {**app.payload, "unit_id": unit.id, "unit_code": unit.unit_code, "right_ids": [right.id],
                   "predecessor_id": predecessor_id, "holders": [[p, rules.share_text(s)] for p, s in parsed]}
    session.flush()
    lodged_event(session, app, actor)
    return app


def _transfer_rights(session: Session, unit: PropertyUnit, right_id: int | None) -> list[Right]:
    """The rights a transfer moves: the given one, or every current unit right held like the main one."""
    main = current_right(session, unit, right_id)
    if right_id is not None:
        return [main]
    main_holders = holders_of(session, main.id)
    return [r for r in current_rights(session, unit.id)
            if r.right_type in rules.UNIT_RIGHT_TYPES and holders_of(session, r.id) == main_holders]


def lodge_transfer(session: Session, *, actor: str, unit_id: int, holders: HolderInput, reason: str,
                   mortgagee_consent: bool = False, right_id: int | None = None,
                   discharge: Sequence[int] = ()) -> Application:
    """Lodge a transfer (转移登记) of a unit's right(s) to new holders, unless blocked (R2, R3).

    ``discharge``: the current mortgages and seizures that the sale extinguishes (a judicial or collateral sale,
    法释〔2004〕16号 art. 28): they do not block the transfer, their cancellation (涂销) is lodged with it, and
    at approval they end instead of following the right, so the buyer's right is free of them."""
    unit = current_unit(session, unit_id)
    parsed = parse_holders(session, holders)
    discharged = discharged_restrictions(session, unit, discharge)
    check_transfer(session, unit, [p for p, _ in parsed], mortgagee_consent, discharged)
    rights = _transfer_rights(session, unit, right_id)
    entered = entry.guard_entered(session, rights)  # an entered right moves only within its term (issue #15)
    app = new_application(session, kind=RegistrationKind.transfer, region_code=unit.region_code, unit_id=unit.id,
                           summary=f"转移登记 {unit.unit_code}", actor=actor, payload={"reason": reason})
    new_ids = [_add_right(session, app=app, unit_id=unit.id, right_type=r.right_type, holders=parsed,
                          term_start=r.term_start, term_end=r.term_end, predecessor_id=r.predecessor_id,
                          supersedes_id=r.id, attrs=dict(r.attrs or {}),
                          collective_party_id=r.collective_party_id).id for r in rights]
    app.payload = {"reason": reason, "mortgagee_consent": mortgagee_consent, "unit_id": unit.id,
                   "unit_code": unit.unit_code, "superseded_right_ids": [r.id for r in rights],
                   "right_ids": new_ids, "holders": [[p, rules.share_text(s)] for p, s in parsed],
                   **({"discharged_restriction_ids": discharged} if discharged else {})}
    session.flush()
    lodged_event(session, app, actor)
    for r in entered:
        entry.notify_collective(session, right=r, action="transfer", actor=actor,
                                subject=subjects.application(app.id), detail={"application_id": app.id})
    return app

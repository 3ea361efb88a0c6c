"""The registry's rule checks shared by lodging, approval (which re-runs them) and the bulk paths: region,
parcel geometry and overlaps, the current unit and right, seizure and transfer blocks (R1, R3)."""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.area import quantize_m2
from landbridge.kernel.clock import ensure_utc, now
from landbridge.kernel.geo import GeometryError, validate_polygon
from landbridge.kernel.spatial import exact_overlaps, geometry_filter
from landbridge.registry import rules
from landbridge.registry.errors import RegistryError
from landbridge.registry.models import (
    Parcel,
    PropertyUnit,
    RecordStatus,
    Restriction,
    RestrictionKind,
    Right,
    RightType,
)
from landbridge.registry.queries import (
    current_restrictions,
    current_rights,
    get_unit,
    layer_filter,
)
from landbridge.registry.service.shared import registry_rules


def right_type_of(right_type: str) -> RightType:
    """The right type named, or 422 ``registry.invalid_right_type`` (R1, R2)."""
    try:
        return RightType(right_type)
    except ValueError:
        raise RegistryError.INVALID_RIGHT_TYPE_2.error(right_type=right_type) from None


def check_region(region_code: str) -> None:
    """Refuse a region code that is not a village of the city profile (R1)."""
    profile = get_profile()
    region = profile.region(region_code)
    if region is None or region.level != "village":
        raise RegistryError.INVALID_REGION_CODE_2.error(region_code=region_code)


def valid_geometry(geometry: BaseGeometry) -> BaseGeometry:
    """The parcel polygon, checked valid and inside the city's extent (R1)."""
    try:
        return validate_polygon(geometry, get_profile().extent)
    except GeometryError as exc:
        raise RegistryError.INVALID_GEOMETRY_2.error({"exc": exc}, reason=str(exc)) from None


def check_overlaps(session: Session, geom: BaseGeometry, *, layer: rules.Layer, statuses: Sequence[str],
                    exclude_ids: Sequence[int] = ()) -> None:
    """409 ``registry.parcel_overlap`` naming the parcels of the same layer that ``geom`` overlaps (R1)."""
    profile = get_profile()
    tolerance = float(registry_rules().decimal("overlap_tolerance_m2"))
    stmt = select(Parcel.id, Parcel.parcel_code, Parcel.geom).where(
        Parcel.status.in_(list(statuses)), layer_filter(layer), geometry_filter(session, Parcel, geom))
    if exclude_ids:
        stmt = stmt.where(Parcel.id.not_in(list(exclude_ids)))
    candidates = [((pid, code), g) for pid, code, g in session.execute(stmt)]
    hits = exact_overlaps(geom, candidates, profile.projected_srid, tolerance)
    if hits:
        codes = sorted({code for (_, code), _ in hits})
        raise RegistryError.PARCEL_OVERLAP_2.error(
            {"join_codes": ', '.join(codes)},
            parcel_codes=codes,
            overlaps=[{"parcel_code": code, "area_m2": str(quantize_m2(a))} for (_, code), a in hits])


def current_unit(session: Session, unit_id: int) -> PropertyUnit:
    """The property unit, locked, if it is current (409 otherwise) (R2, R3)."""
    unit = get_unit(session, unit_id, lock=True)
    if unit.status != RecordStatus.current:
        raise RegistryError.UNIT_NOT_CURRENT.error(unit_id=unit_id, status=unit.status)
    return unit


def current_right(session: Session, unit: PropertyUnit, right_id: int | None) -> Right:
    """The named current right of the unit, or its first unit right when none is named (R2, R3)."""
    rights = current_rights(session, unit.id)
    if right_id is None:
        owned = [r for r in rights if r.right_type in rules.UNIT_RIGHT_TYPES]
        if not owned:
            raise RegistryError.NO_CURRENT_RIGHT.error(unit_id=unit.id)
        return owned[0]
    for r in rights:
        if r.id == right_id:
            return r
    raise RegistryError.RIGHT_NOT_CURRENT.error(right_id=right_id)


def refuse_if_seized(session: Session, unit: PropertyUnit) -> None:
    """No registration on a seized unit (查封) (R3)."""
    for r in current_restrictions(session, unit.id):
        if r.kind == RestrictionKind.seizure:
            raise RegistryError.UNIT_SEIZED.error(restriction_id=r.id, restriction_kind=r.kind)


def restriction_facts(restrictions: Sequence[Restriction]) -> list[rules.RestrictionFact]:
    """The facts of restrictions that the pure transfer rules read (R3)."""
    return [rules.RestrictionFact(r.id, r.kind, r.holder_party_id,
                                 ensure_utc(r.expires_at) if r.expires_at else None, r.no_transfer_agreement)
            for r in restrictions]


def check_transfer(session: Session, unit: PropertyUnit, buyers: Sequence[int], consent: bool,
                   discharged: Sequence[int] = ()) -> None:
    """Refuse a transfer that the unit's current restrictions block (mortgage, advance notice, seizure) (R3); the
    ``discharged`` restrictions (those a judicial or collateral sale extinguishes) do not block it."""
    skip = set(discharged)
    found = [r for r in current_restrictions(session, unit.id) if r.id not in skip]
    blocking = rules.transfer_blocks(restriction_facts(found), transferees=buyers,
                                     at=now(), mortgagee_consent=consent,
                                     no_transfer_rule=bool(registry_rules().value(
                                         "transfer_blocked_by_no_transfer_agreement")))
    rules.raise_if_blocked(blocking)


DISCHARGEABLE = (RestrictionKind.mortgage, RestrictionKind.seizure)


def discharged_restrictions(session: Session, unit: PropertyUnit, ids: Sequence[int]) -> list[int]:
    """The restrictions a judicial or collateral sale of the unit discharges (法释〔2004〕16号 art. 28: the liens
    on what is sold end with the sale; the court's seizure is lifted): each must be a current mortgage or seizure
    of the unit (409 registry.restriction_not_current otherwise). Sorted, each once."""
    current = {r.id: r for r in current_restrictions(session, unit.id)}
    for rid in ids:
        found = current.get(rid)
        if found is None or found.kind not in DISCHARGEABLE:
            raise RegistryError.RESTRICTION_NOT_CURRENT.error(restriction_id=rid)
    return sorted(set(ids))

"""A reclamation project's boundary and the registry and collective checks (issue #16 scope 1).

Land quota is a process (ADR 0014): it reads the collective and the registry through their public functions only
(``collective.get_collective``, ``registry.current_rights_held``, ``registry.unit_parcels``,
``registry.parcel_shapes``, ``registry.get_parcel``) and never their tables. Every check here only reads; a refusal
is a typed ``QuotaError`` raised before the caller writes anything.

The boundary is a bounded input: its vertices are counted before Shapely builds it, then it must be one valid
(multi)polygon inside the city's extent with an area within the rule set's limits, lie inside the collective's
registered land (the parcels of the rights of ``collective_land_right_types`` its party holds) up to a tolerance,
and overlap no other project that is not rejected by more than a tolerance. Overlap checks are serialised by a
transaction-scoped advisory lock on PostgreSQL (SQLite's writers are serialised by ``BEGIN IMMEDIATE``), so two
overlapping projects registered at the same moment cannot both pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.kernel.area import quantize_m2
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.geo import GeometryError, area_m2, read_geometry, submitted_vertex_count, validate_polygon
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import ReclamationProject
from landbridge.land_quota.rules import ProjectStatus

RULES = "land_quota"
CURRENT = "current"
#: The most rights of a collective read as its registered land (a village holds a handful of ownership parcels).
MAX_LAND_RIGHTS = 5_000


def today() -> date:
    return to_local(now()).date()


def _rule_decimal(name: str, day: date | None = None) -> Decimal:
    return get_profile().rules(RULES).decimal(name, day or today())


def parse(boundary: Mapping[str, Any] | BaseGeometry) -> Any:
    """The boundary checked and measured: (MultiPolygon, area m²). GeoJSON is counted before it is built."""
    limit = get_profile().rules(RULES).int("boundary_max_vertices", today())
    try:
        vertices = submitted_vertex_count(boundary)
        if vertices > limit:
            raise QuotaError.BOUNDARY_TOO_MANY_VERTICES.error(vertices=vertices, max_vertices=limit)
        multi = validate_polygon(read_geometry(boundary), get_profile().extent)
    except (GeometryError, shapely.errors.GEOSException) as exc:
        raise QuotaError.INVALID_BOUNDARY.error(reason=str(exc)[:200]) from None
    measured = quantize_m2(area_m2(multi, get_profile().projected_srid))
    low, high = _rule_decimal("boundary_min_area_m2"), _rule_decimal("boundary_max_area_m2")
    if not low <= measured <= high:
        raise QuotaError.BOUNDARY_AREA.error(area_m2=str(measured), min_m2=str(low), max_m2=str(high))
    return multi, measured


def check_collective(session: Session, collective_id: int, county_code: str) -> Any:
    """The collective (it must exist and lie in the county); its registry party holds its land."""
    try:
        found = collective.get_collective(session, collective_id)
    except DomainError:
        raise QuotaError.COLLECTIVE_NOT_FOUND.error(collective_id=collective_id) from None
    if not str(found.region_code or "").startswith(county_code):
        raise QuotaError.COLLECTIVE_OUTSIDE_COUNTY.error(collective_id=collective_id, county_code=county_code)
    return found


def collective_land(session: Session, party_id: int) -> BaseGeometry | None:
    """The union of the parcels on which the collective's party holds a current right of the rule's types."""
    types = list(get_profile().rules(RULES).value("collective_land_right_types", today()))
    rights = registry.current_rights_held(session, party_id, types, limit=MAX_LAND_RIGHTS)
    parcels = sorted(set(registry.unit_parcels(session, [r.unit_id for r in rights if r.unit_id]).values()))
    shapes = [g for _, g, _ in registry.parcel_shapes(session, parcels) if g is not None]
    return unary_union(shapes) if shapes else None


def check_inside(session: Session, geom: BaseGeometry, party_id: int, *, extra: BaseGeometry | None = None) -> None:
    """Refuse a boundary reaching beyond the collective's registered land (and ``extra``, a registered parcel of
    collective land outside its ownership parcels) by more than the tolerance."""
    land = collective_land(session, party_id)
    if extra is not None:
        land = extra if land is None else unary_union([land, extra])
    outside = geom if land is None else geom.difference(land)
    outside_m2 = Decimal(0) if outside.is_empty else quantize_m2(area_m2(outside, get_profile().projected_srid))
    if outside_m2 > _rule_decimal("outside_collective_tolerance_m2"):
        raise QuotaError.OUTSIDE_COLLECTIVE_LAND.error(outside_m2=str(outside_m2))


def lock_boundaries(session: Session) -> None:
    """Serialise the overlap checks of all projects (transaction-scoped advisory lock on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(b"land_quota:project_boundary").digest()[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(key)))


def check_no_overlap(session: Session, geom: BaseGeometry) -> None:
    """Refuse a boundary overlapping a project that is not rejected by more than the tolerance. Candidates are
    found by bounding box in SQL (the same on both databases), the exact overlap by Shapely in the projected CRS."""
    minx, miny, maxx, maxy = geom.bounds
    p = ReclamationProject
    rows = session.execute(select(p.project_no, p.geom).where(
        p.status != ProjectStatus.rejected.value, p.geom.is_not(None), p.minx <= maxx, p.maxx >= minx,
        p.miny <= maxy, p.maxy >= miny).order_by(p.id))
    tolerance = _rule_decimal("project_overlap_tolerance_m2")
    srid = get_profile().projected_srid
    for project_no, other in rows:
        if other is None or not geom.intersects(other):
            continue
        inter = geom.intersection(other)
        overlap = Decimal(0) if inter.is_empty else quantize_m2(area_m2(inter, srid))
        if overlap > tolerance:
            raise QuotaError.PROJECT_OVERLAP.error(project_no=project_no, overlap_m2=str(overlap))


def check_parcel(session: Session, parcel_id: int, county_code: str) -> None:
    """An allocation's destination parcel: a current parcel of the registry, in the county."""
    try:
        parcel = registry.get_parcel(session, parcel_id)
    except DomainError:
        raise QuotaError.PARCEL_NOT_FOUND.error(parcel_id=parcel_id) from None
    if str(parcel.status) != CURRENT:
        raise QuotaError.PARCEL_NOT_FOUND.error(parcel_id=parcel_id)
    if not str(parcel.region_code or "").startswith(county_code):
        raise QuotaError.PARCEL_OUTSIDE_COUNTY.error(parcel_id=parcel_id, county_code=county_code)

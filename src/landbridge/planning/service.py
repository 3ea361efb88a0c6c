"""Planning transitions (国土空间规划): zones created, approved, superseded; layers loaded; conditions read (L2, L4).

Every transition loads and locks what it changes, checks the allowed state itself, applies the change
and writes a ledger event in the caller's transaction. Approved zones of one plan version may not
overlap: approvals of one plan version are serialised (an advisory lock on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite) and checked exactly like the registry's parcels.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.kernel.area import quantize_m2
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.geo import GeometryError, area_m2, areas_m2, validate_polygon
from landbridge.kernel.spatial import exact_overlaps, geometry_filter, overlapping_pairs
from landbridge.ledger import append_event, subjects
from landbridge.planning import rules
from landbridge.planning.errors import PlanningError
from landbridge.planning.models import PlanningFeature, PlanningZone
from landbridge.planning.queries import (
    effective_values,
    get_zone,
    operating_use_classes,
    zone_kind_defaults,
)
from landbridge.planning.rules import ZoneKind, ZoneStatus
from landbridge.planning.schemas import FeatureIn, PlanningConditions, ZoneIn, ZoneShare

MODULE = "planning"
REGION_LEVELS = frozenset({"county", "township"})
CHUNK = 500
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _tolerance_m2(day: date | None = None) -> float:
    return float(get_profile().rules("planning").decimal("zone_overlap_tolerance_m2", day))


def _today() -> date:
    return to_local(now()).date()


def _lock_plan_version(session: Session, plan_version: str) -> None:
    """Serialise overlap checks of one plan version (transaction-scoped advisory lock on PostgreSQL).

    SQLite needs nothing: every write transaction starts with ``BEGIN IMMEDIATE`` (landbridge.db).
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"planning_zone:{plan_version}".encode()).digest()[:8], "big",
                             signed=True)
        session.execute(select(func.pg_advisory_xact_lock(key)))


# --- validation ---------------------------------------------------------------------------------

def _invalid_geometry(reason: str, **details: Any) -> DomainError:
    return PlanningError.INVALID_GEOMETRY.error(reason=reason, **details)


def _zone_geometry(geometry: BaseGeometry, **details: Any) -> MultiPolygon:
    try:
        return validate_polygon(geometry, get_profile().extent)
    except GeometryError as exc:
        raise _invalid_geometry(str(exc), **details) from None


def _check_region(region_code: str) -> None:
    region = get_profile().region(region_code)
    if region is None or region.level not in REGION_LEVELS:
        raise PlanningError.INVALID_REGION_CODE.error(region_code=region_code)


_TEXT_ERRORS = {"code": PlanningError.INVALID_CODE, "plan_version": PlanningError.INVALID_PLAN_VERSION,
                "reason": PlanningError.INVALID_REASON, "subkind": PlanningError.INVALID_SUBKIND}


def _check_text(value: str, name: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > max_length:
        raise _TEXT_ERRORS[name].error({"max_length": max_length}, field=name)
    return text


def _prepare_zone(zone: ZoneIn, plan_version: str, index: int | None = None) -> dict[str, Any]:
    """Check one zone and return its column values (all rules except overlaps and code uniqueness)."""
    where: dict[str, Any] = {} if index is None else {"feature_index": index}
    code = _check_text(zone.code, "code", 40)
    kind = rules.parse_zone_kind(zone.zone_kind)
    _check_region(zone.region_code)
    geom = _zone_geometry(zone.geometry, **where)
    uses = rules.check_land_use_codes(zone.permitted_uses)
    own = rules.check_conditions(rules.conditions_from({n: getattr(zone, n) for n in rules.CONDITION_FIELDS}))
    if zone.effective_to is not None and zone.effective_to <= zone.effective_from:
        raise PlanningError.INVALID_DATES.error(**where)
    defaults = zone_kind_defaults(zone.effective_from)[kind]
    rules.check_conditions(rules.merge_conditions(own, defaults.conditions))
    minx, miny, maxx, maxy = geom.bounds
    return {"code": code, "plan_version": plan_version, "zone_kind": kind.value, "region_code": zone.region_code,
            "geom": geom, "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "permitted_uses": list(uses),
            **{n: getattr(own, n) for n in rules.CONDITION_FIELDS},
            "effective_from": zone.effective_from, "effective_to": zone.effective_to}


def _canonical(values: dict[str, Any]) -> str:
    """One zone or feature as a canonical JSON line for batch digests (geometry as WKB hex)."""
    plain = {k: (shapely.to_wkb(v, hex=True) if isinstance(v, BaseGeometry) else
                 v.isoformat() if isinstance(v, date) else None if v is None else
                 v if isinstance(v, int | list | dict) else str(v))
             for k, v in sorted(values.items())}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _zone_payload(zone: PlanningZone) -> dict[str, Any]:
    return {"code": zone.code, "plan_version": zone.plan_version, "zone_kind": zone.zone_kind,
            "region_code": zone.region_code, "area_m2": str(zone.area_m2), "status": zone.status,
            "permitted_uses": list(zone.permitted_uses or []),
            **{n: (None if getattr(zone, n) is None else str(getattr(zone, n))) for n in rules.CONDITION_FIELDS},
            "effective_from": zone.effective_from.isoformat(),
            "effective_to": zone.effective_to.isoformat() if zone.effective_to else None,
            "geometry_sha256": hashlib.sha256(shapely.to_wkb(zone.geom)).hexdigest()}


def _code_exists(plan_version: str, codes: Sequence[str]) -> DomainError:
    return PlanningError.ZONE_CODE_EXISTS.error({"codes_shown": ', '.join(codes[:5])}, codes=list(codes[:20]),
                                                plan_version=plan_version)


def _overlap_error(pairs: list[tuple[str, str, float]]) -> DomainError:
    names = sorted({f"{a}/{b}" for a, b, _ in pairs})
    return PlanningError.ZONE_OVERLAP.error(
        {"names_shown": ', '.join(names[:5])},
        overlaps=[{"code": a, "other": b, "area_m2": str(quantize_m2(m2))} for a, b, m2 in pairs[:20]])


def _check_against_approved(session: Session, plan_version: str, geom: BaseGeometry, code: str,
                            exclude_id: int | None = None) -> None:
    """409 ``planning.zone_overlap`` if ``geom`` overlaps an approved zone of the plan version (L2)."""
    stmt = select(PlanningZone.id, PlanningZone.code, PlanningZone.geom).where(
        PlanningZone.plan_version == plan_version, PlanningZone.status == ZoneStatus.approved,
        geometry_filter(session, PlanningZone, geom))
    if exclude_id is not None:
        stmt = stmt.where(PlanningZone.id != exclude_id)
    candidates = [(other_code, g) for _, other_code, g in session.execute(stmt)]
    hits = exact_overlaps(geom, candidates, get_profile().projected_srid, _tolerance_m2())
    if hits:
        raise _overlap_error([(code, other, m2) for other, m2 in hits])


# --- zones --------------------------------------------------------------------------------------

def create_zone(session: Session, zone: ZoneIn, *, actor: str, plan_version: str) -> PlanningZone:
    """Record a draft plan zone (规划分区) with its kind, permitted uses and own conditions (L2)."""
    version = _check_text(plan_version, "plan_version", 200)
    values = _prepare_zone(zone, version)
    row = PlanningZone(**values, area_m2=quantize_m2(area_m2(values["geom"], get_profile().projected_srid)),
                       status=ZoneStatus.draft, created_at=now(), created_by=actor)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise _code_exists(version, [values["code"]]) from None
    append_event(session, module=MODULE, event_type="zone_created", subject=subjects.zone(row.id), actor=actor,
                 payload=_zone_payload(row))
    return row


def approve_zone(session: Session, *, zone_id: int, actor: str) -> PlanningZone:
    """Approve a draft zone (批准); refused if it overlaps an approved zone of its plan version (L2)."""
    version = get_zone(session, zone_id).plan_version
    _lock_plan_version(session, version)
    zone = get_zone(session, zone_id, lock=True)
    rules.transition(zone.status, ZoneStatus.approved)
    _check_against_approved(session, zone.plan_version, zone.geom, zone.code, exclude_id=zone.id)
    zone.status = ZoneStatus.approved
    zone.approved_at = now()
    zone.approved_by = actor
    session.flush()
    append_event(session, module=MODULE, event_type="zone_approved", subject=subjects.zone(zone.id), actor=actor,
                 payload={"code": zone.code, "plan_version": zone.plan_version, "zone_kind": zone.zone_kind})
    return zone


def supersede_zone(session: Session, *, zone_id: int, actor: str, reason: str,
                   effective_to: date | None = None) -> PlanningZone:
    """Supersede an approved zone (废止 / 被新规划替代): it stops governing land from ``effective_to`` (L2)."""
    why = _check_text(reason, "reason", 500)
    zone = get_zone(session, zone_id, lock=True)
    rules.transition(zone.status, ZoneStatus.superseded)
    end = effective_to or _today()
    if end <= zone.effective_from:
        raise PlanningError.INVALID_DATES.error(effective_from=zone.effective_from.isoformat())
    if zone.effective_to is not None and end > zone.effective_to:
        end = zone.effective_to
    zone.status = ZoneStatus.superseded
    zone.effective_to = end
    zone.superseded_at = now()
    zone.superseded_by = actor
    zone.supersede_reason = why
    session.flush()
    append_event(session, module=MODULE, event_type="zone_superseded", subject=subjects.zone(zone.id), actor=actor,
                 payload={"code": zone.code, "plan_version": zone.plan_version, "reason": why,
                          "effective_to": end.isoformat()})
    return zone


def create_zones(session: Session, zones: Sequence[ZoneIn], *, actor: str, plan_version: str,
                 status: ZoneStatus = ZoneStatus.approved, progress: Progress = _no_progress) -> int:
    """Load a whole plan's zones at once (批量导入), all or nothing; one ledger event with the batch digest (L2).

    Approved zones are checked for overlaps among themselves and against the plan version's approved
    zones already stored. Returns the number of zones created.
    """
    version = _check_text(plan_version, "plan_version", 200)
    target = ZoneStatus(status)
    if target is ZoneStatus.superseded:
        raise PlanningError.INVALID_STATUS.error()
    n = len(zones)
    _lock_plan_version(session, version)
    rows = []
    for i, zone in enumerate(zones):
        rows.append(_prepare_zone(zone, version, i))
        if i % CHUNK == 0:
            progress("validate zones", i, n)
    progress("validate zones", n, n)
    codes = [r["code"] for r in rows]
    duplicates = sorted(c for c, k in Counter(codes).items() if k > 1)
    if duplicates:
        raise _code_exists(version, duplicates)
    existing: list[str] = []
    for start in range(0, n, CHUNK):
        part = codes[start:start + CHUNK]
        existing += session.execute(select(PlanningZone.code).where(PlanningZone.plan_version == version,
                                                                     PlanningZone.code.in_(part))).scalars().all()
    if existing:
        raise _code_exists(version, sorted(existing))
    srid = get_profile().projected_srid
    geoms = np.empty(n, dtype=object)
    geoms[:] = [r["geom"] for r in rows]
    if target is ZoneStatus.approved and n:
        tolerance = _tolerance_m2()
        pairs = overlapping_pairs(geoms, srid, tolerance)
        if pairs:
            raise _overlap_error([(codes[i], codes[j], m2) for i, j, m2 in pairs])
        _check_batch_against_stored(session, version, geoms, codes, srid, tolerance)
    progress("check overlaps", n, n)
    areas = areas_m2(geoms, srid) if n else []
    at = now()
    digest = hashlib.sha256()
    table: Any = PlanningZone.__table__
    for start in range(0, n, CHUNK):
        batch = []
        for i in range(start, min(n, start + CHUNK)):
            values = rows[i]
            digest.update(_canonical(values).encode("utf-8") + b"\n")
            batch.append({**values, "area_m2": quantize_m2(float(areas[i])), "status": target.value,
                          "created_at": at, "created_by": actor,
                          "approved_at": at if target is ZoneStatus.approved else None,
                          "approved_by": actor if target is ZoneStatus.approved else None})
        session.execute(insert(table), batch)
        progress("insert zones", min(n, start + CHUNK), n)
    session.flush()
    append_event(session, module=MODULE, event_type="zones_imported", subject=subjects.plan(version), actor=actor,
                 payload={"plan_version": version, "count": n, "status": target.value,
                          "sha256": digest.hexdigest(), "kinds": dict(sorted(Counter(r["zone_kind"] for r in rows)
                                                                             .items()))})
    return n


def _check_batch_against_stored(session: Session, version: str, geoms: Any, codes: Sequence[str], srid: int,
                                tolerance: float) -> None:
    """Overlaps of a batch with the approved zones already stored for its plan version."""
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    stored = session.execute(
        select(PlanningZone.code, PlanningZone.geom).where(
            PlanningZone.plan_version == version, PlanningZone.status == ZoneStatus.approved,
            PlanningZone.maxx >= minx, PlanningZone.minx <= maxx, PlanningZone.maxy >= miny,
            PlanningZone.miny <= maxy)).all()
    if not stored:
        return
    tree = shapely.STRtree(geoms)
    hits: list[tuple[str, str, float]] = []
    for other_code, other in stored:
        for i in tree.query(other, predicate="intersects").tolist():
            found = exact_overlaps(geoms[i], [(other_code, other)], srid, tolerance)
            hits += [(codes[i], oc, m2) for oc, m2 in found]
    if hits:
        raise _overlap_error(hits)


# --- one-map layers -----------------------------------------------------------------------------

def _prepare_feature(feature: FeatureIn, index: int) -> dict[str, Any]:
    kind = rules.parse_feature_kind(feature.kind)
    subkind = _check_text(feature.subkind, "subkind", 40)
    name = (feature.name or "").strip()
    if len(name) > 200:
        raise PlanningError.INVALID_NAME.error(feature_index=index)
    if feature.code is not None and not (len(feature.code) == 12 and feature.code.isdigit()):
        raise PlanningError.INVALID_REGION_CODE_2.error({"feature": feature}, feature_index=index)
    geom = feature.geometry
    if not isinstance(geom, BaseGeometry) or geom.is_empty:
        raise _invalid_geometry("empty or missing geometry", feature_index=index)
    if not geom.is_valid:
        raise _invalid_geometry(shapely.is_valid_reason(geom), feature_index=index)
    minx, miny, maxx, maxy = geom.bounds
    bminx, bminy, bmaxx, bmaxy = get_profile().extent
    if minx < bminx or miny < bminy or maxx > bmaxx or maxy > bmaxy:
        raise _invalid_geometry("geometry lies outside the city profile's extent", feature_index=index)
    return {"kind": kind.value, "subkind": subkind, "name": name, "code": feature.code, "geom": geom,
            "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "attrs": dict(feature.attrs)}


def create_features(session: Session, features: Iterable[FeatureIn], *, actor: str) -> int:
    """Load one-map layer features (乡镇驻地, 道路, 河流, 行政区界, 自然村), all or nothing; one ledger event (L2)."""
    rows = [_prepare_feature(f, i) for i, f in enumerate(features)]
    at = now()
    digest = hashlib.sha256()
    table: Any = PlanningFeature.__table__
    for start in range(0, len(rows), CHUNK):
        batch = rows[start:start + CHUNK]
        for values in batch:
            digest.update(_canonical(values).encode("utf-8") + b"\n")
        session.execute(insert(table), [{**v, "created_at": at} for v in batch])
    session.flush()
    append_event(session, module=MODULE, event_type="features_imported", subject=subjects.LAYERS, actor=actor,
                 payload={"count": len(rows), "sha256": digest.hexdigest(),
                          "kinds": dict(sorted(Counter(r["kind"] for r in rows).items()))})
    return len(rows)


# --- planning conditions ------------------------------------------------------------------------

def planning_conditions_for(session: Session, geometry: BaseGeometry, *, on: date | None = None) -> PlanningConditions:
    """规划条件 of a piece of land: the zone in force covering most of it, merged with its kind's defaults.

    A zone is in force on a day from its ``effective_from`` until (excluding) its ``effective_to``, once
    approved; drafts never are. Raises 404 ``planning.no_zone`` when no zone in force meets the land (L2, L4).
    """
    geom = _zone_geometry(geometry)
    day = on or _today()
    srid = get_profile().projected_srid
    # In force on ``day``: approved, or superseded later than ``day`` (as-of reads for past contracts).
    stmt = select(PlanningZone).where(
        PlanningZone.status.in_([ZoneStatus.approved, ZoneStatus.superseded]), PlanningZone.effective_from <= day,
        or_(PlanningZone.effective_to.is_(None), PlanningZone.effective_to > day),
        geometry_filter(session, PlanningZone, geom))
    zones = {z.id: z for z in session.execute(stmt).scalars()}
    overlaps = [(zid, float(area_m2(geom.intersection(z.geom), srid)) if geom.intersects(z.geom) else 0.0)
                for zid, z in zones.items()]
    ranked = rules.rank_overlaps(overlaps)
    if not ranked:
        raise PlanningError.NO_ZONE.error(on=day.isoformat())
    total = area_m2(geom, srid)
    top = zones[ranked[0][0]]
    defaults = zone_kind_defaults(day)[ZoneKind(top.zone_kind)]
    uses, merged = effective_values(top, defaults)
    shares = tuple(ZoneShare(zid, zones[zid].code, zones[zid].zone_kind, rules.overlap_share(m2, total))
                   for zid, m2 in ranked)
    return PlanningConditions(
        zone_id=top.id, zone_code=top.code, plan_version=top.plan_version, zone_kind=top.zone_kind,
        region_code=top.region_code, overlap_share=shares[0].share, permitted_uses=uses, conditions=merged,
        operating_use_permitted=rules.operating_use_permitted(uses, operating_use_classes(day)),
        defaults_verified=defaults.verified, defaults_source=defaults.source, zones=shares)


def is_use_permitted(session: Session, geometry: BaseGeometry, land_use_class: str, *, on: date | None = None) -> bool:
    """Whether the plan permits a GB/T 21010 land use on this land (the governing zone's uses; L2, L4)."""
    (code,) = rules.check_land_use_codes([land_use_class])
    return rules.use_permitted(planning_conditions_for(session, geometry, on=on).permitted_uses, code)


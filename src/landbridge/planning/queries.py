"""Planning reads: zones and layer features by viewport, one zone, the zone kinds' defaults (L2)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.cityprofile import RuleSet, get_profile
from landbridge.db import for_update
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.spatial import BBox, bbox_filter
from landbridge.planning import rules
from landbridge.planning.errors import PlanningError
from landbridge.planning.models import PlanningFeature, PlanningZone
from landbridge.planning.rules import Conditions, FeatureKind, KindDefaults, ZoneKind, ZoneStatus

# Web-map display only (not policy): below these zoom levels a layer's small features are left out, and
# geometries are simplified to about half a screen pixel of a 256-pixel Web-Mercator tile.
MIN_ZOOM: dict[tuple[str, str | None], int] = {
    (FeatureKind.hamlet, None): 12,
    (FeatureKind.boundary, "village"): 11,
    (FeatureKind.boundary, "township"): 9,
    (FeatureKind.road, "village"): 12,
    (FeatureKind.road, "county"): 10,
    (FeatureKind.town_centre, "town"): 9,
}
PIXEL_FRACTION = 0.5


def get_zone(session: Session, zone_id: int, *, lock: bool = False) -> PlanningZone:
    """Load a plan zone (规划分区) or 404 ``planning.zone_not_found`` (L2)."""
    stmt = select(PlanningZone).where(PlanningZone.id == zone_id)
    if lock:
        # re-read under the lock: an earlier unlocked read may have cached a stale row in the session
        stmt = stmt.execution_options(populate_existing=True)
        if for_update(session):
            stmt = stmt.with_for_update()
    zone = session.execute(stmt).scalar_one_or_none()
    if zone is None:
        raise PlanningError.ZONE_NOT_FOUND.error({"zone_id": zone_id}, id=zone_id)
    return zone


def list_zones(session: Session, *, bbox: BBox | None = None, kind: str | None = None,
               statuses: Sequence[str] = (ZoneStatus.approved,), plan_version: str | None = None,
               region_prefix: str | None = None, limit: int = 100, offset: int = 0,
               ) -> tuple[list[PlanningZone], int]:
    """Plan zones meeting a viewport, filtered by kind, status, plan version and region, plus the total (L2)."""
    conds: list[ColumnElement[bool]] = [PlanningZone.status.in_(list(statuses))]
    if bbox is not None:
        conds.append(bbox_filter(session, PlanningZone, bbox))
    if kind:
        conds.append(PlanningZone.zone_kind == kind)
    if plan_version:
        conds.append(PlanningZone.plan_version == plan_version)
    if region_prefix:
        conds.append(PlanningZone.region_code.startswith(region_prefix))
    total = int(session.execute(select(func.count()).select_from(PlanningZone).where(*conds)).scalar_one())
    rows = session.execute(select(PlanningZone).where(*conds).order_by(PlanningZone.id).limit(limit).offset(offset)
                           ).scalars().all()
    return list(rows), total


def list_features(session: Session, *, kinds: Sequence[str] = (), bbox: BBox | None = None,
                  zoom: int | None = None, limit: int = 1000) -> tuple[list[PlanningFeature], bool]:
    """One-map layer features meeting a viewport, without those too small for ``zoom``; (rows, truncated)."""
    conds: list[ColumnElement[bool]] = []
    if kinds:
        conds.append(PlanningFeature.kind.in_(list(kinds)))
    if bbox is not None:
        conds.append(bbox_filter(session, PlanningFeature, bbox))
    if zoom is not None:
        for (kind, subkind), min_zoom in MIN_ZOOM.items():
            if zoom < min_zoom:
                hidden = PlanningFeature.kind == kind
                conds.append(~(hidden if subkind is None else hidden & (PlanningFeature.subkind == subkind)))
    rows = session.execute(select(PlanningFeature).where(*conds).order_by(PlanningFeature.id).limit(limit + 1)
                           ).scalars().all()
    return list(rows[:limit]), len(rows) > limit


def features_version(session: Session, kinds: Sequence[str] = ()) -> tuple[Any, ...]:
    """What tells the stored one-map features (of ``kinds``) apart: count, ids, bounds weighted by id, last load.

    Features are only ever added (``create_features``, all or nothing), so every load of layers changes it:
    what is built from the features (the valuation's distance layers) may be kept under it (L2).
    """
    f = PlanningFeature
    conds = [f.kind.in_(list(kinds))] if kinds else []
    count, first, last, bounds, loaded = session.execute(
        select(func.count(f.id), func.min(f.id), func.max(f.id),
               func.sum(f.id * (f.minx + 2 * f.miny + 3 * f.maxx + 5 * f.maxy)), func.max(f.created_at))
        .where(*conds)).one()
    return (int(count), first, last, None if bounds is None else round(float(bounds), 6), str(loaded))


def simplify_for_zoom(geom: BaseGeometry, zoom: int | None) -> BaseGeometry:
    """A geometry simplified to about half a pixel at a web-map zoom level (topology preserved)."""
    if zoom is None or geom.geom_type in ("Point", "MultiPoint"):
        return geom
    tolerance = 360.0 / (256 * 2 ** max(0, min(zoom, 22))) * PIXEL_FRACTION
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    return geom if simple.is_empty else simple


def zone_kind_defaults(day: date | None = None) -> dict[ZoneKind, KindDefaults]:
    """Every zone kind's default permitted uses and conditions from the city profile (rule set ``planning``)."""
    rule_set = _rule_set(day)
    out: dict[ZoneKind, KindDefaults] = {}
    for kind in ZoneKind:
        rule = rule_set.rule(kind.value, day)
        out[kind] = rules.kind_defaults(kind, rule.value, source=rule.source, verified=rule.verified)
    return out


def operating_use_classes(day: date | None = None) -> tuple[str, ...]:
    """GB/T 21010 classes that count as operating use for market entry (L4), from the city profile."""
    return rules.check_land_use_codes(_rule_set(day).value("operating_use_classes", day))


def _rule_set(day: date | None) -> RuleSet:
    """The ``planning`` rule set, refusing a day before its first version (422 ``planning.no_rule_set``)."""
    rule_set = get_profile().rules("planning")
    try:
        rule_set.version_at(day)
    except LookupError:
        first = min(v.effective_from for v in rule_set.versions)
        raise PlanningError.NO_RULE_SET.error(
            {"day": day, "first": first},
            day=str(day),
            first=first.isoformat()) from None
    return rule_set


def effective_values(zone: PlanningZone, defaults: KindDefaults) -> tuple[tuple[str, ...], Conditions]:
    """A zone's permitted uses and conditions merged with its kind's defaults (L2)."""
    own = Conditions(zone.max_plot_ratio, zone.min_plot_ratio, zone.max_building_density, zone.max_height_m,
                     zone.min_green_ratio)
    return (rules.merge_permitted_uses(zone.permitted_uses or [], defaults.permitted_uses),
            rules.merge_conditions(own, defaults.conditions))


def zone_properties(zone: PlanningZone, defaults: KindDefaults, operating: Sequence[str]) -> dict[str, Any]:
    """Public properties of a zone: identity, status, own values and the effective (merged) values."""
    uses, merged = effective_values(zone, defaults)
    name, name_en = rules.ZONE_KIND_NAMES[ZoneKind(zone.zone_kind)]
    return {
        "id": zone.id, "code": zone.code, "plan_version": zone.plan_version, "zone_kind": zone.zone_kind,
        "zone_kind_name": name, "zone_kind_name_en": name_en, "region_code": zone.region_code,
        "status": zone.status, "area_m2": str(zone.area_m2),
        "effective_from": zone.effective_from.isoformat(),
        "effective_to": zone.effective_to.isoformat() if zone.effective_to else None,
        "own": {"permitted_uses": list(zone.permitted_uses or []),
                **Conditions(zone.max_plot_ratio, zone.min_plot_ratio, zone.max_building_density, zone.max_height_m,
                             zone.min_green_ratio).as_dict()},
        "permitted_uses": list(uses), **merged.as_dict(),
        "operating_use_permitted": rules.operating_use_permitted(uses, operating),
        "defaults_verified": defaults.verified,
    }


def permitted_uses_at(session: Session, lon: Sequence[float], lat: Sequence[float], *, on: date | None = None
                      ) -> list[tuple[str, ...] | None]:
    """The uses the plan permits at each point (the permitted uses of the zone in force on ``on`` that holds it,
    merged with its kind's defaults), None where no zone in force holds it: in bulk, for a land finder that asks
    it of thousands of parcels' representative points at once (one read of the zones over their extent; L2)."""
    if not len(lon):
        return []
    day = on or to_local(now()).date()
    xs, ys = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    stmt = select(PlanningZone).where(
        PlanningZone.status.in_([ZoneStatus.approved, ZoneStatus.superseded]), PlanningZone.effective_from <= day,
        (PlanningZone.effective_to.is_(None)) | (PlanningZone.effective_to > day),
        bbox_filter(session, PlanningZone, (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))))
    zones = list(session.execute(stmt.order_by(PlanningZone.id)).scalars())
    found: list[tuple[str, ...] | None] = [None] * len(xs)
    if not zones:
        return found
    defaults = zone_kind_defaults(day)
    open_ = np.ones(len(xs), dtype=bool)  # no zone found yet: the first zone in id order that holds a point wins
    for z in zones:
        inside = open_ & (xs >= z.minx) & (xs <= z.maxx) & (ys >= z.miny) & (ys <= z.maxy)
        if not inside.any():
            continue
        idx = np.flatnonzero(inside)
        shapely.prepare(z.geom)
        held = idx[shapely.contains_xy(z.geom, xs[idx], ys[idx])]
        if len(held):
            uses = effective_values(z, defaults[ZoneKind(z.zone_kind)])[0]
            for i in held.tolist():
                found[i] = uses
            open_[held] = False
    return found

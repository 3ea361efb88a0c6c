"""Planning JSON API (/api/v1/planning): zones, planning conditions of a parcel, one-map layers (L2).

Permissions: approved and superseded zones, conditions and layers are public (the plan is
published); drafts are shown to officials only; natural-resources officials and admins create, approve
and supersede zones within their organisation's region.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import shapely.geometry
from fastapi import APIRouter, Depends, Query
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role, check_region, optional_principal, require_roles
from landbridge.auth.errors import AuthError
from landbridge.config import get_settings
from landbridge.kernel.geo import check_vertex_cap
from landbridge.kernel.spatial import BBox
from landbridge.planning import queries, rules, service
from landbridge.planning.errors import PlanningError
from landbridge.planning.models import PlanningZone
from landbridge.planning.rules import ZONE_KIND_NAMES, KindDefaults, ZoneKind, ZoneStatus
from landbridge.planning.schemas import (
    ConditionsRead,
    LayerFeatureCollection,
    PlanningConditions,
    SupersedeIn,
    ZoneFeatureCollection,
    ZoneFeatureIn,
    ZoneIn,
    ZoneKindRead,
    ZoneRead,
    ZoneShareRead,
)
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/planning", tags=["planning"], route_class=TransactionalRoute)

PLANNERS = (Role.nr_official, Role.admin)
OFFICIALS = frozenset({Role.nr_official, Role.admin, Role.supervisor, Role.registrar, Role.township_official})
LAYER_LIMIT_MAX = 5000
planner = require_roles(*PLANNERS)


def _geometry(geometry: dict[str, Any]) -> BaseGeometry:
    check_vertex_cap(geometry, get_settings().max_polygon_vertices)
    try:
        geom = shapely.geometry.shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, ShapelyError) as exc:
        raise PlanningError.INVALID_GEOMETRY_2.error({"exc": exc}, reason=str(exc)) from None
    return geom


def _bbox(text: str | None) -> BBox | None:
    if text is None:
        return None
    try:
        minx, miny, maxx, maxy = (float(x) for x in text.split(","))
    except ValueError:
        raise PlanningError.INVALID_BBOX_2.error() from None
    if not (minx <= maxx and miny <= maxy):
        raise PlanningError.INVALID_BBOX.error()
    return minx, miny, maxx, maxy


def _kind(kind: str | None) -> str | None:
    return rules.parse_zone_kind(kind).value if kind else None


Defaults = dict[date, tuple[dict[ZoneKind, KindDefaults], tuple[str, ...]]]


def _zone_read(zone: PlanningZone, zoom: int | None = None, cache: Defaults | None = None) -> ZoneRead:
    cache = {} if cache is None else cache
    day = zone.effective_from
    if day not in cache:  # the rule set is read once per effective date, not once per zone
        cache[day] = (queries.zone_kind_defaults(day), queries.operating_use_classes(day))
    defaults, operating = cache[day]
    props = queries.zone_properties(zone, defaults[ZoneKind(zone.zone_kind)], operating)
    geom = queries.simplify_for_zoom(zone.geom, zoom)
    return ZoneRead(id=zone.id, geometry=geom.__geo_interface__, properties=props)


def _is_official(principal: Principal | None) -> bool:
    return principal is not None and principal.role in OFFICIALS


@router.get("/zones", response_model=ZoneFeatureCollection)
def list_zones(bbox: str | None = Query(None, description="minx,miny,maxx,maxy (EPSG:4490)"),
               kind: str | None = Query(None, description="zone kind, e.g. village_construction"),
               status: ZoneStatus = Query(ZoneStatus.approved, description="draft: officials only"),
               plan_version: str | None = Query(None, max_length=200),
               page: int = Query(1, ge=1, le=100_000), page_size: int = Query(200, ge=1),
               zoom: int | None = Query(None, ge=0, le=22, description="simplify geometries for this map zoom"),
               principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> ZoneFeatureCollection:
    """Plan zones in a viewport as GeoJSON, one page at a time (public; drafts for officials) (L2)."""
    if status is ZoneStatus.draft and not _is_official(principal):
        if principal is None:
            raise AuthError.LOGIN_REQUIRED.error()
        raise AuthError.FORBIDDEN_ROLE_DRAFT_ZONES.error()
    page_size = min(page_size, get_settings().page_size_max)
    zones, total = queries.list_zones(session, bbox=_bbox(bbox), kind=_kind(kind), statuses=[status],
                                      plan_version=plan_version, limit=page_size, offset=(page - 1) * page_size)
    cache: Defaults = {}
    features = [_zone_read(z, zoom, cache).model_dump() for z in zones]
    return ZoneFeatureCollection(features=features, total=total, page=page, page_size=page_size)


@router.get("/zones/{zone_id}", response_model=ZoneRead)
def read_zone(zone_id: int, principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> ZoneRead:
    """One plan zone with its own and effective permitted uses and conditions (drafts: officials only) (L2)."""
    zone = queries.get_zone(session, zone_id)
    if zone.status == ZoneStatus.draft and not _is_official(principal):
        raise PlanningError.ZONE_NOT_FOUND.error({"zone_id": zone_id}, id=zone_id)
    return _zone_read(zone)


@router.post("/zones", response_model=ZoneRead, status_code=201)
def create_zone(body: ZoneFeatureIn, principal: Principal = Depends(planner),
                session: Session = Depends(get_session)) -> ZoneRead:
    """Record a draft plan zone from a GeoJSON Feature (natural-resources officials, admins) (L2)."""
    props = body.properties
    check_region(principal, props.region_code)
    zone = service.create_zone(session, ZoneIn(
        code=props.code, zone_kind=props.zone_kind, region_code=props.region_code, geometry=_geometry(body.geometry),
        effective_from=props.effective_from, effective_to=props.effective_to,
        permitted_uses=tuple(props.permitted_uses), max_plot_ratio=props.max_plot_ratio,
        min_plot_ratio=props.min_plot_ratio, max_building_density=props.max_building_density,
        max_height_m=props.max_height_m, min_green_ratio=props.min_green_ratio),
        actor=principal.actor, plan_version=props.plan_version)
    return _zone_read(zone)


@router.post("/zones/{zone_id}/approve", response_model=ZoneRead)
def approve_zone(zone_id: int, principal: Principal = Depends(planner),
                 session: Session = Depends(get_session)) -> ZoneRead:
    """Approve a draft zone; 409 ``planning.zone_overlap`` if it overlaps an approved zone of its plan (L2)."""
    check_region(principal, queries.get_zone(session, zone_id).region_code)
    return _zone_read(service.approve_zone(session, zone_id=zone_id, actor=principal.actor))


@router.post("/zones/{zone_id}/supersede", response_model=ZoneRead)
def supersede_zone(zone_id: int, body: SupersedeIn, principal: Principal = Depends(planner),
                   session: Session = Depends(get_session)) -> ZoneRead:
    """Supersede an approved zone (it stops governing land today) (L2)."""
    check_region(principal, queries.get_zone(session, zone_id).region_code)
    return _zone_read(service.supersede_zone(session, zone_id=zone_id, actor=principal.actor, reason=body.reason))


def conditions_read(conditions: PlanningConditions, parcel_id: int | None = None) -> ConditionsRead:
    """The API body of a parcel's planning conditions."""
    name, name_en = ZONE_KIND_NAMES[ZoneKind(conditions.zone_kind)]
    c = conditions.conditions
    return ConditionsRead(
        parcel_id=parcel_id, zone_id=conditions.zone_id, zone_code=conditions.zone_code,
        plan_version=conditions.plan_version, zone_kind=conditions.zone_kind, zone_kind_name=name,
        zone_kind_name_en=name_en, region_code=conditions.region_code, overlap_share=conditions.overlap_share,
        permitted_uses=list(conditions.permitted_uses), max_plot_ratio=c.max_plot_ratio,
        min_plot_ratio=c.min_plot_ratio, max_building_density=c.max_building_density, max_height_m=c.max_height_m,
        min_green_ratio=c.min_green_ratio, operating_use_permitted=conditions.operating_use_permitted,
        defaults_verified=conditions.defaults_verified, defaults_source=conditions.defaults_source,
        zones=[ZoneShareRead(zone_id=z.zone_id, code=z.code, zone_kind=z.zone_kind, share=z.share)
               for z in conditions.zones])


@router.get("/conditions", response_model=ConditionsRead)
def read_conditions(parcel_id: int = Query(..., ge=1), on: date | None = None,
                    session: Session = Depends(get_session)) -> ConditionsRead:
    """规划条件 of a registered parcel: the zone covering most of it and its merged conditions (public) (L2, L4)."""
    parcel = registry.get_parcel(session, parcel_id)
    return conditions_read(service.planning_conditions_for(session, parcel.geom, on=on), parcel_id)


@router.get("/zone-kinds", response_model=list[ZoneKindRead])
def list_zone_kinds(on: date | None = None) -> list[ZoneKindRead]:
    """The zone kinds with their default permitted uses and conditions from the city profile (public) (L2)."""
    operating = queries.operating_use_classes(on)
    out = []
    for kind, d in queries.zone_kind_defaults(on).items():
        name, name_en = ZONE_KIND_NAMES[kind]
        c = d.conditions
        out.append(ZoneKindRead(kind=kind.value, name=name, name_en=name_en, permitted_uses=list(d.permitted_uses),
                                max_plot_ratio=c.max_plot_ratio, min_plot_ratio=c.min_plot_ratio,
                                max_building_density=c.max_building_density, max_height_m=c.max_height_m,
                                min_green_ratio=c.min_green_ratio,
                                operating_use_permitted=rules.operating_use_permitted(d.permitted_uses, operating),
                                source=d.source, verified=d.verified))
    return out


@router.get("/features", response_model=LayerFeatureCollection)
def list_features(kind: list[str] = Query(default_factory=list, description="town_centre, road, river, boundary, "
                                          "hamlet; repeat or comma-separate"),
                  bbox: str | None = Query(None, description="minx,miny,maxx,maxy (EPSG:4490)"),
                  zoom: int | None = Query(None, ge=0, le=22), limit: int = Query(2000, ge=1),
                  session: Session = Depends(get_session)) -> LayerFeatureCollection:
    """One-map layer features in a viewport, simplified for the zoom level (public) (L2)."""
    kinds = [rules.parse_feature_kind(k).value for item in kind for k in item.split(",") if k]
    rows, truncated = queries.list_features(session, kinds=kinds, bbox=_bbox(bbox), zoom=zoom,
                                            limit=min(limit, LAYER_LIMIT_MAX))
    features = [{"type": "Feature", "id": f.id,
                 "geometry": queries.simplify_for_zoom(f.geom, zoom).__geo_interface__,
                 "properties": {"id": f.id, "kind": f.kind, "subkind": f.subkind, "name": f.name, "code": f.code}}
                for f in rows]
    return LayerFeatureCollection(features=features, returned=len(features), truncated=truncated)


"""Registry reads for the land finder (找地, issue #23): current use-right parcels by area, right type, district or
town and box, with their current units and right types. Public facts only: no holder, no party id (R1, L6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.kernel.spatial import BBox, bbox_filter
from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus, Right
from landbridge.registry.queries import layer_filter
from landbridge.registry.rules import Layer


@dataclass(frozen=True)
class FoundParcel:
    """A current use-right parcel as the finder lists it."""

    id: int
    parcel_code: str
    region_code: str
    land_use_class: str
    area_m2: Decimal
    bbox: tuple[float, float, float, float]
    unit_ids: tuple[int, ...]
    right_types: tuple[str, ...]


def find_parcels(session: Session, *, region_prefix: str | None = None, right_types: Sequence[str] = (),
                 area_min: Decimal | None = None, area_max: Decimal | None = None, bbox: BBox | None = None,
                 limit: int = 10_000, details: bool = True, parcel_ids: Sequence[int] | None = None,
                 ) -> tuple[list[FoundParcel], bool]:
    """Current use-right parcels meeting every given filter, in id order, at most ``limit``; the flag says more
    met them (R1). ``right_types``: any current right of one of these types on a current unit of the parcel.
    ``details=False`` leaves ``unit_ids`` and ``right_types`` empty (``parcel_units`` reads them for a few).
    ``parcel_ids``: only among these (a saved search matched against the parcels of new lots)."""
    conds: list[ColumnElement[bool]] = [Parcel.status == RecordStatus.current, layer_filter(Layer.use)]
    if parcel_ids is not None:
        conds.append(Parcel.id.in_(sorted(set(parcel_ids))[:limit + 1]))
    if region_prefix:
        conds.append(Parcel.region_code.startswith(region_prefix))
    if area_min is not None:
        conds.append(Parcel.area_m2 >= area_min)
    if area_max is not None:
        conds.append(Parcel.area_m2 <= area_max)
    if bbox is not None:
        conds.append(bbox_filter(session, Parcel, bbox))
    if right_types:
        conds.append(Parcel.id.in_(select(PropertyUnit.parcel_id).join(Right, and_(
            Right.unit_id == PropertyUnit.id, Right.status == RecordStatus.current,
            Right.right_type.in_(list(right_types)))).where(PropertyUnit.status == RecordStatus.current)))
    rows = session.execute(select(Parcel.id, Parcel.parcel_code, Parcel.region_code, Parcel.land_use_class,
                                  Parcel.area_m2, Parcel.minx, Parcel.miny, Parcel.maxx, Parcel.maxy)
                           .where(*conds).order_by(Parcel.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    units, kinds = parcel_units(session, [r[0] for r in rows]) if details else ({}, {})
    return [FoundParcel(int(i), str(code), str(region), str(use), Decimal(area), (minx, miny, maxx, maxy),
                        tuple(units.get(i, ())), tuple(kinds.get(i, ())))
            for i, code, region, use, area, minx, miny, maxx, maxy in rows], more


def parcel_units(session: Session, parcel_ids: Sequence[int]) -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """The current units of each parcel and the types of their current rights (R1)."""
    units: dict[int, list[int]] = {}
    kinds: dict[int, list[str]] = {}
    for start in range(0, len(parcel_ids), 5_000):
        ids = list(parcel_ids[start:start + 5_000])
        for uid, pid, rtype in session.execute(
                select(PropertyUnit.id, PropertyUnit.parcel_id, Right.right_type).outerjoin(
                    Right, and_(Right.unit_id == PropertyUnit.id, Right.status == RecordStatus.current))
                .where(PropertyUnit.parcel_id.in_(ids), PropertyUnit.status == RecordStatus.current)
                .order_by(PropertyUnit.id, Right.id)):
            if uid not in units.setdefault(pid, []):
                units[pid].append(uid)
            if rtype is not None and rtype not in kinds.setdefault(pid, []):
                kinds[pid].append(rtype)
    return units, kinds


def use_parcels_in_bbox(session: Session, bbox: BBox, *, limit: int = 1_500
                        ) -> tuple[list[tuple[int, str, str, Decimal, BaseGeometry]], bool]:
    """(id, parcel code, land use, area m², geometry) of the current use-right parcels meeting a viewport, in id
    order, at most ``limit``; the flag says more met it: what a map layer colours per parcel (R1; no holder)."""
    rows = session.execute(select(Parcel.id, Parcel.parcel_code, Parcel.land_use_class, Parcel.area_m2, Parcel.geom)
                           .where(Parcel.status == RecordStatus.current, layer_filter(Layer.use),
                                  bbox_filter(session, Parcel, bbox)).order_by(Parcel.id).limit(limit + 1)).all()
    return [(int(i), str(c), str(u), Decimal(a), g) for i, c, u, a, g in rows[:limit]], len(rows) > limit

"""Registry reads for the land finder (找地, issue #23): current use-right parcels by area, right type, district or
town and box, with their current units and right types. Public facts only: no holder, no party id (R1, L6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, func, select
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


def _region_range(prefix: str) -> ColumnElement[bool]:
    """Codes starting with ``prefix``: for a prefix of digits, the range from it to the next number of as many
    digits (an index range on either database, where SQLite's case-blind LIKE uses none; digits sort alike in
    every collation); LIKE otherwise."""
    if not (prefix.isascii() and prefix.isdigit()):
        return Parcel.region_code.startswith(prefix, autoescape=True)
    after = str(int(prefix) + 1).zfill(len(prefix))
    if len(after) > len(prefix):  # all nines: no code of digits lies above
        return Parcel.region_code >= prefix
    return and_(Parcel.region_code >= prefix, Parcel.region_code < after)


def _conditions(session: Session, *, region_prefix: str | None, right_types: Sequence[str],
                area_min: Decimal | None, area_max: Decimal | None, bbox: BBox | None = None,
                parcel_ids: Sequence[int] | None = None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Parcel.status == RecordStatus.current, layer_filter(Layer.use)]
    if parcel_ids is not None:
        conds.append(Parcel.id.in_(sorted(set(parcel_ids))))
    if region_prefix:
        conds.append(_region_range(region_prefix))
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
    return conds


def find_candidates(session: Session, *, region_prefix: str | None = None, right_types: Sequence[str] = (),
                    area_min: Decimal | None = None, area_max: Decimal | None = None,
                    parcel_ids: Sequence[int] | None = None, limit: int = 10_000, offset: int = 0,
                    by_id: bool = True) -> tuple[np.ndarray, np.ndarray, bool]:
    """The land finder's candidates, lean (R1, L6): ids (int64, ascending) and bounding boxes (n × 4 floats) of the
    current use-right parcels meeting every given filter, at most ``limit`` from ``offset``; the flag says more met
    them. The same
    filters as ``find_parcels``, read as plain columns for thousands of parcels at once."""
    conds = _conditions(session, region_prefix=region_prefix, right_types=right_types, area_min=area_min,
                        area_max=area_max, parcel_ids=parcel_ids)
    rows = session.execute(select(Parcel.id, Parcel.minx, Parcel.miny, Parcel.maxx, Parcel.maxy)
                           .where(*conds).order_by(*(() if by_id else (Parcel.status, Parcel.region_code)), Parcel.id)
                           .limit(limit + 1).offset(offset)).all()
    more = len(rows) > limit
    table = np.array([tuple(r) for r in rows[:limit]], dtype=float).reshape(-1, 5)
    return table[:, 0].astype(np.int64), table[:, 1:], more


def count_parcels(session: Session, *, region_prefix: str | None = None, right_types: Sequence[str] = (),
                  area_min: Decimal | None = None, area_max: Decimal | None = None) -> int:
    """How many current use-right parcels meet every given filter (the finder's exact total, R1)."""
    conds = _conditions(session, region_prefix=region_prefix, right_types=right_types, area_min=area_min,
                        area_max=area_max)
    return int(session.scalar(select(func.count()).select_from(Parcel).where(*conds)) or 0)


def find_parcels(session: Session, *, region_prefix: str | None = None, right_types: Sequence[str] = (),
                 area_min: Decimal | None = None, area_max: Decimal | None = None, bbox: BBox | None = None,
                 limit: int = 10_000, details: bool = True, parcel_ids: Sequence[int] | None = None,
                 ) -> tuple[list[FoundParcel], bool]:
    """Current use-right parcels meeting every given filter, in id order, at most ``limit``; the flag says more
    met them (R1). ``right_types``: any current right of one of these types on a current unit of the parcel.
    ``details=False`` leaves ``unit_ids`` and ``right_types`` empty (``parcel_units`` reads them for a few).
    ``parcel_ids``: only among these (a saved search matched against the parcels of new lots)."""
    conds = _conditions(session, region_prefix=region_prefix, right_types=right_types, area_min=area_min,
                        area_max=area_max, bbox=bbox, parcel_ids=parcel_ids)
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
        # the unit's status is checked here, not in SQL: given both, SQLite may walk the status index (every
        # current unit) instead of the parcel's
        for uid, pid, ustatus, rtype in session.execute(
                select(PropertyUnit.id, PropertyUnit.parcel_id, PropertyUnit.status, Right.right_type).outerjoin(
                    Right, and_(Right.unit_id == PropertyUnit.id, Right.status == RecordStatus.current))
                .where(PropertyUnit.parcel_id.in_(ids))
                .order_by(PropertyUnit.id, Right.id)):
            if ustatus != RecordStatus.current:
                continue
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

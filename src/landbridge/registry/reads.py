"""Registry reads for other modules in bulk: parcel areas, extents and shapes, current units' attributes, right
terms, parcel counts, right-type codes (R1).

Other modules (valuation first) call these through ``landbridge.registry`` instead of joining the registry's
tables themselves, so that the registry keeps its tables to itself (issue #14 item 3).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.registry.models import Parcel, PropertyUnit, RecordStatus, Right, RightHolder, RightType

CHUNK = 5_000


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start:start + CHUNK]


def right_type_codes() -> frozenset[str]:
    """The codes of the registry's right types (权利类型), to check imported records against (R1)."""
    return frozenset(str(r) for r in RightType)


def parcel_areas(session: Session, parcel_ids: Sequence[int]) -> dict[int, Decimal]:
    """Registered area (登记面积, m²) of each parcel of ``parcel_ids`` that exists, whatever its status (R1)."""
    out: dict[int, Decimal] = {}
    for ids in _chunks(parcel_ids):
        out.update((int(i), a) for i, a in session.execute(select(Parcel.id, Parcel.area_m2).where(Parcel.id.in_(ids))))
    return out


def parcel_codes(session: Session, parcel_ids: Sequence[int]) -> dict[int, str]:
    """Parcel code (宗地代码) of each parcel of ``parcel_ids`` that exists, whatever its status (R1)."""
    out: dict[int, str] = {}
    for ids in _chunks(parcel_ids):
        out.update((int(i), str(c)) for i, c in session.execute(
            select(Parcel.id, Parcel.parcel_code).where(Parcel.id.in_(ids))))
    return out


def parcel_bounds(session: Session, parcel_ids: Sequence[int]) -> dict[int, tuple[float, float, float, float]]:
    """Bounding box (minx, miny, maxx, maxy in CGCS2000 degrees) of each parcel that exists, whatever its status."""
    out: dict[int, tuple[float, float, float, float]] = {}
    for ids in _chunks(parcel_ids):
        for i, minx, miny, maxx, maxy in session.execute(
                select(Parcel.id, Parcel.minx, Parcel.miny, Parcel.maxx, Parcel.maxy).where(Parcel.id.in_(ids))):
            out[int(i)] = (minx, miny, maxx, maxy)
    return out


def parcel_shapes(session: Session, parcel_ids: Sequence[int]) -> list[tuple[int, Any, Decimal]]:
    """(id, geometry, registered area m²) of each parcel of ``parcel_ids`` that exists, in id order (R1)."""
    rows: list[tuple[int, Any, Decimal]] = []
    for ids in _chunks(parcel_ids):
        rows += [(int(i), g, a) for i, g, a in session.execute(
            select(Parcel.id, Parcel.geom, Parcel.area_m2).where(Parcel.id.in_(ids)).order_by(Parcel.id))]
    return rows


def parcel_points(session: Session, parcel_ids: Sequence[int]) -> dict[int, Any]:
    """A representative point (Shapely ``point_on_surface``, always inside the parcel; CGCS2000 degrees) of each
    parcel of ``parcel_ids`` that exists: where a sale or a lot on it is drawn as a point (issue #21)."""
    import shapely

    out: dict[int, Any] = {}
    for ids in _chunks(parcel_ids):
        for i, g in session.execute(select(Parcel.id, Parcel.geom).where(Parcel.id.in_(ids))):
            if g is not None:
                out[int(i)] = shapely.point_on_surface(g)
    return out


def unit_parcels(session: Session, unit_ids: Sequence[int]) -> dict[int, int]:
    """The parcel id of each property unit of ``unit_ids`` that exists, whatever its status (R1)."""
    out: dict[int, int] = {}
    for ids in _chunks(unit_ids):
        out.update((int(u), int(p)) for u, p in session.execute(
            select(PropertyUnit.id, PropertyUnit.parcel_id).where(PropertyUnit.id.in_(ids))))
    return out


def current_unit_attributes(session: Session, parcel_ids: Sequence[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(parcel id, attributes) of the current property units (现势不动产单元) on the parcels, units in id order."""
    for ids in _chunks(parcel_ids):
        for pid, attrs in session.execute(select(PropertyUnit.parcel_id, PropertyUnit.attrs).where(
                PropertyUnit.parcel_id.in_(ids), PropertyUnit.status == RecordStatus.current)
                .order_by(PropertyUnit.id)):
            yield int(pid), attrs or {}


def current_right_term_ends(session: Session, parcel_id: int) -> list[date]:
    """End dates of the current rights with a term (权利期限) on the parcel's property units (R1)."""
    ends = session.execute(select(Right.term_end).join(PropertyUnit, PropertyUnit.id == Right.unit_id).where(
        PropertyUnit.parcel_id == parcel_id, Right.status == RecordStatus.current, Right.term_end.is_not(None))
    ).scalars().all()
    return [e for e in ends if e is not None]


def current_rights_held(session: Session, party_id: int, right_types: Sequence[str] | None = None, *,
                        limit: int = 100) -> list[Right]:
    """The current rights (of ``right_types``, or any) that ``party_id`` holds alone or with others, oldest first,
    at most ``limit``: whether a household keeps a dwelling, a borrower's right picker (issue #17)."""
    stmt = select(Right).join(RightHolder, RightHolder.right_id == Right.id).where(
        RightHolder.party_id == party_id, Right.status == RecordStatus.current)
    if right_types is not None:
        stmt = stmt.where(Right.right_type.in_(list(right_types)))
    return list(session.execute(stmt.order_by(Right.id).limit(limit)).scalars())


def count_current_parcels(session: Session, region_prefix: str | None = None) -> int:
    """How many current parcels (现势宗地) lie in the area whose region codes start with ``region_prefix`` (R1)."""
    stmt = select(func.count()).select_from(Parcel).where(Parcel.status == RecordStatus.current)
    if region_prefix:
        stmt = stmt.where(Parcel.region_code.startswith(region_prefix))
    return int(session.execute(stmt).scalar_one())

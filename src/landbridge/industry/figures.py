"""Available land and quota of each place (issue #19 item 5; P1, S3), computed, never typed in.

Read through the other modules' public functions only: ``land_quota.allocation_sites`` (quota allocated to
destination parcels and how much is consumed), ``market_entry.entry_sites`` (entry cases and their states) and
``registry.parcel_points`` / ``registry.parcel_areas`` (a parcel's representative point, always inside it, and its
registered area). A parcel belongs to a place when its representative point lies in the place's boundary.

Per place: quota allocated, consumed and available (allocated − consumed) in m²; land on offer (parcels of cases in
rule ``available_entry_states``) and land entered (rule ``entered_entry_states``) in m², with the case count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shapely.prepared import prep
from sqlalchemy.orm import Session

from landbridge import land_quota, market_entry, registry
from landbridge.cityprofile import get_profile
from landbridge.industry.models import IndustryPlace
from landbridge.industry.rules import RULES

ZERO = Decimal("0.00")


@dataclass
class PlaceFigures:
    quota_allocated_m2: Decimal = ZERO
    quota_consumed_m2: Decimal = ZERO
    land_available_m2: Decimal = ZERO
    land_entered_m2: Decimal = ZERO
    available_cases: int = 0
    entered_cases: int = 0
    allocation_ids: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)

    @property
    def quota_available_m2(self) -> Decimal:
        return self.quota_allocated_m2 - self.quota_consumed_m2

    def as_json(self) -> dict[str, str | int]:
        return {"quota_allocated_m2": str(self.quota_allocated_m2), "quota_consumed_m2": str(self.quota_consumed_m2),
                "quota_available_m2": str(self.quota_available_m2), "land_available_m2": str(self.land_available_m2),
                "land_entered_m2": str(self.land_entered_m2), "available_cases": self.available_cases,
                "entered_cases": self.entered_cases}


def _places_of(points: dict[int, object], places: Sequence[IndustryPlace]) -> dict[int, list[int]]:
    """Parcel id → ids of the places whose boundary holds its representative point."""
    shapes = [(p.id, p.geom.bounds, prep(p.geom)) for p in places if p.geom is not None]
    out: dict[int, list[int]] = {}
    for pid, point in points.items():
        x, y = point.x, point.y  # type: ignore[attr-defined]
        out[pid] = [i for i, (minx, miny, maxx, maxy), g in shapes
                    if minx <= x <= maxx and miny <= y <= maxy and g.contains(point)]
    return out


def place_figures(session: Session, places: Sequence[IndustryPlace], day: date) -> dict[int, PlaceFigures]:
    """The figures of each place of ``places``, by place id."""
    rules = get_profile().rules(RULES)
    available = set(rules.value("available_entry_states", day))
    entered = set(rules.value("entered_entry_states", day))
    result = {p.id: PlaceFigures() for p in places}
    if not places:
        return result
    allocations = land_quota.allocation_sites(session)
    cases = market_entry.entry_sites(session, states=sorted(available | entered))
    parcel_ids = sorted({a.parcel_id for a in allocations} | {c.parcel_id for c in cases})
    # only parcels whose box meets a place's box can have their representative point (inside the parcel) in it: the
    # boxes are plain columns, so the geometries read and tested are those near the places, not the city's
    boxes = [(p.minx, p.miny, p.maxx, p.maxy) for p in places]
    near = [pid for pid, (minx, miny, maxx, maxy) in registry.parcel_bounds(session, parcel_ids).items()
            if any(minx <= bx2 and maxx >= bx1 and miny <= by2 and maxy >= by1 for bx1, by1, bx2, by2 in boxes)]
    where = _places_of(registry.parcel_points(session, near), places)
    areas = registry.parcel_areas(session, sorted({c.parcel_id for c in cases if where.get(c.parcel_id)}))
    for a in allocations:
        for place_id in where.get(a.parcel_id, ()):
            f = result[place_id]
            f.quota_allocated_m2 += a.amount_m2
            f.quota_consumed_m2 += a.consumed_m2
            f.allocation_ids.append(a.allocation_id)
    for c in cases:
        for place_id in where.get(c.parcel_id, ()):
            f = result[place_id]
            f.case_ids.append(c.case_id)
            if c.status in available:
                f.land_available_m2 += areas.get(c.parcel_id, ZERO)
                f.available_cases += 1
            else:
                f.land_entered_m2 += areas.get(c.parcel_id, ZERO)
                f.entered_cases += 1
    return result

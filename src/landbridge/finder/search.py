"""The land finder's search (找地, issue #23): filters checked, then applied cheapest first over at most
``MAX_SCAN`` candidate parcels: area, right type and area code in the registry's query; the appraised unit value
of the newest run; the use the plan permits at the parcel's representative point; metres to the nearest road and
town centre (the valuation's distance layers). ``complete`` is false when more parcels met the registry's filters
than were scanned: narrower filters give the exact answer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge import exchange, planning, registry, valuation
from landbridge.finder.errors import FinderError

MAX_SCAN = 20_000
"""The most candidate parcels one search reads (a bound of the service, not policy)."""
ROAD, TOWN = "dist_road_m", "dist_town_centre_m"


@dataclass(frozen=True)
class Filters:
    """A search: every given filter must hold (None: not filtered)."""

    use: str | None = None
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    right_type: str | None = None
    region: str | None = None
    max_road_m: Decimal | None = None
    max_town_m: Decimal | None = None

    def check(self) -> Filters:
        """The filters, or 422 ``finder.*``: ranges ordered, a known use and right type, a 6/9/12-digit area."""
        for field, low, high in (("area", self.area_min, self.area_max), ("price", self.price_min, self.price_max)):
            if low is not None and high is not None and low > high:
                raise FinderError.INVALID_RANGE.error(field=field)
        if self.use is not None and not registry.is_land_use_class(self.use):
            raise FinderError.UNKNOWN_USE.error(use=self.use)
        if self.right_type is not None and self.right_type not in registry.right_type_codes():
            raise FinderError.UNKNOWN_RIGHT_TYPE.error(right_type=self.right_type)
        if self.region is not None and not (self.region.isdigit() and len(self.region) in (6, 9, 12)):
            raise FinderError.INVALID_REGION.error()
        return self

    def region_prefix(self) -> str | None:
        """The area code's prefix: a county's 6 digits, a township's 9, a village's 12."""
        return self.region


def _metres(value: float) -> int:
    return round(value)


def search(session: Session, filters: Filters, *, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """The parcels meeting every filter, in parcel order, one page of them with their context; the total."""
    f = filters.check()
    found, more = registry.find_parcels(session, region_prefix=f.region_prefix(),
                                        right_types=[f.right_type] if f.right_type else (),
                                        area_min=f.area_min, area_max=f.area_max, limit=MAX_SCAN)
    values = valuation.latest_unit_values(session, [p.id for p in found])
    if f.price_min is not None or f.price_max is not None:
        found = [p for p in found if p.id in values
                 and (f.price_min is None or values[p.id][0] >= f.price_min)
                 and (f.price_max is None or values[p.id][0] <= f.price_max)]
    points: dict[int, Any] = {}
    uses: dict[int, tuple[str, ...] | None] = {}
    dists: dict[int, dict[str, int]] = {}

    def place(parcels: list[registry.FoundParcel]) -> None:
        todo = [p.id for p in parcels if p.id not in points]
        if not todo:
            return
        points.update(registry.parcel_points(session, todo))
        located = [i for i in todo if i in points]
        for i, u in zip(located, planning.permitted_uses_at(session, [points[i] for i in located]), strict=True):
            uses[i] = u
        measured = valuation.distances_to_places(session, [points[i].x for i in located],
                                                 [points[i].y for i in located])
        for k, i in enumerate(located):
            dists[i] = {name: _metres(float(col[k])) for name, col in measured.items()}

    if f.use is not None or f.max_road_m is not None or f.max_town_m is not None:
        place(found)
        found = [p for p in found if p.id in points
                 and (f.use is None or planning.use_permitted(uses.get(p.id) or (), f.use))
                 and (f.max_road_m is None or (ROAD in dists[p.id] and dists[p.id][ROAD] <= f.max_road_m))
                 and (f.max_town_m is None or (TOWN in dists[p.id] and dists[p.id][TOWN] <= f.max_town_m))]
    total = len(found)
    shown = found[(page - 1) * page_size: page * page_size]
    place(shown)
    lots = exchange.lots_on_units(session, [u for p in shown for u in p.unit_ids])
    items = []
    for p in shown:
        value = values.get(p.id)
        lot = next((lots[u] for u in p.unit_ids if u in lots), None)
        pt = points.get(p.id)
        items.append({
            "parcel_id": p.id, "parcel_code": p.parcel_code, "region_code": p.region_code,
            "land_use_class": p.land_use_class, "area_m2": str(p.area_m2), "right_types": list(p.right_types),
            "permitted_uses": list(uses.get(p.id) or ()), "value_per_m2": str(value[0]) if value else None,
            "value": str(value[1]) if value else None, "dist_road_m": dists.get(p.id, {}).get(ROAD),
            "dist_town_centre_m": dists.get(p.id, {}).get(TOWN), "lot": lot, "url": f"/parcels/{p.id}",
            "point": [pt.x, pt.y] if pt is not None else None})
    return {"items": items, "total": total, "page": page, "page_size": page_size, "complete": not more,
            "scanned": MAX_SCAN if more else None}

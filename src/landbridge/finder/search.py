"""The land finder's search (找地, issue #23): filters checked, then applied cheapest first over at most
``MAX_SCAN`` candidate parcels: area, right type and area code in the registry's query; the appraised unit value
of the newest run; the use the plan permits at the centre of the parcel's bounding box; metres to the nearest road and
town centre (the valuation's distance layers). ``complete`` is false when more parcels met the registry's filters
than were scanned: narrower filters give the exact answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from landbridge import exchange, planning, registry, valuation
from landbridge.finder.errors import FinderError

MAX_SCAN = 20_000
"""The most candidate parcels one search reads (a bound of the service, not policy)."""
ROAD, TOWN = "dist_road_m", "dist_town_centre_m"
ROAD_LAYER, TOWN_LAYER = "road", "town_centre"  # distance layers of the valuation_mass rules


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


NUMBERS = ("area_min", "area_max", "price_min", "price_max", "max_road_m", "max_town_m")
TEXTS = ("use", "right_type", "region")
NUMBER_MAX = Decimal("1e12")


def parse_filters(params: Mapping[str, Any]) -> tuple[Filters, dict[str, str]]:
    """The filters of a form's query or a saved search (empty fields: not filtered) and their text values; a field
    that is not a number from 0 up is 422 ``finder.invalid_number``."""
    shown = {k: str(params.get(k) or "").strip()[:48] for k in (*NUMBERS, *TEXTS)}
    numbers: dict[str, Decimal | None] = {}
    for key in NUMBERS:
        try:
            value = Decimal(shown[key]) if shown[key] else None
        except InvalidOperation:
            value = Decimal(-1)
        if value is not None and (not value.is_finite() or not 0 <= value <= NUMBER_MAX):
            raise FinderError.INVALID_NUMBER.error(field=key)
        numbers[key] = value
    return Filters(use=shown["use"] or None, right_type=shown["right_type"] or None, region=shown["region"] or None,
                   **numbers), shown


def _centre(p: registry.FoundParcel) -> tuple[float, float]:
    minx, miny, maxx, maxy = p.bbox
    return (minx + maxx) / 2, (miny + maxy) / 2


def _filtered(session: Session, f: Filters, *, parcel_ids: Sequence[int] | None = None
              ) -> tuple[list[registry.FoundParcel], bool]:
    """The candidate parcels meeting every filter, in parcel order, and whether more met the registry's filters
    than were scanned; ``parcel_ids``: only among these."""
    found, more = registry.find_parcels(session, region_prefix=f.region_prefix(),
                                        right_types=[f.right_type] if f.right_type else (),
                                        area_min=f.area_min, area_max=f.area_max, limit=MAX_SCAN, details=False,
                                        parcel_ids=parcel_ids)
    values: dict[int, tuple[Decimal, Decimal]] = {}
    if f.price_min is not None or f.price_max is not None:
        values = valuation.latest_unit_values(session, [p.id for p in found])
        found = [p for p in found if p.id in values
                 and (f.price_min is None or values[p.id][0] >= f.price_min)
                 and (f.price_max is None or values[p.id][0] <= f.price_max)]
    if f.use is not None and found:
        uses = planning.permitted_uses_at(session, [_centre(p)[0] for p in found], [_centre(p)[1] for p in found])
        found = [p for p, u in zip(found, uses, strict=True) if planning.use_permitted(u or (), f.use)]
    for layer, metres in ((ROAD_LAYER, f.max_road_m), (TOWN_LAYER, f.max_town_m)):
        if metres is not None and found:
            hit = valuation.within_distance(session, [_centre(p)[0] for p in found],
                                            [_centre(p)[1] for p in found], layer, float(metres))
            found = [p for p, h in zip(found, hit.tolist(), strict=True) if h]
    return found, more


def matching_parcels(session: Session, filters: Filters, parcel_ids: Sequence[int]) -> set[int]:
    """Which of ``parcel_ids`` meet every filter: what a saved search is matched with (L6, P1), by the same
    filters as the search itself."""
    if not parcel_ids:
        return set()
    return {p.id for p in _filtered(session, filters.check(), parcel_ids=parcel_ids)[0]}


def search(session: Session, filters: Filters, *, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """The parcels meeting every filter, in parcel order, one page of them with their context; the total.

    A parcel's place is the centre of its bounding box (read with the parcel, no geometry decoded): the plan's
    use and the distances are taken there, for the filters and for what the page shows alike."""
    found, more = _filtered(session, filters.check())
    total = len(found)
    shown = found[(page - 1) * page_size: page * page_size]
    centres = [_centre(p) for p in shown]
    shown_uses = planning.permitted_uses_at(session, [c[0] for c in centres], [c[1] for c in centres])
    measured = valuation.distances_to_places(session, [c[0] for c in centres], [c[1] for c in centres])
    shown_values = valuation.latest_unit_values(session, [p.id for p in shown])
    units, kinds = registry.parcel_units(session, [p.id for p in shown])
    lots = exchange.lots_on_units(session, [u for p in shown for u in units.get(p.id, ())])
    items = []
    for k, p in enumerate(shown):
        value = shown_values.get(p.id)
        lot = next((lots[u] for u in units.get(p.id, ()) if u in lots), None)
        items.append({
            "parcel_id": p.id, "parcel_code": p.parcel_code, "region_code": p.region_code,
            "land_use_class": p.land_use_class, "area_m2": str(p.area_m2), "right_types": kinds.get(p.id, []),
            "permitted_uses": list(shown_uses[k] or ()), "value_per_m2": str(value[0]) if value else None,
            "value": str(value[1]) if value else None,
            "dist_road_m": round(float(measured[ROAD][k])) if ROAD in measured else None,
            "dist_town_centre_m": round(float(measured[TOWN][k])) if TOWN in measured else None,
            "lot": lot, "url": f"/parcels/{p.id}", "point": list(centres[k])})
    return {"items": items, "total": total, "page": page, "page_size": page_size, "complete": not more,
            "scanned": MAX_SCAN if more else None}

"""The land finder's search (找地, issue #23; L6, P1): filters checked, then applied cheapest first: area, right type
and area code in the registry's query (alone, they are counted and paged in SQL, exactly); over at most
``MAX_SCAN`` of those candidates, read as arrays, the appraised unit value of the newest run, the use the plan permits
at the centre of the parcel's bounding box and metres to the nearest road and town centre (the valuation's distance
layers). ``complete`` is false when more parcels met the registry's filters than were scanned: narrower filters
give the exact answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import numpy as np
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


def _fen(bound: Decimal, rounding: str) -> int:
    """A price bound in whole fen, rounded towards the inside of the range (values are held to the fen)."""
    return int((bound * 100).to_integral_value(rounding=rounding))


def _filtered(session: Session, f: Filters, *, parcel_ids: Sequence[int] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """The candidates meeting every filter (ids ascending and their centres' lon, lat) and whether more met the
    registry's filters than were scanned; ``parcel_ids``: only among these. The registry's filters run in SQL;
    the price against the newest run's value table (kept per run); the plan's use and the distances at the
    centres, each over the survivors of the one before, all as arrays."""
    ids, boxes, more = registry.find_candidates(
        session, region_prefix=f.region_prefix(), right_types=[f.right_type] if f.right_type else (),
        area_min=f.area_min, area_max=f.area_max, parcel_ids=parcel_ids, limit=MAX_SCAN, by_id=False)
    order = np.argsort(ids, kind="stable")  # parcel order (the same set as by id whenever not ``more``)
    ids, boxes = ids[order], boxes[order]
    if (f.price_min is not None or f.price_max is not None) and len(ids):
        valued, fen = valuation.latest_unit_value_table(session)
        at = np.clip(np.searchsorted(valued, ids), 0, max(len(valued) - 1, 0))
        keep = valued[at] == ids if len(valued) else np.zeros(len(ids), dtype=bool)
        value = fen[at] if len(valued) else np.zeros(len(ids), dtype=np.int64)
        if f.price_min is not None:
            keep &= value >= _fen(f.price_min, ROUND_CEILING)
        if f.price_max is not None:
            keep &= value <= _fen(f.price_max, ROUND_FLOOR)
        ids, boxes = ids[keep], boxes[keep]
    lon, lat = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    if f.use is not None and len(ids):
        use = f.use
        answers: dict[tuple[str, ...] | None, bool] = {}  # one answer per distinct set of uses (a few zones' worth)

        def permits(uses: tuple[str, ...] | None) -> bool:
            if uses not in answers:
                answers[uses] = planning.use_permitted(uses or (), use)
            return answers[uses]

        keep = np.fromiter((permits(u) for u in planning.permitted_uses_at(session, lon, lat)), dtype=bool,
                           count=len(ids))
        ids, lon, lat = ids[keep], lon[keep], lat[keep]
    for layer, metres in ((ROAD_LAYER, f.max_road_m), (TOWN_LAYER, f.max_town_m)):
        if metres is not None and len(ids):
            keep = valuation.within_distance(session, lon, lat, layer, float(metres))
            ids, lon, lat = ids[keep], lon[keep], lat[keep]
    return ids, lon, lat, more


def matching_parcels(session: Session, filters: Filters, parcel_ids: Sequence[int]) -> set[int]:
    """Which of ``parcel_ids`` meet every filter: what a saved search is matched with (L6, P1), by the same
    filters as the search itself."""
    if not parcel_ids:
        return set()
    return {int(i) for i in _filtered(session, filters.check(), parcel_ids=parcel_ids)[0]}


def search(session: Session, filters: Filters, *, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """The parcels meeting every filter, in parcel order, one page of them with their context; the total.

    Only the registry's filters (area, right type, place): the total is a count and the page an offset, both in
    SQL, exact however many parcels meet them. Any other filter (price, plan use, distance): the filters run
    over at most ``MAX_SCAN`` candidates, and ``complete`` says whether that was all of them. A parcel's place is
    the centre of its bounding box (read with the parcel, no geometry decoded): the plan's use and the distances
    are taken there, for the filters and for what the page shows alike (L6, P1)."""
    f = filters.check()
    start = (page - 1) * page_size
    if all(v is None for v in (f.use, f.price_min, f.price_max, f.max_road_m, f.max_town_m)):
        where: dict[str, Any] = {"region_prefix": f.region_prefix(), "area_min": f.area_min,
                                 "area_max": f.area_max, "right_types": [f.right_type] if f.right_type else ()}
        total, more = registry.count_parcels(session, **where), False
        page_ids = registry.find_candidates(session, **where, limit=page_size, offset=start)[0]
    else:
        ids, _, _, more = _filtered(session, f)
        total, page_ids = len(ids), ids[start:start + page_size]
    found, _ = registry.find_parcels(session, parcel_ids=[int(i) for i in page_ids], limit=max(len(page_ids), 1),
                                     details=False)
    return {"items": _items(session, found), "total": total, "page": page, "page_size": page_size,
            "complete": not more, "scanned": MAX_SCAN if more else None}


def _centre(p: registry.FoundParcel) -> tuple[float, float]:
    minx, miny, maxx, maxy = p.bbox
    return (minx + maxx) / 2, (miny + maxy) / 2


def _items(session: Session, shown: list[registry.FoundParcel]) -> list[dict[str, Any]]:
    """The page's parcels with their plan uses, distances, appraised value and open lot."""
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
    return items

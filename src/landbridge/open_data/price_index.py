"""Price indices of land deals by district and use (issue #19 item 6; P2, S2; method: ADR 0018): every lot awarded
on the exchange (market-entry lots included, since entry is listed there) whose property unit lies on a registered
parcel gives a price per m² (price ÷ the parcel's registered area), grouped by district (county-level code),
use category (the parcel's GB/T 21010 class, rule ``use_categories``) and quarter; each series is a fixed-base
Jevons index (geometric mean of the quarter's prices per m²; base 100 = the first quarter with at least k deals);
quarters under k deals are published as "<k" with neither price nor index.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge import exchange, registry
from landbridge.cityprofile import get_profile
from landbridge.open_data.errors import OpenDataError
from landbridge.open_data.rules import (
    AreaLevel,
    Granularity,
    IndexPoint,
    OpenDataRules,
    area_of,
    period_of,
    periods,
    price_index,
    use_category,
)


@dataclass(frozen=True)
class Series:
    district: str
    name: str
    name_en: str
    use: str
    base: str | None
    points: tuple[IndexPoint, ...]


def deal_prices(session: Session, rules: OpenDataRules, end: date,
                district: str = "") -> dict[tuple[str, str], dict[str, list[Decimal]]]:
    """(district, use) → quarter → prices per m² of the deals from ``rules.index_from`` to ``end``."""
    lots = [lot for lot in exchange.concluded_lots(session, rules.index_from, end, region_prefix=district[:6])
            if lot.unit_id is not None and lot.price > 0]
    parcels = registry.unit_parcels(session, [lot.unit_id for lot in lots if lot.unit_id is not None])
    areas = registry.parcel_areas(session, list(parcels.values()))
    uses = registry.parcel_land_uses(session, list(parcels.values()))
    out: dict[tuple[str, str], dict[str, list[Decimal]]] = {}
    for lot in lots:
        parcel = parcels.get(lot.unit_id) if lot.unit_id is not None else None
        area = areas.get(parcel) if parcel is not None else None
        if parcel is None or not area or area <= 0:
            continue
        key = (area_of(lot.region_code, AreaLevel.district), use_category(uses.get(parcel), rules.use_categories))
        out.setdefault(key, {}).setdefault(period_of(lot.decided_on, Granularity.quarter), []).append(
            lot.price / area)
    return out


def series(session: Session, rules: OpenDataRules, *, end: date, district: str = "", use: str = "") -> list[Series]:
    """Every (district, use) series with a deal, each over every quarter from ``index_from`` to ``end``."""
    if use and use != "other" and use not in rules.use_categories:
        raise OpenDataError.UNKNOWN_CATEGORY.error(dataset="price_index", category=use)
    quarters = [label for label, _, _ in periods(rules.index_from, end, Granularity.quarter)]
    profile = get_profile()
    out = []
    for (code, category), prices in sorted(deal_prices(session, rules, end, district).items()):
        if use and category != use:
            continue
        base, points = price_index(quarters, prices, rules.min_cell_count)
        region = profile.region(code)
        out.append(Series(code, region.name if region else code, region.name_en if region else code, category,
                          base, tuple(points)))
    return out


def _point(p: IndexPoint, k: int) -> dict[str, Any]:
    return {"period": p.period, "deals": f"<{k}" if p.suppressed else p.deals,
            "unit_price": None if p.unit_price is None else str(p.unit_price),
            "index": None if p.index is None else str(p.index), "suppressed": p.suppressed}


def to_json(items: list[Series], k: int) -> dict[str, Any]:
    return {"k": k, "method": "fixed-base Jevons (ADR 0018)", "unit": "元/m²", "series": [
        {"district": s.district, "name": s.name, "name_en": s.name_en, "use": s.use, "base": s.base,
         "points": [_point(p, k) for p in s.points if p.deals]} for s in items]}


def to_csv(items: list[Series], k: int) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["district_code", "district_name", "district_name_en", "use", "quarter", "deals",
                "unit_price_cny_per_m2", "index", "base_quarter"])
    for s in items:
        for p in s.points:
            if p.deals:
                d = _point(p, k)
                w.writerow([s.district, s.name, s.name_en, s.use, p.period, d["deals"], d["unit_price"] or "",
                            d["index"] or "", s.base or ""])
    return out.getvalue()

"""A parcel's price context (地价参考, issue #23; L1, L6): the published benchmark zones at the parcel, its
appraised value of the newest run with an interval, recent validated sales nearby and its village's trend.

The fact ``valuation.price_context`` (ADR 0016): the registry's parcel page asks it without importing valuation.
Public: published prices, the parcel's appraised value, sales without any party, village means.

The interval is empirical: the 10th and 90th percentiles of sale ÷ appraised value over the run's held-out
sales (of the parcel's land-use class when it has at least ``MIN_HOLDOUT`` of them, else all), times the value.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
from pyproj import Geod
from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.valuation.benchmark.models import BenchmarkStatus, BenchmarkSystem, PriceZone
from landbridge.valuation.map_layers import _cached, _run_key, _validated, latest_runs, village_means
from landbridge.valuation.mass.models import MassHoldout, MassRun, MassValue, RunStatus
from landbridge.valuation.sales.models import Sale

NEARBY_M = 2_000
"""Sales within this many metres count as nearby (a display choice)."""
NEARBY_SALES = 5
MIN_HOLDOUT = 30
TREND_RUNS = 5
_GEOD = Geod(ellps="GRS80")


def _interval(session: Session, run_id: int, use: str) -> tuple[float, float, int] | None:
    def build() -> dict[str, tuple[float, float, int]]:
        rows = session.execute(select(MassHoldout.land_use_class, type_coerce(MassHoldout.sale_cny, BigInteger),
                                      type_coerce(MassHoldout.appraised_cny, BigInteger)).where(
            MassHoldout.run_id == run_id)).all()
        out: dict[str, tuple[float, float, int]] = {}
        groups: dict[str, list[float]] = {"*": []}
        for cls, sale, appraised in rows:
            if appraised and appraised > 0:
                ratio = sale / appraised
                groups["*"].append(ratio)
                groups.setdefault(str(cls), []).append(ratio)
        for key, ratios in groups.items():
            if len(ratios) >= MIN_HOLDOUT or (key == "*" and ratios):
                lo, hi = np.quantile(np.asarray(ratios), [0.1, 0.9])
                out[key] = (float(lo), float(hi), len(ratios))
        return out
    table: dict[str, tuple[float, float, int]] = _cached(("interval", *_run_key(session, run_id)), build)
    return table.get(use) or table.get("*")


def _yuan(value: Decimal | float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def price_context(session: Session, parcel_id: int) -> dict[str, Any]:
    """The parcel's price context: ``zones``, ``value`` (with ``low``/``high``), ``sales`` nearby, ``trend``."""
    parcel = registry.get_parcel(session, parcel_id)
    point = registry.parcel_points(session, [parcel_id]).get(parcel_id)
    out: dict[str, Any] = {"zones": [], "value": None, "sales": [], "trend": [], "nearby_m": NEARBY_M}
    if point is None:
        return out
    lon, lat = float(point.x), float(point.y)
    zones = session.execute(select(PriceZone, BenchmarkSystem.code).join(
        BenchmarkSystem, BenchmarkSystem.id == PriceZone.system_id).where(
        BenchmarkSystem.status == BenchmarkStatus.published, PriceZone.minx <= lon, PriceZone.maxx >= lon,
        PriceZone.miny <= lat, PriceZone.maxy >= lat).order_by(PriceZone.use, PriceZone.grade)).all()
    held = [(z, code) for z, code in zones if z.geom.contains(point)]
    own = [(z, code) for z, code in held if z.use == parcel.land_use_class] or held
    out["zones"] = [{"use": z.use, "code": z.code, "name": z.name, "grade": z.grade,
                     "base_price": _yuan(z.base_price_cny), "term_years": z.term_years, "system": code}
                    for z, code in own[:6]]
    run = latest_runs(session).current
    if run is not None:
        row = session.execute(select(MassValue.value_per_m2_cny, MassValue.value_cny).where(
            MassValue.run_id == run.id, MassValue.parcel_id == parcel_id)).first()
        if row is not None:
            unit, whole = row
            band = _interval(session, run.id, parcel.land_use_class)
            out["value"] = {"run": run.run_no, "valuation_date": run.valuation_date.isoformat(),
                            "value_per_m2": _yuan(unit), "value": _yuan(whole),
                            "low": _yuan(float(whole) * band[0]) if band else None,
                            "high": _yuan(float(whole) * band[1]) if band else None,
                            "interval_n": band[2] if band else 0}
    dlat = NEARBY_M / 111_000
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    where = [Sale.lon.between(lon - dlon, lon + dlon), Sale.lat.between(lat - dlat, lat + dlat)]
    valid = _validated(session)
    if valid is not None:
        where.append(valid)
    sales = []
    for s in session.execute(select(Sale).where(*where).order_by(Sale.sale_date.desc(), Sale.id.desc())
                             .limit(50)).scalars():
        metres = _GEOD.inv(lon, lat, s.lon, s.lat)[2]
        if metres <= NEARBY_M:
            sales.append({"sale_no": s.sale_no, "sale_date": s.sale_date.isoformat(),
                          "land_use_class": s.land_use_class, "area_m2": str(s.area_m2),
                          "price_per_m2": _yuan(s.price_per_m2), "distance_m": round(metres)})
    out["sales"] = sales[:NEARBY_SALES]
    runs = session.execute(select(MassRun).where(MassRun.status == RunStatus.completed).order_by(
        MassRun.valuation_date.desc(), MassRun.id.desc()).limit(TREND_RUNS)).scalars().all()
    for r in reversed(runs):
        mean = village_means(session, r.id).get(parcel.region_code)
        if mean is not None:
            out["trend"].append({"valuation_date": r.valuation_date.isoformat(), "value_per_m2": _yuan(mean[1]),
                                 "parcels": mean[0]})
    for before, after in zip(out["trend"], out["trend"][1:], strict=False):
        after["change"] = str((Decimal(after["value_per_m2"]) / Decimal(before["value_per_m2"]) - 1)
                              .quantize(Decimal("0.0001")))
    return out

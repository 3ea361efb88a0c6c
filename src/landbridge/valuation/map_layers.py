"""Price layers of the public map (全景看地, issue #23; L1, L6, P1): benchmark price zones, mass-appraised values,
validated sales and the year-on-year change of values, as GeoJSON by viewport.

Public where the data is public: published benchmark zones (their base prices are published with the system),
aggregates and unit values of parcels (no holder), and sales without any party (no buyer, no seller, no party
id). Each answer carries its ``legend`` (colour and bounds of each class), and each feature its ``class``: the
map draws a feature in its class's colour and the sidebar the same rows, so legend and drawing cannot differ.

Bounded: the box is at most ``kernel.viewport.MAX_SPAN_DEG`` wide, features are capped per answer (``truncated``
says the box held more), and below ``PARCEL_ZOOM`` values come by village, below ``SALE_POINT_ZOOM`` sales by
grid cell. Colour classes are computed over the whole run or system (cached per run), so a parcel keeps its
colour whichever box it is seen in.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import BigInteger, Float, Integer, cast, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge import planning, registry
from landbridge.kernel.money import fen_to_yuan
from landbridge.kernel.viewport import (
    DIVERGING,
    BBox,
    box_filter,
    class_of,
    geometries_as_geojson,
    legend,
    quantile_breaks,
    simplify,
)
from landbridge.valuation.benchmark.models import BenchmarkStatus, BenchmarkSystem, PriceZone
from landbridge.valuation.benchmark.validation import non_market_sale_ids
from landbridge.valuation.mass.models import MassRun, MassValue, RunStatus
from landbridge.valuation.sales.models import Sale

PARCEL_ZOOM = 15
"""From this zoom values are drawn per parcel; below it, per village (a display choice, not a policy number)."""
SALE_POINT_ZOOM = 13
"""From this zoom sales are points; below it, counts and mean unit prices per grid cell."""
MAX_PARCELS = 1500
MAX_SALES = 1000
MAX_ZONES = 500
GRID = 12  # cells across the box for aggregated sales
TREND_BREAKS = (Decimal("-0.10"), Decimal("-0.02"), Decimal("0.02"), Decimal("0.10"))  # change classes (display)

_cache: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    with _lock:
        if key in _cache:
            return _cache[key]
    value = build()
    with _lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = value
    return value


def _db(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _run_key(session: Session, run_id: int) -> tuple[Any, ...]:
    """What identifies a completed run's values: a completed run is never written again (its values, holdout and
    metrics are fixed at completion), so its id, number and completion time name its contents."""
    row = session.execute(select(MassRun.run_no, MassRun.completed_at, MassRun.parcel_count).where(
        MassRun.id == run_id)).one_or_none()
    return (_db(session), run_id, *(tuple(map(str, row)) if row else ()))


def _collection(features: list[dict[str, Any]], *, rows: list[dict[str, Any]], truncated: bool, **extra: Any
                ) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, "legend": rows, "truncated": truncated, **extra}


def _money(value: Decimal | float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


# --- benchmark price zones ----------------------------------------------------------------------------------

def zone_uses(session: Session) -> list[str]:
    """The uses (land-use classes) of the published benchmark systems' price zones, in code order."""
    return sorted(session.execute(select(PriceZone.use).join(BenchmarkSystem, BenchmarkSystem.id == PriceZone.system_id)
                                  .where(BenchmarkSystem.status == BenchmarkStatus.published).distinct()).scalars())


def _zone_breaks(session: Session, use: str) -> list[Decimal]:
    def build() -> list[Decimal]:
        prices = session.execute(select(PriceZone.base_price_cny).join(
            BenchmarkSystem, BenchmarkSystem.id == PriceZone.system_id).where(
            BenchmarkSystem.status == BenchmarkStatus.published, PriceZone.use == use)).scalars().all()
        return quantile_breaks(list(prices))
    stamp = session.execute(select(func.max(BenchmarkSystem.published_at), func.count(BenchmarkSystem.id)).where(
        BenchmarkSystem.status == BenchmarkStatus.published)).one()
    return list(_cached(("zones", _db(session), use, str(stamp[0]), stamp[1]), build))


def zone_layer(session: Session, bbox: BBox, zoom: int, use: str | None) -> dict[str, Any]:
    """Published price zones (级别/区片) of one use meeting the box, coloured by base price (元/m²)."""
    uses = zone_uses(session)
    chosen = use if use is not None else (uses[0] if uses else None)
    if chosen is None:
        return _collection([], rows=[], truncated=False, use=None, uses=[])
    breaks = _zone_breaks(session, chosen)
    rows = session.execute(select(PriceZone, BenchmarkSystem.code, BenchmarkSystem.base_date).join(
        BenchmarkSystem, BenchmarkSystem.id == PriceZone.system_id).where(
        BenchmarkSystem.status == BenchmarkStatus.published, PriceZone.use == chosen, box_filter(PriceZone, bbox))
        .order_by(PriceZone.id).limit(MAX_ZONES + 1)).all()
    features = [{"type": "Feature", "id": z.id, "geometry": simplify(z.geom, zoom).__geo_interface__,
                 "properties": {"code": z.code, "name": z.name, "use": z.use, "grade": z.grade,
                                "base_price": _money(z.base_price_cny), "term_years": z.term_years,
                                "system": code, "base_date": base.isoformat(),
                                "class": class_of(z.base_price_cny, breaks)}}
                for z, code, base in rows[:MAX_ZONES]]
    return _collection(features, rows=legend(breaks), truncated=len(rows) > MAX_ZONES, use=chosen, uses=uses)


# --- mass-appraised values -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunPair:
    """The newest completed run and the newest completed run of the year before (None if there is none)."""

    current: MassRun | None
    previous: MassRun | None


def latest_runs(session: Session) -> RunPair:
    """The newest completed mass run and the newest completed run valued in the calendar year before it."""
    done = select(MassRun).where(MassRun.status == RunStatus.completed)
    current = session.execute(done.order_by(MassRun.valuation_date.desc(), MassRun.id.desc()).limit(1)).scalar()
    if current is None:
        return RunPair(None, None)
    year = current.valuation_date.year - 1
    previous = session.execute(done.where(MassRun.valuation_date >= date(year, 1, 1),
                                          MassRun.valuation_date <= date(year, 12, 31))
                               .order_by(MassRun.valuation_date.desc(), MassRun.id.desc()).limit(1)).scalar()
    return RunPair(current, previous)


def _value_breaks(session: Session, run_id: int) -> list[Decimal]:
    """Quintile breaks (元/m², to the fen) of the run's unit values over every parcel it valued; cached."""
    def build() -> list[Decimal]:
        fen = np.asarray(session.execute(select(type_coerce(MassValue.value_per_m2_cny, BigInteger)).where(
            MassValue.run_id == run_id)).scalars().all(), dtype=float)
        return quantile_breaks(fen / 100)
    return list(_cached(("value_breaks", *_run_key(session, run_id)), build))


def village_means(session: Session, run_id: int) -> dict[str, tuple[int, Decimal]]:
    """Per village (region code): how many parcels the run valued and their mean unit value (元/m²); cached."""
    def build() -> dict[str, tuple[int, Decimal]]:
        rows = session.execute(select(MassValue.region_code, func.count(),
                                      cast(func.avg(type_coerce(MassValue.value_per_m2_cny, BigInteger)), Float))
                               .where(MassValue.run_id == run_id).group_by(MassValue.region_code)).all()
        return {str(code): (int(n), fen_to_yuan(round(float(avg)))) for code, n, avg in rows if avg is not None}
    return dict(_cached(("village_means", *_run_key(session, run_id)), build))


def _village_shapes(session: Session, bbox: BBox, codes: Sequence[str]) -> dict[str, tuple[str, BaseGeometry]]:
    """The villages' territories (name, polygon) from the plan's village boundaries meeting the box."""
    wanted = set(codes)
    rows, _ = planning.list_features(session, kinds=["boundary"], bbox=bbox, limit=5000)
    out: dict[str, tuple[str, BaseGeometry]] = {}
    for f in rows:
        if f.subkind != "village" or f.code not in wanted:
            continue
        geom = f.geom
        if geom.geom_type in ("LineString", "MultiLineString"):
            polygons = shapely.get_parts(shapely.polygonize([geom]))
            if not len(polygons):
                continue
            geom = shapely.union_all(polygons)
        out[str(f.code)] = (f.name, geom)
    return out


def value_layer(session: Session, bbox: BBox, zoom: int) -> dict[str, Any]:
    """Mass-appraised unit values (元/m²): per parcel from ``PARCEL_ZOOM`` (quantile classes of the run), per
    village below it (mean unit value, quantile classes over the villages)."""
    run = latest_runs(session).current
    if run is None:
        return _collection([], rows=[], truncated=False, run=None, level="none")
    meta = {"run": run.run_no, "valuation_date": run.valuation_date.isoformat()}
    if zoom >= PARCEL_ZOOM:
        breaks = _value_breaks(session, run.id)
        parcels, more = registry.use_parcels_in_bbox(session, bbox, limit=MAX_PARCELS)
        ids = [p[0] for p in parcels]
        values = {pid: (v, t) for pid, v, t in session.execute(select(
            MassValue.parcel_id, MassValue.value_per_m2_cny, MassValue.value_cny).where(
            MassValue.run_id == run.id, MassValue.parcel_id.in_(ids)))} if ids else {}
        valued = [p for p in parcels if p[0] in values]
        texts = geometries_as_geojson([p[4] for p in valued], zoom)
        features = []
        for (pid, code, use, area, _), shape in zip(valued, texts, strict=True):
            unit, whole = values[pid]
            features.append({"type": "Feature", "id": pid, "geometry": shape,
                             "properties": {"parcel_id": pid, "parcel_code": code, "land_use_class": use,
                                            "area_m2": str(area), "value_per_m2": _money(unit), "value": _money(whole),
                                            "class": class_of(unit, breaks)}})
        return _collection(features, rows=legend(breaks), truncated=more, level="parcel", **meta)
    means = village_means(session, run.id)
    vbreaks = _cached(("village_breaks", *_run_key(session, run.id)),
                      lambda: quantile_breaks([m for _, m in means.values()]))
    shapes = _village_shapes(session, bbox, list(means))
    features = [{"type": "Feature", "id": code, "geometry": simplify(geom, zoom).__geo_interface__, "properties": {
        "region_code": code, "name": name, "parcels": means[code][0], "value_per_m2": _money(means[code][1]),
        "class": class_of(means[code][1], vbreaks)}} for code, (name, geom) in sorted(shapes.items())]
    return _collection(features, rows=legend(vbreaks), truncated=False, level="village", **meta)


def trend_layer(session: Session, bbox: BBox, zoom: int) -> dict[str, Any]:
    """Year-on-year change of the mean unit value per village: the newest run against the newest run of the
    year before (villages valued in both); classes of change fixed for reading (±2 %, ±10 %)."""
    pair = latest_runs(session)
    rows = legend(list(TREND_BREAKS), DIVERGING)
    if pair.current is None or pair.previous is None:
        return _collection([], rows=rows, truncated=False, current=None, previous=None)
    now, before = village_means(session, pair.current.id), village_means(session, pair.previous.id)
    both = [c for c in now if c in before and before[c][1] > 0]
    shapes = _village_shapes(session, bbox, both)
    features = []
    for code, (name, geom) in sorted(shapes.items()):
        change = (now[code][1] / before[code][1] - 1).quantize(Decimal("0.0001"))
        features.append({"type": "Feature", "id": code, "geometry": simplify(geom, zoom).__geo_interface__,
                         "properties": {"region_code": code, "name": name, "value_per_m2": _money(now[code][1]),
                                        "previous_value_per_m2": _money(before[code][1]), "change": str(change),
                                        "class": class_of(change, TREND_BREAKS)}})
    return _collection(features, rows=rows, truncated=False, current=pair.current.valuation_date.isoformat(),
                       previous=pair.previous.valuation_date.isoformat())


# --- validated sales -----------------------------------------------------------------------------------------

def _validated(session: Session) -> Any:
    excluded = non_market_sale_ids(session)
    return Sale.id.not_in(sorted(excluded)) if excluded else None


def _sale_breaks(session: Session) -> list[Decimal]:
    def build() -> list[Decimal]:
        unit = session.execute(select(type_coerce(Sale.price_cny, BigInteger), Sale.area_m2)).all()
        return quantile_breaks([Decimal(p) / 100 / Decimal(a) for p, a in unit]) if unit else []
    stamp = session.execute(select(func.count(Sale.id), func.max(Sale.id), func.max(Sale.created_at))).one()
    return list(_cached(("sale_breaks", _db(session), *map(str, stamp)), build))


def sale_layer(session: Session, bbox: BBox, zoom: int, since: date | None = None) -> dict[str, Any]:
    """Validated sales (no accepted or pending non-market flag) with a location in the box: points from
    ``SALE_POINT_ZOOM`` (date, use, method, unit price, area; no party), grid cells below it (count, mean)."""
    west, south, east, north = bbox
    where: list[ColumnElement[bool]] = [Sale.lon.between(west, east), Sale.lat.between(south, north)]
    valid = _validated(session)
    if valid is not None:
        where.append(valid)
    if since is not None:
        where.append(Sale.sale_date >= since)
    breaks = _sale_breaks(session)
    if zoom >= SALE_POINT_ZOOM:
        rows = session.execute(select(Sale).where(*where).order_by(Sale.sale_date.desc(), Sale.id.desc())
                               .limit(MAX_SALES + 1)).scalars().all()
        features = [{"type": "Feature", "id": s.id, "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                     "properties": {"sale_no": s.sale_no, "sale_date": s.sale_date.isoformat(),
                                    "land_use_class": s.land_use_class, "right_type": s.right_type,
                                    "method": s.method, "area_m2": str(s.area_m2), "price": _money(s.price_cny),
                                    "price_per_m2": _money(s.price_per_m2), "class": class_of(s.price_per_m2, breaks)}}
                    for s in rows[:MAX_SALES]]
        return _collection(features, rows=legend(breaks), truncated=len(rows) > MAX_SALES, level="sale")
    cw, ch = (east - west) / GRID, (north - south) / GRID
    gx = cast((Sale.lon - west) / cw, Integer).label("gx")
    gy = cast((Sale.lat - south) / ch, Integer).label("gy")
    unit = type_coerce(Sale.price_cny, BigInteger) * 1.0 / Sale.area_m2
    cells = session.execute(select(gx, gy, func.count(), cast(func.avg(unit), Float), func.avg(Sale.lon),
                                   func.avg(Sale.lat)).where(*where).group_by(gx, gy)).all()
    features = []
    for x, y, n, avg, lon, lat in cells:
        mean = fen_to_yuan(round(float(avg)))
        features.append({"type": "Feature", "id": f"{x}:{y}", "geometry": {"type": "Point",
                                                                          "coordinates": [float(lon), float(lat)]},
                         "properties": {"count": int(n), "price_per_m2": _money(mean),
                                        "class": class_of(mean, breaks)}})
    return _collection(features, rows=legend(breaks), truncated=False, level="cell")

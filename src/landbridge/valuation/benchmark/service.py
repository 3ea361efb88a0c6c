"""The benchmark price system (基准地价体系) as versioned data: import, publish, export, read (L1, F1).

A system arrives as one document (``benchmark_rules.FORMAT``: zones with GeoJSON geometry, base prices
and their basis, factor tables, plot-ratio tables, date index, parameters), is stored as rows in
draft, and is published by the bureau; publishing retires the system it replaces in the same area.
Import and publication each write a ledger event; the document's SHA-256 is sealed with the import.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.errors import DomainError, NotFound
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.geo import GeometryError, validate_polygon
from landbridge.kernel.money import MoneyError, yuan_to_fen
from landbridge.ledger import append_event, subjects
from landbridge.planning import features_version, planning_conditions_for
from landbridge.registry import current_right_term_ends, current_unit_attributes, get_parcel, parcel_shapes
from landbridge.valuation.benchmark.models import (
    BenchmarkFactor,
    BenchmarkStatus,
    BenchmarkSystem,
    DateIndexPoint,
    PlotRatioPoint,
    PriceZone,
)
from landbridge.valuation.benchmark.rules import (
    FORMAT,
    BenchmarkDocumentError,
    BenchmarkTables,
    CoefficientResult,
    Rounding,
    Zone,
    date_factor,
    parse_document,
    value_parcel,
)
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass.places import Places, distances

MODULE = "valuation"
_TABLES: dict[tuple[int, str], BenchmarkTables] = {}  # parsed systems by (id, document sha): systems never change
_PLACES: dict[tuple[Any, ...], Places] = {}  # built one-map layers by (database, layers, srid, features' version)
_PLACES_KEPT = 16


def invalid_benchmark(exc: BenchmarkDocumentError) -> DomainError:
    """The typed error of a benchmark document that cannot be stored."""
    return ValuationError.INVALID_BENCHMARK.error({"exc": exc}, where=exc.where)


def canonical_json(document: Mapping[str, Any]) -> str:
    """A document as canonical JSON text (sorted keys, no spaces): what the ledger's SHA-256 seals."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def rounding() -> Rounding:
    """The rounding steps of the coefficient method in force (city profile ``valuation``)."""
    rules = get_profile().rules("valuation")
    return Rounding.of(rules.value("coefficient_factor_step"), rules.value("coefficient_price_step"))


def import_benchmark_system(session: Session, document: Mapping[str, Any], *, actor: str) -> BenchmarkSystem:
    """Import a benchmark price system (导入基准地价体系) as a draft version from its document (L1, P2)."""
    try:
        tables = parse_document(document)
    except BenchmarkDocumentError as exc:
        raise invalid_benchmark(exc) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise invalid_benchmark(BenchmarkDocumentError("document", f"malformed ({exc!s:.120})")) from None
    profile = get_profile()
    if profile.region(tables.region_code) is None and tables.region_code != profile.city_code.ljust(12, "0"):
        raise invalid_benchmark(BenchmarkDocumentError("region_code", f"{tables.region_code} is not a region"))
    if session.execute(select(BenchmarkSystem.id).where(BenchmarkSystem.code == tables.code)).first():
        raise ValuationError.BENCHMARK_EXISTS.error({"tables": tables}, benchmark=tables.code)
    zones = []
    for i, z in enumerate(tables.zones):
        try:
            geom = validate_polygon(z.geometry, profile.extent)
            yuan_to_fen(z.base_price)
        except GeometryError as exc:
            raise invalid_benchmark(BenchmarkDocumentError(f"zones[{i}].geometry", str(exc))) from None
        except MoneyError:
            raise invalid_benchmark(BenchmarkDocumentError(f"zones[{i}].base_price", "at most two decimals")) from None
        minx, miny, maxx, maxy = geom.bounds
        zones.append((z, geom, (minx, miny, maxx, maxy)))
    digest = hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
    params = dict(document.get("params") or {})
    system = BenchmarkSystem(code=tables.code, name=tables.name, region_code=tables.region_code,
                             base_date=tables.base_date, status=BenchmarkStatus.draft, params=params,
                             source=tables.source, document_sha256=digest, created_at=now(), created_by=actor)
    session.add(system)
    session.flush()
    for z, geom, (minx, miny, maxx, maxy) in zones:
        session.add(PriceZone(system_id=system.id, code=z.code, use=z.use, grade=z.grade, name=z.name,
                              base_price_cny=z.base_price, term_years=z.term_years, plot_ratio=z.plot_ratio,
                              development_level=z.development_level, geom=geom, minx=minx, miny=miny, maxx=maxx,
                              maxy=maxy))
    for f in tables.factors:
        session.add(BenchmarkFactor(system_id=system.id, use=f.use, grade=f.grade, kind=f.kind, name=f.name,
                                    label=f.label, attribute=f.attribute, direction=f.direction,
                                    thresholds=list(f.thresholds), grade_values=[str(v) for v in f.values],
                                    default_grade=f.default_grade))
    for (use, grade), points in tables.plot_ratio.items():
        for pr, coefficient in points:
            session.add(PlotRatioPoint(system_id=system.id, use=use, grade=grade, plot_ratio=pr,
                                       coefficient=coefficient))
    for use, series in tables.date_index.items():
        for period, value in series.items():
            session.add(DateIndexPoint(system_id=system.id, use=use, period=date.fromisoformat(period + "-01"),
                                       index_value=value))
    session.flush()
    append_event(session, module=MODULE, event_type="benchmark_imported", subject=subjects.benchmark(tables.code),
                 actor=actor, payload={"code": tables.code, "document_sha256": digest, "zones": len(tables.zones),
                                       "factors": len(tables.factors), "base_date": tables.base_date})
    return system


def get_benchmark_system(session: Session, code: str, *, lock: bool = False) -> BenchmarkSystem:
    """One benchmark system by its code, or 404."""
    stmt = select(BenchmarkSystem).where(BenchmarkSystem.code == code)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    system = session.execute(stmt).scalar_one_or_none()
    if system is None:
        raise ValuationError.BENCHMARK_NOT_FOUND.error({"code": code}, benchmark=code)
    return system


def publish_benchmark_system(session: Session, code: str, *, actor: str) -> BenchmarkSystem:
    """Publish a draft benchmark system (公布基准地价); the one in force for the same area is retired (L1, P2)."""
    system = get_benchmark_system(session, code, lock=True)
    if system.status != BenchmarkStatus.draft:
        raise ValuationError.BENCHMARK_NOT_DRAFT.error(benchmark=code, status=system.status)
    stamp = now()
    retired = []
    stmt = select(BenchmarkSystem).where(BenchmarkSystem.region_code == system.region_code,
                                         BenchmarkSystem.status == BenchmarkStatus.published)
    if for_update(session):
        stmt = stmt.with_for_update()
    for old in session.execute(stmt).scalars():
        old.status = BenchmarkStatus.retired
        old.retired_at = stamp
        retired.append(old.code)
    system.status = BenchmarkStatus.published
    system.published_at = stamp
    system.published_by = actor
    session.flush()
    append_event(session, module=MODULE, event_type="benchmark_published",
                 subject=subjects.benchmark(code), actor=actor,
                 payload={"code": code, "document_sha256": system.document_sha256, "retired": retired})
    return system


def list_benchmark_systems(session: Session, *, region_prefix: str = "") -> list[BenchmarkSystem]:
    """Benchmark systems whose area lies in (or covers) ``region_prefix``, newest base date first (L1)."""
    rows = session.execute(select(BenchmarkSystem).order_by(BenchmarkSystem.base_date.desc(),
                                                            BenchmarkSystem.id.desc())).scalars().all()
    return [s for s in rows if s.region_code.startswith(region_prefix)
            or region_prefix.startswith(s.region_code.rstrip("0"))]


def current_benchmark_system(session: Session, region_code: str) -> BenchmarkSystem | None:
    """The published benchmark system whose area covers ``region_code`` (the most specific one) (L1)."""
    rows = session.execute(select(BenchmarkSystem).where(BenchmarkSystem.status == BenchmarkStatus.published)
                           ).scalars().all()
    covering = [s for s in rows if region_code.startswith(s.region_code.rstrip("0"))]
    return max(covering, key=lambda s: (len(s.region_code.rstrip("0")), s.base_date), default=None)


def is_stale(system: BenchmarkSystem, on: date) -> bool:
    """Whether the system is older than ``benchmark_max_age_years`` on ``on`` (may not set floor prices) [V]."""
    years = get_profile().rules("valuation").int("benchmark_max_age_years", on)
    try:
        limit = system.base_date.replace(year=system.base_date.year + years)
    except ValueError:  # 29 February
        limit = system.base_date.replace(year=system.base_date.year + years, day=28)
    return on > limit


def export_benchmark_system(session: Session, code: str) -> dict[str, Any]:
    """A benchmark system as its document (``landbridge.benchmark/1``), the file format of import (L1)."""
    system = get_benchmark_system(session, code)
    zones = session.execute(select(PriceZone).where(PriceZone.system_id == system.id).order_by(PriceZone.id)
                            ).scalars().all()
    factors = session.execute(select(BenchmarkFactor).where(BenchmarkFactor.system_id == system.id)
                              .order_by(BenchmarkFactor.id)).scalars().all()
    points = session.execute(select(PlotRatioPoint).where(PlotRatioPoint.system_id == system.id)
                             .order_by(PlotRatioPoint.use, PlotRatioPoint.grade, PlotRatioPoint.plot_ratio)
                             ).scalars().all()
    index = session.execute(select(DateIndexPoint).where(DateIndexPoint.system_id == system.id)
                            .order_by(DateIndexPoint.use, DateIndexPoint.period)).scalars().all()
    plot: dict[tuple[str, int], list[list[str]]] = {}
    for p in points:
        plot.setdefault((p.use, p.grade), []).append([_num(p.plot_ratio), _num(p.coefficient)])
    return {
        "format": FORMAT, "code": system.code, "name": system.name, "region_code": system.region_code,
        "base_date": system.base_date.isoformat(), "source": system.source, "status": system.status,
        "document_sha256": system.document_sha256, "params": system.params,
        "zones": [{"code": z.code, "use": z.use, "grade": z.grade, "name": z.name, "base_price": _num(z.base_price_cny),
                   "term_years": z.term_years, "plot_ratio": None if z.plot_ratio is None else _num(z.plot_ratio),
                   "development_level": z.development_level, "geometry": mapping(z.geom)} for z in zones],
        "factors": [{"use": f.use, "grade": f.grade, "kind": f.kind, "name": f.name, "label": f.label,
                     "attribute": f.attribute, "direction": f.direction, "thresholds": f.thresholds,
                     "values": f.grade_values, "default_grade": f.default_grade} for f in factors],
        "plot_ratio": [{"use": u, "grade": g, "points": pts} for (u, g), pts in plot.items()],
        "date_index": [{"use": p.use, "period": p.period.isoformat()[:7], "index": _num(p.index_value)}
                       for p in index],
    }


def _num(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def benchmark_tables(session: Session, code: str) -> BenchmarkTables:
    """A stored system as tables for the coefficient method (parsed once per version) (L1)."""
    system = get_benchmark_system(session, code)
    key = (system.id, system.document_sha256)
    if key not in _TABLES:
        _TABLES[key] = parse_document(export_benchmark_system(session, code))
    return _TABLES[key]


# --- a parcel's value -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParcelCoefficientValue:
    """A parcel's benchmark coefficient value with where every input came from, and warnings (L1, F1)."""

    parcel_id: int
    parcel_code: str
    land_use_class: str
    area_m2: Decimal
    system_code: str
    system_base_date: date
    valuation_date: date
    zone: Zone
    remaining_years: Decimal
    remaining_source: str
    plot_ratio: Decimal | None
    plot_ratio_source: str
    date_factor_source: str
    result: CoefficientResult
    value_cny: Decimal
    warnings: list[str]


def zone_of(tables: BenchmarkTables, use: str, geometry: Any) -> Zone | None:
    """The price zone of ``use`` holding the parcel's representative point (the best grade if zones meet)."""
    point = geometry.representative_point()
    hits = [z for z in tables.zones if z.use == use and z.geometry.covers(point)]
    return min(hits, key=lambda z: (z.grade, z.code), default=None)


def _remaining(session: Session, parcel_id: int, on: date) -> tuple[Decimal | None, str]:
    """Remaining years of the parcel's current right with a term (from the registry), if any."""
    ends = current_right_term_ends(session, parcel_id)
    if not ends:
        return None, "basis term (no current right with a term)"
    end = min(ends)
    years = Decimal((end - on).days) / Decimal("365.2425")
    return max(years, Decimal("0.01")), f"registered right ends {end.isoformat()}"


@dataclass(frozen=True)
class ParcelFactors:
    """Where a parcel is (its representative point, lon/lat) and the factor attributes derived from its data."""

    lon: float
    lat: float
    attributes: dict[str, Any]


def _distance_layer(attribute: str) -> str | None:
    """The one-map layer of a distance attribute (``dist_<layer>_m``), else None."""
    if attribute.startswith("dist_") and attribute.endswith("_m"):
        return attribute[len("dist_"):-len("_m")]
    return None


def factor_places(session: Session, on: date | None = None) -> Places:
    """The one-map layers the factor attributes ``dist_<layer>_m`` are measured to (rule set valuation_mass).

    Built once and kept while the layers' rules and the stored features stay the same: the key holds the
    database, the rule set's layers, the projection and ``planning.features_version`` (one aggregate query),
    so a load of new features is seen at the next call (L1, L2).
    """
    # imported here: the mass appraisal modules load LightGBM, which a coefficient value does not otherwise need
    from landbridge.valuation.mass.engine import mass_settings
    from landbridge.valuation.mass.service import load_places

    settings = mass_settings(on)
    kinds = sorted({kind for kind, _ in settings.distance_layers.values()})
    key = (str(session.get_bind().engine.url), tuple(sorted(settings.distance_layers.items())),
           get_profile().projected_srid, features_version(session, kinds))
    places = _PLACES.get(key)
    if places is None:
        if len(_PLACES) >= _PLACES_KEPT:  # features are only added: older versions are not asked for again
            _PLACES.clear()
        places = _PLACES[key] = load_places(session, settings)
    return places


def parcel_factor_attributes(session: Session, parcel_ids: Sequence[int], *, places: Places | None = None,
                             wanted: Collection[str] | None = None) -> dict[int, ParcelFactors]:
    """Derive parcels' factor attributes from their stored data: area, unit attributes, one-map distances (L1).

    The same derivation serves the coefficient method and the learning of coefficient tables from sales:
    ``area_m2``; the scalar attributes of the parcel's current property units (``attrs``); and metres from
    the parcel's representative point to each one-map layer as ``dist_<layer>_m`` (the layers of the
    ``valuation_mass`` rule set), loaded only when ``wanted`` (default: all) names a distance.
    """
    ids = sorted(set(parcel_ids))
    if not ids:
        return {}
    rows = parcel_shapes(session, ids)
    units: dict[int, dict[str, Any]] = {}
    for pid, unit_attrs in current_unit_attributes(session, ids):
        for key, value in unit_attrs.items():
            if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
                units.setdefault(pid, {}).setdefault(str(key), value)
    points = [geom.representative_point() for _, geom, _ in rows]
    lon = np.array([p.x for p in points], dtype=float)
    lat = np.array([p.y for p in points], dtype=float)
    wants_distance = wanted is None or any(_distance_layer(a) for a in wanted)
    dist: dict[str, Any] = {}
    if wants_distance:
        dist = distances(places if places is not None else factor_places(session), lon, lat)
    out = {}
    for i, (pid, _, area) in enumerate(rows):
        attrs: dict[str, Any] = {"area_m2": float(area), **units.get(pid, {})}
        attrs.update({name: float(col[i]) for name, col in dist.items() if np.isfinite(col[i])})
        out[int(pid)] = ParcelFactors(lon=float(lon[i]), lat=float(lat[i]), attributes=attrs)
    return out


def parcel_coefficient_value(session: Session, *, parcel_id: int, valuation_date: date | None = None,
                             system_code: str | None = None, remaining_years: Decimal | None = None,
                             plot_ratio: Decimal | None = None,
                             attributes: Mapping[str, Any] | None = None) -> ParcelCoefficientValue:
    """A parcel's value by the benchmark coefficient method (基准地价系数修正法), fully explained (L1, F1).

    Inputs not given are read: the zone from the published system covering the parcel's region and
    the parcel's position, the remaining term from its current registered right, the plot ratio from
    the planning conditions (规划容积率 upper limit) or else the zone's basis; factor attributes not
    given are derived from the parcel's data (``parcel_factor_attributes``), and those neither given nor
    derivable take each table's default grade (一般) and are reported as such.
    """
    parcel = get_parcel(session, parcel_id)
    on = valuation_date or to_local(now()).date()
    system = get_benchmark_system(session, system_code) if system_code else current_benchmark_system(
        session, parcel.region_code)
    if system is None:
        raise ValuationError.NO_BENCHMARK.error(region_code=parcel.region_code)
    tables = benchmark_tables(session, system.code)
    use = tables.use_of(parcel.land_use_class)
    zone = zone_of(tables, use, parcel.geom) if use else None
    if use is None or zone is None:
        raise ValuationError.NO_PRICE_ZONE.error(land_use_class=parcel.land_use_class, benchmark=system.code)
    warnings: list[str] = []
    if remaining_years is not None:
        m, m_source = remaining_years, "given"
    else:
        found, m_source = _remaining(session, parcel_id, on)
        m = found if found is not None else Decimal(zone.term_years)
    pr_source = "given"
    if plot_ratio is None:
        try:
            planned = planning_conditions_for(session, parcel.geom, on=on).max_plot_ratio
        except NotFound:
            planned = None
        if planned is not None and planned > 0:
            plot_ratio, pr_source = planned, "planning conditions (max plot ratio)"
        else:
            plot_ratio, pr_source = zone.plot_ratio, "zone basis"
    needed = {f.attribute for f in tables.factors_for(zone.use, zone.grade)}
    derived = parcel_factor_attributes(session, [parcel.id], wanted=needed - set(attributes or {})) \
        if needed - set(attributes or {}) else {}
    attrs = {**(derived[parcel.id].attributes if parcel.id in derived else {}), **(attributes or {})}
    missing = sorted(needed - set(attrs))
    if missing:
        warnings.append("default grade for: " + ", ".join(missing))
    if on < tables.base_date:
        warnings.append("valuation date before the benchmark base date")
    if is_stale(system, on):
        warnings.append("benchmark system older than the maximum age: not a basis for floor prices")
    if system.status != BenchmarkStatus.published:
        warnings.append(f"benchmark system is {system.status}, not published")
    result = value_parcel(tables, zone, valuation_date=on, remaining_years=m, plot_ratio=plot_ratio,
                          attributes=attrs, rounding=rounding())
    _, kt_source = date_factor(tables, zone.use, on)
    area = Decimal(parcel.area_m2)
    value = (result.price_per_m2 * area).quantize(Decimal("0.01"))
    return ParcelCoefficientValue(parcel_id=parcel.id, parcel_code=parcel.parcel_code,
                                  land_use_class=parcel.land_use_class, area_m2=area, system_code=system.code,
                                  system_base_date=system.base_date, valuation_date=on, zone=zone,
                                  remaining_years=m, remaining_source=m_source, plot_ratio=plot_ratio,
                                  plot_ratio_source=pr_source, date_factor_source=kt_source, result=result,
                                  value_cny=value, warnings=warnings)

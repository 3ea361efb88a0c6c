"""Sales comparison (市场比较法): a parcel's value from its most similar recent market sales (L1, F1).

Candidates (GB/T 18508-2014, rules.md): sales of the same GB/T 21010 land-use class, sold no earlier
than ``comparison_max_age_years`` before the valuation date (and not after it), not flagged as
non-market (a flag accepted by a reviewer or still pending leaves the sale out).

Similarity (smaller is closer), with the scales of ``comparison_similarity_scales``:

    d² = (distance km / distance_km)² + (ln(subject area / comparable area) / log_area)² + (age years / age_years)²

The ``comparison_candidates`` closest sales are the comparables. Each is corrected to the subject by
index ratios, P_i = P_comp × Π(subject index / comparable index), over the date (the benchmark
system's date index or growth: Kt at the valuation date / Kt at the sale date), the location (base
price of the subject's price zone / that of the comparable's zone), the term (Ky of the subject's
remaining years / Ky of the sale's term) and the plot ratio (Kv subject / Kv comparable, where the
zone has a table and both are known). The value is the mean of the P_i. A comparable whose total
adjustment |Π − 1| exceeds ``comparison_max_total_adjustment`` draws a warning, as does a spread
(max − min)/min of the corrected prices above ``comparison_max_spread``; fewer than
``comparison_min_comparables`` comparables is refused (``valuation.too_few_comparables``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.kernel.clock import now, to_local
from landbridge.registry import get_parcel, parcel_bounds
from landbridge.valuation.benchmark.rules import (
    BenchmarkTables,
    Zone,
    date_factor,
    plot_ratio_factor,
    quantize,
    term_factor,
)
from landbridge.valuation.benchmark.service import (
    benchmark_tables,
    current_benchmark_system,
    get_benchmark_system,
    parcel_coefficient_value,
    zone_of,
)
from landbridge.valuation.benchmark.validation import non_market_sale_ids
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.sales.models import Sale

EARTH_RADIUS_KM = 6371.0088
FACTOR_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class ComparisonRules:
    """Sales-comparison rules in force (city profile ``valuation``)."""

    min_comparables: int
    max_age_years: int
    max_total_adjustment: Decimal
    max_spread: Decimal
    candidates: int
    scale_km: float
    scale_log_area: float
    scale_years: float
    factor_step: Decimal  # rounding of the method's results: valuation coefficient_factor_step / _price_step
    price_step: Decimal

    @classmethod
    def load(cls, day: date | None = None) -> ComparisonRules:
        """The rules in force on ``day``."""
        r = get_profile().rules("valuation")
        scales = r.value("comparison_similarity_scales", day)
        return cls(min_comparables=r.int("comparison_min_comparables", day),
                   max_age_years=r.int("comparison_max_age_years", day),
                   max_total_adjustment=r.decimal("comparison_max_total_adjustment", day),
                   max_spread=r.decimal("comparison_max_spread", day), candidates=r.int("comparison_candidates", day),
                   scale_km=float(scales["distance_km"]), scale_log_area=float(scales["log_area"]),
                   scale_years=float(scales["age_years"]),
                   factor_step=r.decimal("coefficient_factor_step", day),
                   price_step=r.decimal("coefficient_price_step", day))


@dataclass(frozen=True)
class Adjustment:
    """One index ratio applied to a comparable: its name, the subject's and the comparable's index."""

    name: str
    subject_index: Decimal
    comparable_index: Decimal

    @property
    def ratio(self) -> Decimal:
        return quantize(self.subject_index / self.comparable_index, FACTOR_STEP)


@dataclass(frozen=True)
class Comparable:
    """A comparable sale, how similar it is, its adjustments and its price corrected to the subject."""

    sale_id: int
    sale_no: str
    sale_date: date
    price_per_m2: Decimal
    area_m2: Decimal
    distance_km: float
    age_years: float
    similarity: float
    zone_code: str | None
    adjustments: list[Adjustment]
    total_factor: Decimal
    corrected_price: Decimal
    warning: str | None


@dataclass(frozen=True)
class ComparisonValue:
    """A parcel's sales-comparison value: the comparables, the mean corrected price, spread and warnings."""

    parcel_id: int
    land_use_class: str
    area_m2: Decimal
    valuation_date: date
    system_code: str
    comparables: list[Comparable]
    price_per_m2: Decimal
    value_cny: Decimal
    spread: Decimal
    candidates_considered: int
    warnings: list[str]


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def similarity(distance_km: float, subject_area: float, comparable_area: float, age_years: float,
               rules: ComparisonRules) -> float:
    """The documented similarity distance between the subject and a comparable (smaller is closer)."""
    return math.sqrt((distance_km / rules.scale_km) ** 2
                     + (math.log(subject_area / comparable_area) / rules.scale_log_area) ** 2
                     + (age_years / rules.scale_years) ** 2)


def _adjust(tables: BenchmarkTables, subject_zone: Zone, subject_m: Decimal, subject_pr: Decimal | None,
            sale: Any, on: date) -> tuple[list[Adjustment], Zone | None]:
    use = subject_zone.use
    kt_subject, _ = date_factor(tables, use, on)
    kt_sale, _ = date_factor(tables, use, sale.sale_date)
    out = [Adjustment("date", quantize(kt_subject, FACTOR_STEP), quantize(kt_sale, FACTOR_STEP))]
    comp_zone = zone_of(tables, use, Point(sale.lon, sale.lat))
    if comp_zone is not None:
        out.append(Adjustment("location", subject_zone.base_price, comp_zone.base_price))
    rate = tables.capitalisation_rates[use]
    basis = Decimal(subject_zone.term_years)
    if sale.term_years:
        out.append(Adjustment("term", quantize(term_factor(rate, subject_m, basis), FACTOR_STEP),
                              quantize(term_factor(rate, Decimal(sale.term_years), basis), FACTOR_STEP)))
    zone_for_table = comp_zone or subject_zone
    points = tables.plot_ratio.get((zone_for_table.use, zone_for_table.grade), [])
    if points and subject_pr is not None and sale.plot_ratio is not None:
        out.append(Adjustment("plot_ratio", quantize(plot_ratio_factor(points, subject_pr), FACTOR_STEP),
                              quantize(plot_ratio_factor(points, Decimal(sale.plot_ratio)), FACTOR_STEP)))
    return out, comp_zone


def comparison_value(session: Session, *, parcel_id: int, valuation_date: date | None = None,
                     system_code: str | None = None) -> ComparisonValue:
    """A parcel's value by sales comparison (市场比较法) with its comparables and warnings (L1, F1)."""
    rules = ComparisonRules.load(valuation_date)
    parcel = get_parcel(session, parcel_id)
    on = valuation_date or to_local(now()).date()
    # the subject's zone, remaining term and plot ratio are read exactly as the coefficient method reads them
    subject = parcel_coefficient_value(session, parcel_id=parcel_id, valuation_date=on, system_code=system_code)
    system = get_benchmark_system(session, subject.system_code) if system_code else current_benchmark_system(
        session, parcel.region_code)
    assert system is not None  # parcel_coefficient_value refused otherwise
    tables = benchmark_tables(session, system.code)
    excluded = non_market_sale_ids(session)
    since = _shift_years(on, rules.max_age_years)
    rows = session.execute(
        select(Sale.id, Sale.sale_no, Sale.sale_date, Sale.price_cny, Sale.area_m2, Sale.term_years,
               Sale.plot_ratio, Sale.lon, Sale.lat, Sale.parcel_id)
        .where(Sale.land_use_class == parcel.land_use_class, Sale.sale_date >= since, Sale.sale_date <= on)
    ).all()
    # a sale without coordinates stands at the centre of its parcel's extent (from the registry)
    bounds = parcel_bounds(session, [r.parcel_id for r in rows
                                     if (r.lon is None or r.lat is None) and r.parcel_id is not None])
    centre = parcel.geom.representative_point()
    subject_area = float(parcel.area_m2)
    ranked = []
    for r in rows:
        if r.id in excluded:
            continue
        lon, lat = r.lon, r.lat
        if lon is None or lat is None:
            box = bounds.get(r.parcel_id) if r.parcel_id is not None else None
            if box is None:
                continue
            lon, lat = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        km = _km(centre.x, centre.y, lon, lat)
        age = (on - r.sale_date).days / 365.2425
        ranked.append((similarity(km, subject_area, float(r.area_m2), age, rules), km, age, r, lon, lat))
    ranked.sort(key=lambda t: (t[0], t[3].id))
    chosen = ranked[:rules.candidates]
    if len(chosen) < rules.min_comparables:
        raise ValuationError.TOO_FEW_COMPARABLES.error({"rules": rules, "len_chosen": len(chosen)}, found=len(chosen))
    comparables = []
    warnings = [w for w in subject.warnings if not w.startswith("default grade")]
    for sim, km, age, r, lon, lat in chosen:
        sale = _SaleView(r.sale_date, r.term_years, r.plot_ratio, lon, lat)
        adjustments, comp_zone = _adjust(tables, subject.zone, subject.remaining_years, subject.plot_ratio, sale, on)
        total = Decimal(1)
        for a in adjustments:
            total *= a.ratio
        unit = (Decimal(r.price_cny) / Decimal(r.area_m2)).quantize(Decimal("0.01"))
        warn = None
        if abs(total - 1) > rules.max_total_adjustment:
            warn = f"total adjustment {total - 1:+.1%} beyond ±{rules.max_total_adjustment:.0%}"
            warnings.append(f"{r.sale_no}: {warn}")
        comparables.append(Comparable(sale_id=r.id, sale_no=r.sale_no, sale_date=r.sale_date, price_per_m2=unit,
                                      area_m2=Decimal(r.area_m2), distance_km=round(km, 3), age_years=round(age, 2),
                                      similarity=round(sim, 4), zone_code=comp_zone.code if comp_zone else None,
                                      adjustments=adjustments, total_factor=quantize(total, rules.factor_step),
                                      corrected_price=(unit * total).quantize(rules.price_step), warning=warn))
    prices = [c.corrected_price for c in comparables]
    spread = quantize((max(prices) - min(prices)) / min(prices), rules.factor_step)
    if spread > rules.max_spread:
        warnings.append(f"corrected prices spread {spread:.1%} beyond {rules.max_spread:.0%}")
    mean = (sum(prices, Decimal(0)) / len(prices)).quantize(rules.price_step)
    return ComparisonValue(parcel_id=parcel.id, land_use_class=parcel.land_use_class, area_m2=Decimal(parcel.area_m2),
                           valuation_date=on, system_code=system.code, comparables=comparables, price_per_m2=mean,
                           value_cny=(mean * Decimal(parcel.area_m2)).quantize(Decimal("0.01")), spread=spread,
                           candidates_considered=len(ranked), warnings=warnings)


@dataclass(frozen=True)
class _SaleView:
    sale_date: date
    term_years: int | None
    plot_ratio: Decimal | None
    lon: float
    lat: float

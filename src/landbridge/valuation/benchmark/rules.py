"""Benchmark coefficient method (基准地价系数修正法), pure: factors, tables, one parcel exactly, many parcels fast (L1).

rules.md (Valuation), with named factors, never letters:

    P = base(use, grade) × (1 + ΣKi) × Ky × Kv × Kt × Π(multipliers) + Kf          (after_term)
    P = [base(use, grade) × (1 + ΣKi) × Kv × Kt × Π(multipliers) + Kf] × Ky        (before_term)

* ΣKi (``factor_sum``): the regional and individual factor coefficients (percent) of the parcel's
  grade on each factor table (优 … 劣, by thresholds on an attribute of the parcel);
* Ky (``term_factor``) = [1 − (1+r)^−m] / [1 − (1+r)^−n], r the capitalisation rate of the use, m the
  remaining years, n the basis term of the zone;
* Kv (``plot_ratio_factor``): the plot-ratio table of the use and grade, interpolated linearly
  (clamped to the table's ends);
* Kt (``date_factor``): the index ratio I(valuation month) / I(base month) when the system has a
  date index for the use, else (1 + g)^months with the monthly growth g of the use;
* multipliers: area, shape, landscape, orientation … tables of the same form as the factors;
* Kf (``development_adjustment``, 元/m²): the development-level difference from the zone's basis.

``coefficient_price`` computes one parcel in ``Decimal`` with Ky, Kv, Kt and each multiplier rounded
to ``coefficient_factor_step`` and the price to ``coefficient_price_step``; ``coefficient_prices`` does
the same arithmetic in float64 over NumPy columns (10⁶ parcels at once).

A benchmark system travels as one JSON document (``parse_document``; format ``landbridge.benchmark/1``),
which is also its import/export file format.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

FORMAT = "landbridge.benchmark/1"
FACTOR_KINDS = ("regional", "individual", "multiplier", "development")
DIRECTIONS = ("lower_better", "higher_better", "category")
DEVELOPMENT_ORDERS = ("after_term", "before_term")
GRADE_LABELS = ("优", "较优", "一般", "较劣", "劣")
DAYS_PER_MONTH = Decimal("30.436875")  # 365.2425 / 12
ONE = Decimal(1)


class BenchmarkDocumentError(ValueError):
    """A benchmark document or an input of the coefficient method is invalid (``where`` names the place)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def dec(value: Any, where: str) -> Decimal:
    """A number of a document as an exact Decimal (strings or numbers; never NaN or infinite)."""
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise BenchmarkDocumentError(where, f"{value!r} is not a number") from None
    if not out.is_finite():
        raise BenchmarkDocumentError(where, f"{value!r} is not a finite number")
    return out


def quantize(value: Decimal, step: Decimal) -> Decimal:
    """Round half up to ``step``."""
    return value.quantize(step, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FactorTable:
    """修正系数表 of one named factor: grade thresholds on a parcel attribute, a value per grade."""

    use: str
    grade: int | None  # the zone grade it applies to; None: every grade of the use
    kind: str
    name: str
    label: str
    attribute: str
    direction: str
    thresholds: tuple[Any, ...]
    values: tuple[Decimal, ...]
    default_grade: int

    def grade_of(self, value: Any) -> int:
        """The factor grade (0 = best) of an attribute value; the default grade when the value is unknown."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.default_grade
        if self.direction == "category":
            return self.thresholds.index(value) if value in self.thresholds else self.default_grade
        x = float(value)
        for k, t in enumerate(self.thresholds):
            if (x <= float(t)) if self.direction == "lower_better" else (x >= float(t)):
                return k
        return len(self.thresholds)

    def grades_of(self, values: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """``grade_of`` over a column (NaN or unknown categories take the default grade)."""
        if self.direction == "category":
            arr = np.asarray(values, dtype=object)
            lookup = {v: k for k, v in enumerate(self.thresholds)}
            return np.fromiter((lookup.get(v, self.default_grade) for v in arr), dtype=np.int64, count=arr.size)
        x = np.asarray(values, dtype=np.float64)
        t = np.asarray([float(v) for v in self.thresholds], dtype=np.float64)
        if self.direction == "lower_better":
            g = np.searchsorted(t, x, side="left")
        else:  # thresholds descend: ≥ t[0] is best
            g = np.searchsorted(-t, -x, side="left")
        return np.where(np.isnan(x), self.default_grade, g).astype(np.int64)


@dataclass(frozen=True)
class Zone:
    """级别/区片 of a use: base price (元/m²) and its basis (内涵)."""

    code: str
    use: str
    grade: int
    name: str
    base_price: Decimal
    term_years: int
    plot_ratio: Decimal | None
    development_level: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class BenchmarkTables:
    """A benchmark system as data: zones, factor tables, plot-ratio tables, date index and parameters."""

    code: str
    name: str
    region_code: str
    base_date: date
    source: str
    capitalisation_rates: dict[str, Decimal]
    monthly_growth: dict[str, Decimal]
    development_order: str
    use_by_class: dict[str, str]
    zones: list[Zone]
    factors: list[FactorTable]
    plot_ratio: dict[tuple[str, int], list[tuple[Decimal, Decimal]]]
    date_index: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def use_of(self, land_use_class: str) -> str | None:
        """The benchmark use of a GB/T 21010 class (longest prefix of ``use_by_class``)."""
        best = max((p for p in self.use_by_class if land_use_class.startswith(p)), key=len, default=None)
        return None if best is None else self.use_by_class[best]

    def factors_for(self, use: str, grade: int) -> list[FactorTable]:
        """The factor tables of a use that apply to a zone grade."""
        return [f for f in self.factors if f.use == use and f.grade in (None, grade)]


def _params(doc: Mapping[str, Any]) -> tuple[dict[str, Decimal], dict[str, Decimal], str, dict[str, str]]:
    params = doc.get("params") or {}
    if not isinstance(params, Mapping):
        raise BenchmarkDocumentError("params", "must be an object")
    rates = {str(k): dec(v, f"params.capitalisation_rates.{k}")
             for k, v in (params.get("capitalisation_rates") or {}).items()}
    for k, r in rates.items():
        if not Decimal(0) < r < ONE:
            raise BenchmarkDocumentError(f"params.capitalisation_rates.{k}", "must lie between 0 and 1")
    growth = {str(k): dec(v, f"params.monthly_growth.{k}") for k, v in (params.get("monthly_growth") or {}).items()}
    order = str(params.get("development_order", "after_term"))
    if order not in DEVELOPMENT_ORDERS:
        raise BenchmarkDocumentError("params.development_order", f"must be one of {DEVELOPMENT_ORDERS}")
    by_class = {str(k): str(v) for k, v in (params.get("use_by_class") or {}).items()}
    return rates, growth, order, by_class


def _factor(i: int, f: Mapping[str, Any], uses: set[str]) -> FactorTable:
    where = f"factors[{i}]"
    for key in ("use", "kind", "name", "attribute", "values"):
        if key not in f:
            raise BenchmarkDocumentError(where, f"{key} is missing")
    if f["kind"] not in FACTOR_KINDS:
        raise BenchmarkDocumentError(f"{where}.kind", f"must be one of {FACTOR_KINDS}")
    direction = str(f.get("direction", "lower_better"))
    if direction not in DIRECTIONS:
        raise BenchmarkDocumentError(f"{where}.direction", f"must be one of {DIRECTIONS}")
    if str(f["use"]) not in uses:
        raise BenchmarkDocumentError(f"{where}.use", f"{f['use']!r} has no price zone")
    values = tuple(dec(v, f"{where}.values") for v in f["values"])
    thresholds = tuple(f.get("thresholds") or ())
    if direction == "category":
        if len(thresholds) != len(values):
            raise BenchmarkDocumentError(f"{where}.thresholds", "one category per value")
    else:
        nums = [float(dec(t, f"{where}.thresholds")) for t in thresholds]
        if len(nums) != len(values) - 1:
            raise BenchmarkDocumentError(f"{where}.thresholds", "one threshold fewer than values")
        ordered = sorted(nums) if direction == "lower_better" else sorted(nums, reverse=True)
        if nums != ordered or len(set(nums)) != len(nums):
            raise BenchmarkDocumentError(f"{where}.thresholds", "must be strictly monotone in the direction")
        thresholds = tuple(str(dec(t, f"{where}.thresholds")) for t in thresholds)
    if f["kind"] == "multiplier" and any(v <= 0 for v in values):
        raise BenchmarkDocumentError(f"{where}.values", "multipliers must be positive")
    default = int(f.get("default_grade", len(values) // 2))
    if not 0 <= default < len(values):
        raise BenchmarkDocumentError(f"{where}.default_grade", "out of range")
    grade = f.get("grade")
    return FactorTable(use=str(f["use"]), grade=None if grade is None else int(grade), kind=str(f["kind"]),
                       name=str(f["name"]), label=str(f.get("label", f["name"])), attribute=str(f["attribute"]),
                       direction=direction, thresholds=thresholds, values=values, default_grade=default)


def parse_document(doc: Mapping[str, Any]) -> BenchmarkTables:
    """Read and check a benchmark document (``landbridge.benchmark/1``) into tables (L1)."""
    if doc.get("format") != FORMAT:
        raise BenchmarkDocumentError("format", f"must be {FORMAT!r}")
    for key in ("code", "name", "region_code", "base_date", "zones"):
        if not doc.get(key):
            raise BenchmarkDocumentError(key, "is missing")
    try:
        base_date = date.fromisoformat(str(doc["base_date"]))
    except ValueError:
        raise BenchmarkDocumentError("base_date", "must be YYYY-MM-DD") from None
    rates, growth, order, by_class = _params(doc)
    zones: list[Zone] = []
    for i, z in enumerate(doc["zones"]):
        where = f"zones[{i}]"
        for key in ("code", "use", "grade", "base_price", "term_years", "geometry"):
            if key not in z:
                raise BenchmarkDocumentError(where, f"{key} is missing")
        try:
            geom = shape(z["geometry"])
        except (ValueError, TypeError, KeyError, AttributeError):
            raise BenchmarkDocumentError(f"{where}.geometry", "not a GeoJSON geometry") from None
        if geom.is_empty or not geom.is_valid or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise BenchmarkDocumentError(f"{where}.geometry", "must be a valid polygon")
        price = dec(z["base_price"], f"{where}.base_price")
        term = int(z["term_years"])
        if price <= 0 or term <= 0:
            raise BenchmarkDocumentError(where, "base price and term must be positive")
        if str(z["use"]) not in rates:
            raise BenchmarkDocumentError(f"{where}.use", f"no capitalisation rate for {z['use']!r}")
        pr = z.get("plot_ratio")
        zones.append(Zone(code=str(z["code"]), use=str(z["use"]), grade=int(z["grade"]), name=str(z.get("name", "")),
                          base_price=price, term_years=term,
                          plot_ratio=None if pr in (None, "") else dec(pr, f"{where}.plot_ratio"),
                          development_level=str(z.get("development_level", "")), geometry=geom))
    if len({z.code for z in zones}) != len(zones):
        raise BenchmarkDocumentError("zones", "zone codes must be unique")
    uses = {z.use for z in zones}
    factors = [_factor(i, f, uses) for i, f in enumerate(doc.get("factors") or [])]
    plot: dict[tuple[str, int], list[tuple[Decimal, Decimal]]] = {}
    for i, t in enumerate(doc.get("plot_ratio") or []):
        where = f"plot_ratio[{i}]"
        points = sorted((dec(p, where), dec(k, where)) for p, k in t["points"])
        if len(points) < 1 or len({p for p, _ in points}) != len(points) or any(k <= 0 for _, k in points):
            raise BenchmarkDocumentError(where, "points need distinct plot ratios and positive coefficients")
        plot[(str(t["use"]), int(t["grade"]))] = points
    index: dict[str, dict[str, Decimal]] = {}
    for i, p in enumerate(doc.get("date_index") or []):
        value = dec(p["index"], f"date_index[{i}].index")
        if value <= 0:
            raise BenchmarkDocumentError(f"date_index[{i}].index", "must be positive")
        index.setdefault(str(p["use"]), {})[str(p["period"])[:7]] = value
    return BenchmarkTables(code=str(doc["code"]), name=str(doc["name"]), region_code=str(doc["region_code"]),
                           base_date=base_date, source=str(doc.get("source", "")), capitalisation_rates=rates,
                           monthly_growth=growth, development_order=order, use_by_class=by_class, zones=zones,
                           factors=factors, plot_ratio=plot, date_index=index)


# --- the factors -------------------------------------------------------------------------------------

def term_factor(rate: Decimal, remaining_years: Decimal, basis_years: Decimal) -> Decimal:
    """年期修正 Ky = [1 − (1+r)^−m] / [1 − (1+r)^−n] (GB/T 18508-2014; rules.md)."""
    if rate <= 0 or remaining_years <= 0 or basis_years <= 0:
        raise BenchmarkDocumentError("term", "rate, remaining and basis years must be positive")
    grow = ONE + rate
    return (ONE - grow ** -remaining_years) / (ONE - grow ** -basis_years)


def plot_ratio_factor(points: Sequence[tuple[Decimal, Decimal]], plot_ratio: Decimal) -> Decimal:
    """容积率修正 Kv: the table's coefficient at ``plot_ratio``, linear between rows, clamped at the ends."""
    if not points:
        return ONE
    if plot_ratio <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if plot_ratio <= x1:
            return y0 + (plot_ratio - x0) / (x1 - x0) * (y1 - y0)
    return points[-1][1]


def months_between(start: date, end: date) -> Decimal:
    """Months from ``start`` to ``end`` as a decimal (days / 30.436875)."""
    return Decimal((end - start).days) / DAYS_PER_MONTH


def date_factor(tables: BenchmarkTables, use: str, valuation_date: date) -> tuple[Decimal, str]:
    """期日修正 Kt and how it was found: the index ratio when the system indexes the use, else (1 + g)^months."""
    index = tables.date_index.get(use, {})
    base_key, at_key = tables.base_date.isoformat()[:7], valuation_date.isoformat()[:7]
    if base_key in index and at_key in index:
        return index[at_key] / index[base_key], f"index {index[at_key]} / {index[base_key]}"
    growth = tables.monthly_growth.get(use, Decimal(0))
    months = months_between(tables.base_date, valuation_date)
    return (ONE + growth) ** months, f"(1 + {growth})^{quantize(months, Decimal('0.01'))}"


@dataclass(frozen=True)
class NamedFactor:
    """One factor of an explained value: its name, label, the grade found, the value used and the input."""

    name: str
    label: str
    kind: str
    value: Decimal
    grade: int | None = None
    input: Any = None


@dataclass(frozen=True)
class CoefficientResult:
    """A coefficient-method value with every factor named, the formula used and the price per m² and total."""

    zone_code: str
    use: str
    grade: int
    base_price: Decimal
    factor_sum: Decimal
    term_factor: Decimal
    plot_ratio_factor: Decimal
    date_factor: Decimal
    multiplier: Decimal
    development_adjustment: Decimal
    development_order: str
    factors: list[NamedFactor]
    price_per_m2: Decimal
    formula: str


@dataclass(frozen=True)
class Rounding:
    """Rounding steps of the method (city profile ``coefficient_factor_step`` / ``coefficient_price_step``)."""

    factor_step: Decimal = Decimal("0.0001")
    price_step: Decimal = Decimal("0.1")

    @classmethod
    def of(cls, factor_step: Any, price_step: Any) -> Rounding:
        """Rounding from the rule values."""
        return cls(dec(factor_step, "coefficient_factor_step"), dec(price_step, "coefficient_price_step"))


def coefficient_price(*, zone_code: str, use: str, grade: int, base_price: Decimal,
                      factors: Sequence[NamedFactor], term: Decimal, plot_ratio: Decimal, date: Decimal,
                      development_order: str = "after_term", rounding: Rounding | None = None) -> CoefficientResult:
    """The benchmark coefficient method for one parcel, exact in Decimal with named factors (rules.md; L1).

    ``factors`` holds the regional/individual coefficients (kind ``regional``/``individual``, in
    percent), the multipliers (kind ``multiplier``) and development adjustments (kind ``development``,
    元/m²); Ky, Kv and Kt come already computed (``term_factor``, ``plot_ratio_factor``, ``date_factor``).
    """
    if development_order not in DEVELOPMENT_ORDERS:
        raise BenchmarkDocumentError("development_order", f"must be one of {DEVELOPMENT_ORDERS}")
    rnd = rounding or Rounding()
    q = rnd.factor_step
    k_sum = sum((f.value for f in factors if f.kind in ("regional", "individual")), Decimal(0))
    correction = ONE + k_sum / 100  # ΣKi is a sum of table percentages, exact as printed
    multiplier = ONE
    for f in factors:
        if f.kind == "multiplier":
            multiplier *= quantize(f.value, q)
    kf = sum((f.value for f in factors if f.kind == "development"), Decimal(0))
    ky, kv, kt = quantize(term, q), quantize(plot_ratio, q), quantize(date, q)
    if development_order == "after_term":
        raw = base_price * correction * ky * kv * kt * multiplier + kf
        formula = "base × (1 + ΣKi) × Ky × Kv × Kt × Π + Kf"
    else:
        raw = (base_price * correction * kv * kt * multiplier + kf) * ky
        formula = "[base × (1 + ΣKi) × Kv × Kt × Π + Kf] × Ky"
    return CoefficientResult(zone_code=zone_code, use=use, grade=grade, base_price=base_price, factor_sum=k_sum,
                             term_factor=ky, plot_ratio_factor=kv, date_factor=kt, multiplier=multiplier,
                             development_adjustment=kf, development_order=development_order, factors=list(factors),
                             price_per_m2=quantize(raw, rnd.price_step), formula=formula)


def graded_factors(tables: BenchmarkTables, zone: Zone, attributes: Mapping[str, Any]) -> list[NamedFactor]:
    """The parcel's grade and value on every factor table of its zone's use and grade."""
    out = []
    for f in tables.factors_for(zone.use, zone.grade):
        value = attributes.get(f.attribute)
        g = f.grade_of(value)
        out.append(NamedFactor(name=f.name, label=f.label, kind=f.kind, value=f.values[g], grade=g, input=value))
    return out


def value_parcel(tables: BenchmarkTables, zone: Zone, *, valuation_date: date, remaining_years: Decimal | None,
                 plot_ratio: Decimal | None, attributes: Mapping[str, Any],
                 rounding: Rounding | None = None) -> CoefficientResult:
    """A parcel's benchmark coefficient value in ``zone`` (factors read from ``attributes``) (L1)."""
    rate = tables.capitalisation_rates[zone.use]
    m = Decimal(zone.term_years) if remaining_years is None else remaining_years
    ky = term_factor(rate, m, Decimal(zone.term_years))
    points = tables.plot_ratio.get((zone.use, zone.grade), [])
    pr = plot_ratio if plot_ratio is not None else zone.plot_ratio
    kv = plot_ratio_factor(points, pr) if pr is not None else ONE
    kt, _ = date_factor(tables, zone.use, valuation_date)
    return coefficient_price(zone_code=zone.code, use=zone.use, grade=zone.grade, base_price=zone.base_price,
                             factors=graded_factors(tables, zone, attributes), term=ky, plot_ratio=kv, date=kt,
                             development_order=tables.development_order, rounding=rounding)


# --- many parcels ------------------------------------------------------------------------------------

def _round(x: npt.NDArray[np.float64], step: float) -> npt.NDArray[np.float64]:
    # half up on positive values, as ``quantize``; the epsilon absorbs binary representation error
    return np.floor(x / step + 0.5 + 1e-9) * step


def term_and_plot_ratio_factors(tables: BenchmarkTables, zone: Zone, remaining_years: npt.NDArray[np.float64],
                                plot_ratio: npt.NDArray[np.float64],
                                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The term factor Ky and the plot-ratio factor Kv of a zone's parcels, vectorised and unrounded (L1).

    NaN remaining years mean the basis term; NaN plot ratios the zone's basis plot ratio; Kv is 1 where no
    plot ratio is known or the zone has no plot-ratio table.
    """
    n = float(zone.term_years)
    r = float(tables.capitalisation_rates[zone.use])
    m = np.where(np.isnan(remaining_years), n, remaining_years)
    with np.errstate(invalid="ignore", divide="ignore"):
        ky = (1 - (1 + r) ** -m) / (1 - (1 + r) ** -n)
    points = tables.plot_ratio.get((zone.use, zone.grade), [])
    basis_pr = float(zone.plot_ratio) if zone.plot_ratio is not None else np.nan
    pr = np.where(np.isnan(plot_ratio), basis_pr, plot_ratio)
    if not points:
        return ky, np.ones(pr.size)
    xs = np.array([float(p) for p, _ in points])
    ys = np.array([float(c) for _, c in points])
    return ky, np.where(np.isnan(pr), 1.0, np.interp(np.nan_to_num(pr), xs, ys))


def coefficient_prices(tables: BenchmarkTables, zone_index: npt.ArrayLike, *, valuation_date: date,
                       remaining_years: npt.ArrayLike, plot_ratio: npt.ArrayLike,
                       attributes: Mapping[str, npt.ArrayLike], rounding: Rounding | None = None,
                       ) -> npt.NDArray[np.float64]:
    """Coefficient-method unit prices (元/m²) of many parcels, vectorised; NaN where ``zone_index`` is −1 (L1).

    ``zone_index`` points into ``tables.zones``; NaN remaining years mean the basis term, NaN plot
    ratios the zone's basis plot ratio; attribute columns are looked up by the factor tables.
    Same arithmetic and rounding as ``value_parcel`` in float64.
    """
    rnd = rounding or Rounding()
    fs, ps = float(rnd.factor_step), float(rnd.price_step)
    zi = np.asarray(zone_index, dtype=np.int64)
    m_in = np.asarray(remaining_years, dtype=np.float64)
    pr_in = np.asarray(plot_ratio, dtype=np.float64)
    out = np.full(zi.size, np.nan)
    for k, zone in enumerate(tables.zones):
        rows = np.flatnonzero(zi == k)
        if rows.size == 0:
            continue
        ky_exact, kv_exact = term_and_plot_ratio_factors(tables, zone, m_in[rows], pr_in[rows])
        ky, kv = _round(ky_exact, fs), _round(kv_exact, fs)
        kt_exact, _ = date_factor(tables, zone.use, valuation_date)
        kt = float(quantize(kt_exact, rnd.factor_step))
        k_sum = np.zeros(rows.size)
        mult = np.ones(rows.size)
        kf = np.zeros(rows.size)
        for f in tables.factors_for(zone.use, zone.grade):
            col = attributes.get(f.attribute)
            g = np.full(rows.size, f.default_grade) if col is None else f.grades_of(np.asarray(col)[rows])
            vals = np.array([float(v) for v in f.values])[g]
            if f.kind in ("regional", "individual"):
                k_sum += vals
            elif f.kind == "multiplier":
                mult *= _round(vals, fs)
            else:
                kf += vals
        corr = 1 + k_sum / 100
        base = float(zone.base_price)
        if tables.development_order == "after_term":
            raw = base * corr * ky * kv * kt * mult + kf
        else:
            raw = (base * corr * kv * kt * mult + kf) * ky
        out[rows] = _round(raw, ps)
    return out

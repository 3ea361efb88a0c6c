"""Learn a benchmark system's coefficient tables from market sales (差别化地价修正), pure (L1).

What a published benchmark system's tables *should* be by the sales record, cell by cell next to the
official values. No database: the service (``learn_service``) hands in the validated sales as columns.

Method (documented here, the one place):

1. **Normalise** each sale to the system's basis with the system's own formulas (``benchmark_rules``):
   date by the system's date index (or monthly growth) Kt(sale date), term by Ky(remaining years of the
   sold right, basis term of the zone), plot ratio by the zone's plot-ratio table Kv, and the official
   development adjustment Kf taken off, inverting the development order of the system:
   ``after_term``: y = (P − Kf) / (Ky·Kv·Kt); ``before_term``: y = (P / Ky − Kf) / (Kv·Kt).
   Factors are applied unrounded (a statistical estimate, not a value).
   Then y ≈ base(zone) × (1 + ΣK/100) × Π(multipliers), the official form.
2. **Backfit medians in logs** (robust to outliers the validation screen missed): each regional/individual
   coefficient K enters as the factor (1 + K/100) and each multiplier as itself, so log y = log base(zone)
   + Σ log(factor of the sale's grade) — the official (1 + ΣK/100) read as Π(1 + K/100), which differs by
   the products of coefficients (under 1 % for coefficients of ±10 %) and gives the learning one objective,
   the sum of absolute log residuals. Starting from the official coefficients, each pass sets every zone's
   log base to the median of log y less the sale's factors, then each table's grade to the median of what
   that table must supply given the rest; a pass never raises the objective; passes stop when no
   coefficient moves by more than ``TOLERANCE`` (at most ``MAX_ITERATIONS``).
   One grade of each table is its anchor and keeps its official value: the level of a table and
   the base are not separately identified, so the learned base and the other grades are read at the
   official table's level. The anchor is the table's default grade (一般) when it has at least ``min_sales``
   informing sales, else the grade with the most (a table whose sales all fall in one grade learns nothing
   but the base). A grade is learned only where it is identified: linked to the anchor through zones in
   which both have sales (else its sales cannot tell its coefficient from their zones' base prices; it is
   reported with ``identified`` false and no learned value). Only sales of zones with at least
   ``min_sales`` sales inform the tables.
   Development tables (additive 元/m²) are not learned: they are taken off at their official values.
3. **Report** per zone the market base price (median of the factor-neutral normalised prices y / (Π(1 +
   K/100) Π(multipliers)) with the learned factors), n, and an order-statistic confidence interval of the
   median (ranks from the binomial(n, ½) quantiles; none when n is too small for the level); per table and
   grade the learned coefficient and n. A cell with fewer than ``min_sales`` sales is flagged ``too_few``;
   a difference to the official value beyond ``difference_threshold`` (relative price effect: learned base
   / official − 1; for a percent coefficient (1 + learned/100) / (1 + official/100) − 1; for a multiplier
   learned / official − 1) is flagged, unless the cell has too few sales.

Rule data (``valuation`` rule set): ``learn_min_sales``, ``learn_difference_threshold``, ``learn_confidence``,
``learn_window_years``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import binom

from landbridge.valuation.benchmark.rules import (
    GRADE_LABELS,
    BenchmarkTables,
    FactorTable,
    date_factor,
    term_and_plot_ratio_factors,
)

MAX_ITERATIONS = 1_000
TOLERANCE = 1e-3  # largest change of a coefficient (percent points; multipliers × 1) between the last two passes
LEARNED_KINDS = ("regional", "individual", "multiplier")
Floats = npt.NDArray[np.float64]


class LearnInputError(ValueError):
    """The sales handed to the learner are inconsistent (column lengths, zone indexes)."""


@dataclass(frozen=True)
class LearnSettings:
    """The rule values of a learning: minimum sales per cell, flag threshold, confidence of the median's interval."""

    min_sales: int
    difference_threshold: Decimal
    confidence: Decimal


@dataclass(frozen=True)
class SalesSample:
    """Validated market sales as columns: zone (index into ``tables.zones``, −1 none), price 元/m², date, terms.

    ``remaining_years`` NaN means the zone's basis term; ``plot_ratio`` NaN means the zone's basis plot
    ratio; ``attributes`` are the factor attributes (as ``benchmark.parcel_factor_attributes`` derives them).
    """

    zone_index: npt.NDArray[np.int64]
    price_per_m2: Floats
    sale_date: npt.NDArray[np.datetime64]
    remaining_years: Floats
    plot_ratio: Floats
    attributes: Mapping[str, npt.NDArray[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.zone_index)
        columns = [self.price_per_m2, self.sale_date, self.remaining_years, self.plot_ratio,
                   *self.attributes.values()]
        if any(len(c) != n for c in columns):
            raise LearnInputError("every column must have one value per sale")


@dataclass(frozen=True)
class LearnedBase:
    """The market base price of a zone at the system's basis next to the official one (元/m²)."""

    zone_code: str
    use: str
    grade: int
    name: str
    official: Decimal
    n: int
    learned: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    too_few: bool
    diff_abs: Decimal | None
    diff_pct: Decimal | None
    flagged: bool


@dataclass(frozen=True)
class LearnedGrade:
    """One grade of a factor table: official and learned coefficient (percent, or a multiplier), n, flags."""

    use: str
    zone_grade: int | None
    kind: str
    name: str
    label: str
    grade: int
    grade_label: str
    official: Decimal
    n: int
    learned: Decimal | None
    anchor: bool
    identified: bool
    too_few: bool
    diff_abs: Decimal | None
    diff_pct: Decimal | None
    flagged: bool


@dataclass(frozen=True)
class LearnedTables:
    """What the sales say the system's tables should be, with how many sales were used and how the fit ended."""

    bases: list[LearnedBase]
    factors: list[LearnedGrade]
    sales_used: int
    sales_unzoned: int
    sales_unusable: int
    iterations: int
    converged: bool


def _dec(x: float | None, step: str) -> Decimal | None:
    if x is None or not np.isfinite(x):
        return None
    return Decimal(repr(float(x))).quantize(Decimal(step), rounding=ROUND_HALF_UP)


def grade_label(table: FactorTable, grade: int) -> str:
    """A factor grade's label: the category, 优 … 劣 on a five-grade table, else its number."""
    if table.direction == "category":
        return str(table.thresholds[grade])
    if len(table.values) == len(GRADE_LABELS):
        return GRADE_LABELS[grade]
    return str(grade + 1)


def _date_factors(tables: BenchmarkTables, use: str, days: npt.NDArray[np.datetime64]) -> Floats:
    """Kt of the system at each sale date (exact per distinct date, as the coefficient method)."""
    unique, inverse = np.unique(days.astype("datetime64[D]"), return_inverse=True)
    kt = np.array([float(date_factor(tables, use, d)[0]) for d in unique.astype(object)], dtype=np.float64)
    out: Floats = kt[inverse.reshape(-1)]
    return out


def table_grades(tables: BenchmarkTables, sample: SalesSample) -> list[npt.NDArray[np.int64]]:
    """Per factor table of the system, each sale's grade on it (−1 where the table does not apply to the sale)."""
    zi = np.asarray(sample.zone_index, dtype=np.int64)
    out = []
    for f in tables.factors:
        g = np.full(zi.size, -1, dtype=np.int64)
        for k, zone in enumerate(tables.zones):
            if zone.use != f.use or f.grade not in (None, zone.grade):
                continue
            rows = np.flatnonzero(zi == k)
            if rows.size:
                col = sample.attributes.get(f.attribute)
                g[rows] = (np.full(rows.size, f.default_grade) if col is None
                           else f.grades_of(np.asarray(col)[rows]))
        out.append(g)
    return out


def normalise_prices(tables: BenchmarkTables, sample: SalesSample,
                     grades: list[npt.NDArray[np.int64]] | None = None) -> Floats:
    """Each sale's price per m² at its zone's basis (date, term, plot ratio, official Kf off); NaN if unusable."""
    zi = np.asarray(sample.zone_index, dtype=np.int64)
    if zi.size and (zi.max() >= len(tables.zones) or zi.min() < -1):
        raise LearnInputError("zone index out of range")
    grades = table_grades(tables, sample) if grades is None else grades
    price = np.asarray(sample.price_per_m2, dtype=np.float64)
    kf = np.zeros(zi.size)
    for f, g in zip(tables.factors, grades, strict=True):
        if f.kind == "development":
            on = g >= 0
            kf[on] += np.array([float(v) for v in f.values])[g[on]]
    y = np.full(zi.size, np.nan)
    for k, zone in enumerate(tables.zones):
        rows = np.flatnonzero(zi == k)
        if rows.size == 0:
            continue
        ky, kv = term_and_plot_ratio_factors(tables, zone, np.asarray(sample.remaining_years, dtype=np.float64)[rows],
                                             np.asarray(sample.plot_ratio, dtype=np.float64)[rows])
        ky = np.where(ky > 0, ky, np.nan)  # an expired term (no remaining years) cannot be normalised
        kt = _date_factors(tables, zone.use, np.asarray(sample.sale_date)[rows])
        p, f_dev = price[rows], kf[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            if tables.development_order == "after_term":
                out = (p - f_dev) / (ky * kv * kt)
            else:
                out = (p / ky - f_dev) / (kv * kt)
        y[rows] = np.where(np.isfinite(out) & (out > 0), out, np.nan)
    return y


def _order_ci(values: Floats, confidence: float) -> tuple[float | None, float | None]:
    """Distribution-free interval of the median from order statistics (binomial(n, ½) ranks); None if n is too small."""
    n = values.size
    if n == 0:
        return None, None
    k = int(binom.ppf((1 - confidence) / 2, n, 0.5))
    if k < 1:
        return None, None
    s = np.sort(values)
    return float(s[k - 1]), float(s[n - k])


def _effect(kind: str, learned: float, official: float) -> float:
    """The relative price effect of a learned coefficient against the official one."""
    if kind == "multiplier":
        return learned / official - 1 if official else float("nan")
    return (1 + learned / 100) / (1 + official / 100) - 1


def anchors(tables: BenchmarkTables, grades: list[npt.NDArray[np.int64]], informative: npt.NDArray[np.bool_],
            min_sales: int) -> list[int]:
    """Each table's anchor grade: the default grade with enough informing sales, else the grade with the most."""
    out = []
    for f, g in zip(tables.factors, grades, strict=True):
        counts = np.bincount(g[informative & (g >= 0)], minlength=len(f.values))
        out.append(f.default_grade if counts[f.default_grade] >= min_sales or not counts.any()
                   else int(np.argmax(counts)))
    return out


def identified_grades(zi: npt.NDArray[np.int64], g: npt.NDArray[np.int64], informative: npt.NDArray[np.bool_],
                      anchor: int, n_grades: int) -> npt.NDArray[np.bool_]:
    """Grades of a table whose level is identified: linked to the anchor grade through zones they share sales in.

    A grade whose sales all lie in zones where no sales of the anchor's component lie trades off against those
    zones' base prices (base × (1 + K) is all the sales show): it is reported, not learned.
    """
    parent = list(range(n_grades))
    zone_grade: dict[int, int] = {}

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    rows = informative & (g >= 0)
    for k, grade in set(zip(zi[rows].tolist(), g[rows].tolist(), strict=True)):
        if k in zone_grade:
            parent[root(grade)] = root(zone_grade[k])
        else:
            zone_grade[k] = grade
    linked = np.array([root(grade) == root(anchor) for grade in range(n_grades)])
    present = np.bincount(g[rows], minlength=n_grades) > 0
    out: npt.NDArray[np.bool_] = linked & present
    out[anchor] = True
    return out


def _backfit(tables: BenchmarkTables, zi: npt.NDArray[np.int64], y: Floats, grades: list[npt.NDArray[np.int64]],
             informative: npt.NDArray[np.bool_], anchor: list[int], identified: list[npt.NDArray[np.bool_]],
             ) -> tuple[list[Floats], Floats, int, bool]:
    """Backfitted medians in logs (module docstring, step 2): coefficients per table, each sale's log factor, passes.

    Each step minimises the sum of absolute log residuals over one block (a zone's base, a grade's
    coefficient) with the others fixed, so the passes never increase it.
    """
    learn = [j for j, f in enumerate(tables.factors) if f.kind in LEARNED_KINDS]
    logs = [np.log(np.array([float(v) if f.kind == "multiplier" else 1 + float(v) / 100 for v in f.values]))
            if f.kind in LEARNED_KINDS else np.zeros(len(f.values)) for f in tables.factors]
    log_y = np.log(np.where(informative, y, 1.0))

    def total() -> Floats:
        out = np.zeros(zi.size)
        for j in learn:
            on = grades[j] >= 0
            out[on] += logs[j][grades[j][on]]
        return out

    iterations, converged = 0, not learn
    rest = total()
    while learn and iterations < MAX_ITERATIONS:
        iterations += 1
        moved = 0.0
        base = np.full(len(tables.zones), np.nan)
        for k in np.unique(zi[informative]):
            rows = informative & (zi == k)
            base[k] = np.median(log_y[rows] - rest[rows])
        for j in learn:
            g = grades[j]
            on = g >= 0
            need = log_y - base[np.maximum(zi, 0)] - rest + np.where(on, logs[j][np.maximum(g, 0)], 0.0)
            new = logs[j].copy()
            for grade in range(len(new)):
                cell = informative & (g == grade)
                if grade != anchor[j] and identified[j][grade] and cell.any():
                    new[grade] = float(np.median(need[cell]))
            scale = 100.0 if tables.factors[j].kind != "multiplier" else 1.0
            moved = max(moved, float(np.max(np.abs(np.exp(new) - np.exp(logs[j])))) * scale)
            rest[on] += new[g[on]] - logs[j][g[on]]
            logs[j] = new
        if moved <= TOLERANCE:
            converged = True
            break
    learned = [np.exp(v) if f.kind == "multiplier" else 100 * (np.exp(v) - 1) if f.kind in LEARNED_KINDS
               else np.array([float(x) for x in f.values]) for f, v in zip(tables.factors, logs, strict=True)]
    return learned, np.exp(total()), iterations, converged


def learn_coefficients(tables: BenchmarkTables, sample: SalesSample, settings: LearnSettings) -> LearnedTables:
    """Learn a benchmark system's base prices and factor tables from market sales, next to the official ones (L1)."""
    zi = np.asarray(sample.zone_index, dtype=np.int64)
    grades = table_grades(tables, sample)
    y = normalise_prices(tables, sample, grades)
    usable = (zi >= 0) & np.isfinite(y)
    counts = np.bincount(zi[usable], minlength=len(tables.zones)) if zi.size else np.zeros(len(tables.zones), int)
    informative = usable & (counts[np.maximum(zi, 0)] >= settings.min_sales)
    anchor = anchors(tables, grades, informative, settings.min_sales)
    identified = [identified_grades(zi, g, informative, a, len(f.values))
                  for f, g, a in zip(tables.factors, grades, anchor, strict=True)]
    learned, factor, iterations, converged = _backfit(tables, zi, y, grades, informative, anchor, identified)
    threshold, confidence = float(settings.difference_threshold), float(settings.confidence)
    bases = []
    for k, zone in enumerate(tables.zones):
        rows = usable & (zi == k)
        n = int(rows.sum())
        official = float(zone.base_price)
        neutral = y[rows] / factor[rows]
        neutral = neutral[np.isfinite(neutral) & (neutral > 0)]
        median = float(np.median(neutral)) if neutral.size else None
        low, high = _order_ci(neutral, confidence)
        too_few = n < settings.min_sales
        pct = None if median is None else median / official - 1
        bases.append(LearnedBase(
            zone_code=zone.code, use=zone.use, grade=zone.grade, name=zone.name, official=zone.base_price, n=n,
            learned=_dec(median, "0.01"), ci_low=_dec(low, "0.01"), ci_high=_dec(high, "0.01"), too_few=too_few,
            diff_abs=None if median is None else _dec(median - official, "0.01"),
            diff_pct=None if pct is None else _dec(100 * pct, "0.01"),
            flagged=pct is not None and not too_few and abs(pct) > threshold))
    factors = []
    for j, f in enumerate(tables.factors):
        if f.kind not in LEARNED_KINDS:
            continue
        g = grades[j]
        for grade, official_value in enumerate(f.values):
            cell = informative & (g == grade)
            n = int(cell.sum())
            is_anchor = grade == anchor[j]
            value = float(learned[j][grade]) if (n and identified[j][grade]) or is_anchor else None
            official = float(official_value)
            effect = None if value is None else _effect(f.kind, value, official)
            too_few = n < settings.min_sales and not is_anchor
            factors.append(LearnedGrade(
                use=f.use, zone_grade=f.grade, kind=f.kind, name=f.name, label=f.label, grade=grade,
                grade_label=grade_label(f, grade), official=official_value, n=n, learned=_dec(value, "0.0001"),
                anchor=is_anchor, identified=bool(identified[j][grade]), too_few=too_few,
                diff_abs=None if value is None else _dec(value - official, "0.0001"),
                diff_pct=None if effect is None else _dec(100 * effect, "0.01"),
                flagged=effect is not None and np.isfinite(effect) and not too_few and abs(effect) > threshold))
    return LearnedTables(bases=bases, factors=factors, sales_used=int(usable.sum()),
                         sales_unzoned=int((zi < 0).sum()), sales_unusable=int(((zi >= 0) & ~np.isfinite(y)).sum()),
                         iterations=iterations, converged=converged)

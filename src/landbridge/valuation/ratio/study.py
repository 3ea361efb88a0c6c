"""Ratio study (评估比率研究, IAAO Standard on Ratio Studies 2013): level, uniformity and vertical equity (L1).

Pure NumPy/SciPy on two columns of numbers, no database, so it works on any sales table. For sale i
with appraised value Aᵢ and sale price Sᵢ, the ratio is rᵢ = Aᵢ/Sᵢ and M = median(r):

* COD = 100 · mean|rᵢ − M| / M; PRD = mean(r) / (ΣA / ΣS) (ΣA/ΣS is the weighted mean);
* PRB (IAAO 2013): the OLS slope of (rᵢ − M)/M on log₂(((Aᵢ/M) + Sᵢ)/2), with an intercept;
* confidence intervals: the median by binomial order statistics (distribution-free); PRB from the
  OLS standard error of the slope (t with n − 2 degrees of freedom); COD and PRD by the percentile
  bootstrap (``seed``, ``ratio_bootstrap_resamples``) up to ``ratio_bootstrap_max_n`` sales and, for
  larger samples, by the delta method: the influence function of PRD (a ratio of means) and of COD
  (whose median term uses the median's standard error read from its order-statistic interval);
* trimming: ratios beyond Q1 − k·IQR or Q3 + k·IQR are dropped (``trim="iqr"``: k 1.5, ``"iqr3"``:
  k 3.0); when that would drop more than ``ratio_trim_max_fraction`` of the sample, the same share is
  cut symmetrically from both tails instead.

Sales-chasing check (IAAO Appendix E). A table of sales alone has no unsold parcels, so ``ratio_study``
runs the *distribution* check: the share of ratios within ±``ratio_chasing_band`` of 1 against the share
a normal distribution with the sample's mean and sd would put there (one-sided binomial test), and
the largest single jump of the ratios' CDF inside that band. Where the appraisals of unsold parcels are
known too (a mass appraisal), ``sales_chasing_split`` runs the *split* check: it compares the change of
appraised values from the previous roll for sold and for unsold parcels (Mann-Whitney U).

The thresholds are the city profile's ``valuation`` rule set (``RatioStandards.load``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv
from scipy import stats as sps

from landbridge.cityprofile import get_profile

FloatArray = npt.NDArray[np.float64]
TRIMS = ("iqr", "iqr3")
BOOT_CHUNK_CELLS = 4_000_000  # resampled ratios held in memory at once


class RatioInputError(ValueError):
    """The two columns cannot be studied (lengths differ, non-numeric, not positive, too few)."""


@dataclass(frozen=True)
class RatioStandards:
    """The ratio-study thresholds of a rule-set version (IAAO ranges, trimming, CI and chasing settings)."""

    median_range: tuple[float, float]
    prd_range: tuple[float, float]
    prb_limit: float
    cod_max: dict[str, float]
    class_by_use: dict[str, str]
    cod_min: float
    iqr_k: float
    iqr_k_extreme: float
    max_trim_fraction: float
    bootstrap_resamples: int
    bootstrap_max_n: int
    min_sales: int
    chasing_band: float
    chasing_cdf_gap: float
    chasing_split_difference: float

    @classmethod
    def load(cls, day: date | None = None) -> RatioStandards:
        """The thresholds in force on ``day`` from the city profile's ``valuation`` rules (L1)."""
        rules = get_profile().rules("valuation")

        def pair(name: str) -> tuple[float, float]:
            low, high = rules.value(name, day)
            return float(low), float(high)

        def num(name: str) -> float:
            return float(rules.decimal(name, day))

        return cls(
            median_range=pair("ratio_median_range"), prd_range=pair("ratio_prd_range"),
            prb_limit=num("ratio_prb_limit"),
            cod_max={k: float(v) for k, v in rules.value("ratio_cod_max", day).items()},
            class_by_use={str(k): str(v) for k, v in rules.value("ratio_property_class_by_use", day).items()},
            cod_min=num("ratio_cod_min"), iqr_k=num("ratio_trim_iqr_k"), iqr_k_extreme=num("ratio_trim_iqr_k_extreme"),
            max_trim_fraction=num("ratio_trim_max_fraction"),
            bootstrap_resamples=rules.int("ratio_bootstrap_resamples", day),
            bootstrap_max_n=rules.int("ratio_bootstrap_max_n", day), min_sales=rules.int("ratio_min_sales", day),
            chasing_band=num("ratio_chasing_band"), chasing_cdf_gap=num("ratio_chasing_cdf_gap"),
            chasing_split_difference=num("ratio_chasing_split_difference"))

    def property_class(self, land_use_class: str) -> str:
        """The IAAO property class a GB/T 21010 land-use class is judged as (longest prefix; else ``rural``)."""
        best = ""
        for prefix in self.class_by_use:
            if land_use_class.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return self.class_by_use[best] if best else "rural"

    def cod_limit(self, property_class: str) -> float:
        """The largest acceptable COD for a property class (``other`` when the class is not listed)."""
        return self.cod_max.get(property_class, self.cod_max["other"])


@dataclass(frozen=True)
class ChasingCheck:
    """Sales-chasing distribution check: concentration of ratios near 1 and the largest CDF jump there."""

    band: float
    share_in_band: float
    expected_share: float
    p_value: float
    largest_cdf_jump: float
    suspected: bool


@dataclass(frozen=True)
class SplitCheck:
    """Sales-chasing split check: median appraisal change of sold against unsold parcels."""

    n_sold: int
    n_unsold: int
    median_change_sold: float
    median_change_unsold: float
    difference: float
    p_value: float
    suspected: bool


@dataclass(frozen=True)
class Verdict:
    """Pass/fail of a ratio study against the IAAO ranges for one property class."""

    property_class: str
    level: bool
    cod: bool
    prd: bool
    prb: bool | None
    cod_limit: float
    enough_sales: bool
    passed: bool


@dataclass(frozen=True)
class RatioStudy:
    """The statistics of one ratio study (after trimming) with their confidence intervals."""

    n: int
    n_input: int
    trimmed: int
    trim: str | None
    median: float
    mean: float
    weighted_mean: float
    cod: float
    prd: float
    prb: float | None
    median_ci: tuple[float, float] | None
    cod_ci: tuple[float, float] | None
    prd_ci: tuple[float, float] | None
    prb_ci: tuple[float, float] | None
    confidence: float
    ci_method: str
    chasing: ChasingCheck

    def verdict(self, property_class: str, standards: RatioStandards | None = None) -> Verdict:
        """Judge the study against the IAAO ranges of the rule set for ``property_class`` (L1)."""
        std = standards or RatioStandards.load()
        limit = std.cod_limit(property_class)
        level = std.median_range[0] <= self.median <= std.median_range[1]
        cod_ok = self.cod <= limit
        prd_ok = std.prd_range[0] <= self.prd <= std.prd_range[1]
        prb_ok = None if self.prb is None else abs(self.prb) <= std.prb_limit
        enough = self.n >= std.min_sales
        return Verdict(property_class=property_class, level=level, cod=cod_ok, prd=prd_ok, prb=prb_ok,
                       cod_limit=limit, enough_sales=enough,
                       passed=level and cod_ok and prd_ok and prb_ok is not False)

    def to_dict(self) -> dict[str, Any]:
        """The study as JSON-ready values (intervals as two-element lists)."""
        out = asdict(self)
        for key in ("median_ci", "cod_ci", "prd_ci", "prb_ci"):
            if out[key] is not None:
                out[key] = list(out[key])
        return out


def as_positive_array(values: Iterable[Any] | npt.ArrayLike, name: str) -> FloatArray:
    """A column as float64, refusing non-numeric, non-finite or non-positive values (RatioInputError)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise RatioInputError(f"{name}: not numeric") from None
    if arr.ndim != 1:
        raise RatioInputError(f"{name}: expected one column")
    bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
    if bad.size:
        raise RatioInputError(f"{name}: value {arr[bad[0]]!r} in row {int(bad[0])} is not a positive number")
    return arr


def trim_mask(ratios: FloatArray, k: float, max_fraction: float) -> FloatArray:
    """Boolean mask of the ratios kept by IQR fences (k × IQR), capped at ``max_fraction`` trimmed (App. B.1)."""
    q1, q3 = np.quantile(ratios, [0.25, 0.75])
    iqr = q3 - q1
    keep = (ratios >= q1 - k * iqr) & (ratios <= q3 + k * iqr)
    if (~keep).mean() > max_fraction:
        low, high = np.quantile(ratios, [max_fraction / 2, 1 - max_fraction / 2])
        keep = (ratios >= low) & (ratios <= high)
    return keep  # type: ignore[no-any-return]


def median_interval(sorted_ratios: FloatArray, confidence: float) -> tuple[float, float] | None:
    """Distribution-free interval of the median from binomial order statistics; None when n is too small."""
    n = sorted_ratios.size
    alpha = 1 - confidence
    j = int(sps.binom.ppf(alpha / 2, n, 0.5))  # P(X ≤ j − 1) < α/2 for X ~ Bin(n, ½)
    if j < 1:
        return None
    return float(sorted_ratios[j - 1]), float(sorted_ratios[n - j])


def _prb(a: FloatArray, s: FloatArray, r: FloatArray, m: float,
         confidence: float) -> tuple[float | None, tuple[float, float] | None]:
    n = r.size
    if n < 3:
        return None, None
    x = np.log2((a / m + s) / 2)
    y = (r - m) / m
    xc = x - x.mean()
    sxx = float(xc @ xc)
    if sxx == 0:
        return None, None
    slope = float(xc @ (y - y.mean())) / sxx
    resid = y - y.mean() - slope * xc
    se = math.sqrt(float(resid @ resid) / (n - 2) / sxx)
    t = float(sps.t.ppf(0.5 + confidence / 2, n - 2))
    return slope, (slope - t * se, slope + t * se)


def _cod_prd(r: FloatArray, a: FloatArray, s: FloatArray, axis: int = -1) -> tuple[FloatArray, FloatArray]:
    m = np.median(r, axis=axis, keepdims=True)
    cod = 100 * np.abs(r - m).mean(axis=axis) / m.squeeze(axis)
    prd = r.mean(axis=axis) / (a.sum(axis=axis) / s.sum(axis=axis))
    return cod, prd


def _bootstrap(a: FloatArray, s: FloatArray, confidence: float, resamples: int,
               seed: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Percentile bootstrap intervals of COD and PRD (resampling sales with replacement)."""
    rng = np.random.default_rng(seed)
    n = a.size
    cods: list[FloatArray] = []
    prds: list[FloatArray] = []
    step = max(1, BOOT_CHUNK_CELLS // n)
    done = 0
    while done < resamples:
        b = min(step, resamples - done)
        idx = rng.integers(0, n, size=(b, n))
        ab, sb = a[idx], s[idx]
        cod, prd = _cod_prd(ab / sb, ab, sb, axis=1)
        cods.append(cod)
        prds.append(prd)
        done += b
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    lo_c, hi_c = np.quantile(np.concatenate(cods), q)
    lo_p, hi_p = np.quantile(np.concatenate(prds), q)
    return (float(lo_c), float(hi_c)), (float(lo_p), float(hi_p))


def _delta(a: FloatArray, s: FloatArray, r: FloatArray, m: float, cod: float, prd: float,
           median_ci: tuple[float, float] | None,
           confidence: float) -> tuple[tuple[float, float] | None, tuple[float, float]]:
    """Delta-method (influence function) intervals of COD and PRD for large samples."""
    n = r.size
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    infl_prd = prd * ((r - r.mean()) / r.mean() + (s - s.mean()) / s.mean() - (a - a.mean()) / a.mean())
    se_prd = math.sqrt(float(infl_prd @ infl_prd) / n / n)
    prd_ci = (prd - z * se_prd, prd + z * se_prd)
    if median_ci is None:
        return None, prd_ci
    se_m = (median_ci[1] - median_ci[0]) / (2 * z)
    dev = np.abs(r - m)
    d = float(dev.mean())
    infl_cod = 100 / m * (dev - d) - 100 * d / m**2 * np.sign(r - m) * se_m * math.sqrt(n)
    se_cod = math.sqrt(float(infl_cod @ infl_cod) / n / n)
    return (cod - z * se_cod, cod + z * se_cod), prd_ci


def chasing_check(ratios: FloatArray, band: float, cdf_gap: float, confidence: float) -> ChasingCheck:
    """Sales-chasing distribution check (IAAO Appendix E §4): too many ratios close to 1 (L1)."""
    n = ratios.size
    inside = np.sort(ratios[(ratios >= 1 - band) & (ratios <= 1 + band)])
    share = inside.size / n
    sd = float(ratios.std(ddof=1)) if n > 1 else 0.0
    if sd > 0:
        dist = NormalDist(float(ratios.mean()), sd)
        expected = dist.cdf(1 + band) - dist.cdf(1 - band)
    else:
        expected = 1.0 if inside.size == n else 0.0
    p_value = float(sps.binom.sf(inside.size - 1, n, expected)) if 0 < expected < 1 else 1.0
    jump = 0.0
    if inside.size:
        _, counts = np.unique(inside, return_counts=True)
        jump = float(counts.max()) / n
    suspected = (share > expected and p_value < 1 - confidence) or jump > cdf_gap
    return ChasingCheck(band=band, share_in_band=share, expected_share=expected, p_value=p_value,
                        largest_cdf_jump=jump, suspected=bool(suspected))


def ratio_study(appraised: Any, sale: Any, *, trim: str | None = "iqr", confidence: float = 0.95,
                seed: int = 0, standards: RatioStandards | None = None) -> RatioStudy:
    """Run a ratio study (评估比率研究) on appraised values against sale prices, IAAO 2013 (L1)."""
    if trim is not None and trim not in TRIMS:
        raise RatioInputError(f"trim must be one of {TRIMS} or None, not {trim!r}")
    if not 0 < confidence < 1:
        raise RatioInputError("confidence must lie strictly between 0 and 1")
    a = as_positive_array(appraised, "appraised")
    s = as_positive_array(sale, "sale")
    if a.size != s.size:
        raise RatioInputError(f"appraised has {a.size} values but sale has {s.size}")
    std = standards or RatioStandards.load()
    n_input = a.size
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        r = a / s
        weighted_all = float(a.sum() / s.sum())
    if not (np.isfinite(r).all() and (r > 0).all() and np.isfinite(weighted_all) and weighted_all > 0):
        raise RatioInputError("appraised and sale values are too far apart in magnitude for a ratio "
                              "(a ratio underflows to 0 or overflows)")
    if trim is not None and n_input >= 4:
        keep = trim_mask(r, std.iqr_k if trim == "iqr" else std.iqr_k_extreme, std.max_trim_fraction)
        a, s, r = a[keep], s[keep], r[keep]
    n = r.size
    if n < 2:
        raise RatioInputError(f"a ratio study needs at least 2 sales, not {n}")
    ordered = np.sort(r)
    m = float(np.median(ordered))
    cod = 100 * float(np.abs(r - m).mean()) / m
    mean = float(r.mean())
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        weighted = float(a.sum() / s.sum())
    if not (np.isfinite(weighted) and weighted > 0):
        raise RatioInputError("the sums of appraised values and sale prices are out of range")
    prd = mean / weighted
    prb, prb_ci = _prb(a, s, r, m, confidence)
    median_ci = median_interval(ordered, confidence)
    if n <= std.bootstrap_max_n:
        cod_ci, prd_ci = _bootstrap(a, s, confidence, std.bootstrap_resamples, seed)
        method = "bootstrap"
    else:
        cod_ci, prd_ci = _delta(a, s, r, m, cod, prd, median_ci, confidence)  # type: ignore[assignment]
        method = "delta"
    return RatioStudy(n=n, n_input=n_input, trimmed=n_input - n, trim=trim, median=m, mean=mean,
                      weighted_mean=weighted, cod=cod, prd=prd, prb=prb, median_ci=median_ci, cod_ci=cod_ci,
                      prd_ci=prd_ci, prb_ci=prb_ci, confidence=confidence, ci_method=method,
                      chasing=chasing_check(r, std.chasing_band, std.chasing_cdf_gap, confidence))


def ratio_study_by_segment(appraised: Any, sale: Any, segments: Sequence[Any] | npt.ArrayLike, *,
                           trim: str | None = "iqr", confidence: float = 0.95, seed: int = 0,
                           standards: RatioStandards | None = None) -> dict[str, RatioStudy | None]:
    """One ratio study per segment (district, use, price band); None for a segment under 2 sales (L1)."""
    a = as_positive_array(appraised, "appraised")
    s = as_positive_array(sale, "sale")
    seg = np.asarray(segments)
    if seg.ndim != 1 or not a.size == s.size == seg.size:
        raise RatioInputError("appraised, sale and segment columns differ in length")
    names, inverse = np.unique(seg.astype(str), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(names.size + 1))
    std = standards or RatioStandards.load()
    out: dict[str, RatioStudy | None] = {}
    for k, name in enumerate(names.tolist()):
        rows = order[bounds[k]:bounds[k + 1]]
        try:
            out[name] = ratio_study(a[rows], s[rows], trim=trim, confidence=confidence, seed=seed, standards=std)
        except RatioInputError:
            out[name] = None
    return out


def price_bands(sale: Any, bands: int = 4) -> list[str]:
    """Label each sale with its sale-price quantile band (``Q1`` lowest … ``Qk``), for vertical-equity segments."""
    s = as_positive_array(sale, "sale")
    if bands < 1:
        raise RatioInputError("bands must be at least 1")
    edges = np.quantile(s, np.linspace(0, 1, bands + 1)[1:-1])
    return [f"Q{int(k) + 1}" for k in np.searchsorted(edges, s, side="right")]


def sales_chasing_split(previous: Any, current: Any, sold: Any, *, confidence: float = 0.95,
                        standards: RatioStandards | None = None) -> SplitCheck:
    """Sales-chasing split check (IAAO App. E): did sold parcels' appraisals rise more than unsold ones? (L1)."""
    prev = as_positive_array(previous, "previous")
    cur = as_positive_array(current, "current")
    flag = np.asarray(sold, dtype=bool)
    if not prev.size == cur.size == flag.size:
        raise RatioInputError("previous, current and sold columns differ in length")
    if flag.all() or not flag.any():
        raise RatioInputError("the split check needs both sold and unsold parcels")
    std = standards or RatioStandards.load()
    change = cur / prev - 1
    sold_c, unsold_c = change[flag], change[~flag]
    diff = float(np.median(sold_c) - np.median(unsold_c))
    p = float(sps.mannwhitneyu(sold_c, unsold_c, alternative="greater").pvalue)
    return SplitCheck(n_sold=int(sold_c.size), n_unsold=int(unsold_c.size), median_change_sold=float(np.median(sold_c)),
                      median_change_unsold=float(np.median(unsold_c)), difference=diff, p_value=p,
                      suspected=diff > std.chasing_split_difference and p < 1 - confidence)


def read_csv_columns(source: Path | bytes, numeric: Sequence[str], labels: Sequence[str] = ()) -> dict[str, Any]:
    """Read named columns of any CSV (a path or its bytes): numeric ones as float64, labels as strings (L1).

    Raises ``RatioInputError`` naming a missing column, a row that is not a number, or an empty file.
    """
    wanted = list(dict.fromkeys([*numeric, *labels]))
    try:
        stream = pa.BufferReader(source) if isinstance(source, bytes) else str(source)
        table = pacsv.read_csv(stream, convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in labels}, strings_can_be_null=False))
    except FileNotFoundError:
        raise RatioInputError(f"no such file: {source!s}") from None
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise RatioInputError(f"not a readable CSV file: {str(exc).splitlines()[0][:200]}") from None
    missing = [name for name in wanted if name not in table.column_names]
    if missing:
        raise RatioInputError(f"column {missing[0]!r} not found; the file has {table.column_names}")
    out: dict[str, Any] = {}
    for name in numeric:
        column = table.column(name)
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            values = column.to_pylist()
            for i, v in enumerate(values):
                try:
                    float(v)
                except (TypeError, ValueError):
                    raise RatioInputError(f"{name}: value {v!r} in row {i} is not a number") from None
            out[name] = np.asarray([float(v) for v in values], dtype=np.float64)
            continue
        if column.null_count:
            row = int(np.flatnonzero(np.asarray(column.is_null()))[0])
            raise RatioInputError(f"{name}: row {row} is empty")
        out[name] = column.to_numpy().astype(np.float64)
    for name in labels:
        out[name] = np.asarray(table.column(name).to_pylist(), dtype=object).astype(str)
    return out

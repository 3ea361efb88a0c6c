"""The ratio-study report (评估比率研究报告, L1, issue #4 item 7): its figures as SVG and its tables, pure.

No database and no plotting library: ``build_ratio_report`` takes two columns (appraised, sale) and optional
segment columns, runs ``valuation.ratio``, and returns plain values plus four figures drawn here (on the
canvas of ``web.charts``) as inline SVG strings: ratio against sale price with the PRB trend (vertical
equity), the ratio histogram with the median and the IAAO level range, the median ratio by segment with its
confidence interval, and the sales-chasing check (the change of appraisals of sold against unsold parcels
where a previous roll is known, else the concentration of ratios near 1 against a normal curve).
``report_pdf`` prints it; the run page and the CLI (``--report``) use the same data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from landbridge.config import get_settings
from landbridge.valuation.i18n import words
from landbridge.valuation.ratio.study import (
    RatioInputError,
    RatioStandards,
    RatioStudy,
    as_positive_array,
    price_bands,
    ratio_study,
    ratio_study_by_segment,
    sales_chasing_split,
    trim_mask,
)
from landbridge.web.charts import ACCENT, BAND, BOTTOM, MUTED, RIGHT, TOP, WARN, WIDTH, Canvas, FloatArray
from landbridge.web.charts import legend as _legend
from landbridge.web.charts import robust_range as _robust_range
from landbridge.web.charts import tick_label as _num

HIST_BINS = 30
CHASING_BINS = 24
CLASS_NAMES = {"residential": "Residential", "rural": "Rural land", "vacant": "Vacant land", "other": "Other"}


def _w(zh: bool, message: str, **values: object) -> str:
    """``message`` (English source text) in Chinese or English, from valuation's catalogue (context "report")."""
    return words("zh_CN" if zh else "en", "report")(message, **values)


def scatter_svg(
    sale: Any,
    ratio: Any,
    *,
    median: float,
    prb: float | None,
    level: tuple[float, float],
    max_points: int = 2000,
    seed: int = 0,
    zh: bool = True,
) -> str:
    """Ratio against sale price (log scale) with the median, the IAAO level range and the PRB trend line."""
    s = as_positive_array(sale, "sale")
    r = as_positive_array(ratio, "ratio")
    y0, y1 = _robust_range(r)
    y0, y1 = min(y0, level[0] - 0.05), max(y1, level[1] + 0.05)
    c = Canvas((float(s.min()) / 1.2, float(s.max()) * 1.2), (max(0.0, y0), y1), log_x=True)
    c.rect(float(s.min()) / 1.2, level[0], float(s.max()) * 1.2, level[1], fill=BAND, opacity=0.6)
    c.axes(_w(zh, "Sale price (yuan, log scale)"), _w(zh, "Ratio"))
    idx = np.arange(s.size)
    if s.size > max_points:
        idx = np.sort(np.random.default_rng(seed).choice(s.size, size=max_points, replace=False))
    inside = idx[(r[idx] >= c.y0) & (r[idx] <= c.y1)]
    c.add(
        '<g fill="#2f6f9f" fill-opacity="0.45">'
        + "".join(
            f'<circle cx="{c.px(float(s[i])):.1f}" cy="{c.py(float(r[i])):.1f}" r="2.2"/>' for i in inside.tolist()
        )
        + "</g>"
    )
    c.line(c_min := float(s.min()), median, c_max := float(s.max()), median, color=ACCENT, width=1.6)
    items = [
        (BAND, "box", _w(zh, "IAAO level range")),
        (ACCENT, "line", _w(zh, "median {median:.3f}", median=median)),
    ]
    if prb is not None:
        centre = float(np.mean(np.log2(s)))
        xs = np.geomspace(c_min, c_max, 24)
        ys = median * (1 + prb * (np.log2(xs) - centre))
        pts = " ".join(
            f"{c.px(float(x)):.1f},{c.py(float(y)):.1f}" for x, y in zip(xs, ys, strict=True) if c.y0 <= y <= c.y1
        )
        c.add(f'<polyline points="{pts}" fill="none" stroke="{WARN}" stroke-width="1.6" stroke-dasharray="6 3"/>')
        items.append((WARN, "dash", f"PRB {prb:+.3f}"))
    _legend(c, items)
    hidden = s.size - inside.size
    if hidden:
        c.text(
            WIDTH - RIGHT - 4,
            TOP + 14,
            _w(zh, "{hidden} points not drawn", hidden=hidden),
            anchor="end",
            size=9,
            color=MUTED,
        )
    return c.svg(_w(zh, "Ratio against sale price"))


def histogram_svg(
    ratio: Any, *, median: float, level: tuple[float, float], bins: int = HIST_BINS, zh: bool = True
) -> str:
    """Histogram of the ratios with the median and the IAAO level range shaded."""
    r = as_positive_array(ratio, "ratio")
    lo, hi = _robust_range(r, pad=0.02)
    lo, hi = max(0.0, min(lo, level[0] - 0.02)), max(hi, level[1] + 0.02)
    counts, edges = np.histogram(np.clip(r, lo, hi), bins=bins, range=(lo, hi))
    c = Canvas((lo, hi), (0, float(counts.max()) * 1.12 or 1.0))
    c.rect(level[0], 0, level[1], c.y1, fill=BAND, opacity=0.6)
    c.axes(_w(zh, "Ratio (appraised / sale)"), _w(zh, "Sales"))
    for k, n in enumerate(counts.tolist()):
        if n:
            c.rect(float(edges[k]), 0, float(edges[k + 1]), n, fill="#2f6f9f", opacity=0.8, stroke="#ffffff")
    c.line(median, 0, median, c.y1, color=ACCENT, width=2)
    _legend(
        c,
        [
            (
                BAND,
                "box",
                _w(zh, "IAAO level {level0:g}–{level1:g}", level0=level[0], level1=level[1]),
            ),
            (ACCENT, "line", _w(zh, "median {median:.3f}", median=median)),
        ],
    )
    return c.svg(_w(zh, "Distribution of ratios"))


def segments_svg(
    rows: Sequence[tuple[str, float, float | None, float | None, int]], *, level: tuple[float, float], zh: bool = True
) -> str:
    """Median ratio by segment (label, median, CI low, CI high, n) as dots with CI bars over the IAAO range."""
    height = max(120, TOP + BOTTOM + 22 * len(rows))
    values = [v for row in rows for v in row[1:4] if v is not None] + [level[0] - 0.05, level[1] + 0.05]
    left = 150
    c = Canvas((max(0.0, min(values)), max(values)), (0, max(1, len(rows))), height=height, left=left)
    c.rect(level[0], 0, level[1], c.y1, fill=BAND, opacity=0.6)
    c.axes(_w(zh, "Median ratio (95% confidence interval)"), "", y_ticks=[])
    for k, (label, median, low, high, n) in enumerate(rows):
        y = len(rows) - k - 0.5
        if low is not None and high is not None:
            c.line(low, y, high, y, color=MUTED, width=2)
            for end in (low, high):
                c.add(
                    f'<line x1="{c.px(end):.1f}" y1="{c.py(y) - 4:.1f}" x2="{c.px(end):.1f}" y2="{c.py(y) + 4:.1f}" '
                    f'stroke="{MUTED}" stroke-width="1.5"/>'
                )
        ok = level[0] <= median <= level[1]
        c.add(f'<circle cx="{c.px(median):.1f}" cy="{c.py(y):.1f}" r="4" fill="{ACCENT if ok else WARN}"/>')
        short = label if len(label) <= 14 else label[:13] + "…"
        c.text(left - 6, c.py(y) + 4, f"{short} (n={n})", anchor="end", size=10)
    _legend(
        c,
        [
            (BAND, "box", _w(zh, "IAAO level range")),
            (ACCENT, "dot", _w(zh, "median")),
            (MUTED, "line", _w(zh, "CI")),
        ],
    )
    return c.svg(_w(zh, "Median ratio by segment"))


def change_svg(change_sold: Any, change_unsold: Any, *, zh: bool = True) -> str:
    """Sales-chasing split check: distribution of appraisal changes (%) of sold against unsold parcels."""
    sold = np.asarray(change_sold, dtype=float) * 100
    unsold = np.asarray(change_unsold, dtype=float) * 100
    both = np.concatenate([sold, unsold])
    lo, hi = _robust_range(both, pad=0.02)
    edges = np.linspace(lo, hi, CHASING_BINS + 1)
    shares = [np.histogram(np.clip(v, lo, hi), bins=edges)[0] / max(1, v.size) for v in (sold, unsold)]
    c = Canvas((lo, hi), (0, float(max(s.max() for s in shares)) * 1.15 or 1.0))
    c.axes(_w(zh, "Change from the previous roll (%)"), _w(zh, "Share"))
    for share, color in ((shares[1], "#9aa5b1"), (shares[0], WARN)):
        pts = [f"{c.px(float(edges[0])):.1f},{c.py(0):.1f}"]
        for k, v in enumerate(share.tolist()):
            pts += [f"{c.px(float(edges[k])):.1f},{c.py(v):.1f}", f"{c.px(float(edges[k + 1])):.1f},{c.py(v):.1f}"]
        pts.append(f"{c.px(float(edges[-1])):.1f},{c.py(0):.1f}")
        c.add(
            f'<polyline points="{" ".join(pts)}" fill="{color}" fill-opacity="0.18" stroke="{color}" '
            f'stroke-width="1.6"/>'
        )
    for values, color in ((unsold, "#9aa5b1"), (sold, WARN)):
        if values.size:
            m = float(np.median(values))
            c.line(m, 0, m, c.y1, color=color, width=1.5, dash="5 3")
    _legend(
        c,
        [
            (WARN, "box", _w(zh, "sold n={size}", size=sold.size)),
            ("#9aa5b1", "box", _w(zh, "unsold n={size}", size=unsold.size)),
            (MUTED, "dash", _w(zh, "medians")),
        ],
    )
    return c.svg(_w(zh, "Sales chasing: distribution of changes"))


def near_one_svg(ratio: Any, *, band: float, zh: bool = True) -> str:
    """Sales-chasing distribution check: share of ratios per bin around 1 against a normal curve of the sample."""
    r = as_positive_array(ratio, "ratio")
    lo, hi = 1 - 4 * band, 1 + 4 * band
    edges = np.linspace(lo, hi, CHASING_BINS + 1)
    observed = np.histogram(r, bins=edges)[0] / r.size
    sd = float(r.std(ddof=1)) if r.size > 1 else 0.0
    dist = NormalDist(float(r.mean()), sd) if sd > 0 else None
    expected = (
        np.array([dist.cdf(float(b)) - dist.cdf(float(a)) for a, b in pairwise(edges.tolist())])
        if dist
        else np.zeros(CHASING_BINS)
    )
    c = Canvas((lo, hi), (0, float(max(observed.max(), expected.max())) * 1.15 or 1.0))
    c.rect(1 - band, 0, 1 + band, c.y1, fill="#fbe3df", opacity=0.7)
    c.axes(_w(zh, "Ratio"), _w(zh, "Share"))
    for k, v in enumerate(observed.tolist()):
        if v:
            c.rect(float(edges[k]), 0, float(edges[k + 1]), v, fill="#2f6f9f", opacity=0.8, stroke="#ffffff")
    pts = " ".join(
        f"{c.px(float((a + b) / 2)):.1f},{c.py(float(e)):.1f}"
        for a, b, e in zip(edges[:-1], edges[1:], expected, strict=True)
    )
    c.add(f'<polyline points="{pts}" fill="none" stroke="{WARN}" stroke-width="1.8"/>')
    _legend(
        c,
        [
            ("#fbe3df", "box", _w(zh, "1 ± {band:g}", band=band)),
            ("#2f6f9f", "box", _w(zh, "observed")),
            (WARN, "line", _w(zh, "normal expectation")),
        ],
    )
    return c.svg(_w(zh, "Sales chasing: concentration of ratios near 1"))


# --- report data -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segmenting:
    """A segment column of the sales: its title, each sale's key, display names, and whether keys are uses."""

    title: str
    keys: Sequence[str] | npt.NDArray[Any]
    names: Mapping[str, str] = field(default_factory=dict)
    by_use: bool = False


@dataclass(frozen=True)
class ChangeData:
    """Appraisals of the previous and this roll for parcels, and which of them sold (the split check)."""

    previous: FloatArray
    current: FloatArray
    sold: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SummaryLine:
    """One figure of the summary table: name, value, confidence interval, the IAAO criterion, pass/fail."""

    name: str
    value: str
    ci: str
    criterion: str
    passed: bool | None


@dataclass(frozen=True)
class SegmentLine:
    """One segment's ratio study (figures formatted); ``passed`` None when too few sales to judge."""

    key: str
    label: str
    n: int
    median: str
    median_ci: str
    cod: str
    prd: str
    prb: str
    cod_limit: str
    passed: bool | None


@dataclass(frozen=True)
class SegmentTable:
    """The ratio studies of one segmenting (district, use, price band)."""

    title: str
    lines: list[SegmentLine]


@dataclass(frozen=True)
class Figure:
    """A figure of the report: key, title, caption and the inline SVG."""

    key: str
    title: str
    caption: str
    svg: str


@dataclass(frozen=True)
class RatioReport:
    """Everything the ratio-study report prints, as plain values (L1)."""

    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    property_class: str
    passed: bool
    summary: list[SummaryLine]
    criteria: str
    segments: list[SegmentTable]
    figures: list[Figure]
    chasing: list[str]
    study: dict[str, Any]


def _ci(ci: tuple[float, float] | None, fmt: str) -> str:
    return "—" if ci is None else f"{ci[0]:{fmt}} – {ci[1]:{fmt}}"


def _class_name(name: str, zh: bool) -> str:
    english = CLASS_NAMES.get(name)
    return name if english is None else _w(zh, english)


def criteria_text(std: RatioStandards, zh: bool = True) -> str:
    """The IAAO ranges of the rule set in words."""
    cods = ("，" if zh else ", ").join(f"{_class_name(k, zh)} COD ≤ {v:g}" for k, v in std.cod_max.items())
    if zh:
        return (
            f"中位数比率 {std.median_range[0]:g}–{std.median_range[1]:g}；{cods}；PRD {std.prd_range[0]:g}–"
            f"{std.prd_range[1]:g}；|PRB| ≤ {std.prb_limit:g}；至少 {std.min_sales} 宗成交"
        )
    return (
        f"median ratio {std.median_range[0]:g}–{std.median_range[1]:g}; {cods}; PRD {std.prd_range[0]:g}–"
        f"{std.prd_range[1]:g}; |PRB| ≤ {std.prb_limit:g}; at least {std.min_sales} sales"
    )


def summary_lines(study: RatioStudy, std: RatioStandards, property_class: str, zh: bool = True) -> list[SummaryLine]:
    """The summary table: level, COD, PRD, PRB and the sample size, each judged against the rule set."""
    v = study.verdict(property_class, std)
    return [
        SummaryLine(
            _w(zh, "Median ratio (level)"),
            f"{study.median:.3f}",
            _ci(study.median_ci, ".3f"),
            f"{std.median_range[0]:g}–{std.median_range[1]:g}",
            v.level,
        ),
        SummaryLine(
            _w(zh, "COD (uniformity)"),
            f"{study.cod:.2f}",
            _ci(study.cod_ci, ".2f"),
            f"≤ {v.cod_limit:g}",
            v.cod,
        ),
        SummaryLine(
            _w(zh, "PRD (vertical equity)"),
            f"{study.prd:.3f}",
            _ci(study.prd_ci, ".3f"),
            f"{std.prd_range[0]:g}–{std.prd_range[1]:g}",
            v.prd,
        ),
        SummaryLine(
            _w(zh, "PRB (vertical equity)"),
            "—" if study.prb is None else f"{study.prb:+.3f}",
            _ci(study.prb_ci, "+.3f"),
            f"|PRB| ≤ {std.prb_limit:g}",
            v.prb,
        ),
        SummaryLine(
            _w(zh, "Sales (after trimming)"),
            f"{study.n} / {study.n_input}",
            "—",
            f"≥ {std.min_sales}",
            v.enough_sales,
        ),
    ]


def segment_table(
    title: str,
    by: Mapping[str, RatioStudy | None],
    names: Mapping[str, str],
    std: RatioStandards,
    class_of: Any,
    counts: Mapping[str, int],
) -> SegmentTable:
    """A segmenting's studies as table lines (a segment under 2 sales shows its count only)."""
    lines: list[SegmentLine] = []
    for key, st in by.items():
        label = names.get(key, key)
        if st is None:
            lines.append(SegmentLine(key, label, counts.get(key, 0), "—", "—", "—", "—", "—", "—", None))
            continue
        klass = class_of(key)
        v = st.verdict(klass, std)
        lines.append(
            SegmentLine(
                key,
                label,
                st.n,
                f"{st.median:.3f}",
                _ci(st.median_ci, ".3f"),
                f"{st.cod:.2f}",
                f"{st.prd:.3f}",
                "—" if st.prb is None else f"{st.prb:+.3f}",
                f"{v.cod_limit:g}",
                v.passed if v.enough_sales else None,
            )
        )
    return SegmentTable(title, lines)


def build_ratio_report(
    appraised: Any,
    sale: Any,
    *,
    title: str,
    subtitle: str = "",
    facts: Sequence[tuple[str, str]] = (),
    segments: Sequence[Segmenting] = (),
    property_class: str = "other",
    price_band_count: int | None = None,
    change: ChangeData | None = None,
    trim: str | None = "iqr",
    seed: int = 0,
    max_points: int | None = None,
    standards: RatioStandards | None = None,
    zh: bool = True,
) -> RatioReport:
    """Gather a ratio-study report (评估比率研究报告) of appraised values against sale prices, with figures (L1).

    Raises ``RatioInputError`` as ``ratio_study`` does (too few sales, non-positive values, lengths differ).
    """
    std = standards or RatioStandards.load()
    technical = get_settings()
    bands = price_band_count if price_band_count is not None else technical.valuation_report_price_bands
    points = max_points if max_points is not None else technical.valuation_report_plot_points
    a = as_positive_array(appraised, "appraised")
    s = as_positive_array(sale, "sale")
    study = ratio_study(a, s, trim=trim, seed=seed, standards=std)
    r = a / s
    # the chasing check runs on the trimmed ratios, so its figure does too
    kept = r[trim_mask(r, std.iqr_k if trim == "iqr" else std.iqr_k_extreme, std.max_trim_fraction)] \
        if trim is not None and r.size >= 4 else r
    tables: list[SegmentTable] = []
    seg_rows: list[tuple[str, float, float | None, float | None, int]] = []
    groups = list(segments)
    if bands > 1 and s.size >= bands:
        labels = price_bands(s, bands)
        edges = np.quantile(s, np.linspace(0, 1, bands + 1))
        names = {f"Q{k + 1}": f"Q{k + 1} ({_num(float(edges[k]))}–{_num(float(edges[k + 1]))})" for k in range(bands)}
        groups.append(Segmenting(_w(zh, "Sale-price band"), labels, names))
    for g in groups:
        keys = np.asarray(g.keys).astype(str)
        if keys.size != a.size:
            raise RatioInputError(f"segment {g.title}: {keys.size} labels for {a.size} sales")
        by = ratio_study_by_segment(a, s, keys, trim=trim, seed=seed, standards=std)
        uniq, counts = np.unique(keys, return_counts=True)
        table = segment_table(
            g.title,
            by,
            g.names,
            std,
            std.property_class if g.by_use else (lambda _k: property_class),
            dict(zip(uniq.tolist(), counts.tolist(), strict=True)),
        )
        tables.append(table)
        for line in table.lines:
            st = by.get(line.key)
            if st is not None:
                ci = st.median_ci
                seg_rows.append((f"{line.label}", st.median, ci[0] if ci else None, ci[1] if ci else None, st.n))
    level = std.median_range
    figures = [
        Figure(
            "scatter",
            _w(zh, "Figure 1  Ratio against sale price (vertical equity)"),
            _w(zh, "One point per sale; the dashed PRB trend falling to the right means high-value property is "
                   "under-appraised (regressive)."),
            scatter_svg(s, r, median=study.median, prb=study.prb, level=level, max_points=points, seed=seed, zh=zh),
        ),
        Figure(
            "histogram",
            _w(zh, "Figure 2  Distribution of ratios"),
            _w(zh, "Shaded: the IAAO level range; line: the median."),
            histogram_svg(r, median=study.median, level=level, zh=zh),
        ),
    ]
    if seg_rows:
        figures.append(
            Figure(
                "segments",
                _w(zh, "Figure 3  Median ratio by segment"),
                _w(zh, "A red dot: the segment's median is outside the IAAO range."),
                segments_svg(seg_rows, level=level, zh=zh),
            )
        )
    chasing = [
        _w(zh, "{share_in_band:.1%} of ratios lie within 1 ± {band:g} against {expected_share:.1%} expected of a "
               "normal distribution (one-sided binomial p = {p_value:.3g}); largest CDF jump there "
               "{largest_cdf_jump:.1%}.", share_in_band=study.chasing.share_in_band, band=study.chasing.band,
           expected_share=study.chasing.expected_share, p_value=study.chasing.p_value,
           largest_cdf_jump=study.chasing.largest_cdf_jump),
        _w(zh, "Distribution check: sales chasing suspected.")
        if study.chasing.suspected
        else _w(zh, "Distribution check: no sign of sales chasing."),
    ]
    out = study.to_dict()
    out["verdict"] = study.verdict(property_class, std).__dict__
    split_ok = change is not None and bool(change.sold.any()) and not bool(change.sold.all())
    if change is not None and split_ok:
        split = sales_chasing_split(change.previous, change.current, change.sold, standards=std)
        out["chasing_split"] = split.__dict__
        ratio_change = change.current / change.previous - 1
        figures.append(
            Figure(
                "chasing",
                _w(zh, "Figure 4  Sales chasing: change of appraisals, sold against unsold"),
                _w(zh, "The two distributions should look alike; sold parcels rising clearly more is sales chasing."),
                change_svg(ratio_change[change.sold], ratio_change[~change.sold], zh=zh),
            )
        )
        chasing.append(
            _w(zh, "Split check: median change {median_change_sold:+.1%} for {n_sold} sold parcels, "
                   "{median_change_unsold:+.1%} for {n_unsold} unsold, difference {difference:+.1%} "
                   "(Mann-Whitney p = {p_value:.3g}): ", median_change_sold=split.median_change_sold,
               n_sold=split.n_sold, median_change_unsold=split.median_change_unsold, n_unsold=split.n_unsold,
               difference=split.difference, p_value=split.p_value)
            + (_w(zh, "sales chasing suspected.") if split.suspected else _w(zh, "no sign of sales chasing."))
        )
    else:
        figures.append(
            Figure(
                "chasing",
                _w(zh, "Figure 4  Sales chasing: ratios near 1"),
                _w(zh, "Bars: observed shares; curve: a normal distribution with the sample's mean and sd. Bars well "
                       "above the curve near 1 suggest sales chasing."),
                near_one_svg(kept, band=study.chasing.band, zh=zh),
            )
        )
    verdict = study.verdict(property_class, std)
    return RatioReport(
        title=title,
        subtitle=subtitle,
        facts=list(facts),
        property_class=_class_name(property_class, zh),
        passed=verdict.passed and verdict.enough_sales,
        summary=summary_lines(study, std, property_class, zh),
        criteria=criteria_text(std, zh),
        segments=tables,
        figures=figures,
        chasing=chasing,
        study=out,
    )

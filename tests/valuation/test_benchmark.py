"""Benchmark coefficient method: the golden example of rules.md, named factors, both orders of Kf, the
vectorised path against the exact one, and the document format (L1)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box, mapping

from landbridge.valuation.benchmark.rules import (
    BenchmarkDocumentError,
    NamedFactor,
    coefficient_price,
    coefficient_prices,
    parse_document,
    plot_ratio_factor,
    term_factor,
    value_parcel,
)

D = Decimal
BASE_DATE = date(2024, 1, 1)
# 14.07 months after the base date (rules.md: Kt = 1.0285 at 0.2 %/month)
VALUATION_DATE = BASE_DATE + timedelta(days=round(14.07 * 30.436875))
MULTIPLIERS = (("area", "宗地面积", "0.98"), ("shape", "宗地形状", "1.02"), ("landscape", "景观", "1.05"),
               ("orientation", "朝向", "1.02"))


def golden_document(code: str = "GOLDEN-2024") -> dict[str, Any]:
    """A benchmark system holding the golden example of rules.md (residential grade 二, 710 元/m²)."""
    zone = box(117.00, 28.20, 117.02, 28.22)
    factors: list[dict[str, Any]] = [
        # ΣKi = 2.4020 %: three regional factors (distance in m, lower is better) and one individual factor
        {"use": "residential", "kind": "regional", "name": "commercial_centre", "label": "距商服中心距离",
         "attribute": "dist_commercial_m", "direction": "lower_better", "thresholds": ["300", "700", "1200", "2000"],
         "values": ["1.2000", "0.6000", "0", "-0.6000", "-1.2000"]},
        {"use": "residential", "kind": "regional", "name": "bus_stop", "label": "距公交站距离",
         "attribute": "dist_bus_m", "direction": "lower_better", "thresholds": ["200", "500", "800", "1200"],
         "values": ["0.8020", "0.4010", "0", "-0.4010", "-0.8020"]},
        {"use": "residential", "kind": "regional", "name": "school", "label": "距学校距离", "grade": 2,
         "attribute": "dist_school_m", "direction": "lower_better", "thresholds": ["500", "1000", "1500", "2500"],
         "values": ["0.8000", "0.4000", "0", "-0.4000", "-0.8000"]},
        {"use": "residential", "kind": "individual", "name": "road_width", "label": "临路宽度",
         "attribute": "road_width_m", "direction": "higher_better", "thresholds": ["20", "12", "8", "4"],
         "values": ["1.0000", "0.5000", "0", "-0.5000", "-1.0000"], "default_grade": 2},
        {"use": "residential", "kind": "development", "name": "development_level", "label": "开发程度",
         "attribute": "development_level", "direction": "category", "thresholds": ["五通一平", "三通一平", "生地"],
         "values": ["0", "-35", "-80"], "default_grade": 0},
    ]
    for name, label, value in MULTIPLIERS:
        factors.append({"use": "residential", "kind": "multiplier", "name": name, "label": label,
                        "attribute": f"{name}_class", "direction": "category", "thresholds": ["good", "fair"],
                        "values": [value, "1"], "default_grade": 1})
    return {
        "format": "landbridge.benchmark/1", "code": code, "name": "黄金样例基准地价", "region_code": "360600000000",
        "base_date": BASE_DATE.isoformat(), "source": "rules.md golden example (通道县 2025 worked example)",
        "params": {"capitalisation_rates": {"residential": "0.0675", "commercial": "0.0770"},
                   "monthly_growth": {"residential": "0.002", "commercial": "0.002"},
                   "development_order": "after_term", "use_by_class": {"07": "residential", "05": "commercial"}},
        "zones": [
            {"code": "R2", "use": "residential", "grade": 2, "name": "住宅二级", "base_price": "710",
             "term_years": 70, "plot_ratio": "2.0", "development_level": "五通一平", "geometry": mapping(zone)},
            {"code": "R1", "use": "residential", "grade": 1, "name": "住宅一级", "base_price": "790",
             "term_years": 70, "plot_ratio": "2.0", "development_level": "五通一平",
             "geometry": mapping(box(117.02, 28.20, 117.04, 28.22))},
            {"code": "C1", "use": "commercial", "grade": 1, "name": "商服一级", "base_price": "1450.50",
             "term_years": 40, "plot_ratio": "1.5", "development_level": "五通一平",
             "geometry": mapping(box(117.00, 28.22, 117.04, 28.24))},
        ],
        "factors": factors,
        "plot_ratio": [
            {"use": "residential", "grade": 2, "points": [["4.4", "1.4121"], ["4.5", "1.4259"], ["4.6", "1.4397"],
                                                          ["2.0", "1.0000"], ["1.0", "0.8500"]]},
            {"use": "residential", "grade": 1, "points": [["1.0", "0.8700"], ["2.0", "1.0000"], ["4.0", "1.3600"]]},
        ],
        "date_index": [],
    }


GOLDEN_ATTRIBUTES = {"dist_commercial_m": 250, "dist_bus_m": 150, "dist_school_m": 700, "road_width_m": 10,
                     "development_level": "五通一平", "area_class": "good", "shape_class": "good",
                     "landscape_class": "good", "orientation_class": "good"}


def test_golden_example_from_named_factors() -> None:
    ky = term_factor(D("0.0675"), D("63.97"), D("70"))
    kv = plot_ratio_factor([(D("4.5"), D("1.4259")), (D("4.6"), D("1.4397"))], D("4.58"))
    kt = (1 + D("0.002")) ** D("14.07")
    factors = [NamedFactor("regional_sum", "区域因素之和", "regional", D("2.4020"))]
    factors += [NamedFactor(name, label, "multiplier", D(v)) for name, label, v in MULTIPLIERS]
    factors.append(NamedFactor("development_level", "开发程度", "development", D(0)))
    result = coefficient_price(zone_code="R2", use="residential", grade=2, base_price=D(710), factors=factors,
                               term=ky, plot_ratio=kv, date=kt)
    assert (result.term_factor, result.plot_ratio_factor, result.date_factor) == (D("0.9950"), D("1.4369"),
                                                                                  D("1.0285"))
    assert result.factor_sum == D("2.4020") and result.multiplier == D("0.98") * D("1.02") * D("1.05") * D("1.02")
    assert result.price_per_m2 == D("1144.6")


def test_golden_example_through_a_benchmark_document() -> None:
    tables = parse_document(golden_document())
    zone = next(z for z in tables.zones if z.code == "R2")
    result = value_parcel(tables, zone, valuation_date=VALUATION_DATE, remaining_years=D("63.97"),
                          plot_ratio=D("4.58"), attributes=GOLDEN_ATTRIBUTES)
    assert result.factor_sum == D("2.4020")
    assert {f.name: f.grade for f in result.factors}["commercial_centre"] == 0
    assert {f.name: f.label for f in result.factors}["bus_stop"] == "距公交站距离"
    assert (result.term_factor, result.plot_ratio_factor, result.date_factor) == (D("0.9950"), D("1.4369"),
                                                                                  D("1.0285"))
    assert abs(result.price_per_m2 - D("1144.6")) <= D("0.1") and result.price_per_m2 == D("1144.6")
    # the school factor applies to grade 2 only; the individual factor's unknown value takes "一般"
    grade1 = next(z for z in tables.zones if z.code == "R1")
    assert "school" not in {f.name for f in value_parcel(tables, grade1, valuation_date=VALUATION_DATE,
                                                         remaining_years=None, plot_ratio=None,
                                                         attributes={}).factors}


def test_development_adjustment_order() -> None:
    """The textbook form P = [P₀ (1 ± K) T Kv ± F] y: 500 × 0.87 × 1.06 × 1.51 × 0.97 = 675.4."""
    common: dict[str, Any] = {"zone_code": "X", "use": "residential", "grade": 1, "base_price": D(500),
                              "term": D("0.97"), "plot_ratio": D("1.51"), "date": D("1.06")}
    k = [NamedFactor("regional_sum", "区域因素", "regional", D(-13))]
    assert coefficient_price(factors=k, development_order="before_term", **common).price_per_m2 == D("675.4")
    assert coefficient_price(factors=k, **common).price_per_m2 == D("675.4")
    f = [*k, NamedFactor("development_level", "开发程度", "development", D(10))]
    before = coefficient_price(factors=f, development_order="before_term", **common)
    after = coefficient_price(factors=f, development_order="after_term", **common)
    assert before.price_per_m2 == D("685.1") and after.price_per_m2 == D("685.4")
    assert "× Ky" in before.formula and before.formula.endswith("× Ky") and after.formula.endswith("+ Kf")
    with pytest.raises(BenchmarkDocumentError):
        coefficient_price(factors=f, development_order="sideways", **common)


def test_vectorised_prices_equal_the_exact_ones() -> None:
    for order in ("after_term", "before_term"):
        doc = golden_document()
        doc["params"]["development_order"] = order
        tables = parse_document(doc)
        rng = np.random.default_rng(5)
        n = 400
        zone_index = rng.integers(-1, len(tables.zones), n)
        remaining = np.where(rng.random(n) < 0.2, np.nan, rng.uniform(1, 70, n).round(2))
        plot = np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0.5, 5, n).round(2))
        attrs: dict[str, Any] = {
            "dist_commercial_m": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 3000, n).round()),
            "dist_bus_m": rng.uniform(0, 1500, n).round(), "dist_school_m": rng.uniform(0, 3000, n).round(),
            "development_level": rng.choice(np.array(["五通一平", "三通一平", "生地", "?"], dtype=object), n),
            "area_class": rng.choice(np.array(["good", "fair"], dtype=object), n)}
        fast = coefficient_prices(tables, zone_index, valuation_date=VALUATION_DATE, remaining_years=remaining,
                                  plot_ratio=plot, attributes=attrs)
        for i in range(n):
            if zone_index[i] < 0:
                assert np.isnan(fast[i])
                continue
            row = {k: (None if isinstance(v[i], float) and np.isnan(v[i]) else v[i]) for k, v in attrs.items()}
            exact = value_parcel(tables, tables.zones[zone_index[i]], valuation_date=VALUATION_DATE,
                                 remaining_years=None if np.isnan(remaining[i]) else D(str(remaining[i])),
                                 plot_ratio=None if np.isnan(plot[i]) else D(str(plot[i])), attributes=row)
            assert abs(fast[i] - float(exact.price_per_m2)) <= 0.1 + 1e-9, (order, i)


def test_document_errors_name_the_place() -> None:
    cases: list[tuple[str, Any, str]] = [
        ("format", "other", "format"),
        ("zones", [], "zones"),
        ("base_date", "2024-13-01", "base_date"),
        ("params", {"capitalisation_rates": {"residential": "1.5"}}, "params.capitalisation_rates.residential"),
        ("params", {"capitalisation_rates": {"residential": "0.06", "commercial": "0.07"},
                    "development_order": "sideways"}, "params.development_order"),
    ]
    for key, value, where in cases:
        doc = golden_document()
        doc[key] = value
        with pytest.raises(BenchmarkDocumentError) as exc:
            parse_document(doc)
        assert exc.value.where == where
    doc = golden_document()
    doc["factors"][0]["thresholds"] = ["700", "300", "1200", "2000"]
    with pytest.raises(BenchmarkDocumentError, match="monotone"):
        parse_document(doc)
    doc = golden_document()
    doc["zones"][0]["geometry"] = {"type": "Point", "coordinates": [117, 28.2]}
    with pytest.raises(BenchmarkDocumentError, match="polygon"):
        parse_document(doc)
    doc = golden_document()
    doc["zones"][1]["code"] = "R2"
    with pytest.raises(BenchmarkDocumentError, match="unique"):
        parse_document(doc)
    doc = golden_document()
    doc["factors"][0]["use"] = "industrial"
    with pytest.raises(BenchmarkDocumentError, match="no price zone"):
        parse_document(doc)
    doc = copy.deepcopy(golden_document())
    doc["plot_ratio"][0]["points"].append(["4.5", "1.5"])
    with pytest.raises(BenchmarkDocumentError, match="distinct"):
        parse_document(doc)


@settings(max_examples=80, deadline=None)
@given(st.decimals("0.01", "0.2", places=4), st.decimals("1", "70", places=2), st.integers(1, 70))
def test_term_factor_properties(rate: Decimal, m: Decimal, n: int) -> None:
    ky = term_factor(rate, m, D(n))
    assert term_factor(rate, D(n), D(n)) == 1
    assert (ky < 1) == (m < n) and (ky > 1) == (m > n)
    assert term_factor(rate, m + 1, D(n)) > ky


@settings(max_examples=80, deadline=None)
@given(st.decimals("0.1", "6", places=2))
def test_plot_ratio_factor_interpolates_within_its_neighbours(pr: Decimal) -> None:
    points = sorted((D(a), D(b)) for a, b in golden_document()["plot_ratio"][0]["points"])
    kv = plot_ratio_factor(points, pr)
    lo = max((p for p in points if p[0] <= pr), default=points[0])
    hi = min((p for p in points if p[0] >= pr), default=points[-1])
    assert min(lo[1], hi[1]) <= kv <= max(lo[1], hi[1])

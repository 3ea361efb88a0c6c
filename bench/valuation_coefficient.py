"""Benchmark: the benchmark coefficient method over n parcels (default 10⁶; target ≥ 200,000 parcels/s).

A benchmark system of 4 uses × 5 grades (20 zones), each use with 12 regional/individual factor tables
(distances, graded 优…劣), 4 multiplier tables (categories), a development-level table and a plot-ratio
table; n parcels with random zones, remaining terms, plot ratios and attributes, valued by
``valuation.benchmark_rules.coefficient_prices`` (vectorised). Prints one JSON line; best of 3 runs.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import numpy as np
from _common import parser, peak_rss_mb

USES = {"residential": ("0.0675", 70, [790, 710, 590, 510, 460]), "commercial": ("0.0770", 40, [1650, 1400, 1150, 900, 700]),
        "industrial": ("0.0580", 50, [420, 380, 340, 300, 260]), "homestead": ("0.0600", 70, [380, 330, 280, 230, 190])}


def document() -> dict[str, Any]:
    from shapely.geometry import box, mapping

    zones, factors, plot = [], [], []
    for u, (use, (_, term, prices)) in enumerate(USES.items()):
        for g, price in enumerate(prices, start=1):
            zones.append({"code": f"{use[:3].upper()}{g}", "use": use, "grade": g, "name": f"{use} {g}",
                          "base_price": str(price), "term_years": term, "plot_ratio": "1.5",
                          "development_level": "五通一平",
                          "geometry": mapping(box(116.6 + 0.1 * g, 28.0 + 0.1 * u, 116.7 + 0.1 * g, 28.1 + 0.1 * u))})
            plot.append({"use": use, "grade": g, "points": [[f"{x / 10:.1f}", f"{0.7 + 0.2 * x / 10:.4f}"]
                                                            for x in range(2, 61)]})
        for k in range(12):
            factors.append({"use": use, "kind": "regional" if k < 8 else "individual", "name": f"f{k}",
                            "label": f"因素{k}", "attribute": f"a{k}", "direction": "lower_better",
                            "thresholds": ["300", "700", "1200", "2000"],
                            "values": ["0.7746", "0.3873", "0", "-0.6037", "-1.2073"]})
        for k in range(4):
            factors.append({"use": use, "kind": "multiplier", "name": f"m{k}", "label": f"乘数{k}",
                            "attribute": f"c{k}", "direction": "category", "thresholds": ["good", "fair", "poor"],
                            "values": ["1.03", "1", "0.96"], "default_grade": 1})
        factors.append({"use": use, "kind": "development", "name": "development_level", "label": "开发程度",
                        "attribute": "development_level", "direction": "category",
                        "thresholds": ["五通一平", "三通一平", "生地"], "values": ["0", "-35", "-80"], "default_grade": 0})
    return {"format": "landbridge.benchmark/1", "code": "BENCH", "name": "bench", "region_code": "360600000000",
            "base_date": "2024-01-01", "params": {"capitalisation_rates": {u: v[0] for u, v in USES.items()},
                                                  "monthly_growth": dict.fromkeys(USES, "0.002")},
            "zones": zones, "factors": factors, "plot_ratio": plot}


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    from landbridge.valuation.benchmark.rules import coefficient_prices, parse_document

    t = time.perf_counter()
    tables = parse_document(document())
    parse_s = time.perf_counter() - t
    rng = np.random.default_rng(args.seed)
    n = args.n
    attributes: dict[str, Any] = {f"a{k}": rng.uniform(0, 3000, n) for k in range(12)}
    cats = np.array(["good", "fair", "poor"], dtype=object)
    attributes.update({f"c{k}": cats[rng.integers(0, 3, n)] for k in range(4)})
    attributes["development_level"] = np.array(["五通一平", "三通一平", "生地"], dtype=object)[rng.integers(0, 3, n)]
    zone_index = rng.integers(0, len(tables.zones), n)
    remaining = rng.uniform(1, 70, n)
    plot_ratio = rng.uniform(0.2, 6, n)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        prices = coefficient_prices(tables, zone_index, valuation_date=date(2025, 3, 15), remaining_years=remaining,
                                    plot_ratio=plot_ratio, attributes=attributes)
        runs.append(time.perf_counter() - t)
    best = min(runs)
    print(json.dumps({"n": n, "zones": len(tables.zones), "factor_tables": len(tables.factors),
                      "parse_s": round(parse_s, 3), "value_s": round(best, 3),
                      "parcels_per_s": int(n / best), "median_price": round(float(np.median(prices)), 1),
                      "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()

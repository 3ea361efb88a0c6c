"""Benchmark: the demo world's generative price model at city scale (issue #3).

True values of n parcels (default 10⁶) with random features over the city, then 10 % of n sales drawn
from them (``demo.prices.generate_sales``). Prints one JSON line: seconds for each step, peak RSS.
Target: both together well under 10 s.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date

import numpy as np
from _common import parser, peak_rss_mb


def run(n: int, seed: int) -> dict[str, object]:
    from landbridge.cityprofile import get_profile
    from landbridge.demo.prices import ParcelFeatures, PriceModel, generate_sales
    from landbridge.kernel.clock import now

    profile = get_profile()
    model = PriceModel.from_profile(profile)
    rng = np.random.default_rng(seed)
    codes = np.array(["0702", "0101", "0103", "0201", "1104", "0301", "0501", "0601", "0701", "0809", "0810"])
    counties = np.array(["360602", "360603", "360681"])
    extent = profile.extent
    world = ParcelFeatures(
        parcel_id=np.arange(1, n + 1), county_code=counties[rng.integers(0, 3, n)],
        land_use_class=codes[rng.integers(0, len(codes), n)], area_m2=rng.uniform(100, 20_000, n),
        plot_ratio=rng.uniform(0.3, 3.0, n), dist_town_centre_m=rng.uniform(0, 12_000, n),
        dist_city_centre_m=rng.uniform(0, 60_000, n), dist_road_m=rng.uniform(0, 2_000, n),
        dist_major_road_m=rng.uniform(0, 10_000, n), lon=rng.uniform(extent[0], extent[2], n),
        lat=rng.uniform(extent[1], extent[3], n))
    t0 = time.perf_counter()
    model.true_value_per_m2(world, date(2026, 1, 1))
    t1 = time.perf_counter()
    sales = generate_sales(model, world, start=date(2020, 1, 1), end=date(2025, 12, 31), count=n // 10, seed=seed)
    t2 = time.perf_counter()
    return {"bench": "demo_prices", "n": n, "sales": len(sales), "values_s": round(t1 - t0, 2),
            "sales_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2), "peak_rss_mb": peak_rss_mb(),
            "at": now().isoformat()}


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    print(json.dumps(run(args.n, args.seed), ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Benchmark: the demo city's territorial plan (issue #3 item 5, L2).

Builds the demo geography (``demo.geography.build_geography``), generates the plan zones and one-map
layers from it (``demo.planning_zones``; target < 30 s for the whole city), loads them into a fresh
database through ``planning.create_zones`` / ``create_features`` (one transaction each, overlap check
included), then times ``planning.planning_conditions_for`` on 500 random 50 m × 50 m parcels and
``planning.list_zones`` + zoom simplification on 200 random 5 km viewports (the zones API).
Prints one JSON line: seconds per step, counts, p50 / p95 ms, peak RSS. ``--n`` is unused.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from _common import Timer, fresh_database, parser, peak_rss_mb


def _percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1000
    return round(float(np.percentile(arr, 50)), 1), round(float(np.percentile(arr, 95)), 1)


def run(url: str, seed: int) -> dict[str, object]:
    db = fresh_database(url)
    import shapely
    from shapely.geometry import box

    from landbridge.cityprofile import get_profile
    from landbridge.demo.geography import build_geography
    from landbridge.demo.planning_zones import features_from_geography, plan_version_for, zones_from_geography
    from landbridge.kernel.clock import now
    from landbridge.planning import create_features, create_zones, list_zones, planning_conditions_for
    from landbridge.planning.queries import simplify_for_zoom

    timer = Timer()
    geography = build_geography(get_profile(), seed=seed)
    geography_s = timer.lap()
    zones = zones_from_geography(geography, seed=seed)
    zones_s = timer.lap()
    features = features_from_geography(geography)
    features_s = timer.lap()
    with db.transaction() as s:
        create_zones(s, zones, actor="bench", plan_version=plan_version_for(geography))
    load_zones_s = timer.lap()
    with db.transaction() as s:
        create_features(s, features, actor="bench")
    load_features_s = timer.lap()

    rng = np.random.default_rng(seed)
    city = geography.city.geometry
    minx, miny, maxx, maxy = city.bounds
    points = []
    while len(points) < 700:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(city, x, y):
            points.append((x, y))
    d = 50 / 111_000
    conditions = []
    with db.transaction(readonly=True) as s:
        for x, y in points[:500]:
            t0 = time.perf_counter()
            planning_conditions_for(s, box(x, y, x + d, y + d))
            conditions.append(time.perf_counter() - t0)
        viewports = []
        for x, y in points[500:]:
            t0 = time.perf_counter()
            rows, _ = list_zones(s, bbox=(x, y, x + 0.05, y + 0.045), limit=200)
            for z in rows:
                simplify_for_zoom(z.geom, 13).__geo_interface__  # noqa: B018 (what the API serialises)
            viewports.append(time.perf_counter() - t0)
    c50, c95 = _percentiles(conditions)
    v50, v95 = _percentiles(viewports)
    vertices = int(sum(len(shapely.get_coordinates(z.geometry)) for z in zones))
    return {"bench": "planning_zones", "database": url.split(":", 1)[0], "zones": len(zones),
            "zone_vertices": vertices, "features": len(features), "geography_s": geography_s,
            "zones_s": zones_s, "features_s": features_s, "load_zones_s": load_zones_s,
            "load_features_s": load_features_s, "conditions_p50_ms": c50, "conditions_p95_ms": c95,
            "viewport_p50_ms": v50, "viewport_p95_ms": v95, "peak_rss_mb": peak_rss_mb(), "at": now().isoformat()}


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    url = args.database or "sqlite:////tmp/landbridge_bench_planning.db"
    print(json.dumps(run(url, args.seed), ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

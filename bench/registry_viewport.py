"""Benchmark: map viewport queries (``GET /api/v1/parcels?bbox=``) over the n-parcel data set.

Random 1-2 km viewports inside the generated city; each query returns the current parcels in the
box with their geometries, through the registry's own query function when it exists
(``landbridge.registry.list_parcels_in_bbox``), else ``kernel.spatial.bbox_filter`` on ``Parcel``.
Imports the data set first when the database is empty. Prints one JSON line (p50/p95/max ms).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from typing import Any

from _common import CITY_BOX, default_url, open_database, parcel_count, parser, peak_rss_mb


def query_function() -> tuple[str, Callable[[Any, tuple[float, float, float, float]], int]]:
    try:
        from landbridge.registry import list_parcels_in_bbox  # type: ignore[attr-defined]
    except ImportError:
        list_parcels_in_bbox = None
    if list_parcels_in_bbox is not None:
        def api(session: Any, bbox: tuple[float, float, float, float]) -> int:
            _features, total = list_parcels_in_bbox(session, bbox)  # first page (100) + the total count
            return int(total)
        return "registry.list_parcels_in_bbox", api

    from sqlalchemy import select

    from landbridge.kernel.spatial import bbox_filter
    from landbridge.registry.models import Parcel

    def fallback(session: Any, bbox: tuple[float, float, float, float]) -> int:
        rows = session.execute(select(Parcel.id, Parcel.parcel_code, Parcel.land_use_class, Parcel.geom)
                               .where(Parcel.status == "current", bbox_filter(session, Parcel, bbox))).all()
        return len(rows)
    return "kernel.spatial.bbox_filter", fallback


def run(n: int, url: str, seed: int, queries: int) -> dict[str, object]:
    db = open_database(url)
    from sqlalchemy import inspect

    stored = parcel_count(db) if inspect(db.engine).has_table("registry_parcel") else 0
    if stored != n:
        from registry_import import run as run_import

        run_import(n, url, seed)
        db = open_database(url)
    name, fn = query_function()
    rng = random.Random(seed)
    minx, miny, maxx, maxy = CITY_BOX
    lat = (miny + maxy) / 2
    times: list[float] = []
    found: list[int] = []
    with db.transaction(readonly=True) as s:
        for q in range(queries + 10):
            size_km = rng.uniform(1.0, 2.0)
            w = size_km / (111.32 * math.cos(math.radians(lat)))
            h = size_km * 0.6 / 110.57  # a screen is wider than tall
            x = rng.uniform(minx, maxx - w)
            y = rng.uniform(miny, maxy - h)
            t = time.perf_counter()
            count = fn(s, (x, y, x + w, y + h))
            if q >= 10:  # the first queries warm the caches
                times.append((time.perf_counter() - t) * 1000)
                found.append(count)
    db.dispose()
    times.sort()
    return {
        "bench": "registry_viewport", "dialect": "postgresql" if url.startswith("postgres") else "sqlite", "n": n,
        "query": name, "queries": queries, "p50_ms": round(times[len(times) // 2], 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1), "max_ms": round(times[-1], 1),
        "mean_parcels_in_view": round(sum(found) / len(found)), "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--queries", type=int, default=200)
    args = p.parse_args()
    url = args.database or default_url(args.n)
    print(json.dumps(run(args.n, url, args.seed, args.queries), ensure_ascii=False))


if __name__ == "__main__":
    main()

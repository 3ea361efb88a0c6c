"""Benchmark: the overlap check over n parcels (default 10⁶).

Two figures: the in-memory check within a file (``kernel.spatial.overlapping_pairs``, Shapely
STRtree) and the database-side check of the same n parcels against the current parcels stored by
``registry_import.py`` (chunked ``bbox_filter`` candidates + exact test; worst case: every
parcel finds its stored twin, so all n overlaps are computed). Imports the data set first when
the database is empty. Prints one JSON line.
"""

from __future__ import annotations

import json
import time

from _common import city_batch, default_url, open_database, parcel_count, parser, peak_rss_mb


def run(n: int, url: str, seed: int) -> dict[str, object]:
    import numpy as np

    from landbridge.cityprofile import get_profile
    from landbridge.kernel.spatial import overlapping_pairs
    from landbridge.registry.bulk import find_database_overlaps, validate_geometries

    db = open_database(url)
    from sqlalchemy import inspect

    stored = parcel_count(db) if inspect(db.engine).has_table("registry_parcel") else 0
    if stored != n:
        from registry_import import run as run_import

        run_import(n, url, seed)
        db = open_database(url)
    profile = get_profile()
    tolerance = float(profile.rules("registry").decimal("overlap_tolerance_m2"))
    geoms = validate_geometries(city_batch(n, seed).geoms)
    t0 = time.perf_counter()
    pairs = overlapping_pairs(geoms, profile.projected_srid, tolerance)
    in_memory = time.perf_counter() - t0
    t1 = time.perf_counter()
    with db.transaction(readonly=True) as s:
        hits = find_database_overlaps(s, np.asarray(geoms), tolerance_m2=tolerance,
                                      projected_srid=profile.projected_srid, first_only=False)
    database = time.perf_counter() - t1
    db.dispose()
    return {
        "bench": "registry_overlap", "dialect": "postgresql" if url.startswith("postgres") else "sqlite", "n": n,
        "in_memory_s": round(in_memory, 1), "in_memory_overlaps": len(pairs),
        "database_s": round(database, 1), "database_overlaps": len(hits),
        "database_per_s": round(n / database), "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    url = args.database or default_url(args.n)
    print(json.dumps(run(args.n, url, args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()

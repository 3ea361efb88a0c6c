"""Benchmark: the overlap check over n parcels (default 10⁶).

Two figures: the in-memory check within a file (``kernel.spatial.overlapping_pairs``, Shapely
STRtree) and the database-side check of the same n parcels against the current parcels stored by
``registry_import.py`` (chunked ``bbox_filter`` candidates + exact test; worst case: every
parcel finds its stored twin, so all n overlaps are computed). Imports the data set first when
the database is empty. Also: the same check stopping at the first conflict (what an import of a
re-surveyed area pays before it is refused) and a clean file of n parcels over a new area next to the
stored one. Prints one JSON line.
"""

from __future__ import annotations

import json
import time

from _common import CITY_BOX, city_batch, default_url, open_database, parcel_count, parser, peak_rss_mb


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
    t2 = time.perf_counter()
    with db.transaction(readonly=True) as s:  # what an import of a re-surveyed area pays: stop at the first hit
        first = find_database_overlaps(s, np.asarray(geoms), tolerance_m2=tolerance,
                                       projected_srid=profile.projected_srid, first_only=True)
    first_hit = time.perf_counter() - t2
    # A clean file of n parcels over a new area that touches the stored one along its east edge.
    from shapely.affinity import translate

    width = CITY_BOX[2] - CITY_BOX[0]
    east = np.empty(len(geoms), dtype=object)
    east[:] = [translate(g, width, 0.0) for g in geoms]
    t3 = time.perf_counter()
    with db.transaction(readonly=True) as s:
        clean = find_database_overlaps(s, east, tolerance_m2=tolerance, projected_srid=profile.projected_srid,
                                       first_only=True)
    clean_s = time.perf_counter() - t3
    db.dispose()
    return {
        "bench": "registry_overlap", "dialect": "postgresql" if url.startswith("postgres") else "sqlite", "n": n,
        "in_memory_s": round(in_memory, 1), "in_memory_overlaps": len(pairs),
        "database_s": round(database, 1), "database_overlaps": len(hits),
        "database_per_s": round(n / database), "database_first_hit_s": round(first_hit, 1),
        "first_hits": len(first), "database_clean_new_area_s": round(clean_s, 1), "clean_overlaps": len(clean),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    url = args.database or default_url(args.n)
    print(json.dumps(run(args.n, url, args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()

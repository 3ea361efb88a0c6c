"""Benchmark: build the Yingtan demo world (issue #3) at a scale: wall time per stage and peak memory.

``--scale small|county|city`` (default small); ``--database URL`` (default a fresh SQLite file under
/tmp; for PostGIS the database is dropped, created and migrated). Builds exactly what
``landbridge demo --no-serve`` builds (``demo.world.build_world``): geography, plan zones, per village
households, collective, bulk first registration, roll and shares, restrictions through the services,
then true values and the sales history. Prints one JSON line: counts, seconds per stage, total,
parcels/s, peak RSS. Target: city scale (≥ 10⁶ parcels) in < 15 min and < 8 GB.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date

from _common import fresh_database, parser, peak_rss_mb


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--scale", default="small", choices=("small", "county", "city"))
    args = p.parse_args()
    seed = args.seed if args.seed != 20260302 else 20260101  # the demo's own seed unless given
    url = args.database or f"sqlite:////tmp/landbridge_bench_world_{args.scale}.db"
    db = fresh_database(url)
    from landbridge.cityprofile import get_profile
    from landbridge.demo.world import build_world
    from landbridge.kernel.clock import now

    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:  # to stderr: the JSON line stays alone on stdout
        if done == total or done % 20 == 0:
            print(f"{time.perf_counter() - started:7.1f} s  {stage} {done}/{total}  rss {peak_rss_mb()} MB",
                  file=sys.stderr, flush=True)

    report = build_world(db, get_profile(), scale=args.scale, seed=seed, today=date(2026, 11, 29), progress=progress)
    total = time.perf_counter() - started
    print(json.dumps({
        "bench": "demo_world", "scale": args.scale, "database": url.split(":", 1)[0], "seed": seed,
        "villages": report.villages, "parcels": report.parcels, "rights": report.rights,
        "certificates": report.certificates, "persons": report.persons, "households": report.households,
        "organisations": report.organisations, "members": report.members, "restrictions": report.restrictions,
        "pending_applications": report.pending_applications, "zones": report.zones, "lots": report.lots,
        "sales": report.sales,
        "seconds": report.seconds, "total_s": round(total, 1), "parcels_per_s": round(report.parcels / total),
        "peak_rss_mb": peak_rss_mb(), "at": now().isoformat()}, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

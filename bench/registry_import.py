"""Benchmark: bulk import of n generated parcels (default 10⁶) into a fresh database.

Prints one JSON line: parcels/s, wall seconds per stage, peak RSS.
"""

from __future__ import annotations

import json
import sys
import time

from _common import city_batch, default_url, fresh_database, parser, peak_rss_mb


def run(n: int, url: str, seed: int) -> dict[str, object]:
    from landbridge.kernel.clock import now
    from landbridge.registry.bulk import import_parcels

    db = fresh_database(url)
    stages: dict[str, float] = {}
    last = {"stage": "", "t": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        t = time.perf_counter()
        if stage != last["stage"]:
            last["stage"] = stage
        stages[stage] = stages.get(stage, 0.0) + (t - float(last["t"]))
        last["t"] = t

    t0 = time.perf_counter()
    batch = city_batch(n, seed)
    generate_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    last["t"] = t1
    with db.transaction() as s:
        report = import_parcels(s, batch, actor="bench", file_sha256="0" * 64, progress=progress)
        commit_from = time.perf_counter()
    commit_s = time.perf_counter() - commit_from
    wall = time.perf_counter() - t1
    db.dispose()
    return {
        "bench": "registry_import", "dialect": "postgresql" if url.startswith("postgres") else "sqlite",
        "n": n, "parcels_per_s": round(n / wall), "wall_s": round(wall, 1), "generate_s": round(generate_s, 1),
        "stages_s": {k: round(v, 1) for k, v in stages.items()}, "commit_s": round(commit_s, 1),
        "ledger_events": len(report.ledger_seqs), "peak_rss_mb": peak_rss_mb(), "at": now().isoformat(),
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    url = args.database or default_url(args.n)
    print(json.dumps(run(args.n, url, args.seed), ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

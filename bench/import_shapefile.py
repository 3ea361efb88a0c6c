"""Benchmark: a county's projected Shapefile (EPSG:4548, GBK attributes) of n parcels (default 10⁶) read, checked
feature by feature and imported into a fresh database (issue #21).

The Shapefile is written by a child process (the demo generator's parcels, the standard's field names), so the
peak RSS printed is that of the import alone. Prints one JSON line: stage seconds, parcels/s, peak RSS (MB).

``--batch-size B`` streams the import (``registry.stream.import_streaming``: chunks of B features, each checked and
committed with the import job's cursor), so the peak RSS stays flat whatever n; without it the whole file is read,
checked and imported in one transaction (memory grows with n).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from _common import city_batch, default_url, fresh_database, parser, peak_rss_mb


def write_file(n: int, seed: int, path: Path) -> None:
    import numpy as np
    import pyogrio.raw
    import shapely
    from pyproj import Transformer

    from landbridge.registry.bulk import feature_code_for_land_use
    from landbridge.registry.rules import make_parcel_code

    batch = city_batch(n, seed)
    t = Transformer.from_crs(4490, 4548, always_xy=True)
    step = 100_000
    seq: dict[str, int] = {}
    for start in range(0, n, step):
        stop = min(start + step, n)
        arr = np.empty(stop - start, dtype=object)
        arr[:] = list(batch.geoms[start:stop])
        arr = shapely.transform(arr, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
        regions = [str(r) for r in batch.region_codes[start:stop]]
        classes = [str(c) for c in batch.land_use_classes[start:stop]]
        zddm = []
        for r, c in zip(regions, classes, strict=True):
            seq[r] = seq.get(r, 0) + 1
            zddm.append(make_parcel_code(r, feature_code_for_land_use(c), seq[r]))
        fields = {
            "ZDDM": zddm,
            "ZL": [f"鹰潭市余江区某村{i}号" for i in range(start, stop)],
            "YT": classes,
        }
        pyogrio.raw.write(path, shapely.to_wkb(arr), [np.array(v, dtype=object) for v in fields.values()],
                          list(fields), driver="ESRI Shapefile", geometry_type="Polygon", crs="EPSG:4548",
                          encoding="GBK", append=start > 0)


def run(n: int, url: str, seed: int, path: Path) -> dict[str, object]:
    from landbridge.kernel.clock import now
    from landbridge.registry.cadastre import check_features, import_staged, read_staged

    db = fresh_database(url)
    stages: dict[str, float] = {}
    last = {"stage": "", "t": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        t = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + (t - float(last["t"]))
        last["t"] = t

    t0 = time.perf_counter()
    staged = read_staged(path, progress=progress)
    read_s = time.perf_counter() - t0
    with db.transaction() as s:
        t1 = time.perf_counter()
        last["t"] = t1
        report = check_features(s, staged, progress=progress)
        check_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        result = import_staged(s, report, actor="bench", exclude_rejected=True, progress=progress)
        import_s = time.perf_counter() - t2
    wall = time.perf_counter() - t0
    db.dispose()
    return {
        "bench": "import_shapefile", "dialect": "postgresql" if url.startswith("postgres") else "sqlite", "n": n,
        "file_mb": round(staged.source.size / 2**20, 1), "rejected": len(report.rejected),
        "imported": result.parcel_count, "parcels_per_s": round(n / wall), "wall_s": round(wall, 1),
        "read_s": round(read_s, 1), "check_s": round(check_s, 1), "import_s": round(import_s, 1),
        "stages_s": {k: round(v, 1) for k, v in stages.items()}, "peak_rss_mb": peak_rss_mb(),
        "at": now().isoformat(),
    }


def run_streaming(n: int, url: str, path: Path, batch_size: int) -> dict[str, object]:
    from landbridge.kernel.clock import now
    from landbridge.registry.stream import import_streaming

    db = fresh_database(url)
    rss_at_start = peak_rss_mb()
    t0 = time.perf_counter()
    result = import_streaming(db, path, actor="bench", batch_size=batch_size, exclude_rejected=True)
    wall = time.perf_counter() - t0
    db.dispose()
    return {
        "bench": "import_shapefile_streamed", "dialect": "postgresql" if url.startswith("postgres") else "sqlite",
        "n": n, "batch_size": batch_size, "file_mb": round(sum(p.stat().st_size for p in path.parent.glob(
            path.stem + ".*")) / 2**20, 1), "rejected": result.rejected, "imported": result.imported,
        "chunks": len(result.applications), "parcels_per_s": round(n / wall), "wall_s": round(wall, 1),
        "rss_before_import_mb": rss_at_start, "peak_rss_mb": peak_rss_mb(), "at": now().isoformat(),
    }


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--file", default=None, help="Shapefile to import (default: written under /tmp)")
    p.add_argument("--write-only", action="store_true", help=argparse_suppress())
    p.add_argument("--batch-size", type=int, default=None, help="stream the import in chunks of this many features")
    args = p.parse_args()
    path = Path(args.file or f"/tmp/landbridge_bench_zd_{args.n}.shp")
    if args.write_only:
        write_file(args.n, args.seed, path)
        return
    if not path.exists():
        subprocess.run([sys.executable, __file__, "--n", str(args.n), "--seed", str(args.seed), "--file", str(path),
                        "--write-only"], check=True)
    url = args.database or default_url(args.n)
    if args.batch_size:
        print(json.dumps(run_streaming(args.n, url, path, args.batch_size), ensure_ascii=False))
    else:
        print(json.dumps(run(args.n, url, args.seed, path), ensure_ascii=False))
    sys.stdout.flush()


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()

"""Benchmark: a synthetic province region built in steps of growing size (issue #22 item 5), with the growth curve.

``--sizes 100000,300000,1000000`` are cumulative parcel counts. Each step adds the difference as a new strip of
land east of the earlier ones (inside the city profile's extent, at the demo city's density, denser if the
largest size would not fit), registered to its own, distinct slice of the profile's villages (region codes in
code order, so a step adds whole villages and, at the larger steps, whole counties), through the platform's bulk
import ``registry.bulk.import_parcels`` in committed chunks of ``--chunk`` parcels (one transaction, one application
and its ledger events per chunk; the
whole-batch checks of that path run on every chunk, including the database overlap check against everything
stored before). After each step it measures, on the register at that size:

* parcels/s of the step's import (generation of the synthetic parcels timed apart) and the cumulative parcels;
* peak RSS of the process so far (a high-water mark: flat across steps means memory does not grow with size);
* viewport queries: ``--queries`` random 1-2 km boxes over the whole built area through the registry's own query
  function (``registry_viewport.query_function``: ``registry.list_parcels_in_bbox``), p50/p95/max ms;
* the overlap check of a new 10 000-parcel batch against the register (``registry.bulk.find_database_overlaps``,
  as ``registry_overlap.py``): a clean batch over the next, unbuilt strip (what a new county's import pays) and a
  re-survey twin of a stored chunk (worst case: every parcel meets its stored twin, all overlaps computed);
* the database size (``pg_database_size``; the file size on SQLite).

Prints one JSON line with the list of steps.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from typing import Any

from _common import SEED, default_url, fresh_database, peak_rss_mb

# The demo city's density: 10^6 parcels over CITY_BOX (0.7 x 0.7 degrees), about 5 000 m2 a parcel.
CITY_DENSITY = 1_000_000 / (0.7 * 0.7)  # parcels per square degree
MARGIN = 0.02  # degrees kept free inside the profile's extent
OVERLAP_BATCH = 10_000

BBox = tuple[float, float, float, float]


class Layout:
    """Where the parcels go: strips from west to east over the profile's extent, filled to a fixed density."""

    def __init__(self, extent: BBox, largest: int) -> None:
        self.minx, self.miny = extent[0] + MARGIN, extent[1] + MARGIN
        self.maxx, self.maxy = extent[2] - MARGIN, extent[3] - MARGIN
        self.height = self.maxy - self.miny
        room = (self.maxx - self.minx) * self.height
        # The demo city's density, denser if the largest size and the overlap batch would not fit otherwise.
        self.density = max(CITY_DENSITY, (largest + 2 * OVERLAP_BATCH) * 1.05 / room)
        self.east = self.minx  # the east edge of the built area

    def strip(self, count: int) -> BBox:
        """The next strip of ``count`` parcels east of the built area (not yet marked as built)."""
        width = count / (self.density * self.height)
        if self.east + width > self.maxx:
            raise SystemExit(f"{count} more parcels do not fit the profile's extent")
        return (self.east, self.miny, self.east + width, self.maxy)

    def built(self) -> BBox:
        return (self.minx, self.miny, self.east, self.maxy)


def chunk_boxes(strip: BBox, count: int, chunk: int) -> list[tuple[BBox, int]]:
    """The strip cut into horizontal bands of at most ``chunk`` parcels each (band area proportional to count)."""
    parts = max(1, math.ceil(count / chunk))
    out: list[tuple[BBox, int]] = []
    minx, miny, maxx, maxy = strip
    y = miny
    for k in range(parts):
        n = count // parts + (1 if k < count % parts else 0)
        top = maxy if k == parts - 1 else y + (maxy - miny) * n / count
        out.append(((minx, y, maxx, top), n))
        y = top
    return out


def viewports(db: Any, area: BBox, queries: int, seed: int) -> dict[str, Any]:
    from registry_viewport import query_function

    name, fn = query_function()
    rng = random.Random(seed)
    minx, miny, maxx, maxy = area
    lat = (miny + maxy) / 2
    times: list[float] = []
    found: list[int] = []
    with db.transaction(readonly=True) as s:
        for q in range(queries + 10):
            size_km = rng.uniform(1.0, 2.0)
            w = min(size_km / (111.32 * math.cos(math.radians(lat))), maxx - minx)
            h = size_km * 0.6 / 110.57  # a screen is wider than tall
            x = rng.uniform(minx, maxx - w)
            y = rng.uniform(miny, maxy - h)
            t = time.perf_counter()
            count = fn(s, (x, y, x + w, y + h))
            if q >= 10:  # the first queries warm the caches
                times.append((time.perf_counter() - t) * 1000)
                found.append(count)
    times.sort()
    return {"query": name, "queries": queries, "p50_ms": round(times[len(times) // 2], 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1), "max_ms": round(times[-1], 1),
            "mean_parcels_in_view": round(sum(found) / len(found))}


def overlap_checks(db: Any, clean_box: BBox, twin: tuple[BBox, int, int], seed: int) -> dict[str, Any]:
    import numpy as np

    from landbridge.cityprofile import get_profile
    from landbridge.demo import generate_parcels
    from landbridge.registry.bulk import find_database_overlaps, validate_geometries

    profile = get_profile()
    tolerance = float(profile.rules("registry").decimal("overlap_tolerance_m2"))
    srid = profile.projected_srid
    clean = validate_geometries(generate_parcels(OVERLAP_BATCH, clean_box, seed=seed))
    box, n, chunk_seed = twin  # regenerate a stored chunk: the same parcels again, as a re-survey would bring
    again = validate_geometries(generate_parcels(n, box, seed=chunk_seed)[:OVERLAP_BATCH])
    out: dict[str, Any] = {"batch": OVERLAP_BATCH}
    for label, geoms, first_only in (("clean_new_area", clean, True), ("twin_all_overlaps", again, False),
                                     ("twin_first_hit", again, True)):
        t = time.perf_counter()
        with db.transaction(readonly=True) as s:
            hits = find_database_overlaps(s, np.asarray(geoms), tolerance_m2=tolerance, projected_srid=srid,
                                          first_only=first_only)
        out[f"{label}_s"] = round(time.perf_counter() - t, 3)
        out[f"{label}_hits"] = len(hits)
    return out


def database_mb(db: Any, url: str) -> float:
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1]
        return round(sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s)) / 2**20, 1)
    from sqlalchemy import text

    with db.transaction(readonly=True) as s:
        return round(int(s.scalar(text("SELECT pg_database_size(current_database())"))) / 2**20, 1)


def run(sizes: list[int], url: str, seed: int, chunk: int, queries: int) -> dict[str, Any]:
    from landbridge.cityprofile import get_profile
    from landbridge.demo import generate_parcels
    from landbridge.kernel.clock import now
    from landbridge.registry.bulk import ParcelBatch, import_parcels

    t_all = time.perf_counter()
    db = fresh_database(url)
    migrate_s = time.perf_counter() - t_all
    profile = get_profile()
    villages = sorted(r.code for r in profile.villages())
    layout = Layout(profile.extent, sizes[-1])
    classes = ("0101", "0702", "0301", "0102")
    stored_chunks: list[tuple[BBox, int, int]] = []
    steps: list[dict[str, Any]] = []
    rng = random.Random(seed)
    cumulative = 0
    for i, target in enumerate(sizes):
        count = target - cumulative
        load_before = os.getloadavg()[0]
        step_villages = villages[len(villages) * cumulative // sizes[-1]: len(villages) * target // sizes[-1]]
        strip = layout.strip(count)
        generate_s = import_s = 0.0
        done = 0
        for j, (box, n) in enumerate(chunk_boxes(strip, count, chunk)):
            chunk_seed = seed + 1000 * i + j
            t = time.perf_counter()
            geoms = generate_parcels(n, box, seed=chunk_seed)
            regions = [step_villages[(done + k) * len(step_villages) // count] for k in range(n)]
            batch = ParcelBatch(geoms=geoms, region_codes=regions,
                                land_use_classes=[classes[k % len(classes)] for k in range(n)])
            generate_s += time.perf_counter() - t
            t = time.perf_counter()
            with db.transaction() as s:
                import_parcels(s, batch, actor="bench", file_sha256=f"{i:032x}{j:032x}")
            import_s += time.perf_counter() - t
            stored_chunks.append((box, n, chunk_seed))
            done += n
            del geoms, batch
        layout.east = strip[2]
        cumulative = target
        view = viewports(db, layout.built(), queries, seed + i)
        overlap = overlap_checks(db, layout.strip(OVERLAP_BATCH), rng.choice(stored_chunks), seed + 7919 + i)
        steps.append({
            "step": i + 1, "parcels": count, "cumulative_parcels": cumulative, "villages": len(step_villages),
            "region_codes": [step_villages[0], step_villages[-1]], "chunks": math.ceil(count / chunk),
            "generate_s": round(generate_s, 1), "import_s": round(import_s, 1),
            "parcels_per_s": round(count / import_s), "peak_rss_mb": peak_rss_mb(), "viewport": view,
            "overlap_10k": overlap, "database_mb": database_mb(db, url),
            "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        })
        print(json.dumps(steps[-1], ensure_ascii=False), file=sys.stderr)  # progress; stdout keeps one line
    db.dispose()
    return {
        "bench": "province_build", "dialect": "postgresql" if url.startswith("postgres") else "sqlite",
        "sizes": sizes, "chunk": chunk, "seed": seed,
        "density_per_km2": round(layout.density / (111.32 * 110.57 * math.cos(math.radians(
            (layout.miny + layout.maxy) / 2))), 1), "built_box": [round(v, 4) for v in layout.built()],
        "migrate_s": round(migrate_s, 1), "steps": steps, "wall_s": round(time.perf_counter() - t_all, 1),
        "peak_rss_mb": peak_rss_mb(), "at": now().isoformat(),
    }


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="100000,300000,1000000", help="cumulative parcel counts, one step each")
    p.add_argument("--database", default=None, help="database URL (dropped and recreated; default: SQLite)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--chunk", type=int, default=50_000, help="parcels per committed import_parcels call")
    p.add_argument("--queries", type=int, default=200, help="viewport queries per step")
    args = p.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    if sizes != sorted(set(sizes)) or sizes[0] <= 0:
        raise SystemExit("--sizes must be increasing positive cumulative counts")
    url = args.database or default_url(sizes[-1])
    print(json.dumps(run(sizes, url, args.seed, args.chunk, args.queries), ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

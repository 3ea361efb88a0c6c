"""The price and market layers of the public map and the land finder (issue #23) on a built demo world.

Usage: ``python bench/map_layers.py --database sqlite:////tmp/small.db [--views 100] [--seed 1]`` on a database
built by ``landbridge demo --no-serve --scale small|county|city`` (the world ``valuation_mass.py`` uses: parcels,
plan, published benchmark zones, sales, lots, a mass run). The year-on-year layer needs a completed run of the
year before; ``--previous-run`` values one (2025-12-07) first when there is none (written to the database).

Through the HTTP stack (``TestClient``, one process): for each layer (zones, values, sales, lots, trend) and each
of three zooms (10 city, 13 township, 16 parcel; a 1024 × 768 pixel viewport centred on a random current parcel),
``--views`` requests after 5 warm-up ones; then ``--views`` finder searches with random filters. Prints one JSON
line: p50/p95/max ms per layer and zoom, mean features per answer, finder p50/p95/max and mean total.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, setup_env

LAYERS = {"zones": "/api/v1/valuation/map/zones", "values": "/api/v1/valuation/map/values",
          "sales": "/api/v1/valuation/map/sales", "lots": "/api/v1/exchange/map",
          "trend": "/api/v1/valuation/map/trend"}
ZOOMS = (10, 13, 16)
WIDTH_PX, HEIGHT_PX = 1024, 768


def box(lon: float, lat: float, zoom: int) -> str:
    w = WIDTH_PX * 360 / (256 * 2 ** zoom)
    h = HEIGHT_PX * 360 / (256 * 2 ** zoom) * 0.88  # Web Mercator at 28° N
    return f"{lon - w / 2:.6f},{lat - h / 2:.6f},{lon + w / 2:.6f},{lat + h / 2:.6f}"


def stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {"p50": round(ordered[len(ordered) // 2], 1), "p95": round(ordered[int(len(ordered) * 0.95) - 1], 1),
            "max": round(ordered[-1], 1)}


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", required=True)
    p.add_argument("--views", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--previous-run", action="store_true")
    args = p.parse_args()
    setup_env(args.database)
    from datetime import date

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from landbridge.db import Database
    from landbridge.main import create_app
    from landbridge.registry.models import Parcel
    from landbridge.valuation.map_layers import latest_runs

    db = Database(args.database)
    rng = random.Random(args.seed)
    with db.transaction(readonly=True) as s:
        n = int(s.execute(select(func.count()).select_from(Parcel).where(Parcel.status == "current")).scalar_one())
        centres = [((a + c) / 2, (b + d) / 2) for a, b, c, d in s.execute(
            select(Parcel.minx, Parcel.miny, Parcel.maxx, Parcel.maxy).where(Parcel.status == "current")
            .order_by(func.random()).limit(args.views * 3))]
        pair = latest_runs(s)
        current_day = pair.current.valuation_date if pair.current is not None else None
        has_previous = pair.previous is not None
    made = None
    if not has_previous and args.previous_run and current_day is not None:
        from landbridge.valuation.mass.service import revalue_parcels

        t = time.perf_counter()
        with db.transaction() as s:
            run = revalue_parcels(s, valuation_date=date(current_day.year - 1, 12, 7),
                                  actor="user:bench", seed=args.seed)
            made = {"run": run.run_no, "s": round(time.perf_counter() - t, 1)}
    out: dict[str, Any] = {"bench": "map_layers", "database": args.database.split("/")[-1], "parcels": n,
                           "views": args.views, "previous_run_made": made, "layers": {}}
    with TestClient(create_app()) as client:
        for name, api in LAYERS.items():
            out["layers"][name] = {}
            for zoom in ZOOMS:
                times: list[float] = []
                features = 0
                for k in range(args.views + 5):
                    lon, lat = centres[rng.randrange(len(centres))]
                    t = time.perf_counter()
                    r = client.get(f"{api}?bbox={box(lon, lat, zoom)}&zoom={zoom}")
                    dt = (time.perf_counter() - t) * 1000
                    assert r.status_code == 200, r.text[:300]
                    if k >= 5:
                        times.append(dt)
                        features += len(r.json()["features"])
                out["layers"][name][str(zoom)] = {**stats(times), "features": round(features / args.views, 1)}
        uses = ["0101", "0103", "0601", "0701", "0702", "0501"]
        regions = ["360603", "360602", "360681", "360603100", "360603101", "360603105"]
        times, totals = [], 0
        for k in range(args.views + 5):
            q = {"area_min": rng.choice(["", "200", "500", "1000"]), "area_max": rng.choice(["", "3000", "10000"]),
                 "use": rng.choice(["", *uses]), "region": rng.choice(["", *regions]),
                 "max_road_m": rng.choice(["", "300", "1000"]), "max_town_m": rng.choice(["", "", "3000"]),
                 "price_min": rng.choice(["", "", "5", "50"])}
            query = "&".join(f"{a}={b}" for a, b in q.items() if b)
            t = time.perf_counter()
            r = client.get(f"/api/v1/finder?{query}&page_size=50")
            dt = (time.perf_counter() - t) * 1000
            assert r.status_code == 200, r.text[:300]
            if k >= 5:
                times.append(dt)
                totals += r.json()["total"]
        out["finder"] = {**stats(times), "mean_total": round(totals / args.views, 1)}
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""The service hall's home page per role (issue #20, ``bench/portal_home.py``) on a built demo world.

Usage: ``python bench/portal_home.py --database sqlite:////tmp/small.db [--views 100]`` on a database built by
``landbridge demo --no-serve --scale small|county|city``. Through the HTTP stack (``TestClient``, one process), for
each demo account of the city profile (password ``demo``): log in, 5 warm-up requests of ``/hall``, then
``--views`` timed ones; and ``--views`` searches (``/search?q=``) by a random current parcel's code prefix as an
anonymous visitor. Prints one JSON line: p50/p95/max ms and the to-dos shown per role, the search's figures, and the
database's parcel count. The target (issue #20) is p95 under 300 ms per role on the city-scale world.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, setup_env


def stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return {"p50": round(ordered[len(ordered) // 2], 1), "p95": round(p95, 1), "max": round(ordered[-1], 1)}


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", required=True)
    p.add_argument("--views", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    setup_env(args.database)
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from landbridge.auth.service import demo_accounts
    from landbridge.db import Database
    from landbridge.main import create_app
    from landbridge.registry.models import Parcel

    db = Database(args.database)
    rng = random.Random(args.seed)
    with db.transaction(readonly=True) as s:
        n = int(s.execute(select(func.count()).select_from(Parcel).where(Parcel.status == "current")).scalar_one())
        codes = list(s.scalars(select(Parcel.parcel_code).where(Parcel.status == "current")
                               .order_by(func.random()).limit(args.views)))
    out: dict[str, Any] = {"bench": "portal_home", "database": args.database.split("/")[-1], "parcels": n,
                           "views": args.views, "roles": {}}
    accounts = [(username, role.value) for role, username, *_ in demo_accounts()]
    for username, role in accounts:
        with TestClient(create_app(), headers={"Accept": "text/html"}) as client:
            form = client.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', form)
            assert token, "no login form"
            done = client.post("/login", data={"username": username, "password": "demo", "csrf": token.group(1),
                                                "next": "/hall"}, follow_redirects=False)
            assert done.status_code == 303, (username, done.status_code)
            times: list[float] = []
            todos = 0
            for k in range(args.views + 5):
                t = time.perf_counter()
                r = client.get("/hall")
                dt = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, (username, r.status_code)
                if k >= 5:
                    times.append(dt)
                    todos = r.text.count("data-module=")
            out["roles"][f"{username} ({role})"] = {**stats(times), "todos": todos}
    with TestClient(create_app()) as client:
        times = []
        hits = 0
        for code in codes:
            t = time.perf_counter()
            r = client.get("/api/v1/search", params={"q": code[: rng.choice((12, 14, 19))]})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
            hits += len(r.json()["items"])
        out["search"] = {**stats(times), "mean_hits": round(hits / max(1, len(codes)), 1)}
    out["worst_role_p95"] = max(v["p95"] for v in out["roles"].values())
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

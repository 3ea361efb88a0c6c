"""Shared set-up of the registry benchmarks: a database, a generated city of parcels, timers."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

# City scale: about 70 km x 78 km of Yingtan, inside the profile extent.
CITY_BOX = (116.60, 27.80, 117.30, 28.50)
SEED = 20260302


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--n", type=int, default=1_000_000, help="number of parcels")
    p.add_argument("--database", default=None, help="database URL (default: a SQLite file under /tmp)")
    p.add_argument("--seed", type=int, default=SEED)
    return p


def default_url(n: int) -> str:
    return f"sqlite:////tmp/landbridge_bench_{n}.db"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def setup_env(url: str) -> None:
    os.environ.setdefault("LANDBRIDGE_MODE", "test")
    os.environ["LANDBRIDGE_DATABASE_URL"] = url
    os.environ.setdefault("LANDBRIDGE_VAR_DIR", "/tmp/landbridge_bench_var")
    Path(os.environ["LANDBRIDGE_VAR_DIR"]).mkdir(parents=True, exist_ok=True)


def fresh_database(url: str) -> Any:
    """Drop and recreate the benchmark database, apply the migrations; return a ``Database``."""
    setup_env(url)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from landbridge.db import Database, normalise_url
    from landbridge.schema import upgrade

    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        u = make_url(normalise_url(url))
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()
        eng = create_engine(u, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        eng.dispose()
    upgrade(url)
    return Database(url)


def open_database(url: str) -> Any:
    setup_env(url)
    from landbridge.db import Database

    return Database(url)


def city_batch(n: int, seed: int) -> Any:
    """``n`` generated parcels over the city box, split into contiguous runs per village."""
    from landbridge.cityprofile import get_profile
    from landbridge.demo import generate_parcels
    from landbridge.registry.bulk import ParcelBatch

    geoms = generate_parcels(n, CITY_BOX, seed=seed)
    villages = [r.code for r in get_profile().villages()]
    regions = [villages[i * len(villages) // n] for i in range(n)]
    classes = ("0101", "0702", "0301", "0102")
    land_use = [classes[i % len(classes)] for i in range(n)]
    return ParcelBatch(geoms=geoms, region_codes=regions, land_use_classes=land_use)


def parcel_count(db: Any) -> int:
    from sqlalchemy import func, select

    from landbridge.registry.models import Parcel

    with db.transaction(readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(Parcel)) or 0)


class Timer:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def lap(self) -> float:
        t = time.perf_counter()
        out, self.t0 = t - self.t0, t
        return round(out, 3)

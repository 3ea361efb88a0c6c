"""Close of business A/B on one loaded state (issue #17 item 4): two versions of the code timed on the same data.

``load N URL [--first-close]`` fills a source database once with ``bench/lending_cob.py``'s loader (then
``VACUUM ANALYZE`` / ``ANALYZE``); ``time N URL TAG`` copies it (PostgreSQL ``CREATE DATABASE cobrun TEMPLATE``,
SQLite a file copy), closes the business day in committed chunks of 5,000 with whatever ``landbridge`` is first on
``PYTHONPATH`` (run it with ``PYTHONPATH=<checkout>/src``: that checkout's ``bench/_common.py`` is used, which puts
its own ``src`` first) and prints one JSON line: seconds, counts, the loans whose row carries the day, the load
average. Example: ``PYTHONPATH=/base/src python bench/lending_cob_ab.py time 1000000 URL before``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import date

sys.path.insert(0, os.environ["PYTHONPATH"].split(":")[0].rstrip("/").rsplit("/", 1)[0] + "/bench")
from _common import fresh_database, peak_rss_mb, setup_env
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

DAY = date(2026, 5, 1)


def _copy(url: str) -> str:
    if url.startswith("sqlite"):
        src = url.split("sqlite:///", 1)[1]
        dst = src + ".run"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(dst + suffix):
                os.unlink(dst + suffix)
        shutil.copyfile(src, dst)
        return "sqlite:///" + dst
    from landbridge.db import normalise_url

    u = make_url(normalise_url(url))
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "cobrun" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "cobrun" TEMPLATE "{u.database}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/cobrun"


def _load(n: int, url: str, first_close: bool) -> None:
    import lending_cob

    db = fresh_database(url)
    t0 = time.perf_counter()
    lending_cob._load(db, n, 42, first_close)
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
    print(json.dumps({"loaded": n, "load_s": round(time.perf_counter() - t0, 1)}))


def _time(n: int, url: str, tag: str) -> None:
    setup_env(url)
    run_url = _copy(url)
    setup_env(run_url)
    from landbridge.db import Database
    from landbridge.lending import cob
    from landbridge.lending.models import Loan
    from landbridge.lending.servicing import run_cob

    db = Database(run_url)
    load, cpu1 = os.getloadavg()[0], time.process_time()
    t1 = time.perf_counter()
    while True:
        with db.transaction() as s:
            run = run_cob(s, day=DAY, actor="bench", limit=5000)
            status, processed, moved, defaulted = run.status, run.processed, run.reclassified, run.defaulted
        if status == "done":
            break
    cob_s, cob_cpu_s = time.perf_counter() - t1, time.process_time() - cpu1
    with db.transaction() as s:
        written = s.scalar(select(func.count()).select_from(Loan).where(Loan.cob_date == DAY))
    print(json.dumps({"tag": tag, "n": n, "database": url.split(":", 1)[0], "cob_s": round(cob_s, 1), "cob_cpu_s": round(cob_cpu_s, 1),
                      "loans_per_s": round(n / cob_s), "processed": processed, "reclassified": moved,
                      "defaulted": defaulted, "rows_with_cob_date_day": written, "code": cob.__file__,
                      "load1_start": load, "load1_end": os.getloadavg()[0], "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    mode, n, url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "load":
        _load(n, url, "--first-close" in sys.argv)
    else:
        _time(n, url, sys.argv[4])


if __name__ == "__main__":
    main()

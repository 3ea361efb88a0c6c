"""Issue #16: the construction-quota ledger under contention. One county and year, one approved supply plan and a
large credited quota; ``--threads`` workers, each in its own transactions, allocate quota to destination parcels and
consume it for ``--seconds``, every call against the same county balance row (the hot row every change locks).
Prints allocations/s and consumptions/s, latency p50/p99 per kind, refusals, and checks the invariants at the end:
the balance equals the quota ledger's entries, consumed ≤ allocated ≤ accepted, every entry has its ledger event.

    PYTHONPATH=src .venv/bin/python bench/quota_ledger.py --database postgresql+psycopg://postgres@127.0.0.1:55440/qbench
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from typing import Any

from _common import fresh_database, peak_rss_mb

COUNTY, VILLAGE, YEAR, USE, QUARTER = "360603", "360603101001", 2026, "industrial", 2
ACTOR = "user:1:bench"
ORIGIN = (116.95, 28.20)
DEG = 1 / 111_000


def square(col: int, row: int, size_m: float) -> Any:
    from shapely.geometry import Polygon

    x0, y0 = ORIGIN[0] + col * 100 * DEG, ORIGIN[1] + row * 100 * DEG
    d = size_m * DEG
    return Polygon([(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d)])


def setup(db: Any, parcels: int) -> list[int]:
    """A collective with an ownership parcel, a credited 1 000 000 m² project, an approved plan, ``parcels``
    destination parcels; their ids."""
    from stdnum.cn import uscc

    from landbridge import collective, land_quota, registry
    from landbridge.land_quota import plan

    def code(prefix: str, n: int) -> str:
        body = f"{prefix}360603MA{n:07d}"
        return body + str(uscc.calc_check_digit(body + "0"))

    def register(s: Any, holder: int, geom: Any, right_type: str, land_use: str) -> int:
        app = registry.lodge_first_registration(s, actor=ACTOR, region_code=VILLAGE, geometry=geom,
                                                land_use_class=land_use, location="锦江村", right_type=right_type,
                                                holders=[(holder, "1")], attachment="W")
        registry.approve_application(s, application_id=app.id, actor=ACTOR)
        return int(registry.get_unit(s, int(app.payload["unit_id"])).parcel_id)

    with db.transaction() as s:
        party = registry.create_party(s, kind="organisation", name="锦江村股份经济合作社", id_number=code("93", 1),
                                      region_code=VILLAGE, actor=ACTOR).id
        committee = registry.create_party(s, kind="organisation", name="锦江村村民委员会", id_number=code("54", 2),
                                          region_code=VILLAGE, actor=ACTOR).id
        coll = collective.create_collective(s, party_id=party, region_code=VILLAGE, name="锦江村股份经济合作社",
                                            village_committee_party_id=committee, actor=ACTOR)
        register(s, party, square(0, 0, 2_000), "collective_land_ownership", "0702")
        pid = land_quota.register_project(
            s, actor=ACTOR, county_code=COUNTY, collective_id=coll.id, kind="homestead", plan_ref="bench 复垦方案",
            planned_area_m2="1000000", boundary_geometry=square(0, 0, 1_000))
        land_quota.start_works(s, pid.id, actor=ACTOR)
        land_quota.accept_reclamation(s, pid.id, actor=ACTOR, accepted_area_m2="1000000", quality_grade=6,
                                      accepted_on=date(YEAR, 3, 1))
        plan.draft_plan(s, actor=ACTOR, county_code=COUNTY, year=YEAR,
                        lines=[{"land_use": USE, "quota_m2": "1000000", "quarter": QUARTER, "parcels": parcels}])
        plan.approve_plan(s, actor=ACTOR, county_code=COUNTY, year=YEAR, approved_on=date(YEAR, 1, 15))
        return [register(s, party, square(30 + i % 40, 30 + i // 40, 30), "collective_construction_land_use_right",
                         "0601") for i in range(parcels)]


def main() -> int:
    from _common import parser

    p = parser(__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--parcels", type=int, default=400)
    args = p.parse_args()
    url = args.database or "postgresql+psycopg://postgres@127.0.0.1:55440/landbridge_bench_quota"
    db = fresh_database(url)
    from sqlalchemy import func, select

    from landbridge import land_quota
    from landbridge.errors import DomainError
    from landbridge.land_quota.models import QuotaEntry
    from landbridge.ledger.models import LedgerEvent

    t0 = time.perf_counter()
    parcels = setup(db, args.parcels)
    setup_s = time.perf_counter() - t0
    rng = random.Random(args.seed)
    lat: dict[str, list[float]] = {"allocate": [], "consume": []}
    refused: dict[str, int] = {}
    allocated: dict[int, Decimal] = {}
    guard = threading.Lock()
    stop = time.perf_counter() + args.seconds

    def worker(k: int) -> None:
        mine = parcels[k::args.threads]
        local = random.Random(rng.random())
        while time.perf_counter() < stop:
            parcel = local.choice(mine)
            kind = "consume" if allocated.get(parcel, Decimal(0)) >= 2 and local.random() < 0.5 else "allocate"
            t = time.perf_counter()
            try:
                with db.transaction() as s:
                    if kind == "allocate":
                        land_quota.allocate(s, actor=ACTOR, county_code=COUNTY, year=YEAR, parcel_id=parcel,
                                            amount_m2="2", land_use=USE, quarter=QUARTER)
                    else:
                        land_quota.consume(s, actor=ACTOR, parcel_id=parcel, year=YEAR, amount_m2="1")
            except DomainError as exc:
                with guard:
                    refused[exc.code] = refused.get(exc.code, 0) + 1
                continue
            with guard:
                lat[kind].append(time.perf_counter() - t)
                if kind == "allocate":
                    allocated[parcel] = allocated.get(parcel, Decimal(0)) + 2

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
    t1 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t1
    with db.transaction(readonly=True) as s:
        totals = land_quota.balance_of(s, COUNTY, YEAR)
        sums = dict(s.execute(select(QuotaEntry.kind, func.sum(QuotaEntry.amount_m2))
                              .where(QuotaEntry.county_code == COUNTY, QuotaEntry.year == YEAR)
                              .group_by(QuotaEntry.kind)).all())
        unlinked = s.scalar(select(func.count()).select_from(QuotaEntry).where(
            ~QuotaEntry.ledger_seq.in_(select(LedgerEvent.seq)))) or 0
    ok = (Decimal(sums.get("allocation", 0)) == totals.allocated and Decimal(sums.get("consumption", 0))
          == totals.consumed and totals.consumed <= totals.allocated <= totals.accepted and unlinked == 0)

    def pct(xs: list[float], q: float) -> float:
        return round(sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1) if xs else 0.0

    print(json.dumps({
        "bench": "quota_ledger", "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "threads": args.threads, "seconds": round(wall, 2), "setup_s": round(setup_s, 1),
        "allocations": len(lat["allocate"]), "consumptions": len(lat["consume"]),
        "allocations_per_s": round(len(lat["allocate"]) / wall, 1),
        "consumptions_per_s": round(len(lat["consume"]) / wall, 1),
        "allocate_p50_ms": pct(lat["allocate"], 0.5), "allocate_p99_ms": pct(lat["allocate"], 0.99),
        "consume_p50_ms": pct(lat["consume"], 0.5), "consume_p99_ms": pct(lat["consume"], 0.99),
        "refused": refused, "accepted_m2": str(totals.accepted), "allocated_m2": str(totals.allocated),
        "consumed_m2": str(totals.consumed), "invariants_ok": ok, "peak_rss_mb": peak_rss_mb()},
        ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

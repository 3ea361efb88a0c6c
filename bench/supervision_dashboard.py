"""The city's view (issue #19 done-means): full indicator recomputation and the dashboard page's latency.

Loads ``--loans`` loans (12 monthly instalments each; one in ten stopped paying after a random number of them)
and ``--lots`` awarded exchange lots, spread over the profile's villages, through SQLAlchemy Core; then times
``supervision.record_values`` for the year (every indicator over the city, counties, townships and villages: the
daily job's work) and requests ``/supervision/dashboard`` as a supervisor (stored figures, charts) ``--requests``
times after a warm-up, reporting p50/p95. Prints one JSON line.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from _common import default_url, fresh_database, parser, peak_rss_mb

DAY = date(2026, 6, 30)


def _load(db: Any, loans: int, lots: int, seed: int) -> None:
    from landbridge.auth import OrgKind, Role, create_organisation, create_user
    from landbridge.cityprofile.loader import get_profile
    from landbridge.exchange.models import Lot, LotResult
    from landbridge.lending import rules
    from landbridge.lending.models import Instalment, Loan

    rng = random.Random(seed)
    villages = [r.code for r in get_profile().villages()]
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with db.transaction() as s:
        bank = create_organisation(s, name="bench bank", kind=OrgKind.bank, region_code="360600000000").id
        org = create_organisation(s, name="bench supervisor", kind=OrgKind.nr_bureau, region_code="360600000000").id
        create_user(s, username="sup", password="demo", display_name="sup", role=Role.supervisor, organisation_id=org,
                    is_demo=True)
    block = 5_000
    for first in range(0, loans, block):
        rows, plans = [], []
        for i in range(first, min(loans, first + block)):
            start = date(2025, 7, 1) + timedelta(days=i % 180)
            rows.append({"loan_no": f"B{i:09d}", "product_code": "bench", "rules_digest": "0" * 64,
                         "borrower_party_id": 1, "bank_organisation_id": bank, "right_id": 1, "unit_id": 1,
                         "parcel_id": 1, "right_type": "forest_right", "principal_cny": Decimal("120000"),
                         "annual_rate": Decimal("0.0435"), "months": 12, "method": "equal_principal",
                         "grace_months": 0, "start_date": start, "maturity": rules.add_months(start, 12),
                         "sharers": [], "disbursed_at": datetime.combine(start, datetime.min.time(), UTC),
                         "outstanding_cny": Decimal("120000"), "penalty_cny": Decimal(0), "costs_cny": Decimal(0),
                         "days_past_due": 0, "tier": "normal", "loss_cny": Decimal(0), "status": "disbursed",
                         "region_code": rng.choice(villages), "version": 1, "created_at": stamp})
            plans.append(start)
        with db.transaction() as s:
            s.execute(Loan.__table__.insert(), rows)
            ids = list(s.scalars(Loan.__table__.select().with_only_columns(Loan.__table__.c.id)
                                 .where(Loan.__table__.c.loan_no >= rows[0]["loan_no"])
                                 .where(Loan.__table__.c.loan_no <= rows[-1]["loan_no"])
                                 .order_by(Loan.__table__.c.id)))
            inst = [{"loan_id": lid, "n": k, "due_date": rules.add_months(start, k), "principal_cny": Decimal(10000),
                     "interest_cny": Decimal(435), "paid_principal_cny": Decimal(0), "paid_interest_cny": Decimal(0)}
                    for lid, start in zip(ids, plans, strict=True) for k in range(1, 13)]
            s.execute(Instalment.__table__.insert(), inst)
    with db.transaction() as s:
        for first in range(0, lots, block):
            count = min(block, lots - first)
            s.execute(Lot.__table__.insert(), [
                {"number": f"BL{i:09d}", "kind": "land_management_right", "method": "english", "title": f"bench {i}",
                 "rule_version": "1", "rules": {}, "attempt": 1, "excluded_party_ids": [], "phase": "concluded",
                 "start_price_cny": Decimal(1000), "increment_cny": Decimal(100), "deposit_cny": Decimal(100),
                 "accepted_bids": 0, "starts_at": stamp, "region_code": rng.choice(villages), "created_by": "bench",
                 "created_at": stamp, "version": 1} for i in range(first, first + count)])
        lot_ids = list(s.scalars(Lot.__table__.select().with_only_columns(Lot.__table__.c.id)))
        s.execute(LotResult.__table__.insert(), [
            {"lot_id": lid, "outcome": "award", "reason": "bench", "price_cny": Decimal(rng.randrange(10_000, 900_000)),
             "decided_at": stamp + timedelta(days=rng.randrange(0, 180)), "defaulted_bidder_ids": []}
            for lid in lot_ids])


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--loans", type=int, default=20_000)
    p.add_argument("--lots", type=int, default=20_000)
    p.add_argument("--requests", type=int, default=40)
    args = p.parse_args()
    url = args.database or default_url(args.loans).replace(".db", "_supervision.db")
    db = fresh_database(url)
    from fastapi.testclient import TestClient

    from landbridge.db import set_database
    from landbridge.kernel.clock import Clock, set_clock
    from landbridge.main import create_app
    from landbridge.supervision import service

    set_database(db)
    set_clock(Clock(datetime(2026, 6, 30, 8, tzinfo=UTC), speed=0))
    t0 = time.perf_counter()
    _load(db, args.loans, args.lots, args.seed)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with db.transaction() as s:
        stored = service.record_values(s, service.parse_period("2026"), DAY)
    compute_s = time.perf_counter() - t0
    client = TestClient(create_app())
    token = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "sup", "password": "demo", "csrf": token, "next": "/"})
    for _ in range(3):
        assert client.get("/supervision/dashboard?period=2026").status_code == 200
    times = []
    for _ in range(args.requests):
        t0 = time.perf_counter()
        answer = client.get("/supervision/dashboard?period=2026")
        times.append(time.perf_counter() - t0)
        assert answer.status_code == 200
    times.sort()
    print(json.dumps({"loans": args.loans, "lots": args.lots, "load_s": round(load_s, 1),
                      "recompute_s": round(compute_s, 2), "rows_stored": stored,
                      "dashboard_p50_ms": round(statistics.median(times) * 1000, 1),
                      "dashboard_p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
                      "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()

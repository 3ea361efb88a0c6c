"""Close of business over n loans (issue #17 item 4): ``lending.run_cob`` in committed chunks, as the CLI runs it.

One bank organisation and n loans of 120,000 yuan over 12 monthly instalments (equal principal), started on
dates spread over 120 days; nine in ten have paid every instalment due, one in ten stopped paying after a random
number of them. Two shapes of the business day closed (2026-05-01):

- ``steady`` (default): every loan was closed the day before, with the days past due, class and status (defaulted
  from 90 days) it had then: the daily run, where a few loans cross a class floor or the default trigger.
- ``--first-close``: no loan was ever closed and every one stands at 正常: all the delinquent loans change class
  at once (one ledger event each): the shape the issue's first figure (1,220 loans/s) was measured on.

Loans go in through SQLAlchemy Core, instalments through the driver (SQLite ``executemany``, PostgreSQL ``COPY``);
then the close of one business day is timed, and a rerun of the same day too (it must process nothing). Prints one
JSON line.
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import fresh_database, parser, peak_rss_mb

DAY = date(2026, 5, 1)


def _load(db: Any, n: int, seed: int, first_close: bool) -> None:
    from landbridge.auth import OrgKind, create_organisation
    from landbridge.kernel.money import yuan_to_fen
    from landbridge.lending import rules
    from landbridge.lending.models import Loan
    from landbridge.lending.servicing import cob_settings

    rng = random.Random(seed)
    settings = cob_settings(DAY - timedelta(days=1))
    with db.transaction() as s:
        bank = create_organisation(s, name="bench bank", kind=OrgKind.bank, region_code="360600000000").id
    template = rules.schedule("120000", "0.0435", 12, "equal_principal", date(2026, 1, 15))
    amounts = [(r.n, yuan_to_fen(r.principal), yuan_to_fen(r.interest)) for r in template]
    stamp = datetime(2026, 1, 15, tzinfo=UTC)
    principal, rate = rules.parse_money("120000", "p"), rules.parse_rate("0.0435")
    block = 20_000
    for first in range(0, n, block):
        count = min(block, n - first)
        loans: list[dict[str, Any]] = []
        plans: list[tuple[list[date], int]] = []
        for i in range(first, first + count):
            start = date(2025, 11, 1) + timedelta(days=i % 120)
            dues = [rules.add_months(start, k) for k in range(1, 13)]
            due_now = sum(1 for d in dues if d < DAY)
            paid = rng.randrange(due_now) if due_now and rng.random() < 0.1 else due_now
            plans.append((dues, paid))
            status, tier, dpd, cob = "disbursed", "normal", 0, None
            if not first_close:  # closed yesterday: its state as of then
                cob = DAY - timedelta(days=1)
                late = [d for d in dues[paid:] if d < cob]
                dpd = (cob - late[0]).days if late else 0
                tier = rules.classify(dpd, settings["floors"]).value
                status = "defaulted" if dpd >= settings["trigger"] else "disbursed"
            loans.append({"loan_no": f"LB{i:010d}", "product_code": "two_rights", "rules_digest": "bench",
                          "borrower_party_id": i + 1, "bank_organisation_id": bank, "right_id": i + 1,
                          "unit_id": i + 1, "parcel_id": i + 1, "right_type": "forest_right",
                          "principal_cny": principal, "annual_rate": rate, "months": 12,
                          "method": "equal_principal", "grace_months": 0, "start_date": start,
                          "maturity": dues[-1], "status": status, "region_code": "360622100001", "version": 1,
                          "created_at": stamp, "sharers": [{"party": "fund", "share": "0.40"}],
                          "outstanding_cny": principal, "penalty_cny": rules.ZERO, "costs_cny": rules.ZERO,
                          "days_past_due": dpd, "tier": tier, "cob_date": cob, "loss_cny": rules.ZERO,
                          "restriction_id": None})
        with db.transaction() as s:
            s.execute(Loan.__table__.insert(), loans)
            ids = list(s.execute(Loan.__table__.select().with_only_columns(Loan.id).where(Loan.id > first)
                                 .order_by(Loan.id).limit(count)).scalars())
            rows = [(loan_id, k, dues[k - 1], p, it, p if k <= paid else 0, it if k <= paid else 0)
                    for loan_id, (dues, paid) in zip(ids, plans, strict=True) for k, p, it in amounts]
            raw = s.connection().connection.dbapi_connection
            columns = "loan_id, n, due_date, principal_cny, interest_cny, paid_principal_cny, paid_interest_cny"
            if s.get_bind().dialect.name == "postgresql":
                with raw.cursor() as cur, cur.copy(f"COPY lending_instalment ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                raw.executemany(f"INSERT INTO lending_instalment ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(a, b, c.isoformat(), d, e, f, g) for a, b, c, d, e, f, g in rows])


def main() -> None:
    p = parser("lending close of business")
    p.add_argument("--chunk", type=int, default=5000)
    p.add_argument("--first-close", action="store_true", help="no loan closed before: every delinquent one "
                                                                "changes class (one ledger event each)")
    args = p.parse_args()
    n = args.n
    url = args.database or f"sqlite:////tmp/landbridge_bench_lending_{n}.db"
    db = fresh_database(url)
    from sqlalchemy import func, select, text

    from landbridge.ledger.models import LedgerEvent
    from landbridge.lending.servicing import run_cob

    t0 = time.perf_counter()
    _load(db, n, args.seed, args.first_close)
    with db.engine.connect() as conn:  # statistics (and on PostgreSQL hint bits) as a database in service has them
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))
    load_s = time.perf_counter() - t0
    with db.transaction() as s:
        events_before = s.scalar(select(func.count()).select_from(LedgerEvent)) or 0
    load1, cpu1 = os.getloadavg()[0], time.process_time()
    t1 = time.perf_counter()
    while True:
        with db.transaction() as s:
            run = run_cob(s, day=DAY, actor="bench", limit=args.chunk)
            status, processed, reclassified, defaulted = run.status, run.processed, run.reclassified, run.defaulted
        if status == "done":
            break
    cob_s, cob_cpu_s = time.perf_counter() - t1, time.process_time() - cpu1
    load1_end = os.getloadavg()[0]
    with db.transaction() as s:
        events = (s.scalar(select(func.count()).select_from(LedgerEvent)) or 0) - events_before
    t2 = time.perf_counter()
    with db.transaction() as s:
        again = run_cob(s, day=DAY, actor="bench", limit=args.chunk).processed
    rerun_s = time.perf_counter() - t2
    print(json.dumps({"n": n, "database": url.split(":", 1)[0], "shape": "first_close" if args.first_close
                      else "steady", "chunk": args.chunk, "load_s": round(load_s, 1), "cob_s": round(cob_s, 1),
                      "cob_cpu_s": round(cob_cpu_s, 1), "load1_start": load1, "load1_end": load1_end,
                      "loans_per_s": round(n / cob_s, 1), "processed": processed, "reclassified": reclassified,
                      "defaulted": defaulted, "ledger_events": events, "rerun_s": round(rerun_s, 2),
                      "rerun_processed": again, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()

"""Close of business over n loans (issue #17 item 4): ``lending.run_cob`` in committed chunks, as the CLI runs it.

Loans are inserted directly (Core executemany: one bank organisation, n disbursed loans of 12 monthly instalments,
a tenth of them a month or more past due); then the close of one business day is timed, and a rerun of the same day
is timed too (it must process nothing). Prints one JSON line.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, date, datetime

from _common import fresh_database, parser, peak_rss_mb


def main() -> None:
    p = parser("lending close of business")
    p.add_argument("--chunk", type=int, default=5000)
    args = p.parse_args()
    n = args.n
    url = args.database or f"sqlite:////tmp/landbridge_bench_lending_{n}.db"
    db = fresh_database(url)

    from landbridge.auth import OrgKind, create_organisation
    from landbridge.lending import rules
    from landbridge.lending.models import Instalment, Loan
    from landbridge.lending.servicing import run_cob

    rng = random.Random(args.seed)
    with db.transaction() as s:
        bank = create_organisation(s, name="bench bank", kind=OrgKind.bank, region_code="360600000000").id
    start = date(2026, 1, 15)
    rows = rules.schedule("120000", "0.0435", 12, "equal_principal", start)
    t0 = time.perf_counter()
    stamp = datetime(2026, 1, 15, tzinfo=UTC)
    block = 10_000
    for first in range(0, n, block):
        count = min(block, n - first)
        with db.transaction() as s:
            loans = [{"loan_no": f"LB{first + i:010d}", "product_code": "two_rights", "rules_digest": "bench",
                      "borrower_party_id": first + i + 1, "bank_organisation_id": bank, "right_id": first + i + 1,
                      "unit_id": first + i + 1, "parcel_id": first + i + 1, "right_type": "forest_right",
                      "principal_cny": rules.parse_money("120000", "p"), "annual_rate": rules.parse_rate("0.0435"),
                      "months": 12, "method": "equal_principal", "grace_months": 0, "start_date": start,
                      "maturity": rows[-1].due_date, "status": "disbursed", "region_code": "360622100001",
                      "version": 1, "created_at": stamp, "sharers": [{"party": "fund", "share": "0.40"}],
                      "outstanding_cny": rules.parse_money("120000", "p"), "penalty_cny": rules.ZERO,
                      "costs_cny": rules.ZERO, "days_past_due": 0, "tier": "normal", "loss_cny": rules.ZERO,
                      "restriction_id": None} for i in range(count)]
            s.execute(Loan.__table__.insert(), loans)
            ids = [r for (r,) in s.execute(Loan.__table__.select().with_only_columns(Loan.id).where(
                Loan.id > first).order_by(Loan.id).limit(count))]
            inst = []
            for loan_id in ids:
                paid = 1 if rng.random() < 0.1 else 3  # a tenth stopped paying after the first instalment
                for r in rows:
                    done = r.n <= paid
                    inst.append({"loan_id": loan_id, "n": r.n, "due_date": r.due_date, "principal_cny": r.principal,
                                 "interest_cny": r.interest,
                                 "paid_principal_cny": r.principal if done else rules.ZERO,
                                 "paid_interest_cny": r.interest if done else rules.ZERO})
            s.execute(Instalment.__table__.insert(), inst)
    load_s = time.perf_counter() - t0
    day = date(2026, 5, 1)
    t1 = time.perf_counter()
    while True:
        with db.transaction() as s:
            run = run_cob(s, day=day, actor="bench", limit=args.chunk)
            status, processed, reclassified = run.status, run.processed, run.reclassified
        if status == "done":
            break
    cob_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    with db.transaction() as s:
        again = run_cob(s, day=day, actor="bench", limit=args.chunk).processed
    rerun_s = time.perf_counter() - t2
    print(json.dumps({"n": n, "database": url.split(":", 1)[0], "load_s": round(load_s, 1),
                      "cob_s": round(cob_s, 1), "loans_per_s": round(n / cob_s, 1), "processed": processed,
                      "reclassified": reclassified, "rerun_s": round(rerun_s, 2), "rerun_processed": again,
                      "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()

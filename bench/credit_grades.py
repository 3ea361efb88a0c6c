"""Grade every household of a city-scale roll (issue #18): ``credit.grade_parties(None)``, the yearly run, then the
designations of every village and township; a rerun of the grading too (every grade row updated); then a household
scorecard trained on the graded households that borrowed (``credit train --kind household``'s work) and the run again,
grading AND scoring every household (numpy over the bin tables, ``scorecard.vector``).

The roll: n parties (households) in villages of 300, through SQLAlchemy Core; one in ten borrowed (a loan row: nine
in ten of them repaid or current, some overdue, one in fifty defaulted); 200 registered rights, each household
holding 0–3 of them (holder rows through Core: the registry's grouped read is what is timed, not a real
cadastre); one in two hundred households court-listed. Prints one JSON line: seconds to load, to grade (first run
and rerun, no household model), to train the household model, to grade and score, of which scoring, to designate,
grades by band, parties per second, peak memory.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import fresh_database, parser, peak_rss_mb

DAY = date(2026, 12, 7)
ACTOR = "bench"


def _square(i: int) -> Any:
    from shapely.geometry import Polygon
    x0, y0 = 116.95 + (i % 20) * 0.001, 28.20 + (i // 20) * 0.001
    d = 0.0004
    return Polygon([(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d)])


def _load(db: Any, n: int, seed: int) -> None:
    from stdnum.cn import ric

    from landbridge import registry
    from landbridge.auth import OrgKind, create_organisation
    from landbridge.credit.models import CourtListing
    from landbridge.lending import rules
    from landbridge.lending.models import Loan
    from landbridge.registry.models import Party, RightHolder

    rng = random.Random(seed)
    stamp = datetime(2026, 1, 15, tzinfo=UTC)
    with db.transaction() as s:
        bank = create_organisation(s, name="bench bank", kind=OrgKind.bank, region_code="360600000000").id
        body = "36062219800101001"
        owner = registry.create_party(s, kind="person", name="bench owner", actor=ACTOR,
                                      id_number=body + str(ric.calc_check_digit(body + "0"))).id
        rights = []
        for i in range(200):
            app = registry.lodge_first_registration(
                s, actor=ACTOR, region_code="360603101002", geometry=_square(i), land_use_class="0301",
                location="bench", right_type="forest_right", holders=[(owner, "1")], attachment="L",
                term_start=date(2020, 1, 1), term_end=date(2060, 1, 1))
            registry.approve_application(s, application_id=app.id, actor=ACTOR)
            rights.append(registry.current_rights(s, int(app.payload["unit_id"]))[0].id)
    principal, rate = rules.parse_money("50000", "p"), rules.parse_rate("0.0435")
    block = 50_000
    for first in range(0, n, block):
        count = min(block, n - first)
        parties = [{"kind": "group", "name": f"户{i}", "region_code": f"3606{(i // 300) // 100:05d}{(i // 300) % 100:03d}",
                    "created_at": stamp} for i in range(first, first + count)]
        with db.transaction() as s:
            s.execute(Party.__table__.insert(), parties)
            ids = list(s.execute(Party.__table__.select().with_only_columns(Party.id).where(Party.name.like("户%"))
                                 .order_by(Party.id.desc()).limit(count)).scalars())[::-1]
            holders, loans, listings = [], [], []
            for pid in ids:
                for right in rng.sample(rights, rng.randrange(4)):
                    holders.append({"right_id": right, "party_id": pid, "share_num": 1, "share_den": 1})
                if rng.random() < 0.1:
                    roll = rng.random()
                    status, dpd, tier = ("repaid", 0, "normal") if roll < 0.45 else ("disbursed", 0, "normal")
                    if roll > 0.93:
                        status, dpd, tier = "disbursed", 40, "special_mention"
                    if roll > 0.98:
                        status, dpd, tier = "defaulted", 120, "substandard"
                    start = date(2025, 1, 1) + timedelta(days=pid % 300)
                    loans.append({"loan_no": f"LB{pid:010d}", "product_code": "two_rights", "rules_digest": "bench",
                                  "borrower_party_id": pid, "bank_organisation_id": bank, "right_id": pid,
                                  "unit_id": pid, "parcel_id": pid, "right_type": "forest_right",
                                  "principal_cny": principal, "annual_rate": rate, "months": 12,
                                  "method": "equal_principal", "grace_months": 0, "start_date": start,
                                  "maturity": start + timedelta(days=365), "status": status,
                                  "region_code": "360622100001", "version": 1, "created_at": stamp, "sharers": [],
                                  "outstanding_cny": rules.ZERO if status == "repaid" else principal,
                                  "penalty_cny": rules.ZERO, "costs_cny": rules.ZERO, "days_past_due": dpd,
                                  "tier": tier, "loss_cny": rules.ZERO})
                if rng.random() < 0.005:
                    listings.append({"party_id": pid, "court": "余江区人民法院", "case_no": f"(2026)执{pid}号",
                                     "listed_on": date(2026, 1, 1), "ends_on": date(2028, 1, 1),
                                     "extended_years": 0, "bar_ids": [], "listed_by": ACTOR, "status": "listed",
                                     "created_at": stamp})
            s.execute(RightHolder.__table__.insert(), holders)
            if loans:
                s.execute(Loan.__table__.insert(), loans)
            if listings:
                s.execute(CourtListing.__table__.insert(), listings)


def main() -> None:
    p = parser("grade every household (credit, issue #18)")
    p.set_defaults(n=340_000)
    args = p.parse_args()
    url = args.database or f"sqlite:////tmp/landbridge_bench_credit_{args.n}.db"
    db = fresh_database(url)
    from landbridge import credit
    from landbridge.kernel.clock import Clock, set_clock

    set_clock(Clock(datetime(2026, 12, 7, 2, 0, tzinfo=UTC), speed=0))
    t0 = time.perf_counter()
    _load(db, args.n, args.seed)
    loaded = time.perf_counter() - t0
    timings = []
    for _ in range(2):  # no household model yet: the yearly run grades only (first run, then a rerun)
        t = time.perf_counter()
        with db.transaction() as s:
            run = credit.service.grade_and_score(s, None, actor=ACTOR, day=DAY)
        timings.append(time.perf_counter() - t)
    grades = run.grades
    t = time.perf_counter()
    model = _train_households(db)
    trained = time.perf_counter() - t
    t = time.perf_counter()
    with db.transaction() as s:
        scored_run = credit.service.grade_and_score(s, None, actor=ACTOR, day=DAY)
    graded_and_scored = time.perf_counter() - t
    t = time.perf_counter()
    with db.transaction() as s:
        rows = credit.designate(s, year=2026, actor=ACTOR, day=DAY)
    designated = time.perf_counter() - t
    by_grade: dict[str, int] = {}
    for g in grades.values():
        by_grade[g.grade] = by_grade.get(g.grade, 0) + 1
    print(json.dumps({"bench": "credit_grades", "parties": len(grades), "load_s": round(loaded, 1),
                      "grade_s": round(timings[0], 2), "regrade_s": round(timings[1], 2),
                      "parties_per_s": round(len(grades) / timings[0]),
                      "train_household_s": round(trained, 2), "household_model": model,
                      "grade_and_score_s": round(graded_and_scored, 2), "scored": scored_run.scored,
                      "score_only_s": round(scored_run.score_seconds, 2),
                      "scored_per_s": round(scored_run.scored / max(scored_run.score_seconds, 1e-9)),
                      "designate_s": round(designated, 2),
                      "villages": sum(r.level == "village" for r in rows),
                      "credit_villages": sum(r.level == "village" and r.status == "designated" for r in rows),
                      "townships": sum(r.level == "township" for r in rows), "by_grade": by_grade,
                      "peak_rss_mb": peak_rss_mb(), "database": url.split(":", 1)[0]}))


def _train_households(db: Any) -> dict[str, Any]:
    """``landbridge credit train --kind household``'s work: the graded households that borrowed, bad = a loan
    defaulted; registered as the next version of ``household_default``."""
    from landbridge.credit.scorecard import households, registry, ruleset
    from landbridge.credit.scorecard.train import train

    with db.transaction() as s:
        rows = households.training_rows(s)
        features, bad = households.frame(rows)
        result = train(features, bad, holdout=0.3, seed=0, scale=ruleset.scale(DAY))
        model = registry.register(s, name=households.MODEL_NAME, table=result.table, metrics=result.summary,
                                  data_sha256=households.digest(rows), n_rows=len(rows), actor=ACTOR)
        return {"version": model.version, "n_rows": len(rows), "bad": int(bad.sum()), "auc": result.summary["auc"],
                "baseline_auc": result.summary["baseline"]["auc"]}


if __name__ == "__main__":
    main()

"""Mass appraisal on a built demo world: fit on its sales, value every parcel, IAAO figures and error vs truth.

Usage: ``python bench/valuation_mass.py --database sqlite:////tmp/county.db [--seed 1] [--threads 2]``
on a database built by ``landbridge demo --no-serve --scale county|city``. Prints one JSON line: seconds
for the job (fit + prediction + writing), the held-out ratio study by property class with verdicts,
and the median absolute percentage error (MdAPE) of the values against the stored true values.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

import numpy as np
from sqlalchemy import select

from landbridge.db import Database
from landbridge.demo.models import TrueValue
from landbridge.schema import upgrade
from landbridge.valuation.mass.service import iter_values, revalue_parcels


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--method", default="gbm")
    args = p.parse_args()
    upgrade(args.database)
    db = Database(args.database)
    stages: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(stage: str, _done: int, _total: int) -> None:
        stages[stage] = round(time.perf_counter() - t0, 2)

    with db.transaction(readonly=True) as s:
        as_of = s.scalar(select(TrueValue.as_of).limit(1)) or date.today()
    with db.transaction() as s:
        run = revalue_parcels(s, valuation_date=as_of, actor="system:bench", seed=args.seed, method=args.method,
                              threads=args.threads, progress=progress)
        run_id, metrics, params = run.id, run.metrics, run.parameters
        sales, parcels = run.sale_count, run.parcel_count
    seconds = round(time.perf_counter() - t0, 2)
    with db.transaction(readonly=True) as s:
        truth = dict(s.execute(select(TrueValue.parcel_id, TrueValue.value_per_m2_cny)).all())
        ape = [abs(v / (float(truth[p]) * 100) - 1) for chunk in iter_values(s, run_id) for p, v in chunk
               if p in truth]

    def brief(st: dict[str, object]) -> dict[str, object]:
        return {k: st[k] for k in ("n", "median", "cod", "prd", "prb")} | {"passed": st["verdict"]["passed"]}  # type: ignore[index]

    print(json.dumps({
        "bench": "valuation_mass", "method": args.method, "sales": sales, "parcels_valued": parcels,
        "unvalued_by_use": params.get("unvalued_by_use"), "seconds_total": seconds,
        "seconds_at_stage_end": stages, "holdout": brief(metrics),
        "by_property_class": {k: brief(v) for k, v in metrics.get("property_classes", {}).items() if v},
        "mdape_vs_truth_pct": round(100 * float(np.median(ape)), 2), "n_truth": len(ape),
    }, ensure_ascii=False, default=float))


if __name__ == "__main__":
    main()

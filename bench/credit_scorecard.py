"""Scorecard benchmark (issue #18 scope 3): train on German credit (the issue's split: holdout 0.3, seed 0) and
report both models' held-out AUC / KS / Gini with the training time; then score ``--n`` rows (default 340,000, the
city's households) from the exported points table with reason codes, and measure a PSI report over them (from those scores).

    PYTHONPATH=src python bench/credit_scorecard.py [--n 340000]

Needs optbinning and scikit-learn (the project's dependencies); prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from landbridge.credit.scorecard.monitor import Thresholds, monitor  # noqa: E402
from landbridge.credit.scorecard.train import Scaling, read_csv, train_csv  # noqa: E402

GERMAN = ROOT / "tests" / "data" / "credit" / "german_credit.csv"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=340_000, help="rows to score from the points table")
    args = p.parse_args()
    started = time.perf_counter()
    result = train_csv(GERMAN, "bad", holdout=0.3, seed=0, scale=Scaling())
    wall = time.perf_counter() - started
    features, _ = read_csv(GERMAN, "bad")
    base = features.to_dict("records")
    rnd = random.Random(0)
    rows = [base[rnd.randrange(len(base))] for _ in range(args.n)]
    started = time.perf_counter()
    scored = result.table.scores(rows)
    scoring = time.perf_counter() - started
    started = time.perf_counter()
    report = monitor(result.table, rows, Thresholds(Decimal("0.10"), Decimal("0.25")), scored)
    monitoring = time.perf_counter() - started
    print(json.dumps({
        "scorecard": {k: result.summary[k] for k in ("auc", "ks", "gini", "n_train", "n_test", "train_seconds")},
        "baseline": result.summary["baseline"], "train_wall_seconds": round(wall, 2),
        "scored": len(scored), "scoring_seconds": round(scoring, 2),
        "scores_per_second": round(len(scored) / scoring), "psi_seconds": round(monitoring, 2),
        "score_psi": report["score"]["psi"],
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()

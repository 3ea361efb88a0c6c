"""Benchmark: a ratio study (``valuation.ratio.ratio_study``) on n rows (default 10⁶; target under 1 s).

Sale prices log-normal, appraisals the prices times a log-normal error (sd 0.15); IQR trimming on, with the
delta-method intervals that samples above ``ratio_bootstrap_max_n`` get. Also times the bootstrap
intervals on 10 000 rows and the by-segment study (20 segments). Prints one JSON line; best of 3 runs.
"""

from __future__ import annotations

import json
import time

import numpy as np
from _common import parser, peak_rss_mb


def best_of(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return round(min(times), 3)


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    from landbridge.valuation.ratio.study import ratio_study, ratio_study_by_segment

    rng = np.random.default_rng(args.seed)
    sale = np.exp(rng.normal(11, 1, args.n))
    appraised = sale * np.exp(rng.normal(0, 0.15, args.n))
    segments = rng.integers(0, 20, args.n).astype(str)
    study = ratio_study(appraised, sale)
    small = 10_000
    figures = {
        "n": args.n,
        "ratio_study_s": best_of(lambda: ratio_study(appraised, sale)),
        "ratio_study_untrimmed_s": best_of(lambda: ratio_study(appraised, sale, trim=None)),
        "by_20_segments_s": best_of(lambda: ratio_study_by_segment(appraised, sale, segments), 1),
        "bootstrap_1000_on_10000_s": best_of(lambda: ratio_study(appraised[:small], sale[:small])),
        "ci_method": study.ci_method,
        "median": round(study.median, 4), "cod": round(study.cod, 2), "prd": round(study.prd, 4),
        "prb": round(study.prb or 0.0, 4),
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

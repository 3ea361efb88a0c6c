"""Monitoring a scorecard (issue #18 scope 3): the population stability index of the score and of each feature
between the training population (its shares, kept in the points table) and a later population, with drift alerts
by the rule set's thresholds (``psi_watch`` 0.10, ``psi_alert`` 0.25). Pure: no numpy, no database.

    PSI = sum over bins of (actual share - expected share) * ln(actual share / expected share)

An empty bin on either side is floored at ``EPSILON`` (a share of 0.0001), so the index stays finite.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from landbridge.credit.errors import CreditError
from landbridge.credit.scorecard.points import CATEGORICAL, PointsTable, Scored

EPSILON = 1e-4
STABLE, WATCH, ALERT = "stable", "watch", "alert"


@dataclass(frozen=True)
class Thresholds:
    """The rule set's drift thresholds: ``watch`` from ``psi_watch``, ``alert`` from ``psi_alert``."""

    watch: Decimal
    alert: Decimal

    def status(self, psi: float) -> str:
        value = Decimal(str(psi))
        if value >= self.alert:
            return ALERT
        return WATCH if value >= self.watch else STABLE


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """The population stability index of two share vectors over the same bins."""
    if len(expected) != len(actual) or not expected:
        raise ValueError("PSI needs two share vectors over the same bins")
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, EPSILON), max(a, EPSILON)
        total += (a - e) * math.log(a / e)
    return total


def shares(counts: Sequence[int]) -> list[float]:
    n = sum(counts)
    return [c / n for c in counts] if n else [0.0 for _ in counts]


def _labels(feature: Mapping[str, Any]) -> list[str]:
    labels = [str(b["label"]) for b in feature["bins"]] + ["Missing"]
    return [*labels, "Other"] if feature["kind"] == CATEGORICAL else labels


def _expected(feature: Mapping[str, Any]) -> list[float]:
    values = [float(b["train_share"]) for b in feature["bins"]] + [float(feature["missing_train_share"])]
    return [*values, 0.0] if feature["kind"] == CATEGORICAL else values


def monitor(table: PointsTable, rows: Sequence[Mapping[str, Any]], thresholds: Thresholds,
            scored: Sequence[Scored] | None = None) -> dict[str, Any]:
    """PSI of the score (over the training score bands) and of each feature (over its bins) for ``rows``, each with
    its status; ``alerts`` lists what reached the alert threshold, ``watch`` what reached the watch one. ``scored``
    are the rows' scores when the caller has them already (the same table's)."""
    if not rows:
        raise CreditError.SCORECARD_TOO_FEW_ROWS.error(detail="no rows to monitor")
    bands = table.data.get("score_bands")
    if not bands:
        raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason="no training score bands")
    if scored is None:
        scored = table.scores(rows)
    elif len(scored) != len(rows):
        raise ValueError("one score per row")
    edges = [float(e) for e in bands["edges"]]
    band_counts = [0] * (len(edges) + 1)
    for s in scored:
        band_counts[bisect.bisect_right(edges, s.score)] += 1
    score_psi = psi([float(v) for v in bands["train_shares"]], shares(band_counts))
    features = []
    for feature in table.features:
        labels = _labels(feature)
        position = {label: i for i, label in enumerate(labels)}
        counts = [0] * len(labels)
        for s in scored:
            counts[position[s.bins[str(feature["name"])]]] += 1
        value = psi(_expected(feature), shares(counts))
        features.append({"feature": feature["name"], "psi": round(value, 4), "status": thresholds.status(value)})
    score = {"psi": round(score_psi, 4), "status": thresholds.status(score_psi)}
    everything = [{"feature": "(score)", **score}, *features]
    return {
        "n": len(rows), "score": score, "features": features,
        "thresholds": {"watch": str(thresholds.watch), "alert": str(thresholds.alert)},
        "alerts": [f["feature"] for f in everything if f["status"] == ALERT],
        "watch": [f["feature"] for f in everything if f["status"] == WATCH],
    }

"""Scorecard monitoring (issue #18 scope 3): PSI by hand, drift statuses by the rule set's thresholds."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from landbridge.credit.scorecard import ruleset
from landbridge.credit.scorecard.monitor import ALERT, STABLE, WATCH, Thresholds, monitor, psi
from landbridge.credit.scorecard.points import PointsTable
from landbridge.errors import DomainError
from tests.credit.scorecard.test_points import table

RULES = Thresholds(watch=Decimal("0.10"), alert=Decimal("0.25"))


def test_psi_by_hand() -> None:
    expected, actual = [0.5, 0.5], [0.25, 0.75]
    by_hand = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert psi(expected, actual) == pytest.approx(by_hand)
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0
    assert math.isfinite(psi([1.0, 0.0], [0.0, 1.0]))  # empty bins are floored, not infinite


def test_statuses_follow_the_thresholds_inclusive() -> None:
    assert [RULES.status(v) for v in (0.0999, 0.10, 0.2499, 0.25, 3.0)] == [STABLE, WATCH, WATCH, ALERT, ALERT]


def test_the_rule_set_holds_the_thresholds_and_the_scale() -> None:
    assert ruleset.thresholds() == RULES
    scale = ruleset.scale()
    assert (scale.base_score, scale.base_odds, scale.pdo, scale.reason_codes) == (600, 50, 20, 3)


def like_training() -> list[dict[str, object]]:
    """100 rows with the training's shares of every bin: age 20 % / 50 % / 30 %, job 60 / 40, loans 70 / 30."""
    return [{"age": 20 if i % 10 < 2 else 30 if i % 10 < 7 else 45, "job": "farmer" if i % 5 < 3 else "none",
             "loans": 1 if i % 10 < 7 else 5} for i in range(100)]


def banded() -> PointsTable:
    data = table()
    rows = like_training()
    below = sum(PointsTable(data).score(r).score < 500 for r in rows) / len(rows)
    data["score_bands"] = {"edges": [500.0], "train_shares": [below, 1 - below]}
    return PointsTable(data)


def test_a_population_like_training_is_stable() -> None:
    report = monitor(banded(), like_training(), RULES)
    assert report["n"] == 100
    assert report["score"] == {"psi": 0.0, "status": STABLE}
    assert {f["feature"]: f["status"] for f in report["features"]} == {"age": STABLE, "job": STABLE, "loans": STABLE}
    assert report["alerts"] == [] and report["watch"] == []
    assert report["thresholds"] == {"watch": "0.10", "alert": "0.25"}


def test_a_shifted_population_raises_alerts_and_a_mild_shift_is_watched() -> None:
    rows = [{"age": 20, "job": "farmer" if i % 4 else "none", "loans": 1} for i in range(100)]
    report = monitor(banded(), rows, RULES)
    age = next(f for f in report["features"] if f["feature"] == "age")
    # every row in the first age bin (training share 0.2), none in the other two (floored at 0.0001)
    by_hand = (1 - 0.2) * math.log(1 / 0.2) + (1e-4 - 0.5) * math.log(1e-4 / 0.5) \
        + (1e-4 - 0.3) * math.log(1e-4 / 0.3)
    assert age["psi"] == pytest.approx(by_hand, abs=1e-4)
    assert age["status"] == ALERT
    job = next(f for f in report["features"] if f["feature"] == "job")
    # 75 % / 25 % against 60 % / 40 %: 0.15 ln 1.25 + 0.15 ln 1.6 = 0.104
    assert job["psi"] == pytest.approx(0.15 * math.log(1.25) + 0.15 * math.log(1.6), abs=1e-4)
    assert job["status"] == WATCH
    assert set(report["alerts"]) >= {"age", "loans"} and "job" in report["watch"]


def test_nothing_to_monitor_is_refused() -> None:
    with pytest.raises(DomainError, match="too_few_rows"):
        monitor(banded(), [], RULES)

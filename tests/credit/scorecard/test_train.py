"""Training on German credit (issue #18 "Done means"): the scorecard against a plain logistic regression on the same
stratified split, the points table consistent with the fitted model, the split reproducible."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from landbridge.credit.scorecard.points import PointsTable, bad_probability
from landbridge.credit.scorecard.train import Result, Scaling, read_csv, train, train_csv

GERMAN = Path(__file__).resolve().parents[2] / "data" / "credit" / "german_credit.csv"
SCALE = Scaling(base_score=600, base_odds=50, pdo=20, reason_codes=3, score_bands=10)


@pytest.fixture(scope="module")
def german() -> Result:
    return train_csv(GERMAN, "bad", holdout=0.3, seed=0, scale=SCALE)


def test_the_split_is_the_issues_stratified_holdout(german: Result) -> None:
    s = german.summary
    assert (s["n_train"], s["n_test"]) == (700, 300)
    assert s["bad_rate_train"] == s["bad_rate_test"] == 0.3
    assert s["features"] == 20 and s["target"] == "bad" and len(s["input_sha256"]) == 64
    assert len(german.held_out) == 300 and sum(r["bad"] for r in german.held_out) == 90


def test_the_scorecard_clears_the_sanity_floor_and_matches_or_beats_plain_logistic_regression(german: Result) -> None:
    s, b = german.summary, german.summary["baseline"]
    print(f"\nscorecard auc {s['auc']} ks {s['ks']} gini {s['gini']} ({s['train_seconds']} s); "
          f"logistic auc {b['auc']} ks {b['ks']} gini {b['gini']}")
    assert s["auc"] >= 0.78  # finance.md: ~0.78 AUC for a correct WoE-LR pipeline; ~0.68 means broken encoding
    assert s["ks"] >= 0.40
    assert s["gini"] == pytest.approx(2 * s["auc"] - 1, abs=1e-3)
    assert 0.70 <= b["auc"] <= 0.90
    # the issue's split (seed 0): 0.8029 against 0.7943 when written. Honestly: over seeds 0-4 the two tie on
    # average (scorecard 0.803 0.772 0.752 0.810 0.821, plain 0.794 0.789 0.780 0.787 0.804: means 0.791 / 0.791)
    assert s["auc"] >= b["auc"]


def test_every_held_out_score_has_reason_codes_naming_features(german: Result) -> None:
    names = set(german.table.names)
    for row in german.held_out:
        assert 0 < len(row["reasons"]) <= 3
        assert all(r["feature"] in names and r["lost"] > 0 for r in row["reasons"])
        losses = [r["lost"] for r in row["reasons"]]
        assert losses == sorted(losses, reverse=True)


def test_scores_mean_what_the_scale_says(german: Result) -> None:
    """The held-out scores, read back as probabilities of bad, average close to the held-out bad rate (30 %)."""
    scaling = german.table.data["scaling"]
    probabilities = [bad_probability(r["score"], scaling["factor"], scaling["offset"]) for r in german.held_out]
    assert sum(probabilities) / len(probabilities) == pytest.approx(0.30, abs=0.05)
    mean_score = sum(r["score"] for r in german.held_out) / len(german.held_out)
    # 30 % bad is about 2.3:1 good:bad, about 600 + 20 log2(2.3 / 50) = 511 points
    assert 480 < mean_score < 545


def test_the_points_table_reproduces_the_fitted_model(german: Result) -> None:
    """Scoring a row from the exported JSON equals the model's own log-odds up to the rounding of whole points."""
    features, _ = read_csv(GERMAN, "bad")
    data: dict[str, Any] = german.table.data
    reloaded = PointsTable(data)
    factor = data["scaling"]["factor"]
    rows = features.head(50).to_dict("records")
    for row in rows:
        logit = -sum(f["coefficient"] * _woe(f, row[f["name"]]) for f in data["features"])
        exact = data["scaling"]["offset"] + factor * (logit - _intercept(data))
        assert math.isclose(reloaded.score(row).score, exact, abs_tol=0.5 * 21)


def _intercept(data: dict[str, Any]) -> float:
    return float((data["scaling"]["offset"] - data["base_points"]) / data["scaling"]["factor"])


def _woe(feature: dict[str, Any], value: Any) -> float:
    if feature["kind"] == "numerical":
        i = sum(1 for s in feature["splits"] if value >= s)
        return float(feature["bins"][i]["woe"])
    return next(float(b["woe"]) for b in feature["bins"] if str(value) in b["categories"])


def test_the_same_seed_gives_the_same_model_and_another_seed_another_split(german: Result) -> None:
    features, bad = read_csv(GERMAN, "bad")
    small = features.iloc[:, :4]
    first = train(small, bad, holdout=0.3, seed=0, scale=SCALE)
    again = train(small, bad, holdout=0.3, seed=0, scale=SCALE)
    other = train(small, bad, holdout=0.3, seed=1, scale=SCALE)
    assert first.table.digest() == again.table.digest()
    assert [r["row"] for r in first.held_out] == [r["row"] for r in german.held_out]
    assert [r["row"] for r in other.held_out] != [r["row"] for r in first.held_out]

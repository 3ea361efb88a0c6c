"""Online scoring from a points table (issue #18 scope 3): scaling, bins, missing and unseen values, reason codes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from landbridge.credit.scorecard.points import FORMAT, PointsTable, bad_probability, scaling
from landbridge.errors import DomainError


def table(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT, "base_points": 500.0, "reason_codes": 2,
        "features": [
            {"name": "age", "kind": "numerical", "splits": [25.0, 40.0],
             "bins": [{"label": "(-inf, 25)", "points": -20.0, "train_share": 0.2},
                      {"label": "[25, 40)", "points": 5.0, "train_share": 0.5},
                      {"label": "[40, inf)", "points": 30.0, "train_share": 0.3}],
             "missing_points": -5.0, "missing_train_share": 0.0},
            {"name": "job", "kind": "categorical",
             "bins": [{"label": "farmer|herder", "categories": ["farmer", "herder"], "points": 10.0,
                       "train_share": 0.6},
                      {"label": "none", "categories": ["none"], "points": -40.0, "train_share": 0.4}],
             "missing_points": 0.0, "missing_train_share": 0.0, "other_points": 0.0},
            {"name": "loans", "kind": "numerical", "splits": [2.0],
             "bins": [{"label": "(-inf, 2)", "points": 15.0, "train_share": 0.7},
                      {"label": "[2, inf)", "points": -10.0, "train_share": 0.3}],
             "missing_points": 0.0, "missing_train_share": 0.0},
        ],
    }
    data.update(changes)
    return data


def test_the_scale_gives_the_base_score_at_the_base_odds_and_pdo_more_per_doubling() -> None:
    factor, offset = scaling(600, 50, 20)
    at = lambda good_odds: offset + factor * math.log(good_odds)  # noqa: E731
    assert at(50) == pytest.approx(600)
    assert at(100) == pytest.approx(620)
    assert at(25) == pytest.approx(580)
    assert bad_probability(600, factor, offset) == pytest.approx(1 / 51)


def test_a_score_is_the_base_plus_the_points_of_each_bin_with_split_edges_in_the_upper_bin() -> None:
    points = PointsTable(table())
    assert points.score({"age": 24.9, "job": "farmer", "loans": 1}).score == 500 - 20 + 10 + 15
    assert points.score({"age": 25, "job": "herder", "loans": 2}).score == 500 + 5 + 10 - 10
    assert points.score({"age": "40", "job": "none", "loans": "0"}).score == 500 + 30 - 40 + 15  # CSV text


def test_missing_values_take_the_missing_points_and_unseen_categories_the_other_points() -> None:
    points = PointsTable(table())
    scored = points.score({"age": "", "job": "fisher"})  # loans absent altogether
    assert scored.score == 500 - 5 + 0 + 0
    assert scored.bins == {"age": "Missing", "job": "Other", "loans": "Missing"}
    assert points.score({"age": float("nan"), "job": None, "loans": "n/a"}).bins["loans"] == "Missing"


def test_reason_codes_are_the_features_that_lost_the_most_points_against_their_best_bin() -> None:
    points = PointsTable(table())
    scored = points.score({"age": 20, "job": "none", "loans": 5})
    # age lost 30 - (-20) = 50, job 10 - (-40) = 50, loans 15 - (-10) = 25: ties by name, two reasons (table's)
    assert [(r.feature, r.lost) for r in scored.reasons] == [("age", 50), ("job", 50)]
    assert scored.reasons[0].bin == "(-inf, 25)" and scored.reasons[0].points == -20
    assert [r.feature for r in points.score({"age": 50, "job": "farmer", "loans": 0}).reasons] == []
    assert len(points.score({"age": 20, "job": "none", "loans": 5}, reasons=3).reasons) == 3


@pytest.mark.parametrize("change", [
    {"format": "something/else"},
    {"features": []},
    {"base_points": "many"},
])
def test_a_malformed_points_table_is_refused_with_its_code(change: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as caught:
        PointsTable(table(**change))
    assert caught.value.code == "credit.scorecard_bad_points_table"


def test_splits_that_do_not_match_the_bins_are_refused() -> None:
    broken = table()
    broken["features"][0]["splits"] = [25.0]
    with pytest.raises(DomainError, match="scorecard_bad_points_table"):
        PointsTable(broken)


def test_the_digest_is_stable_and_changes_with_any_point() -> None:
    a, b = PointsTable(table()), PointsTable(table())
    assert a.digest() == b.digest()
    changed = table()
    changed["features"][1]["bins"][0]["points"] = 11.0
    assert PointsTable(changed).digest() != a.digest()

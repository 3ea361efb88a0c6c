"""Scoring many rows at once (``scorecard.vector``) gives exactly what ``PointsTable.score`` gives row by row: the
same scores and the same reason codes in the same order, missing and unseen values included."""

from __future__ import annotations

import random

import numpy as np

from landbridge.credit.scorecard.points import PointsTable
from landbridge.credit.scorecard.vector import score_columns
from tests.credit.scorecard.test_points import table


def test_the_vectorised_scores_and_reasons_are_the_row_by_row_ones() -> None:
    points = PointsTable(table(reason_codes=2))
    rnd = random.Random(5)
    rows = [{"age": rnd.choice([None, 18, 25, 24.9, 39, 40, 70, float("nan")]),
             "job": rnd.choice(["farmer", "herder", "none", "teacher", None, ""]),
             "loans": rnd.choice([0, 1, 2, 5, None])} for _ in range(400)]
    columns = {name: np.array([r[name] for r in rows], dtype=object) for name in ("age", "job", "loans")}
    many = score_columns(points, columns, len(rows))
    texts = many.reason_texts()
    for i, row in enumerate(rows):
        one = points.score(row)
        assert many.scores[i] == one.score, (row, many.scores[i], one.score)
        assert texts[i] == ",".join(r.feature for r in one.reasons), (row, texts[i], one.reasons)
    assert len(set(many.scores.tolist())) > 10  # the rows differ: not one score for all


def test_an_absent_column_scores_as_missing_and_a_best_row_has_no_reasons() -> None:
    points = PointsTable(table())
    many = score_columns(points, {"age": np.array([50.0]), "job": np.array(["farmer"], dtype=object),
                                  "loans": np.array([0])}, 1)
    assert many.scores.tolist() == [500.0 + 30 + 10 + 15] and many.reason_texts() == [""]
    absent = score_columns(points, {"job": np.array(["farmer"], dtype=object)}, 1)
    assert absent.scores.tolist() == [points.score({"job": "farmer"}).score]
    assert absent.reason_texts() == [",".join(r.feature for r in points.score({"job": "farmer"}).reasons)]

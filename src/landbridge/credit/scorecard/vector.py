"""Scoring many rows at once from a points table (issue #18: the yearly run scores every household).

The same arithmetic as ``PointsTable.score``, over numpy arrays: each numerical feature's bin is one
``searchsorted`` over its splits, each categorical feature's one lookup per distinct value; the score is the sum of
the bins' points plus the base points; the reason codes are the features that lost the most points against their
best bin (ties by feature name), at most the table's ``reason_codes`` of them. numpy only, imported inside the
functions (the web app imports this module without loading numpy until a run scores).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from landbridge.credit.scorecard.points import CATEGORICAL, PointsTable, category_key, missing


@dataclass(frozen=True)
class ScoredMany:
    """Scores of n rows (float array), and their reason codes: an (n, k) array of feature positions in ``names``
    (sorted by name), -1 where a row has fewer than k features that lost points."""

    scores: Any
    reasons: Any
    names: tuple[str, ...]

    def reason_texts(self) -> list[str]:
        """Each row's reason codes as comma-separated feature names (one join per distinct combination)."""
        import numpy as np

        if self.reasons.shape[1] == 0:
            return [""] * len(self.scores)
        combos, inverse = np.unique(self.reasons, axis=0, return_inverse=True)
        texts = np.array([",".join(self.names[i] for i in combo if i >= 0) for combo in combos], dtype=object)
        return list(texts[np.asarray(inverse).reshape(-1)])


def _numeric(values: Sequence[Any] | Any) -> Any:
    import numpy as np

    array = np.asarray(values)
    if array.dtype.kind in "biuf":
        return array.astype(float)
    out = np.full(len(array), np.nan)
    for i, v in enumerate(array):  # text columns only (not the households' counts): parse like PointsTable
        if not missing(v):
            with contextlib.suppress(ValueError):
                out[i] = float(str(v).strip())
    return out


def _points(feature: Mapping[str, Any], values: Sequence[Any] | Any) -> Any:
    """The points each value earns in ``feature`` (an array)."""
    import numpy as np

    bins = np.array([float(b["points"]) for b in feature["bins"]])
    if feature["kind"] == CATEGORICAL:
        index = {category_key(c): i for i, b in enumerate(feature["bins"]) for c in b["categories"]}
        array = np.asarray(values, dtype=object)
        _, first, inverse = np.unique(array.astype(str), return_index=True, return_inverse=True)
        values_seen = [array[i] for i in first]  # one value of each distinct text
        table = np.array([float(feature["missing_points"]) if missing(v) else
                          (bins[index[category_key(v)]] if category_key(v) in index
                           else float(feature["other_points"])) for v in values_seen])
        return table[np.asarray(inverse).reshape(-1)]
    numbers = _numeric(values)
    splits = np.array([float(s) for s in feature["splits"]])
    points = bins[np.searchsorted(splits, np.nan_to_num(numbers, nan=0.0), side="right")]
    return np.where(np.isnan(numbers), float(feature["missing_points"]), points)


def score_columns(table: PointsTable, columns: Mapping[str, Sequence[Any] | Any], n: int) -> ScoredMany:
    """Score n rows given as columns (feature name -> n values; an absent column is missing for every row)."""
    import numpy as np

    order = sorted(range(len(table.features)), key=lambda i: str(table.features[i]["name"]))
    names = tuple(str(table.features[i]["name"]) for i in order)
    points = np.empty((n, len(order)))
    best = np.empty(len(order))
    for col, i in enumerate(order):
        feature = table.features[i]
        values = columns.get(names[col])
        points[:, col] = _points(feature, [None] * n if values is None else values)
        best[col] = table._best[i]
    scores = np.round(table.base_points + points.sum(axis=1), 4)
    lost = best[None, :] - points
    k = min(table.reason_codes, len(order))
    ranked = np.argsort(-lost, axis=1, kind="stable")[:, :k]  # most lost first; equal losses by name
    reasons = np.where(np.take_along_axis(lost, ranked, axis=1) > 0, ranked, -1)
    return ScoredMany(scores, reasons, names)

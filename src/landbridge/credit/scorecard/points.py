"""Online scoring from an exported points table (issue #18 scope 3): pure Python, no optbinning, no numpy.

A points table is the JSON a trained scorecard exports (``train.export_points``). Each feature has bins, each bin
its points; a row's score is ``base_points`` plus the points of the bin each feature falls in. The scaling is the
rule set's (``credit_scorecard``: base score, base odds, PDO), stored in the table so a score always reads the
same as when the model was registered:

    score = offset - factor * ln(odds of bad),  factor = pdo / ln 2,  offset = base_score - factor * ln(base_odds)

Numerical bins follow the training's splits ``s_0 < s_1 < …``: bin 0 is ``x < s_0``, bin ``i`` is
``s_{i-1} <= x < s_i``. A missing value takes the feature's missing points; a category never seen in training
takes its ``other_points`` (the points of a weight of evidence of 0, i.e. no evidence either way).

Reason codes: for each feature, the points it lost against the best bin of that feature; the features that lost
the most (ties by name) are the reasons, each with the bin that cost the points.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from landbridge.credit.errors import CreditError

FORMAT = "landbridge.credit.scorecard.points/1"
NUMERICAL = "numerical"
CATEGORICAL = "categorical"


@dataclass(frozen=True)
class Reason:
    """One reason code: the feature, the bin the row fell in, and the points lost against the feature's best bin."""

    feature: str
    bin: str
    points: float
    lost: float

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "bin": self.bin, "points": self.points, "lost": self.lost}


@dataclass(frozen=True)
class Scored:
    """A row's score with its reason codes and the bin each feature fell in (for PSI)."""

    score: float
    reasons: tuple[Reason, ...]
    bins: dict[str, str]


def scaling(base_score: float, base_odds: float, pdo: float) -> tuple[float, float]:
    """(factor, offset) of ``score = offset - factor * ln(odds of bad)``: ``base_score`` at ``base_odds`` good:bad,
    ``pdo`` more points each time the good:bad odds double (600 at 50:1, PDO 20 by the rules)."""
    if pdo <= 0 or base_odds <= 0:
        raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason="pdo and base odds must be positive")
    factor = pdo / math.log(2)
    return factor, base_score - factor * math.log(base_odds)


def bad_probability(score: float, factor: float, offset: float) -> float:
    """The probability of bad a score stands for (the inverse of the scaling)."""
    return 1.0 / (1.0 + math.exp((score - offset) / factor))


def missing(value: Any) -> bool:
    """Empty, None or NaN."""
    if value is None or type(value).__name__ == "NAType":  # pandas.NA, without importing pandas
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip() == ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def category_key(value: Any) -> str:
    """The text a categorical value is matched by (``3`` and ``3.0`` read from a CSV as the same category)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class PointsTable:
    """A loaded points table: validates the JSON once, then scores rows (mappings of column -> value)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason=f"format is not {FORMAT}")
        try:
            self.data: dict[str, Any] = json.loads(json.dumps(data))
            self.base_points = float(data["base_points"])
            self.features: list[dict[str, Any]] = list(data["features"])
            self.reason_codes = int(data.get("reason_codes", 3))
            self._lookups = [self._lookup(f) for f in self.features]
            self._names = [str(f["name"]) for f in self.features]
            self._best = [float(look["best"]) for look in self._lookups]
        except (KeyError, TypeError, ValueError) as exc:
            raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason=f"{type(exc).__name__}: {exc}") from None
        if not self.features:
            raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason="no features")

    @staticmethod
    def _lookup(feature: Mapping[str, Any]) -> dict[str, Any]:
        kind = feature["kind"]
        points = [float(b["points"]) for b in feature["bins"]]
        labels = [str(b["label"]) for b in feature["bins"]]
        extra = [float(feature["missing_points"])]
        if kind == NUMERICAL:
            splits = [float(s) for s in feature["splits"]]
            if len(splits) + 1 != len(points) or splits != sorted(splits):
                raise ValueError(f"{feature['name']}: {len(splits)} splits for {len(points)} bins")
            return {"kind": kind, "splits": splits, "points": points, "labels": labels,
                    "best": max([*points, *extra])}
        if kind == CATEGORICAL:
            index = {category_key(c): i for i, b in enumerate(feature["bins"]) for c in b["categories"]}
            extra.append(float(feature["other_points"]))
            return {"kind": kind, "index": index, "points": points, "labels": labels, "other": extra[1],
                    "best": max([*points, *extra])}
        raise ValueError(f"{feature['name']}: unknown kind {kind!r}")

    @property
    def names(self) -> list[str]:
        return [str(f["name"]) for f in self.features]

    def bin_of(self, position: int, value: Any) -> tuple[str, float]:
        """The bin label and points of the ``position``-th feature for ``value``."""
        look = self._lookups[position]
        if look["kind"] == NUMERICAL and type(value) in (float, int) and value == value:  # fast path: a number
            i = bisect.bisect_right(look["splits"], value)
            return look["labels"][i], look["points"][i]
        feature = self.features[position]
        if missing(value):
            return "Missing", float(feature["missing_points"])
        if look["kind"] == NUMERICAL:
            number = _number(value)
            if number is None or math.isnan(number):
                return "Missing", float(feature["missing_points"])
            i = bisect.bisect_right(look["splits"], number)
            return look["labels"][i], look["points"][i]
        i = look["index"].get(category_key(value))
        if i is None:
            return "Other", float(look["other"])
        return look["labels"][i], look["points"][i]

    def score(self, row: Mapping[str, Any], *, reasons: int | None = None) -> Scored:
        """The row's score, its reason codes (``reasons`` of them, default the table's) and its bins."""
        total = self.base_points
        lost: list[tuple[float, str, str, float]] = []
        bins: dict[str, str] = {}
        for position, name in enumerate(self._names):
            label, points = self.bin_of(position, row.get(name))
            total += points
            bins[name] = label
            cost = self._best[position] - points
            if cost > 0:
                lost.append((-cost, name, label, points))
        count = self.reason_codes if reasons is None else reasons
        top = heapq.nsmallest(count, lost) if count < len(lost) else sorted(lost)
        return Scored(round(total, 4), tuple(Reason(n, label, p, round(-c, 4)) for c, n, label, p in top), bins)

    def scores(self, rows: Sequence[Mapping[str, Any]]) -> list[Scored]:
        return [self.score(row) for row in rows]

    def digest(self) -> str:
        """SHA-256 of the table's canonical JSON (sorted keys): what a registered model is identified by."""
        return digest_json(self.data)


def digest_json(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()

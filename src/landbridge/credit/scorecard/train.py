"""Training the statistical scorecard offline (issue #18 scope 3): optimal binning (optbinning) + logistic regression
on the weights of evidence, exported as a points table, compared with a plain logistic regression on the same split.

The only module of landbridge that imports optbinning, scikit-learn and pandas, and only inside its functions, so
the web app, the worker and the rest of the CLI never load them (tests/credit/scorecard checks this).

The split is the issue's: ``train_test_split(rows in file order, test_size=holdout, stratify=target,
random_state=seed)``, so a run is reproducible and comparable. Metrics are on the held-out rows: AUC, KS (the
largest gap between the bads' and the goods' cumulative score distributions) and Gini (2 AUC - 1); the scorecard's
are measured on the exported points table's scores, the very numbers online scoring gives.
"""

from __future__ import annotations

import hashlib
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landbridge.credit.errors import CreditError
from landbridge.credit.scorecard.points import CATEGORICAL, FORMAT, NUMERICAL, PointsTable, category_key, scaling


@dataclass(frozen=True)
class Scaling:
    """The score scale of the rule set ``credit_scorecard`` (never a library default)."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0
    reason_codes: int = 3
    score_bands: int = 10


@dataclass
class Result:
    """A trained scorecard: its summary (the JSON line), its points table and the held-out rows' scores."""

    summary: dict[str, Any]
    table: PointsTable
    held_out: list[dict[str, Any]]


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes: the training data digest a registered model keeps."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def read_csv(path: Path, target: str) -> tuple[Any, Any]:
    """(features, target) from a CSV, the target checked binary (0/1, 1 = bad, both present, none missing)."""
    import pandas as pd

    if not path.is_file():
        raise CreditError.SCORECARD_INPUT_NOT_FOUND.error(path=str(path))
    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise CreditError.SCORECARD_INPUT_UNREADABLE.error(path=str(path), reason=reason) from None
    return split_target(frame, target)


def split_target(frame: Any, target: str) -> tuple[Any, Any]:
    """Take the target column out of ``frame``; refuse an absent or non-binary target and a frame without features."""
    import pandas as pd

    if target not in frame.columns:
        raise CreditError.SCORECARD_TARGET_ABSENT.error(target=target)
    raw = frame[target]
    numbers = pd.to_numeric(raw, errors="coerce")
    values = sorted({str(v) for v in raw.dropna().unique()})[:6]
    if raw.isna().any() or numbers.isna().any() or not set(numbers.unique()) == {0, 1}:
        raise CreditError.SCORECARD_TARGET_NOT_BINARY.error(target=target, values=", ".join(values) or "none")
    features = frame.drop(columns=[target])
    features = features.loc[:, features.notna().any()]  # a column with no value at all says nothing
    if features.shape[1] == 0:
        raise CreditError.SCORECARD_NO_FEATURES.error()
    return features, numbers.astype(int)


def check_holdout(holdout: float) -> None:
    if not (isinstance(holdout, int | float) and math.isfinite(holdout) and 0 < holdout < 1):
        raise CreditError.SCORECARD_BAD_HOLDOUT.error(holdout=str(holdout))


def split(features: Any, target: Any, holdout: float, seed: int) -> tuple[Any, Any, Any, Any]:
    """The issue's stratified split over the rows in file order; both parts must hold goods and bads."""
    from sklearn.model_selection import train_test_split

    check_holdout(holdout)
    counts = target.value_counts()
    if counts.min() < 2:
        detail = f"{int(counts.get(1, 0))} bad, {int(counts.get(0, 0))} good"
        raise CreditError.SCORECARD_TOO_FEW_ROWS.error(detail=detail)
    try:
        x_train, x_test, y_train, y_test = train_test_split(features, target, test_size=holdout, stratify=target,
                                                            random_state=seed)
    except ValueError as exc:
        raise CreditError.SCORECARD_TOO_FEW_ROWS.error(detail=str(exc)[:200]) from None
    for part in (y_train, y_test):
        if part.nunique() < 2:
            raise CreditError.SCORECARD_TOO_FEW_ROWS.error(detail=f"{len(y_train)} training, {len(y_test)} held out")
    return x_train, x_test, y_train, y_test


def metrics(bad: Sequence[int], risk: Sequence[float]) -> dict[str, float]:
    """AUC, KS and Gini of a risk score (higher = riskier) against the bad flags."""
    from sklearn.metrics import roc_auc_score, roc_curve

    auc = float(roc_auc_score(bad, risk))
    fpr, tpr, _ = roc_curve(bad, risk)
    ks = float(max(tpr - fpr))
    return {"auc": round(auc, 4), "ks": round(ks, 4), "gini": round(2 * auc - 1, 4)}


def categorical_columns(features: Any) -> list[str]:
    """Columns that are not numeric are categorical (mixed CSVs: strings, codes with letters)."""
    from pandas.api.types import is_numeric_dtype

    return [str(c) for c in features.columns if not is_numeric_dtype(features[c])]


def _as_text(features: Any, categorical: list[str]) -> Any:
    frame = features.copy()
    for column in categorical:
        frame[column] = frame[column].map(lambda v: v if v is None or v != v else category_key(v)).astype(object)
    return frame


def fit_points(x_train: Any, y_train: Any, scale: Scaling) -> dict[str, Any]:
    """Bin every feature optimally (IV), fit an L2 logistic regression on the WoE, return the points table."""
    from optbinning import BinningProcess
    from sklearn.linear_model import LogisticRegression

    categorical = categorical_columns(x_train)
    frame = _as_text(x_train, categorical)
    names = [str(c) for c in frame.columns]
    process = BinningProcess(names, categorical_variables=categorical)
    with warnings.catch_warnings():  # optbinning's binning tables set a text total into a float column (pandas 3)
        warnings.simplefilter("ignore", DeprecationWarning)
        process.fit(frame, y_train.to_numpy())
        woe = process.transform(frame, metric="woe")
    model = LogisticRegression(max_iter=1000)
    model.fit(woe.to_numpy(), y_train.to_numpy())
    factor, offset = scaling(scale.base_score, scale.base_odds, scale.pdo)
    intercept = float(model.intercept_[0])
    features = []
    for name, coef in zip(names, model.coef_[0], strict=True):
        features.append(_feature(process.get_binned_variable(name), name, float(coef), factor,
                                 name in categorical))
    return {
        "format": FORMAT,
        "scaling": {"base_score": scale.base_score, "base_odds": scale.base_odds, "pdo": scale.pdo,
                    "factor": round(factor, 6), "offset": round(offset, 6)},
        "base_points": round(offset - factor * intercept, 2),
        "reason_codes": scale.reason_codes,
        "features": features,
    }


def _feature(binned: Any, name: str, coef: float, factor: float, categorical: bool) -> dict[str, Any]:
    """One feature's bins with points ``-factor * coef * woe`` (rounded to whole points) and training shares."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        table = binned.binning_table.build()
    total = float(table.loc["Totals", "Count"])
    n_bins = len(binned.splits) + (0 if categorical else 1)
    bins = []
    for i in range(n_bins):
        row = table.iloc[i]
        entry: dict[str, Any] = {"label": str(row["Bin"]) if not categorical else f"bin {i}",
                                 "points": float(round(-factor * coef * float(row["WoE"]))),
                                 "woe": round(float(row["WoE"]), 6),
                                 "train_share": round(float(row["Count"]) / total, 6)}
        if categorical:
            cats = sorted(category_key(c) for c in binned.splits[i])
            entry["categories"] = cats
            entry["label"] = "|".join(cats)
        bins.append(entry)
    missing_row = table.iloc[n_bins + 1]  # the row after "Special"
    feature: dict[str, Any] = {
        "name": name, "kind": CATEGORICAL if categorical else NUMERICAL, "coefficient": round(coef, 6),
        "iv": round(float(table.loc["Totals", "IV"]), 6), "bins": bins,
        "missing_points": float(round(-factor * coef * float(missing_row["WoE"]))),
        "missing_train_share": round(float(missing_row["Count"]) / total, 6),
    }
    if categorical:
        feature["other_points"] = 0.0
    else:
        feature["splits"] = [float(s) for s in binned.splits]
    return feature


def baseline(x_train: Any, y_train: Any, x_test: Any, y_test: Any) -> dict[str, Any]:
    """A plain logistic regression on the same split: one-hot categoricals, standardised raw numbers (median-filled)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = categorical_columns(x_train)
    numerical = [str(c) for c in x_train.columns if str(c) not in categorical]
    columns = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numerical),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                              OneHotEncoder(handle_unknown="ignore")), categorical),
    ])
    model = make_pipeline(columns, LogisticRegression(max_iter=1000))
    model.fit(_as_text(x_train, categorical), y_train)
    risk = model.predict_proba(_as_text(x_test, categorical))[:, 1]
    return {"model": "logistic regression, one-hot categoricals + standardised numbers", **metrics(y_test, risk)}


def _baseline(x_train: Any, y_train: Any, x_test: Any, y_test: Any) -> dict[str, Any]:
    try:
        return baseline(x_train, y_train, x_test, y_test)
    except ValueError as exc:
        raise CreditError.SCORECARD_TRAINING_FAILED.error(reason=str(exc).splitlines()[0][:200]) from None


def score_bands(scores: Sequence[float], bands: int) -> dict[str, Any]:
    """The training scores' quantile edges (for the score's PSI) and the share of training rows in each band."""
    import numpy as np

    edges = sorted({float(e) for e in np.quantile(np.asarray(scores), [i / bands for i in range(1, bands)])})
    counts = np.bincount(np.searchsorted(edges, scores, side="right"), minlength=len(edges) + 1)
    return {"edges": edges, "train_shares": [round(float(c) / len(scores), 6) for c in counts]}


def train(features: Any, target: Any, *, holdout: float, seed: int, scale: Scaling) -> Result:
    """Split, fit the scorecard and the baseline, measure both on the held-out rows."""
    x_train, x_test, y_train, y_test = split(features, target, holdout, seed)
    started = time.perf_counter()
    try:
        data = fit_points(x_train, y_train, scale)
    except ValueError as exc:  # what the libraries refuse, e.g. a degenerate column: a message, not a traceback
        raise CreditError.SCORECARD_TRAINING_FAILED.error(reason=str(exc).splitlines()[0][:200]) from None
    table = PointsTable(data)
    train_scores = [s.score for s in table.scores(x_train.to_dict("records"))]
    data["score_bands"] = score_bands(train_scores, scale.score_bands)
    table = PointsTable(data)
    seconds = time.perf_counter() - started
    test_rows = x_test.to_dict("records")
    scored = table.scores(test_rows)
    bad = [int(v) for v in y_test]
    summary: dict[str, Any] = {
        **metrics(bad, [-s.score for s in scored]),
        "n_train": len(x_train), "n_test": len(x_test),
        "bad_rate_train": round(float(y_train.mean()), 4), "bad_rate_test": round(float(y_test.mean()), 4),
        "features": len(table.features), "train_seconds": round(seconds, 3),
        "baseline": _baseline(x_train, y_train, x_test, y_test),
        "holdout": holdout, "seed": seed, "points_table_digest": table.digest(),
    }
    held = [{"row": int(index), "bad": b, "score": s.score, "reasons": [r.to_dict() for r in s.reasons]}
            for index, b, s in zip(x_test.index, bad, scored, strict=True)]
    return Result(summary, table, held)


def train_csv(path: Path, target: str, *, holdout: float, seed: int, scale: Scaling) -> Result:
    """The command's work: read and check the CSV, then ``train``; the summary names the input and its digest."""
    check_holdout(holdout)
    features, bad = read_csv(path, target)
    result = train(features, bad, holdout=holdout, seed=seed, scale=scale)
    result.summary.update({"input": path.name, "input_sha256": file_digest(path), "target": target})
    return result

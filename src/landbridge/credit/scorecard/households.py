"""The household scorecard (issue #18 scope 3: the yearly run grades AND scores every household).

Features: the household's credit file as the yearly run gathers it (``service.gather``, corrected by upheld
objections): loans taken, repaid and now overdue, registered rights held, seizures on them, defaults as a winning
bidder on the exchange, and whether it is court-listed. Target: a loan of the household went bad (``loans_defaulted``
> 0), so that count is not a feature. Trained on every graded household that has borrowed (``credit_grade.facts``
of the last run: the file the grade was computed on), through the same ``train.train`` and model registry as the
loan scorecard, under the name ``household_default``. The run then scores every household, borrowing or not, with
the newest such model (``vector.score_columns``: numpy over the bin tables), and stores the score, its reason codes
and the model's version on the grade row. No such model: the run grades only, and its record says so.

Caveat (stated in ADR 0017): the file is read as it stands on the grading day, not as it stood when each loan was
made, so a feature such as ``listed`` may follow the default it predicts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.credit.models import CreditGrade
from landbridge.credit.rules import Facts
from landbridge.credit.scorecard.models import ScorecardModel
from landbridge.credit.scorecard.points import PointsTable
from landbridge.credit.scorecard.vector import ScoredMany, score_columns

MODEL_NAME = "household_default"
FEATURES = ("loans", "loans_repaid", "loans_overdue", "rights_held", "seizures", "exchange_defaults", "listed")
TARGET = "bad"


def row_of(facts: Facts) -> dict[str, int]:
    """A household's feature row (``listed`` as 0/1)."""
    return {name: int(getattr(facts, name)) for name in FEATURES}


def training_rows(session: Session) -> list[dict[str, int]]:
    """Every graded household that has borrowed, by party id: its features and bad = a loan defaulted."""
    rows = []
    for text in session.scalars(select(CreditGrade.facts).order_by(CreditGrade.party_id)):
        facts = Facts().corrected(json.loads(text))
        if facts.loans > 0:
            rows.append({**row_of(facts), TARGET: 1 if facts.loans_defaulted > 0 else 0})
    return rows


def as_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*FEATURES, TARGET], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def digest(rows: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of the training rows as CSV (the registered model's data digest)."""
    return hashlib.sha256(as_csv(rows)).hexdigest()


def frame(rows: Sequence[Mapping[str, Any]]) -> tuple[Any, Any]:
    """(features, target) for ``train.train``."""
    import pandas as pd

    from landbridge.credit.scorecard.train import split_target

    return split_target(pd.read_csv(io.BytesIO(as_csv(rows))), TARGET)


def newest_model(session: Session) -> ScorecardModel | None:
    return session.scalar(select(ScorecardModel).where(ScorecardModel.name == MODEL_NAME)
                          .order_by(ScorecardModel.version.desc()).limit(1))


@dataclass(frozen=True)
class HouseholdScores:
    """The run's scores: row i of ``scored`` belongs to the i-th party given; the model's version."""

    scored: ScoredMany
    model_version: int

    def reasons(self) -> list[str]:
        return self.scored.reason_texts()


def score_facts(model: ScorecardModel, distinct: Sequence[Facts], codes: Sequence[int] | Any) -> HouseholdScores:
    """Score n households whose facts are ``distinct[codes[i]]``: the feature columns are gathered by indexing
    the distinct facts' columns with ``codes`` (numpy), then ``score_columns`` over all n rows at once."""
    import numpy as np

    index = np.asarray(codes, dtype=np.int64)
    columns = {name: np.array([int(getattr(f, name)) for f in distinct], dtype=np.int64)[index] for name in FEATURES}
    return HouseholdScores(score_columns(PointsTable(model.points_table), columns, len(index)), model.version)

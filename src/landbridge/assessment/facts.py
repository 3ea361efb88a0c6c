"""The fact ``assessment.published_results`` (ADR 0016) that open data publishes (issue #19 items 4 and 6, S2).

Only published runs, only public fields: the subject is a district, township or department, never a person; the
score is the final one (the reviewer's adjustment where there is one, whose reason the run's public page shows).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from landbridge.assessment import scoring
from landbridge.kernel.clock import ensure_utc, to_local

RUN_LIMIT = 20  # the newest published runs; one a year per subject kind


def published_results(session: Session) -> list[dict[str, Any]]:
    """Every subject's final score and rank (1 = best, equal scores share a rank) in the newest published runs."""
    rows: list[dict[str, Any]] = []
    runs = scoring.published_runs(session, limit=RUN_LIMIT)
    found = scoring.scores_of(session, [r.id for r in runs])
    for run in runs:
        published_on: date | None = to_local(ensure_utc(run.published_at)).date() if run.published_at else None
        rank, previous = 0, None
        for position, score in enumerate(found.get(run.id, []), start=1):
            final: Decimal = score.adjusted if score.adjusted is not None else score.computed
            if final != previous:
                rank, previous = position, final
            rows.append({"year": run.year, "subject_kind": run.subject_kind, "subject": score.name_zh,
                         "subject_en": score.name_en, "score": final, "rank": rank, "published_on": published_on})
    return rows

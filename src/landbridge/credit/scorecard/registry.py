"""The scorecard model registry (issue #18 scope 3): register a trained scorecard as the next version, with a ledger
event in the caller's transaction; read a version or the newest. The service flushes and never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.credit.errors import CreditError
from landbridge.credit.scorecard.models import ScorecardModel
from landbridge.credit.scorecard.points import PointsTable
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects

MODULE = "credit"


def register(session: Session, *, name: str, table: PointsTable, metrics: dict[str, Any], data_sha256: str,
             n_rows: int, actor: str) -> ScorecardModel:
    """Keep a trained scorecard as the next version (1, 2, …) and record ``credit.scorecard_registered``."""
    newest = session.scalar(select(func.max(ScorecardModel.version)))
    model = ScorecardModel(version=(newest or 0) + 1, name=name, data_sha256=data_sha256, n_rows=n_rows,
                           table_sha256=table.digest(), metrics=metrics, points_table=table.data,
                           created_at=now(), created_by=actor)
    session.add(model)
    session.flush()
    event = append_event(session, module=MODULE, event_type="credit.scorecard_registered",
                         subject=subjects.subject("scorecard_model", model.version), actor=actor,
                         payload={"version": model.version, "name": name, "data_sha256": data_sha256,
                                  "table_sha256": model.table_sha256, "n_rows": n_rows,
                                  **{k: str(metrics.get(k)) for k in ("auc", "ks", "gini")}})  # no floats in payloads
    model.ledger_seq = event.seq
    return model


def get(session: Session, version: int | None = None) -> ScorecardModel:
    """The model of ``version``, or the newest when none is given; refused when there is none."""
    query = select(ScorecardModel)
    query = query.where(ScorecardModel.version == version) if version is not None else \
        query.order_by(ScorecardModel.version.desc()).limit(1)
    model = session.scalar(query)
    if model is None:
        raise CreditError.SCORECARD_MODEL_NOT_FOUND.error(version="newest" if version is None else version)
    return model


def points_table(model: ScorecardModel) -> PointsTable:
    return PointsTable(model.points_table)

"""The scorecard model registry's table (issue #18 scope 3): one row per registered model version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db import Base
from landbridge.kernel.columns import CreatedAt, CreatedBy, IdPk, LedgerSeq


class ScorecardModel(IdPk, CreatedAt, CreatedBy, LedgerSeq, Base):
    """评分模型: a trained scorecard kept for scoring and monitoring: its version, what it was trained on (the
    training data's SHA-256 and row count), its held-out metrics and its points table (the JSON online scoring
    reads). Rows are never changed: a new training is a new version."""

    __tablename__ = "credit_scorecard_model"

    version: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(60))
    data_sha256: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    table_sha256: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    points_table: Mapped[dict[str, Any]] = mapped_column(JSON)

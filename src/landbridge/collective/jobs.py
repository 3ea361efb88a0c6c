"""Collective scheduled work: seal votes whose closing time has passed (L3)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landbridge.collective.service import seal_due_votes


def run_due(session: Session) -> int:
    """Seal every open vote past its closing time; returns how many were sealed (idempotent)."""
    return seal_due_votes(session, actor="system:worker")

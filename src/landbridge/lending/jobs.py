"""Lending's worker jobs (issue #17): confirm liens the registry has approved, and close yesterday's business.

Idempotent and self-guarding: a lien is confirmed only when its mortgage is current in the registry, and the close
of business skips loans already closed for the day (ADR 0014: the process reads the domain, never the reverse).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.lending.models import Loan
from landbridge.lending.rules import LoanStatus
from landbridge.lending.service import confirm_lien
from landbridge.lending.servicing import run_cob

ACTOR = "system:worker"
COB_CHUNK = 5000


def confirm_registered_liens(session: Session) -> int:
    """Move every ``lien_lodged`` loan whose mortgage the registrar has approved to ``lien_registered``."""
    done = 0
    for loan_id, unit_id, app_id in session.execute(select(Loan.id, Loan.unit_id, Loan.lien_application_id).where(
            Loan.status == LoanStatus.lien_lodged.value).order_by(Loan.id).limit(500)).all():
        if any(r.kind == "mortgage" and r.application_id == app_id
               for r in registry.current_restrictions(session, unit_id)):
            confirm_lien(session, loan_id=loan_id, actor=ACTOR)
            done += 1
    return done


def run_due(session: Session) -> int:
    """Confirm approved liens and close the previous day's business (one chunk per call)."""
    day = get_profile().today() - timedelta(days=1)
    run = run_cob(session, day=day, actor=ACTOR, limit=COB_CHUNK)
    return confirm_registered_liens(session) + (0 if run.status == "done" and run.processed == 0 else run.processed)

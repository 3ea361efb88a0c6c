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
from landbridge.db import for_update
from landbridge.lending.models import Loan
from landbridge.lending.rules import PERFORMING, LoanStatus
from landbridge.lending.service import lien_of, record_late_registration, register_lien
from landbridge.lending.servicing import run_cob

ACTOR = "system:worker"
COB_CHUNK = 5000


def confirm_registered_liens(session: Session) -> int:
    """Move every ``lien_lodged`` loan whose mortgage the registrar has approved to ``lien_registered``, and record
    the mortgage of a loan disbursed while it was pending (up to 500 of each a call): the loans in two locked reads,
    their units' current restrictions in one more."""
    stmt = (select(Loan).where(Loan.status == LoanStatus.lien_lodged.value).order_by(Loan.id).limit(500)
            .execution_options(populate_existing=True))
    if for_update(session):
        stmt = stmt.with_for_update(skip_locked=True)
    loans = list(session.execute(stmt).scalars())
    late = (select(Loan).where(Loan.status.in_([s.value for s in PERFORMING]), Loan.restriction_id.is_(None),
                               Loan.lien_application_id.is_not(None)).order_by(Loan.id).limit(500)
            .execution_options(populate_existing=True))  # disbursed while a non-constitutive mortgage was pending
    if for_update(session):
        late = late.with_for_update(skip_locked=True)
    waiting = list(session.execute(late).scalars())
    current = registry.current_restrictions_of(session, (loan.unit_id for loan in loans + waiting))
    done = 0
    for loan in loans:
        if lien_of(loan, current[loan.unit_id]) is not None:
            register_lien(session, loan, current[loan.unit_id], actor=ACTOR)
            done += 1
    return done + sum(record_late_registration(session, loan, current[loan.unit_id], actor=ACTOR)
                      for loan in waiting)


def run_due(session: Session) -> int:
    """Confirm approved liens and close the previous day's business (one chunk per call)."""
    day = get_profile().today() - timedelta(days=1)
    run = run_cob(session, day=day, actor=ACTOR, limit=COB_CHUNK)
    return confirm_registered_liens(session) + (0 if run.status == "done" and run.processed == 0 else run.processed)

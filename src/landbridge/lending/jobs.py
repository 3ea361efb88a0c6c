"""Lending's worker jobs (issue #17): confirm liens the registry has approved, and close yesterday's business.

Idempotent and self-guarding: a lien is confirmed only when its mortgage is current in the registry, and the close
of business skips loans already closed for the day (ADR 0014: the process reads the domain, never the reverse).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.lending.claims import flag_overdue_claims
from landbridge.lending.disposal import settle_sold_disposals
from landbridge.lending.models import Loan, unit_of
from landbridge.lending.rules import PERFORMING, LoanStatus
from landbridge.lending.service import lien_of, record_late_registration, register_lien
from landbridge.lending.servicing import run_cob

ACTOR = "system:worker"
COB_CHUNK = 5000


LIEN_CHUNK = 500  # loans read and locked at a time; every waiting loan is looked at on each call


def _waiting(session: Session, condition: Any, after: int) -> list[Loan]:
    stmt = (select(Loan).where(condition, Loan.id > after).order_by(Loan.id).limit(LIEN_CHUNK)
            .execution_options(populate_existing=True))
    if for_update(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


def confirm_registered_liens(session: Session) -> int:
    """Move every ``lien_lodged`` loan whose mortgage the registrar has approved to ``lien_registered``, and record
    the mortgage of a loan disbursed while it was pending. Every waiting loan is looked at on each call, in chunks of
    ``LIEN_CHUNK`` by id (a backlog of still-pending mortgages never hides a later approved one): per chunk the
    loans in one locked read and their units' current restrictions in one more."""
    lodged = Loan.status == LoanStatus.lien_lodged.value
    late = and_(Loan.status.in_([s.value for s in PERFORMING]), Loan.restriction_id.is_(None),
                Loan.lien_application_id.is_not(None))  # disbursed while a non-constitutive mortgage was pending
    done = 0
    for condition, late_kind in ((lodged, False), (late, True)):
        after = 0
        while chunk := _waiting(session, condition, after):
            after = chunk[-1].id
            current = registry.current_restrictions_of(session, (unit_of(loan) for loan in chunk))
            for loan in chunk:
                if late_kind:
                    done += record_late_registration(session, loan, current[unit_of(loan)], actor=ACTOR)
                elif lien_of(loan, current[unit_of(loan)]) is not None:
                    register_lien(session, loan, current[unit_of(loan)], actor=ACTOR)
                    done += 1
            if len(chunk) < LIEN_CHUNK:
                break
    return done


def run_due(session: Session) -> int:
    """Confirm approved liens, settle loans whose collateral the exchange has sold and been paid for, close the
    previous day's business (one chunk per call) and flag the claims whose deadline has passed unpaid
    (``claims.flag_overdue_claims``)."""
    day = get_profile().today() - timedelta(days=1)
    settled = settle_sold_disposals(session, actor=ACTOR)
    run = run_cob(session, day=day, actor=ACTOR, limit=COB_CHUNK)
    flagged = flag_overdue_claims(session, day=get_profile().today(), actor=ACTOR)  # claims unpaid past deadline
    return confirm_registered_liens(session) + settled + flagged + (
        0 if run.status == "done" and run.processed == 0 else run.processed)

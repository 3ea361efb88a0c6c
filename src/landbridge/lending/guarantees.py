"""Guarantees (保证担保, issue #18 scope 5): a party guarantees a loan for an amount before the money moves. A party
on the bar list (失信被执行人: a person, or an organisation such as a guarantee company, court-listed; credit feeds
the list) is refused with ``lending.guarantor_barred`` naming the listing and its end date, exactly as a barred
borrower is refused: lending reads the exchange's one bar list and never imports credit (ADR 0017)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.kernel.clock import now
from landbridge.ledger import subjects
from landbridge.lending import rules
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Guarantee
from landbridge.lending.outcomes import refuse_barred
from landbridge.lending.rules import LoanStatus
from landbridge.lending.service import _event, get_loan

IN_FORCE = "in_force"
OPEN = (LoanStatus.applied, LoanStatus.approved, LoanStatus.lien_lodged, LoanStatus.lien_registered)


def add_guarantee(session: Session, *, loan_id: int, guarantor_party_id: int, amount: Any, actor: str,
                  on: date | None = None) -> Guarantee:
    """A party guarantees the loan for ``amount`` yuan (at most the principal) while the loan is not yet disbursed.
    Refused, with nothing written: a barred guarantor, the borrower itself, a loan past disbursement, a bad amount."""
    loan = get_loan(session, loan_id, lock=True)
    if loan.status not in {s.value for s in OPEN}:
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target="guaranteed")
    if guarantor_party_id == loan.borrower_party_id:
        raise LendingError.GUARANTOR_IS_BORROWER.error()
    party = registry.get_party(session, guarantor_party_id)
    value = rules.parse_money(amount, "amount")
    if value > loan.principal_cny:
        raise LendingError.INVALID_AMOUNT.error(field="amount")
    refuse_barred(session, guarantor_party_id, on, guarantor=True)
    row = Guarantee(loan_id=loan.id, guarantor_party_id=party.id, guarantor_kind=party.kind, amount_cny=value,
                    status=IN_FORCE, actor=actor, created_at=now())
    session.add(row)
    session.flush()
    _event(session, loan, "lending.guarantee_added", actor,
           {"guarantee_id": row.id, "guarantor_party_id": party.id, "amount_cny": value},
           also=[subjects.party(party.id)])
    return row


def guarantees_of(session: Session, loan_id: int) -> list[Guarantee]:
    return list(session.scalars(select(Guarantee).where(Guarantee.loan_id == loan_id).order_by(Guarantee.id)))

"""Lending's to-dos for the service hall (issue #20 item 1; F3, F5): a borrower's next unpaid instalment of each
loan being repaid (due on its date, urgent once overdue); a bank officer's applications waiting for the bank's
credit decision, oldest first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.auth import Role
from landbridge.kernel.clock import now
from landbridge.kernel.hall import SOURCE_LIMIT, Todo, due_at_end_of
from landbridge.lending.models import Instalment, Loan
from landbridge.lending.rules import LoanStatus


def todos(session: Session, principal: Any) -> Iterator[Todo]:
    """A borrower's next instalments, or a bank officer's applications to decide; nothing for other roles."""
    moment = now()
    if principal.role is Role.member and principal.party_id is not None:
        unpaid = ((Instalment.paid_principal_cny < Instalment.principal_cny)
                  | (Instalment.paid_interest_cny < Instalment.interest_cny))
        first_unpaid = (select(Instalment.loan_id, func.min(Instalment.n).label("n")).where(unpaid)
                        .group_by(Instalment.loan_id).subquery())
        rows = session.execute(
            select(Loan, Instalment)
            .join(first_unpaid, first_unpaid.c.loan_id == Loan.id)
            .join(Instalment, (Instalment.loan_id == Loan.id) & (Instalment.n == first_unpaid.c.n))
            .where(Loan.borrower_party_id == principal.party_id, Loan.status == LoanStatus.disbursed)
            .order_by(Instalment.due_date, Loan.id).limit(SOURCE_LIMIT)).all()
        for loan, inst in rows:
            owed = inst.principal_cny + inst.interest_cny - inst.paid_principal_cny - inst.paid_interest_cny
            due = due_at_end_of(inst.due_date)
            yield Todo(kind="lending.instalment", title_zh=f"贷款 {loan.loan_no} 第{inst.n}期还款 ¥{owed:,.2f}",
                       title_en=f"Loan {loan.loan_no} instalment {inst.n}: ¥{owed:,.2f}",
                       href=f"/lending/loans/{loan.id}", due=due, urgent=due < moment)
    elif principal.role is Role.bank_officer and principal.organisation_id is not None:
        rows_ = session.scalars(select(Loan).where(Loan.bank_organisation_id == principal.organisation_id,
                                                   Loan.status == LoanStatus.applied)
                                .order_by(Loan.created_at, Loan.id).limit(SOURCE_LIMIT))
        for loan in rows_:
            yield Todo(kind="lending.decision", title_zh=f"审批贷款申请 {loan.loan_no}（¥{loan.principal_cny:,.2f}）",
                       title_en=f"Decide the loan application {loan.loan_no} (¥{loan.principal_cny:,.2f})",
                       href=f"/lending/loans/{loan.id}", due=None, urgent=False)

"""Lending's public reads for the city's view (issue #19; P2, S2): every loan's position on a past day, derived
from dated records only (disbursement, the instalment schedule, payments by ``paid_on``), so the same day gives
the same answer however much happened after it. Supervision aggregates these by area; lending never imports it.

A position's days past due are counted from the oldest instalment whose principal and interest the payments made
by that day do not cover (payments are applied to instalments in order, as ``rules.allocate_payment`` does).
A written-off loss has no dated record of its own, so a settled loan keeps the principal no payment repaid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.kernel.clock import ensure_utc, to_local
from landbridge.lending.models import Instalment, Loan, Payment

ZERO = Decimal("0")


@dataclass(frozen=True)
class LoanPosition:
    """One disbursed loan on ``as_of``: its region, what is outstanding and how many days it is past due."""

    loan_id: int
    loan_no: str
    region_code: str
    principal: Decimal
    outstanding: Decimal
    days_past_due: int


def loan_positions(session: Session, as_of: date, *, region_prefix: str = "") -> list[LoanPosition]:
    """Every loan disbursed on or before ``as_of`` (local day) in regions starting with ``region_prefix``, with
    its outstanding principal and days past due on that day, by loan id."""
    stmt = select(Loan.id, Loan.loan_no, Loan.region_code, Loan.principal_cny, Loan.disbursed_at).where(
        Loan.disbursed_at.is_not(None))
    if region_prefix:
        stmt = stmt.where(Loan.region_code.startswith(region_prefix))
    loans = [row for row in session.execute(stmt.order_by(Loan.id)).all()
             if to_local(ensure_utc(row.disbursed_at)).date() <= as_of]
    if not loans:
        return []
    ids = [row.id for row in loans]
    paid: dict[int, tuple[Decimal, Decimal]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for loan_id, principal, interest in session.execute(
                select(Payment.loan_id, Payment.to_principal_cny, Payment.to_interest_cny)
                .where(Payment.loan_id.in_(chunk), Payment.paid_on <= as_of)):
            before = paid.get(int(loan_id), (ZERO, ZERO))
            paid[int(loan_id)] = (before[0] + principal, before[1] + interest)
    due: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for loan_id, due_date, principal, interest in session.execute(
                select(Instalment.loan_id, Instalment.due_date, Instalment.principal_cny, Instalment.interest_cny)
                .where(Instalment.loan_id.in_(chunk), Instalment.due_date <= as_of)
                .order_by(Instalment.loan_id, Instalment.n)):
            due[int(loan_id)].append((due_date, principal + interest))
    out = []
    for row in loans:
        paid_principal, paid_interest = paid.get(row.id, (ZERO, ZERO))
        covered, dpd, cumulative = paid_principal + paid_interest, 0, ZERO
        for due_date, amount in due.get(row.id, []):
            cumulative += amount
            if cumulative > covered:
                dpd = (as_of - due_date).days
                break
        out.append(LoanPosition(row.id, row.loan_no, row.region_code, row.principal_cny,
                                max(row.principal_cny - paid_principal, ZERO), dpd))
    return out

"""Restructuring (贷款重组, issue #17; research/finance.md c.1 ACTIVE → RESTRUCTURED): the loan's bank agrees new
terms for a disbursed loan, overdue or not, within its product's ranges (term, rate, repayment method).

The schedule of what is still owed is rebuilt with the same schedule function as disbursement (``rules.schedule``)
from the day of the restructuring: each old instalment keeps only what was paid of it (its history), the ones with
nothing paid go, and the principal outstanding is amortised afresh; ordinary interest that fell due unpaid is
carried into the first new instalment (never capitalised), penalty interest and costs stay owed on the loan. The
loan is marked restructured: the close of business classifies it at least 次级 (``rules.classify``; 商业银行金融资产
风险分类办法 (2023) on restructured assets). One ledger event, ``loan.restructured``, with the old and new terms.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.db import for_update
from landbridge.lending import rules
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Instalment, Loan
from landbridge.lending.rules import LoanStatus
from landbridge.lending.service import _event, get_loan, products, rule_set, within_product

ZERO = Decimal("0.00")
RESTRUCTURABLE = (LoanStatus.disbursed.value,)
TIERS = [t.value for t in rules.Tier]  # 正常 < 关注 < 次级 < 可疑 < 损失


def _rows(session: Session, loan_id: int) -> list[Instalment]:
    stmt = select(Instalment).where(Instalment.loan_id == loan_id).order_by(Instalment.n)
    if for_update(session):
        stmt = stmt.with_for_update()
    return list(session.execute(stmt.execution_options(populate_existing=True)).scalars())


def restructure_loan(session: Session, *, loan_id: int, bank_organisation_id: int, months: Any, annual_rate: Any,
                     method: str, day: date, actor: str, grace_months: int = 0) -> Loan:
    """重组: refused for another bank's loan (``lending.wrong_organisation``), a loan not disbursed
    (``lending.invalid_transition``), terms outside the product's ranges, or a right that ends before the new
    maturity; nothing changes on a refusal."""
    loan = get_loan(session, loan_id, lock=True)
    if loan.bank_organisation_id != bank_organisation_id:
        raise LendingError.WRONG_ORGANISATION.error(loan_id=loan_id)
    if loan.status not in RESTRUCTURABLE:
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target="restructured")
    n = rules.parse_months(months)
    rate = rules.parse_rate(annual_rate)
    how = rules.parse_method(method)
    product = products(day).get(loan.product_code)
    if product is None:
        raise LendingError.PRODUCT_NOT_FOUND.error(product=loan.product_code)
    within_product(product, how, n, rate)
    if loan.outstanding_cny <= 0:
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target="restructured")
    new = rules.schedule(loan.outstanding_cny, rate, n, how.value, day, grace_months)  # checks the grace too
    right = None if loan.right_id is None else registry.find_current_right(session, loan.right_id)
    if right is not None and right.term_end is not None and right.term_end < new[-1].due_date:
        raise LendingError.RIGHT_EXPIRES.error(term_end=right.term_end.isoformat(),
                                               maturity=new[-1].due_date.isoformat())
    rows = _rows(session, loan.id)
    arrears = sum((r.interest_cny - r.paid_interest_cny for r in rows if r.due_date <= day), ZERO)
    dropped = [r.id for r in rows if r.paid_principal_cny == 0 and r.paid_interest_cny == 0]
    for r in rows:  # what was paid stays as the history; what was not is owed under the new schedule
        r.principal_cny = r.paid_principal_cny
        r.interest_cny = r.paid_interest_cny
    if dropped:
        session.execute(delete(Instalment).where(Instalment.id.in_(dropped)))
    base = max((r.n for r in rows), default=0)
    session.add_all(Instalment(loan_id=loan.id, n=base + r.n, due_date=r.due_date, principal_cny=r.principal,
                               interest_cny=r.interest + (arrears if r.n == 1 else ZERO),
                               paid_principal_cny=ZERO, paid_interest_cny=ZERO) for r in new)
    before = {"months": loan.months, "annual_rate": str(loan.annual_rate), "method": loan.method,
              "maturity": loan.maturity.isoformat()}
    loan.months = n
    loan.annual_rate = rate
    loan.method = how.value
    loan.grace_months = grace_months if how is rules.Method.seasonal else 0
    loan.maturity = new[-1].due_date
    loan.restructured_on = day
    loan.days_past_due = 0
    tier = rules.classify(0, rule_set().value("classification_floors", day), restructured=True).value
    if TIERS.index(tier) > TIERS.index(loan.tier):
        loan.tier = tier  # never better than 次级 while restructured; a worse class stays until the next close
    loan.version += 1
    _event(session, loan, "loan.restructured", actor, {
        "restructured_on": day.isoformat(), "before": before,
        "after": {"months": n, "annual_rate": str(rate), "method": how.value, "maturity": loan.maturity.isoformat(),
                  "grace_months": loan.grace_months},
        "principal_cny": str(loan.outstanding_cny), "arrears_interest_cny": str(arrears),
        "penalty_cny": str(loan.penalty_cny), "costs_cny": str(loan.costs_cny)})
    session.flush()
    return loan

"""The platform's loan outcomes as a training table (issue #18 scope 3): one row per lending loan whose outcome is
known, bad = it defaulted (``defaulted_on`` set, whatever came after), good = repaid or closed without a default.
Loans still running, refused or withdrawn have no outcome and are left out.

The features are what the bank knew at approval: product, collateral right type, amount, rate, term, method,
grace months, loan-to-value and the credit grade then, and the county (the first six digits of the region code).
"""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from landbridge.lending.models import Loan
from landbridge.lending.rules import LoanStatus

GOOD = (LoanStatus.repaid.value, LoanStatus.closed.value)
COLUMNS = ("product_code", "right_type", "principal_cny", "annual_rate", "months", "method", "grace_months", "ltv",
           "grade", "county", "bad")


def loan_features(loan: Loan) -> dict[str, Any]:
    """What the bank knew of ``loan`` at approval, as the model's feature columns (``COLUMNS`` but ``bad``)."""
    ltv = None if not loan.appraised_cny else round(float(loan.principal_cny / loan.appraised_cny), 4)
    return {"product_code": loan.product_code, "right_type": loan.right_type,
            "principal_cny": float(loan.principal_cny), "annual_rate": float(loan.annual_rate),
            "months": loan.months, "method": loan.method, "grace_months": loan.grace_months, "ltv": ltv,
            "grade": loan.grade or "", "county": (loan.region_code or "")[:6]}


def outcome_rows(session: Session) -> list[dict[str, Any]]:
    """Every loan with a known outcome as a row of ``COLUMNS``, by loan id."""
    query = select(Loan).where(or_(Loan.defaulted_on.is_not(None), Loan.status.in_(GOOD))).order_by(Loan.id)
    return [{**loan_features(loan), "bad": 1 if loan.defaulted_on is not None else 0}
            for loan in session.scalars(query)]


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    """The rows as CSV text (the training data a model's digest is of)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(as_csv(rows)).hexdigest()


def frame(rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    """(features, target) for ``train.train``, read back from the CSV so types are what a CSV run would see."""
    import pandas as pd

    from landbridge.credit.scorecard.train import split_target

    text = {"product_code": str, "right_type": str, "method": str, "grade": str, "county": str}
    return split_target(pd.read_csv(io.BytesIO(as_csv(rows)), dtype=text), "bad")

"""A loan application's statistical score for the bank (issue #18 scope 3, issue #17: the bank sees the applicant's
grade, and here the scorecard's reading of the application beside it).

The newest registered model trained on the platform's loan outcomes (``landbridge credit train``, name
``lending_default``) scores the loan's features as the bank knew them at approval (``outcomes.loan_features``),
with its reason codes: the features that cost the most points against their best bin. Lending asks for it as the
fact ``credit.application_score`` (ADR 0016, ADR 0017) and never imports credit. No model yet: no score (None),
and the bank decides on the grade alone. The score informs; it admits or refuses nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.credit.scorecard.models import ScorecardModel
from landbridge.credit.scorecard.outcomes import loan_features
from landbridge.credit.scorecard.points import PointsTable
from landbridge.lending.models import Loan

MODEL_NAME = "lending_default"  # what ``landbridge credit train`` registers its models under
FEATURE_LABELS = {  # the model's columns (outcomes.COLUMNS) as the bank reads them: (zh-CN, English)
    "product_code": ("贷款产品", "product"), "right_type": ("抵押权利类型", "collateral right"),
    "principal_cny": ("贷款金额", "amount"), "annual_rate": ("年利率", "annual rate"), "months": ("期限", "term"),
    "method": ("还款方式", "repayment method"), "grace_months": ("宽限期", "grace months"),
    "ltv": ("抵押率", "loan-to-value"), "grade": ("信用等级", "credit grade"), "county": ("县（市、区）", "county"),
}


def application_score(session: Session, loan_id: int) -> dict[str, Any] | None:
    """The loan's score by the newest ``lending_default`` model: ``{"score", "model_version",
    "reasons": [{"feature", "label", "label_en", "bin", "points",
    "lost"}, …]}``; None without such a model or such a loan."""
    model = session.scalar(select(ScorecardModel).where(ScorecardModel.name == MODEL_NAME)
                           .order_by(ScorecardModel.version.desc()).limit(1))
    loan = session.get(Loan, loan_id)
    if model is None or loan is None:
        return None
    table = PointsTable(model.points_table)
    scored = table.score(loan_features(loan))
    reasons = [{**reason.to_dict(), "label": FEATURE_LABELS.get(reason.feature, (reason.feature,) * 2)[0],
                "label_en": FEATURE_LABELS.get(reason.feature, (reason.feature,) * 2)[1]} for reason in scored.reasons]
    return {"score": round(scored.score), "model_version": model.version, "reasons": reasons}

"""The scorecard's rule set ``credit_scorecard`` read into the training scale and the drift thresholds."""

from __future__ import annotations

from datetime import date

from landbridge.cityprofile import get_profile
from landbridge.credit.scorecard.monitor import Thresholds
from landbridge.credit.scorecard.train import Scaling

RULE_SET = "credit_scorecard"


def scale(day: date | None = None) -> Scaling:
    """Base score, base odds, PDO, reason codes and score bands in force on ``day`` (default the city's today)."""
    rules = get_profile().rules(RULE_SET)
    return Scaling(base_score=float(rules.decimal("base_score", day)), base_odds=float(rules.decimal("base_odds", day)),
                   pdo=float(rules.decimal("pdo", day)), reason_codes=rules.int("reason_codes", day),
                   score_bands=rules.int("score_bands", day))


def thresholds(day: date | None = None) -> Thresholds:
    """The PSI thresholds in force on ``day``."""
    rules = get_profile().rules(RULE_SET)
    return Thresholds(watch=rules.decimal("psi_watch", day), alert=rules.decimal("psi_alert", day))

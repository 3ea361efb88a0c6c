"""Pure tender rules (招标, F4; 39号令 art. 13-14): score checks, the price-score formula, weighted totals,
the ranking with its tie-breaks, the opening time and the decision. No database, no web framework.

Price score (documented formula): ``score_max × price / highest opened price``, so the highest price scores
the full scale and every other price scores in proportion. Plan and credentials scores are the means of the
panel's scores. Total = w_price × price score + w_plan × plan mean + w_credentials × credentials mean
(the weights are rule data summing to 1). Every score is kept to four decimal places, rounded half up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.rules import Decision, LotRules
from landbridge.kernel.clock import ensure_utc

SCORE_PLACES = Decimal("0.0001")


def _q(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def opening_at(rules: LotRules, window_end: datetime) -> datetime:
    """The opening (开标): the rule set's minutes after the tender window closes."""
    return ensure_utc(window_end) + timedelta(minutes=rules.tender_opening_minutes)


def check_score(rules: LotRules, value: Decimal | str | int, field: str) -> Decimal:
    """An evaluator's score on the rule set's scale (0 to score_max, at most two places), else 422."""
    try:
        score = Decimal(str(value))
    except InvalidOperation:
        score = Decimal("NaN")
    if not score.is_finite() or score < 0 or score > rules.tender_score_max or score != score.quantize(
            Decimal("0.01")):
        raise ExchangeError.INVALID_SCORE.error({"rules": rules}, field=field, maximum=rules.tender_score_max)
    return score


def price_score(rules: LotRules, price: Decimal, best_price: Decimal) -> Decimal:
    """score_max × price / highest opened price (the highest price scores the full scale)."""
    assert best_price > 0 and 0 < price <= best_price
    return _q(Decimal(rules.tender_score_max) * price / best_price)


def mean(scores: Sequence[Decimal]) -> Decimal:
    """The panel's mean score."""
    assert scores
    return _q(sum(scores, Decimal(0)) / len(scores))


@dataclass(frozen=True)
class Entry:
    """One opened tender with its panel's scores."""

    tender_id: int
    bidder_id: int
    price: Decimal
    submitted_at: datetime
    plan_scores: tuple[Decimal, ...]
    credentials_scores: tuple[Decimal, ...]


@dataclass(frozen=True)
class Ranked:
    """A tender's place in the ranking, with its component scores."""

    tender_id: int
    bidder_id: int
    price: Decimal
    price_score: Decimal
    plan_score: Decimal
    credentials_score: Decimal
    total: Decimal
    rank: int


def rank(rules: LotRules, entries: Sequence[Entry]) -> list[Ranked]:
    """Rank opened tenders: highest total first; ties go to the higher price, then the earlier submission."""
    if not entries:
        return []
    best = max(e.price for e in entries)
    scored = []
    for e in entries:
        p, plan, cred = price_score(rules, e.price, best), mean(e.plan_scores), mean(e.credentials_scores)
        total = _q(rules.tender_weight_price * p + rules.tender_weight_plan * plan
                   + rules.tender_weight_credentials * cred)
        scored.append((e, p, plan, cred, total))
    scored.sort(key=lambda r: (-r[4], -r[0].price, ensure_utc(r[0].submitted_at), r[0].tender_id))
    return [Ranked(e.tender_id, e.bidder_id, e.price, p, plan, cred, total, i + 1)
            for i, (e, p, plan, cred, total) in enumerate(scored)]


def enough_tenders(rules: LotRules, count: int) -> bool:
    """Fewer tenders than the rule set's minimum void the tender at opening (39号令 art. 13)."""
    return count >= rules.tender_min_tenders


def tender_decision(rules: LotRules, ranking: Sequence[Ranked]) -> Decision:
    """The first in the ranking wins, unless there are too few tenders (流标)."""
    if not enough_tenders(rules, len(ranking)):
        return Decision(None, None, "too_few_tenders")
    return Decision(ranking[0].bidder_id, ranking[0].price, "tender_evaluation")

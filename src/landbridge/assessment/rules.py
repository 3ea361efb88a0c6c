"""Pure rules of assessment and the task board (issue #19 scope 4; P2, S2): scoring an indicator against its target
and scheduling milestones backwards from a final deadline (倒排工期). No database, no web framework.

Scoring methods (research/supervision.md §3):
- ``linear``: the value against the target, scaled to ``full`` at the target and capped at ``cap``; for an
  indicator where lower is better the ratio is inverted (at or under the target scores ``full``; nothing scores
  ``cap``).
- ``efficacy`` (功效系数法, Jiangxi 2012 county assessment [P7]): across the subjects, the best scores ``best``, the
  worst ``worst``, the others ``worst + (best − worst) × (x − min) / (max − min)``; all equal scores ``best``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

SCORE_PLACES = Decimal("0.01")
METHODS = ("linear", "efficacy")
DIRECTIONS = ("higher", "lower")
ZERO = Decimal(0)


def q(value: Decimal) -> Decimal:
    """A score rounded half up to two places."""
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def linear(value: Decimal, target: Decimal, direction: str, *, full: Decimal, cap: Decimal) -> Decimal:
    """The ``linear`` score of one value (see the module text)."""
    if direction == "higher":
        if target <= ZERO:
            return cap if value >= target else ZERO
        return q(min(cap, max(ZERO, full * value / target)))
    if value <= ZERO:
        return cap
    if value <= target:
        return q(min(cap, full * target / value)) if target > ZERO else cap
    return q(max(ZERO, full * target / value))


def efficacy(values: Mapping[str, Decimal], direction: str, *, best: Decimal, worst: Decimal) -> dict[str, Decimal]:
    """The ``efficacy`` score of each subject's value (see the module text)."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if low == high:
        return {k: q(best) for k in values}
    out = {}
    for key, value in values.items():
        share = (value - low) / (high - low)
        if direction == "lower":
            share = 1 - share
        out[key] = q(worst + (best - worst) * share)
    return out


def weighted_total(scores: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """The weighted mean of (weight, score) pairs, rounded half up to two places (zero without weight)."""
    weight = sum((w for w, _ in scores), ZERO)
    if weight <= ZERO:
        return q(ZERO)
    return q(sum((w * s for w, s in scores), ZERO) / weight)


def back_workdays(end: date, days: int, is_workday: Callable[[date], bool]) -> date:
    """The latest working day ``start`` such that exactly ``days`` working days lie in (start, end]."""
    count, day = 0, end
    while count < days:
        if is_workday(day):
            count += 1
        day -= timedelta(days=1)
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def schedule_backwards(end: date, durations: Sequence[int],
                       is_workday: Callable[[date], bool]) -> tuple[date, list[date]]:
    """倒排工期: the start day and each milestone's due day, the last due on ``end``, each milestone taking its
    duration in working days after the previous one's due day (the first after the start)."""
    dues = [end]
    for days in reversed(durations[1:]):
        dues.append(back_workdays(dues[-1], days, is_workday))
    dues.reverse()
    start = back_workdays(dues[0], durations[0], is_workday) if durations else end
    return start, dues

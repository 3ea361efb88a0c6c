"""Pure exchange rules: bid validation, deposits, increments, schedules, countdown and extension, the
decision and the transition table (hypothesis for money and prices)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.errors import Conflict
from landbridge.exchange import rules, rules_for
from landbridge.kernel.clock import to_local
from landbridge.kernel.workdays import is_workday

fen = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n) / 100)
steps = st.integers(min_value=100, max_value=10**7).map(lambda n: Decimal(n) / 100)


@given(start=fen, step=steps, k=st.integers(min_value=0, max_value=1000), extra=st.integers(0, 99))
def test_first_bid_is_start_plus_k_steps(start: Decimal, step: Decimal, k: int, extra: int) -> None:
    amount = start + k * step + Decimal(extra) / 100
    code = rules.bid_rejection(amount, start_price=start, increment=step, current=None)
    if (amount - start) % step == 0:
        assert code is None
    else:
        assert code == rules.BID_NOT_MULTIPLE
    below = start - Decimal("0.01")
    assert rules.bid_rejection(below, start_price=start, increment=step, current=None) in (
        rules.BID_BELOW_INCREMENT, rules.BID_NOT_POSITIVE)


@given(start=fen, step=steps, current_k=st.integers(0, 100), k=st.integers(-3, 50), cents=st.integers(0, 99))
def test_next_bid_is_current_plus_at_least_one_step(start: Decimal, step: Decimal, current_k: int, k: int,
                                                    cents: int) -> None:
    current = start + current_k * step
    amount = current + k * step + Decimal(cents) / 100
    code = rules.bid_rejection(amount, start_price=start, increment=step, current=current)
    if amount < current + step:
        assert code in (rules.BID_BELOW_INCREMENT, rules.BID_NOT_POSITIVE)
    elif (amount - current) % step:
        assert code == rules.BID_NOT_MULTIPLE
    else:
        assert code is None
    assert rules.minimum_next_bid(start_price=start, increment=step, current=current) == current + step


@given(start=fen, k=st.integers(1, 20))
def test_price_cap_refuses_above(start: Decimal, k: int) -> None:
    step = Decimal("1.00")
    cap = start + 5 * step
    code = rules.bid_rejection(start + k * step, start_price=start, increment=step, current=start, cap=cap)
    assert (code == rules.BID_ABOVE_CAP) == (k > 5)


@given(start=fen)
def test_deposit_and_increment_from_the_rule_set(start: Decimal) -> None:
    lr = rules_for("land_management_right", date(2026, 3, 1))
    deposit = rules.deposit_amount(lr, start)
    assert deposit == (start * Decimal("0.10")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    step = rules.default_increment(lr, start)
    assert step >= lr.increment_min_cny and step == step.to_integral_value()
    assert rules.relist_price(rules_for("collateral", date(2026, 3, 1)), start) <= start


def test_schedule_ends_on_a_working_day_at_the_closing_hour() -> None:
    lr = rules_for("forest_right", date(2026, 3, 1))
    for day in range(0, 60, 3):
        start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC) + timedelta(days=day)
        plan = rules.schedule(lr, start)
        local_end = to_local(plan.ends_at)
        assert is_workday(local_end.date()) and (local_end.hour, local_end.minute) == (15, 0)
        assert plan.ends_at - plan.application_deadline == timedelta(days=2) and plan.freeze_at is None
    auction = rules.schedule(rules_for("collateral", date(2026, 3, 1)), datetime(2026, 4, 1, 2, tzinfo=UTC))
    assert auction.ends_at - auction.starts_at == timedelta(hours=24)


def test_countdown_resets_and_auction_extends_only_late() -> None:
    lr = rules_for("forest_right", date(2026, 3, 1))
    at = datetime(2026, 3, 20, 7, tzinfo=UTC)
    assert rules.end_after_bid(lr, "countdown", at + timedelta(seconds=10), at) == at + timedelta(seconds=300)
    assert rules.end_after_bid(lr, "listing", None, at) is None
    end = at + timedelta(minutes=30)
    assert rules.end_after_bid(lr, "live_auction", end, at) == end
    assert rules.end_after_bid(lr, "live_auction", end, end - timedelta(seconds=60)) == end + timedelta(seconds=240)


def test_decision() -> None:
    lr = rules_for("forest_right", date(2026, 3, 1))
    assert rules.decide(lr, qualified_bidders=3, top=None, distinct_bidders=0).reason == "no_bids"
    won = rules.decide(lr, qualified_bidders=1, top=(7, Decimal("10")), distinct_bidders=1)
    assert (won.winner_bidder_id, won.reason) == (7, "highest_bid")
    strict = rules.LotRules.from_snapshot({**lr.snapshot(), "sole_bidder_policy": "unsuccessful", "min_bidders": 2})
    assert rules.decide(strict, qualified_bidders=1, top=(7, Decimal("10")), distinct_bidders=1).reason == \
        "too_few_bidders"


def test_transitions_guard_their_phases() -> None:
    assert rules.check_transition("publish", "draft") == "announced"
    with pytest.raises(Conflict):
        rules.check_transition("publish", "listing")
    with pytest.raises(Conflict):
        rules.check_transition("hand_over", "award_pending")
    snap = rules_for("collateral", date(2026, 3, 1)).snapshot()
    assert rules.LotRules.from_snapshot(snap) == rules_for("collateral", date(2026, 3, 1))

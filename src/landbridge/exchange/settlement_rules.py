"""Pure settlement rules (价款结算, issue #6 item 6): the balance after the earnest money, the exchange's fee, the
payout to the seller, and the day the balance falls due. No database, no web framework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from landbridge.errors import RuleViolation
from landbridge.kernel.clock import SHANGHAI, ensure_utc
from landbridge.kernel.money import round_fen
from landbridge.kernel.workdays import add_workdays


class SettlementStatus(StrEnum):
    """A settlement awaits the balance (due), is paid in full (paid), or the winner defaulted (defaulted)."""

    due = "due"
    paid = "paid"
    defaulted = "defaulted"


@dataclass(frozen=True)
class Terms:
    """What the winner still owes and what the seller receives, fen exact."""

    price: Decimal
    earnest: Decimal
    balance: Decimal
    fee_rate: Decimal
    fee: Decimal
    payout: Decimal


def settlement_terms(price: Decimal, earnest: Decimal, fee_rate: Decimal) -> Terms:
    """Balance = price − earnest money (the converted deposit); fee = price × rate, to the fen; payout = price − fee
    (39号令 art. 20-21: the deposit is applied to the price)."""
    if price <= 0 or earnest < 0 or earnest > price:
        raise RuleViolation("exchange.invalid_settlement", "成交价或定金无效",
                            "the price must be positive and the earnest money between zero and the price",
                            price_cny=str(price), earnest_cny=str(earnest))
    if not Decimal(0) <= fee_rate < 1:
        raise RuleViolation("exchange.invalid_fee_rate", "交易服务费率无效", "the service fee rate must be in [0, 1)",
                            fee_rate=str(fee_rate))
    fee = round_fen(price * fee_rate)
    return Terms(price=price, earnest=earnest, balance=price - earnest, fee_rate=fee_rate, fee=fee,
                 payout=price - fee)


def balance_due_on(confirmed_on: date, signing_working_days: int, payment_working_days: int) -> date:
    """The last day to pay the balance, as the contract prints it: the contract is signed within N working days
    of the confirmation, the balance paid within M working days of the contract (exchange.toml)."""
    return add_workdays(add_workdays(confirmed_on, signing_working_days), payment_working_days)


def overdue_at(due_on: date) -> datetime:
    """The instant a settlement becomes overdue: local midnight after the due day (UTC)."""
    return ensure_utc(datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI))


def is_overdue(due_on: date, at: datetime) -> bool:
    """Whether a balance due on ``due_on`` is overdue at ``at``."""
    return ensure_utc(at) >= overdue_at(due_on)

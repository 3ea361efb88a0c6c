"""Pure rules of the exchange's remaining legal duties (issue #24): the order of pre-emption holders, a
consortium's shares, a defaulting winner's paid price and the results notice's period. No database, no web
framework; the rule values come from ``exchange_legal.toml`` through ``legal_ruleset``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from landbridge.exchange.errors import ExchangeError
from landbridge.kernel.workdays import add_workdays

ZERO = Decimal("0.00")


class Ground(StrEnum):
    """Who may pre-empt (优先购买权): a co-owner of the right (民法典 art. 305), the current lessee of the land
    (art. 726) or a member of the collective (农村土地承包法 art. 38)."""

    co_owner = "co_owner"
    lessee = "lessee"
    member = "member"


class ClaimStatus(StrEnum):
    registered = "registered"
    matched = "matched"
    exercised = "exercised"
    lapsed = "lapsed"


class Treatment(StrEnum):
    """What becomes of a defaulting winner's instalments paid beyond the earnest money."""

    forfeit = "forfeit"
    refund = "refund"
    set_off = "set_off"


class DisposalStatus(StrEnum):
    held = "held"
    refund_due = "refund_due"
    refunded = "refunded"
    closed = "closed"


class ObjectionStatus(StrEnum):
    pending = "pending"
    upheld = "upheld"
    dismissed = "dismissed"


# --- pre-emption ------------------------------------------------------------------------------------


def given_grounds(grounds: Sequence[str], *, member_priority: bool) -> list[str]:
    """The grounds of pre-emption a lot's rules give, in the order they rank: ``preemption_grounds``
    (exchange_legal.toml), a member's ground only where the lot's ``member_priority`` (exchange.toml) keeps it."""
    return [g for g in grounds if g != Ground.member or member_priority]


def ground_rank(given: Sequence[str], ground: str) -> int:
    """The rank (0 first) of ``ground`` among the grounds a lot's rules give (``given_grounds``), or 422
    exchange.preemption_not_given."""
    if ground not in given:
        raise ExchangeError.PREEMPTION_NOT_GIVEN.error({"ground": ground}, ground=ground, grounds=list(given))
    return list(given).index(ground)


@dataclass(frozen=True)
class Match:
    """A holder who matched the best offer in time: its claim, rank and when it matched."""

    claim_id: int
    rank: int
    matched_at: datetime


def prevailing(matches: Sequence[Match]) -> Match | None:
    """Among the holders who matched in time, the one the rules rank first; the earlier match breaks a tie of
    equal rank (two members)."""
    return min(matches, key=lambda m: (m.rank, m.matched_at, m.claim_id), default=None)


def window_closes(decided_at: datetime, hours: int) -> datetime:
    """The end of the time limit in which a holder may match the best offer."""
    return decided_at + timedelta(hours=hours)


# --- consortium -------------------------------------------------------------------------------------


SHARE_TEXT = re.compile(r"\d{1,9}(/\d{1,9}|\.\d{1,9})?")


def parse_share(raw: str) -> Fraction:
    """A share written "n/d" or as a decimal; 422 exchange.consortium_shares_invalid when it is not a number."""
    text = str(raw).strip()
    if not SHARE_TEXT.fullmatch(text):  # no exponent: "1e999999999" would make Fraction build 10**999999999
        raise ExchangeError.CONSORTIUM_SHARES_INVALID.error(min_share="?")
    try:
        share = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ExchangeError.CONSORTIUM_SHARES_INVALID.error(min_share="?") from None
    return share


def check_consortium(members: Sequence[tuple[int, Fraction]], *, maximum: int, min_share: Fraction) -> None:
    """2..maximum distinct members, each share ≥ min_share, summing to exactly 1 (no rounding: fractions)."""
    ids = [pid for pid, _ in members]
    if not 2 <= len(members) <= maximum or len(set(ids)) != len(ids):
        raise ExchangeError.CONSORTIUM_SIZE.error(maximum=maximum)
    if any(share < min_share or share > 1 for _, share in members) or sum(s for _, s in members) != 1:
        raise ExchangeError.CONSORTIUM_SHARES_INVALID.error(min_share=str(min_share))


# --- a defaulting winner's paid price ---------------------------------------------------------------


@dataclass(frozen=True)
class Disposal:
    """The split of a defaulting winner's price paid beyond the earnest money: forfeited, held for a set-off,
    refunded; the parts sum to the paid amount to the fen."""

    forfeited: Decimal
    held: Decimal
    refund: Decimal


def dispose_paid(treatment: str, paid: Decimal) -> Disposal:
    """At the default: forfeit all, refund all, or hold all until the re-sale's shortfall is known."""
    rule = Treatment(treatment)
    if rule is Treatment.forfeit:
        return Disposal(paid, ZERO, ZERO)
    if rule is Treatment.refund:
        return Disposal(ZERO, ZERO, paid)
    return Disposal(ZERO, paid, ZERO)


def set_off(held: Decimal, *, price: Decimal, resale_price: Decimal, earnest: Decimal) -> tuple[Decimal, Decimal]:
    """(set off, refund) of a held sum once the re-sale's price is known: the shortfall (price − re-sale price)
    is covered first by the forfeited earnest money, then by the held sum; the rest is refunded (拍卖法 art. 39,
    法释〔2016〕18号 art. 24)."""
    shortfall = max(ZERO, price - resale_price - earnest)
    used = min(held, shortfall)
    return used, held - used


# --- results notice ---------------------------------------------------------------------------------


def notice_closes_on(confirmed_on: date, working_days: int) -> date:
    """The last day of the results notice (成交公示): N working days from the award confirmation's day."""
    return add_workdays(confirmed_on, working_days)

"""Why a bid or a bidder is refused (F4): the engine's refusal codes with their typed errors."""

from __future__ import annotations

from typing import Any

from landbridge.errors import Conflict, DomainError, RuleViolation
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.rules import (
    BID_ABOVE_CAP,
    BID_BELOW_INCREMENT,
    BID_NOT_MULTIPLE,
    BID_NOT_POSITIVE,
    OFFER_ALREADY_MADE,
)

# Bid refusals: code -> (error class, zh, en). The engine stores the code on the rejected bid.
REJECTIONS: dict[str, tuple[type[DomainError], str, str]] = {
    BID_BELOW_INCREMENT: (RuleViolation, "报价低于起始价或当前价加一个增价幅度",
                          "the bid is below the start price or the current price plus one increment"),
    BID_NOT_MULTIPLE: (RuleViolation, "报价须为增价幅度的整数倍",
                       "the bid must be an integer multiple of the increment"),
    BID_ABOVE_CAP: (RuleViolation, "报价超过最高限价", "the bid exceeds the price cap"),
    BID_NOT_POSITIVE: (RuleViolation, "报价金额无效", "not a valid bid amount"),
    OFFER_ALREADY_MADE: (Conflict, "您已在本次变卖中出价，每位竞买人出价一次",
                         "you have already made an offer in this fixed-price sale; one offer per bidder"),
    "exchange.deposit_not_confirmed": (Conflict, "保证金尚未到账确认，不能报价",
                                       "the deposit is not confirmed; you may not bid yet"),
    "exchange.bidder_barred": (Conflict, "该竞买人被禁止参与竞买", "this bidder is barred from bidding"),
    "exchange.consortium_member_barred": (Conflict, "联合竞买方之一被禁止参与本标的竞买",
                                          "a member of the consortium is barred from this lot"),
    "exchange.lot_not_open": (Conflict, "标的当前不接受报价", "the lot is not open for bids"),
}


def rejection(code: str, **details: Any) -> DomainError:
    """The typed error for a refusal code (422 for a bad amount, 409 for the lot's or bidder's state)."""
    cls, zh, en = REJECTIONS[code]
    return cls(code, zh, en, **details)


def party_required() -> DomainError:
    """A bidder's account that names no registry party cannot bid or apply."""
    return ExchangeError.PARTY_REQUIRED.error()

"""Helpers shared by the exchange transitions: the rule set in force, the lot lock, ledger events, errors."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.errors import Conflict, DomainError, NotFound, RuleViolation
from landbridge.exchange.models import BarredParty, Lot
from landbridge.exchange.rules import (
    BID_ABOVE_CAP,
    BID_BELOW_INCREMENT,
    BID_NOT_MULTIPLE,
    BID_NOT_POSITIVE,
    LotRules,
)
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.money import MoneyError, to_money
from landbridge.ledger import NewEvent, append_events, subjects

MODULE = "exchange"


def today() -> date:
    """Today in Asia/Shanghai by the platform clock."""
    return to_local(now()).date()


def rules_for(kind: str, day: date | None = None) -> LotRules:
    """The rule set of lot ``kind`` in force on ``day`` (default today): versioned data in exchange.toml."""
    version = get_profile().rules("exchange").version_at(day or today())
    return LotRules.resolve(kind, version.effective_from, {n: r.value for n, r in version.rules.items()})


def lot_rules(lot: Lot) -> LotRules:
    """The rule-set snapshot a lot was created under."""
    return LotRules.from_snapshot(lot.rules)


def lock_lot(session: Session, lot_id: int) -> Lot:
    """Load and lock a lot: every change to a lot, its bids and deposits is serialised on this row."""
    stmt = select(Lot).where(Lot.id == lot_id)
    if for_update(session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    lot = session.execute(stmt).scalar_one_or_none()
    if lot is None:
        raise lot_not_found(lot_id)
    return lot


def lock_lots(session: Session, lot_ids: Iterable[int]) -> dict[int, Lot]:
    """Load and lock several lots, always in id order (so two batches never wait on each other in a circle);
    lots that do not exist are simply absent."""
    stmt = select(Lot).where(Lot.id.in_(sorted(set(lot_ids)))).order_by(Lot.id)
    if for_update(session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return {lot.id: lot for lot in session.scalars(stmt)}


def barred_parties(party_ids: Iterable[int], on: date | None = None) -> Select[Any]:
    """The SQL query: which of these parties are on the bar list on ``on`` (default today)."""
    day = on or today()
    return select(BarredParty.party_id).where(BarredParty.party_id.in_(sorted(set(party_ids))),
                                              (BarredParty.listed_until.is_(None)) | (BarredParty.listed_until >= day))


def party_required() -> RuleViolation:
    """A bidder's account that names no registry party cannot bid or apply."""
    return RuleViolation("exchange.party_required", "账号未关联竞买人身份", "your account names no party")


def lot_not_found(lot_id: int) -> NotFound:
    return NotFound("exchange.lot_not_found", "标的不存在", f"lot {lot_id} not found", lot_id=lot_id)


def lot_event(lot: Lot, event_type: str, actor: str, payload: dict[str, Any], also: tuple[str, ...] = ()) -> NewEvent:
    """An exchange event about ``lot``, ready to append to the ledger, indexed also under the lot's unit and right
    (and ``also``: issue #14 item 7)."""
    concerns = tuple(s for s in (None if lot.unit_id is None else subjects.unit(lot.unit_id),
                                 None if lot.right_id is None else subjects.right(lot.right_id)) if s) + also
    return NewEvent(MODULE, event_type, subjects.lot(lot.id), actor, {"lot": lot.number, **payload}, concerns)


def record(session: Session, lot: Lot, event_type: str, actor: str, payload: dict[str, Any]) -> int:
    """Append an exchange event about ``lot`` to the ledger in the caller's transaction; returns its seq.

    A lot's own steps (not its bids) are indexed under the unit's parcel too, so a parcel's history shows them.
    """
    parcel = () if lot.unit_id is None else (subjects.parcel(registry.get_unit(session, lot.unit_id).parcel_id),)
    return append_events(session, [lot_event(lot, event_type, actor, payload, parcel)])[0].seq


def money(value: Decimal | int | str, field: str = "amount_cny") -> Decimal:
    """An amount of yuan (at most two places), else 422 exchange.invalid_amount."""
    try:
        amount = to_money(value)
    except MoneyError:
        raise RuleViolation("exchange.invalid_amount", "金额无效（元，最多两位小数）",
                            "not a valid amount (yuan, at most two decimal places)", field=field) from None
    return amount


# Bid refusals: code -> (error class, zh, en). The engine stores the code on the rejected bid.
REJECTIONS: dict[str, tuple[type[DomainError], str, str]] = {
    BID_BELOW_INCREMENT: (RuleViolation, "报价低于起始价或当前价加一个增价幅度",
                          "the bid is below the start price or the current price plus one increment"),
    BID_NOT_MULTIPLE: (RuleViolation, "报价须为增价幅度的整数倍",
                       "the bid must be an integer multiple of the increment"),
    BID_ABOVE_CAP: (RuleViolation, "报价超过最高限价", "the bid exceeds the price cap"),
    BID_NOT_POSITIVE: (RuleViolation, "报价金额无效", "not a valid bid amount"),
    "exchange.deposit_not_confirmed": (Conflict, "保证金尚未到账确认，不能报价",
                                       "the deposit is not confirmed; you may not bid yet"),
    "exchange.bidder_barred": (Conflict, "该竞买人被禁止参与竞买", "this bidder is barred from bidding"),
    "exchange.lot_not_open": (Conflict, "标的当前不接受报价", "the lot is not open for bids"),
}


def rejection(code: str, **details: Any) -> DomainError:
    """The typed error for a refusal code (422 for a bad amount, 409 for the lot's or bidder's state)."""
    cls, zh, en = REJECTIONS[code]
    return cls(code, zh, en, **details)

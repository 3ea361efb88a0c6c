"""Supervision flags (监管预警, issue #6 scope 7): bids from one IP address or device across bidders of a lot,
a lot with a single bidder, an award price far from the appraised value, repeated re-listing. Raised when a
lot is decided or re-listed, stored once per lot, kind and key, each a ledger event; listed for supervisors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.exchange.events import record
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot, LotResult, SupervisionFlag
from landbridge.exchange.rules import DepositStatus, Method
from landbridge.exchange.ruleset import today
from landbridge.kernel.clock import now


class FlagKind(StrEnum):
    shared_address = "shared_address"
    shared_device = "shared_device"
    single_bidder = "single_bidder"
    price_far_from_appraisal = "price_far_from_appraisal"
    repeated_relisting = "repeated_relisting"


@dataclass(frozen=True)
class Thresholds:
    """The supervision thresholds in force (rules/exchange_supervision.toml)."""

    price_deviation_ratio: Decimal
    relist_attempts: int
    shared_address_min_bidders: int


def thresholds(day: date | None = None) -> Thresholds:
    values = {n: r.value for n, r in get_profile().rules("exchange_supervision").version_at(day or today())
              .rules.items()}
    return Thresholds(Decimal(str(values["price_deviation_ratio"])), int(values["relist_attempts"]),
                      int(values["shared_address_min_bidders"]))


def raise_flag(session: Session, lot: Lot, kind: FlagKind, key: str, details: dict[str, Any],
               actor: str = "system:supervision") -> SupervisionFlag | None:
    """Store a flag once per lot, kind and key, with a ledger event; None if it was raised before."""
    found = session.execute(select(SupervisionFlag.id).where(
        SupervisionFlag.lot_id == lot.id, SupervisionFlag.kind == kind, SupervisionFlag.key == key[:120])).first()
    if found is not None:
        return None
    flag = SupervisionFlag(lot_id=lot.id, kind=kind, key=key[:120], details=details, raised_at=now())
    session.add(flag)
    session.flush()
    flag.ledger_seq = record(session, lot, "flag_raised", actor, {"kind": kind, "key": flag.key, **details})
    return flag


def _shared(session: Session, lot: Lot, column: Any, kind: FlagKind, minimum: int) -> list[SupervisionFlag]:
    rows = session.execute(
        select(column, func.count(func.distinct(Bid.bidder_id)))
        .where(Bid.lot_id == lot.id, column.is_not(None)).group_by(column)
        .having(func.count(func.distinct(Bid.bidder_id)) >= minimum)).all()
    out: list[SupervisionFlag] = []
    for value, count in rows:
        codes = sorted(session.execute(select(Bidder.bidder_code).join(Bid, Bid.bidder_id == Bidder.id).where(
            Bid.lot_id == lot.id, column == value).distinct()).scalars())
        flag = raise_flag(session, lot, kind, str(value), {"bidders": int(count), "bidder_codes": codes})
        if flag is not None:
            out.append(flag)
    return out


def scan_lot(session: Session, lot: Lot) -> list[SupervisionFlag]:
    """Raise every flag the lot now deserves (idempotent); returns the new ones."""
    limits = thresholds()
    least = limits.shared_address_min_bidders
    new: list[SupervisionFlag | None] = [*_shared(session, lot, Bid.client_ip, FlagKind.shared_address, least),
                                         *_shared(session, lot, Bid.device_id, FlagKind.shared_device, least)]
    result = session.execute(select(LotResult).where(LotResult.lot_id == lot.id)).scalar_one_or_none()
    if result is not None:
        paid = int(session.scalar(select(func.count()).select_from(Deposit).where(
            Deposit.lot_id == lot.id, Deposit.status != DepositStatus.pending)) or 0)
        if paid == 1 and lot.method != Method.negotiated:  # one counterparty is what a negotiated transfer is
            new.append(raise_flag(session, lot, FlagKind.single_bidder, "1", {"qualified_bidders": 1,
                                                                              "outcome": result.outcome}))
        appraised = lot.appraised_value_cny
        if result.price_cny is not None and appraised:
            ratio = result.price_cny / appraised
            if abs(ratio - 1) > limits.price_deviation_ratio:
                new.append(raise_flag(session, lot, FlagKind.price_far_from_appraisal, str(result.price_cny), {
                    "price_cny": str(result.price_cny), "appraised_value_cny": str(appraised),
                    "ratio": str(round(ratio, 4)), "threshold": str(limits.price_deviation_ratio)}))
    if lot.attempt >= limits.relist_attempts:
        new.append(raise_flag(session, lot, FlagKind.repeated_relisting, str(lot.attempt), {
            "attempt": lot.attempt, "previous_lot_id": lot.previous_lot_id}))
    return [f for f in new if f is not None]


def list_flags(session: Session, *, kind: str | None = None, lot_id: int | None = None, limit: int = 100,
               offset: int = 0) -> tuple[list[tuple[SupervisionFlag, Lot]], int]:
    """Flags with their lots, newest first, and the total (the supervisor's list)."""
    stmt = select(SupervisionFlag, Lot).join(Lot, Lot.id == SupervisionFlag.lot_id)
    if kind is not None:
        stmt = stmt.where(SupervisionFlag.kind == kind)
    if lot_id is not None:
        stmt = stmt.where(SupervisionFlag.lot_id == lot_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.execute(stmt.order_by(SupervisionFlag.id.desc()).limit(limit).offset(offset)).all()
    return [(f, lot) for f, lot in rows], total

"""Exchange reads: lots, anonymous bid history, bidders, deposits and results (F4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.lots import lot_not_found
from landbridge.exchange.models import Bid, Bidder, Deposit, Lot, LotResult
from landbridge.exchange.rules import BidStatus, LotPhase
from landbridge.kernel.clock import SHANGHAI, ensure_utc, to_local

PUBLIC_PHASES = tuple(p.value for p in LotPhase if p != LotPhase.draft)


def get_lot(session: Session, lot_id: int) -> Lot:
    """One lot or 404."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise lot_not_found(lot_id)
    return lot


def latest_attempt(session: Session, lot_id: int) -> Lot:
    """The last lot of a relisting chain that starts at (or passes through) ``lot_id``: the lot itself while it
    was never relisted (a re-listing is a new lot naming its ``previous_lot_id``)."""
    lot = get_lot(session, lot_id)
    while (nxt := successor_of(session, lot.id)) is not None:
        lot = nxt
    return lot


def list_lots(session: Session, *, phases: Sequence[str] | None = None, kind: str | None = None, limit: int = 50,
              offset: int = 0) -> tuple[list[Lot], int]:
    """Lots, newest first, with the total count (the public list shows published lots only)."""
    stmt = select(Lot)
    if phases is not None:
        stmt = stmt.where(Lot.phase.in_(list(phases)))
    if kind is not None:
        stmt = stmt.where(Lot.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Lot.id.desc()).limit(limit).offset(offset)).scalars().all()
    return list(rows), int(total)


def bid_history(session: Session, lot_id: int, *, limit: int = 100, accepted_only: bool = True,
                ) -> list[tuple[Bid, str]]:
    """Bids of a lot with the bidders' anonymous codes, newest first."""
    stmt = select(Bid, Bidder.bidder_code).join(Bidder, Bidder.id == Bid.bidder_id).where(Bid.lot_id == lot_id)
    if accepted_only:
        stmt = stmt.where(Bid.status == BidStatus.accepted)
    return [(b, c) for b, c in session.execute(stmt.order_by(Bid.id.desc()).limit(limit)).all()]


def find_bidder(session: Session, lot_id: int, party_id: int) -> Bidder | None:
    """The bidder registration of a party on a lot, if any."""
    return session.execute(select(Bidder).where(Bidder.lot_id == lot_id, Bidder.party_id == party_id)
                           ).scalar_one_or_none()


def get_bidder_by_code(session: Session, lot_id: int, bidder_code: str) -> Bidder:
    """A lot's bidder by anonymous code (the operator's desk), or 404."""
    bidder = session.execute(select(Bidder).where(Bidder.lot_id == lot_id, Bidder.bidder_code == bidder_code)
                             ).scalar_one_or_none()
    if bidder is None:
        raise ExchangeError.BIDDER_NOT_FOUND_3.error()
    return bidder


def list_bidders(session: Session, lot_id: int) -> list[tuple[Bidder, Deposit | None]]:
    """A lot's bidders with their deposits, in registration order."""
    rows = session.execute(select(Bidder, Deposit).outerjoin(Deposit, Deposit.bidder_id == Bidder.id)
                           .where(Bidder.lot_id == lot_id).order_by(Bidder.id)).all()
    return [(b, d) for b, d in rows]


def deposit_of(session: Session, bidder_id: int) -> Deposit | None:
    return session.execute(select(Deposit).where(Deposit.bidder_id == bidder_id)).scalar_one_or_none()


def successor_of(session: Session, lot_id: int) -> Lot | None:
    """The lot that lists ``lot_id``'s object again (a re-listing, or a lot reopened after an upheld objection to
    its result), or None."""
    return session.execute(select(Lot).where(Lot.previous_lot_id == lot_id).order_by(Lot.id.desc())
                           .limit(1)).scalar_one_or_none()


def find_result(session: Session, lot_id: int) -> LotResult | None:
    """The lot's result (award or unsuccessful), if decided."""
    return session.execute(select(LotResult).where(LotResult.lot_id == lot_id)).scalar_one_or_none()


def bidder_code_of(session: Session, bidder_id: int | None) -> str | None:
    """The anonymous code of a bidder (the public name of a leader or winner)."""
    if bidder_id is None:
        return None
    bidder = session.get(Bidder, bidder_id)
    return None if bidder is None else bidder.bidder_code


@dataclass(frozen=True)
class ConcludedLot:
    """A lot awarded (成交) on ``decided_on`` (local day) at ``price``: the city's view reads these (issue #19)."""

    lot_id: int
    number: str
    title: str
    region_code: str
    price: Decimal
    decided_on: date
    unit_id: int | None = None  # the property unit sold or let, when the lot has one (open data's price per m²)
    kind: str = ""              # the lot's kind (LotKind)


def concluded_lots(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[ConcludedLot]:
    """Lots awarded from ``start`` to ``end`` (local days, both included) in regions starting with
    ``region_prefix``, by lot id; an unsuccessful lot (流拍) is not concluded."""
    low, high = (datetime.combine(d, time(), SHANGHAI).astimezone(UTC) for d in (start, end + timedelta(days=1)))
    stmt = (select(Lot.id, Lot.number, Lot.title, Lot.region_code, LotResult.price_cny, LotResult.decided_at,
                   Lot.unit_id, Lot.kind)
            .join(LotResult, LotResult.lot_id == Lot.id)
            .where(LotResult.outcome == "award", LotResult.decided_at >= low, LotResult.decided_at < high))
    if region_prefix:
        stmt = stmt.where(Lot.region_code.startswith(region_prefix))
    return [ConcludedLot(r.id, r.number, r.title, r.region_code, r.price_cny or Decimal("0"),
                         to_local(ensure_utc(r.decided_at)).date(), r.unit_id, str(r.kind))
            for r in session.execute(stmt.order_by(Lot.id))]

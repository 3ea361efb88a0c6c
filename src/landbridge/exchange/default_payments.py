"""A defaulting winner's payments (issue #24; 拍卖法 art. 39, 法释〔2016〕18号 art. 24): what becomes of the price
paid beyond the earnest money when a confirmed winner defaults (the earnest money itself is forfeited by the
award path, as before).

Rule ``default_paid_treatment`` (exchange_legal.toml, with its source): ``forfeit`` (kept for the seller),
``refund`` (returned to the winner), or ``set_off``: held until the re-sale's price is known (the runner-up
promoted on the same lot, or the re-listing's award), then set off against the shortfall (price − re-sale
price, less the forfeited earnest money) and the rest refunded. Every step is a ledger event on the lot with
each amount, every amount is fen exact (paid = forfeited + set off + refund), and the reconciliation lists them.
An upheld objection to the result refunds what the winner paid in full (``annul_payments``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from landbridge.exchange.events import record
from landbridge.exchange.legal_models import DefaultDisposal
from landbridge.exchange.legal_rules import ZERO, DisposalStatus, Treatment, dispose_paid, set_off
from landbridge.exchange.legal_ruleset import legal_rule, legal_version
from landbridge.exchange.lots import bidder_of, lock_lot
from landbridge.exchange.models import Bidder, Lot, LotResult
from landbridge.exchange.rules import LotPhase, refund_due_on
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.exchange.settlement_models import Settlement
from landbridge.kernel.clock import ensure_utc, now, to_local

SOLD = (LotPhase.settled, LotPhase.handed_over)


def _open(session: Session, lot: Lot, row: Settlement, treatment: str, reason: str, source: str, actor: str,
          ) -> DefaultDisposal | None:
    paid = row.paid_cny or ZERO
    if paid <= 0:
        return None
    split = dispose_paid(treatment, paid)
    disposal = DefaultDisposal(
        lot_id=lot.id, settlement_id=row.id, bidder_id=row.bidder_id, treatment=treatment, reason=reason,
        price_cny=row.price_cny, earnest_cny=row.earnest_cny, paid_cny=paid, forfeited_cny=split.forfeited,
        held_cny=split.held, set_off_cny=ZERO, refund_cny=split.refund, source=source[:300],
        rule_digest=legal_version(lot).digest, created_at=now(),
        status=DisposalStatus.held if split.held else DisposalStatus.refund_due if split.refund
        else DisposalStatus.closed)
    if split.refund:
        disposal.refund_due_on = refund_due_on(lot_rules(lot), today())
    session.add(disposal)
    session.flush()
    record(session, lot, "default_payments_disposed", actor, {
        "bidder_code": bidder_of(session, row.bidder_id).bidder_code, "confirmation_no": row.confirmation_no,
        "treatment": treatment, "reason": reason, "paid_cny": paid, "forfeited_cny": split.forfeited,
        "held_cny": split.held, "refund_cny": split.refund, "refund_due_on": disposal.refund_due_on,
        "payee_party_id": lot.seller_party_id, "source": disposal.source})
    return disposal


def on_default(session: Session, lot: Lot, row: Settlement | None, actor: str) -> DefaultDisposal | None:
    """A confirmed winner defaulted (``awards.record_default``, settlement closed): dispose of what it paid
    beyond the earnest money by the lot's rule."""
    if row is None:
        return None
    rule = legal_rule(lot, "default_paid_treatment")
    return _open(session, lot, row, str(rule.value), "winner_default", rule.source, actor)


def annul_payments(session: Session, lot: Lot, row: Settlement | None, actor: str) -> DefaultDisposal | None:
    """A result annulled on an upheld objection: the winner is not at fault and gets back all it paid."""
    if row is None:
        return None
    return _open(session, lot, row, Treatment.refund, "objection_upheld", "result annulled on an upheld objection "
                 "(成交公示异议成立): the transferee is refunded what it paid", actor)


def resale_price(session: Session, lot: Lot, defaulted_bidder_id: int) -> Decimal | None:
    """The price the lot finally sold for after the default: another winner's settled price on this lot (the
    runner-up promoted), else the first re-listing in the chain that sold; None while none has."""
    result = session.scalars(select(LotResult).where(LotResult.lot_id == lot.id)).first()
    if lot.phase in SOLD and result is not None and result.winner_bidder_id != defaulted_bidder_id:
        return result.price_cny
    current = lot
    while True:
        nxt = session.scalars(select(Lot).where(Lot.previous_lot_id == current.id)).first()
        if nxt is None:
            return None
        if nxt.phase in SOLD:
            return session.scalars(select(LotResult.price_cny).where(LotResult.lot_id == nxt.id)).first()
        current = nxt


def resolve_held(session: Session, *, limit: int = 200) -> int:
    """The worker: set off each held sum once its lot has sold again; idempotent (locked, re-checked)."""
    rows = session.execute(select(DefaultDisposal.lot_id, DefaultDisposal.id)
                           .where(DefaultDisposal.status == DisposalStatus.held)
                           .order_by(DefaultDisposal.id).limit(limit)).all()
    done = 0
    for lot_id, disposal_id in rows:
        lot = lock_lot(session, lot_id)
        row = session.get(DefaultDisposal, disposal_id, populate_existing=True)
        if row is None or row.status != DisposalStatus.held:
            continue
        price = resale_price(session, lot, row.bidder_id)
        if price is None:
            continue
        used, refund = set_off(row.held_cny, price=row.price_cny, resale_price=price, earnest=row.earnest_cny)
        row.resale_price_cny, row.set_off_cny, row.refund_cny, row.held_cny = price, used, refund, ZERO
        row.resolved_at = now()
        row.status = DisposalStatus.refund_due if refund else DisposalStatus.closed
        row.refund_due_on = refund_due_on(lot_rules(lot), today()) if refund else None
        session.flush()
        record(session, lot, "default_set_off", "system:worker", {
            "bidder_code": bidder_of(session, row.bidder_id).bidder_code, "price_cny": row.price_cny,
            "resale_price_cny": price, "earnest_cny": row.earnest_cny, "set_off_cny": used, "refund_cny": refund,
            "payee_party_id": lot.seller_party_id, "refund_due_on": row.refund_due_on})
        done += 1
    return done


def refund_due(session: Session, *, limit: int = 200) -> int:
    """The worker: pay each refund that fell due (simulated bank transfer), once."""
    rows = session.execute(select(DefaultDisposal.lot_id, DefaultDisposal.id)
                           .where(DefaultDisposal.status == DisposalStatus.refund_due)
                           .order_by(DefaultDisposal.id).limit(limit)).all()
    done = 0
    for lot_id, disposal_id in rows:
        lot = lock_lot(session, lot_id)
        row = session.get(DefaultDisposal, disposal_id, populate_existing=True)
        if row is None or row.status != DisposalStatus.refund_due:
            continue
        row.status, row.refunded_at = DisposalStatus.refunded, now()
        session.flush()
        record(session, lot, "default_refund_paid", "system:worker", {
            "bidder_code": bidder_of(session, row.bidder_id).bidder_code, "refund_cny": row.refund_cny,
            "reason": row.reason, "due_on": row.refund_due_on,
            "late": row.refund_due_on is not None and today() > row.refund_due_on})
        done += 1
    return done


@dataclass(frozen=True)
class DisposalLine:
    """One reconciliation line of a disposal (the reconciliation turns it into its own ``Line``)."""

    category: str
    day: date
    lot_number: str
    bidder_code: str
    expected_cny: Decimal | None
    amount_cny: Decimal
    detail: str


def disposal_lines(session: Session, start: datetime, end: datetime,
                   mine: Callable[[str | None], bool]) -> list[DisposalLine]:
    """The disposals' lines in [start, end): forfeited, held, set off and refunded, each to the fen. One query
    reads the disposals with an event in the range, with their lots and bidder codes (``mine`` keeps the
    caller's area, as the reconciliation's other lines do)."""
    def within(at: datetime | None) -> bool:
        return at is not None and start <= ensure_utc(at) < end

    def day(at: datetime) -> date:
        return to_local(ensure_utc(at)).date()

    def in_range(column: InstrumentedAttribute[datetime | None]) -> ColumnElement[bool]:
        return (column >= start) & (column < end)

    out: list[DisposalLine] = []
    rows = session.execute(
        select(DefaultDisposal, Lot.number, Lot.region_code, Bidder.bidder_code)
        .join(Lot, Lot.id == DefaultDisposal.lot_id).join(Bidder, Bidder.id == DefaultDisposal.bidder_id)
        .where(in_range(DefaultDisposal.created_at) | in_range(DefaultDisposal.resolved_at)
               | in_range(DefaultDisposal.refunded_at))
        .order_by(DefaultDisposal.id)).all()
    for row, number, region, code in rows:
        if not mine(region):
            continue
        paid = f"paid {row.paid_cny:.2f} ({row.reason}, {row.treatment})"
        if within(row.created_at):
            if row.forfeited_cny:
                out.append(DisposalLine("default_forfeited", day(row.created_at), number, code, row.paid_cny,
                                        row.forfeited_cny, paid))
            if row.treatment == Treatment.set_off:
                out.append(DisposalLine("default_held", day(row.created_at), number, code, row.paid_cny,
                                        row.paid_cny, paid))
        if within(row.resolved_at) and row.resolved_at is not None:
            out.append(DisposalLine("default_set_off", day(row.resolved_at), number, code, row.paid_cny,
                                    row.set_off_cny, f"{paid}; re-sale {row.resale_price_cny:.2f}"))
        if within(row.refunded_at) and row.refunded_at is not None:
            out.append(DisposalLine("default_refunded", day(row.refunded_at), number, code, row.paid_cny,
                                    row.refund_cny, paid))
    return out

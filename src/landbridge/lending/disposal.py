"""A defaulted loan's collateral sold on the exchange, settled from the exchange's own figures (issue #17).

Lending is a process (ADR 0014): it reads the exchange, the exchange never calls it. Two pieces:

- the fact ``lending.secured_claim`` (ADR 0016): what a loan secured by a registry mortgage owes on a day
  (enforcement costs, interest due, penalty interest, all principal: 民法典 art. 389). The exchange's collateral
  payout asks it, so the mortgagee's line of the proceeds is the loan's claim, not the registered amount;
- the fixed-price sale (变卖): after the auctions the exchange's rule set allows have all failed, the collateral
  is offered for the rule's days at the last auction's start price × the rule's ratio (``start_fixed_price_sale``:
  a collateral lot whose price cap is its start price, open until the window ends); the first offer at that price
  starts the rule's countdown (``fixed_price_sale_offer_hours``, 24 h: research/trading.md 2.6 [L15]) during which
  other eligible buyers may offer too; the sale closes at the countdown's end (never after the window), and the
  first offer wins (the later ones stand behind it as runners-up, in the order made); if nobody offers the loan
  leaves disposal and goes back to workout (``defaulted``; ``end_failed_disposal``);
- ``settle_from_sale``: once the collateral lot's buyer has paid, the loan is settled from the exchange's
  settlement (price, sale costs, and the distribution it paid out: senior liens, this loan, junior liens, the
  owners' surplus), nothing typed by hand; the principal shortfall is shared as bound. ``settle_sold_disposals``
  is the worker's idempotent sweep doing the same for every loan whose lot has been paid (each loan in its own
  guard: a loan is settled once, then it is no longer ``in_disposal``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.db import for_update
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.lending import rules
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Instalment, Loan
from landbridge.lending.rules import LoanStatus, Owed
from landbridge.lending.service import _event, _move, get_loan, rule_on, rule_set
from landbridge.lending.servicing import _instalments, apply_waterfall, collateral_sold, owed_on

ZERO = Decimal("0.00")
CLAIMING = tuple(s.value for s in rules.PERFORMING)  # disbursed, defaulted, in disposal
SWEEP_CHUNK = 200


def secured_claim(*, session: Session, restriction_id: int, on: date) -> Decimal | None:
    """The fact ``lending.secured_claim``: what the loan secured by the mortgage ``restriction_id`` owes on ``on``
    (costs, interest due, penalty interest and all principal outstanding); None where no loan with money out rests
    on that mortgage (the registered amount then holds). A read: nothing is locked or changed."""
    loan = session.execute(select(Loan).where(Loan.restriction_id == restriction_id, Loan.status.in_(CLAIMING))
                           .order_by(Loan.id.desc()).limit(1)).scalar_one_or_none()
    if loan is None:
        return None
    rows = list(session.execute(select(Instalment).where(Instalment.loan_id == loan.id)
                                .order_by(Instalment.n)).scalars())
    due, later = owed_on(loan, rows, on)
    return due.total + later


def waterfall_of(sale: exchange.CollateralSale, loan: Loan, claim: Owed) -> rules.Waterfall:
    """Where the exchange paid the proceeds, in lending's terms: the sale costs, the mortgagees ranked before and
    after the loan's own mortgage, the loan's line applied to its claim (art. 561 order), the owners' surplus."""
    lines = sale.distribution
    own = [x for x in lines if x.get("restriction_id") == loan.restriction_id and x["basis"] == "mortgage"]
    own_rank = loan.lien_rank if loan.lien_rank is not None else (own[0]["rank"] if own else None)
    senior: list[tuple[str, Decimal]] = []
    junior: list[tuple[str, Decimal]] = []
    for x in lines:
        if x["basis"] != "mortgage" or x in own:
            continue
        before = own_rank is not None and x["rank"] is not None and x["rank"] < own_rank
        (senior if before else junior).append((f"restriction:{x['restriction_id']}", Decimal(x["amount_cny"])))
    to_loan = sum((Decimal(x["amount_cny"]) for x in own), ZERO)
    paid, excess = rules.allocate_payment(to_loan, claim)
    surplus = sum((Decimal(x["amount_cny"]) for x in lines if x["basis"] != "mortgage"), ZERO) + excess
    shortfall = Owed(claim.costs - paid.costs, claim.interest - paid.interest, claim.penalty - paid.penalty,
                     claim.principal - paid.principal)
    return rules.Waterfall(sale.sale_costs, tuple(senior), paid, tuple(junior), surplus, shortfall)


def settle_from_sale(session: Session, *, loan_id: int, actor: str) -> Loan:
    """结算: settle a loan in disposal from its collateral lot's paid sale (the latest attempt of the lot it started),
    as the exchange paid it out; 409 ``lending.sale_not_paid`` while the buyer has not paid, nothing changed."""
    loan = get_loan(session, loan_id, lock=True)
    rules.transition(loan.status, LoanStatus.settled)
    if loan.status != LoanStatus.in_disposal or loan.lot_id is None:
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target=LoanStatus.settled.value)
    lot = exchange.latest_attempt(session, loan.lot_id)
    sale = exchange.collateral_sale(session, lot.id)
    if sale is None or not sale.paid or sale.paid_on is None:
        raise LendingError.SALE_NOT_PAID.error(lot_id=lot.id)
    loan.lot_id = lot.id
    day = sale.paid_on
    rows = _instalments(session, loan.id)
    due, later = owed_on(loan, rows, day)
    claim = Owed(due.costs, due.interest, due.penalty, due.principal + later)
    fall = waterfall_of(sale, loan, claim)
    facts: dict[str, Any] = {"lot_id": lot.id, "lot_number": lot.number, "price_cny": str(sale.price),
                             "net_cny": str(sale.net), "from_exchange": True}
    return apply_waterfall(session, loan, rows, fall, proceeds=sale.price, sale_costs=sale.sale_costs, day=day,
                           actor=actor, facts=facts)



def fixed_price_terms(last_start: Decimal, starts_at: datetime) -> tuple[Decimal, datetime, int]:
    """The fixed-price sale's price (the last auction's start price × ``fixed_price_sale_ratio``, to the fen), the
    end of its window (``fixed_price_sale_days`` after it opens) and the seconds the first offer leaves the other
    buyers (``fixed_price_sale_offer_hours``: the sale closes that long after the first offer, within the window)."""
    day = to_local(starts_at).date()
    price = (last_start * Decimal(str(rule_on("fixed_price_sale_ratio", day)))).quantize(rules.FEN)
    countdown = int(timedelta(hours=int(rule_on("fixed_price_sale_offer_hours", day))).total_seconds())
    return price, starts_at + timedelta(days=int(rule_on("fixed_price_sale_days", day))), countdown


def is_fixed_price_sale(lot: Any) -> bool:
    """Whether a collateral lot is a fixed-price sale: its only admissible bid is its start price."""
    return lot.price_cap_cny is not None and lot.price_cap_cny == lot.start_price_cny


def _auctions_failed(lot: Any) -> bool:
    return (lot.phase == exchange.LotPhase.unsuccessful and not is_fixed_price_sale(lot)
            and lot.attempt >= exchange.rules_for(lot.kind).relist_max_attempts)


def start_fixed_price_sale(session: Session, *, loan_id: int, actor: str, starts_at: datetime | None = None) -> Loan:
    """变卖: once the collateral's last allowed auction has failed, offer it on the exchange at the fixed price for
    the rule's window (the borrower still excluded); 409 ``lending.fixed_sale_not_due`` before, nothing changed."""
    loan = get_loan(session, loan_id, lock=True)
    if loan.status != LoanStatus.in_disposal or loan.lot_id is None:
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target="fixed_price_sale")
    last = exchange.latest_attempt(session, loan.lot_id)
    if not _auctions_failed(last):
        raise LendingError.FIXED_SALE_NOT_DUE.error(lot_id=last.id)
    opens = starts_at or now() + timedelta(days=rule_set().int("disposal_announcement_days"))
    price, closes, countdown = fixed_price_terms(last.start_price_cny, opens)
    lot = exchange.create_lot(session, actor=actor, kind=last.kind, title=f"抵押物变卖 {loan.loan_no}",
                              region_code=last.region_code, starts_at=opens, start_price=price, price_cap=price,
                              unit_id=last.unit_id, right_id=last.right_id, seller_party_id=last.seller_party_id,
                              appraised_value=last.appraised_value_cny, excluded_party_ids=last.excluded_party_ids,
                              description=f"贷款 {loan.loan_no} 两次拍卖流拍后变卖", attempt=last.attempt + 1,
                              previous_lot_id=last.id, offer_countdown_s=countdown)
    exchange.publish_lot(session, lot_id=lot.id, actor=actor, ends_at=closes)
    loan.lot_id = lot.id
    loan.version += 1
    _event(session, loan, "loan.fixed_price_sale_started", actor, {
        "lot_id": lot.id, "previous_lot_id": last.id, "price_cny": str(price), "opens_at": opens.isoformat(),
        "closes_at": closes.isoformat(), "offer_countdown_s": countdown}, also=[f"lot:{lot.id}"])
    return loan


def end_failed_disposal(session: Session, *, loan_id: int, actor: str) -> Loan:
    """The fixed-price sale ended unsold: the loan leaves disposal and goes back to workout (``defaulted``: the
    bank may restructure, take the collateral in lieu or start a new disposal; the lien stays). 409
    ``lending.fixed_sale_not_failed`` otherwise, nothing changed."""
    loan = get_loan(session, loan_id, lock=True)
    rules.transition(loan.status, LoanStatus.defaulted)
    last = exchange.latest_attempt(session, loan.lot_id) if loan.lot_id is not None else None
    if last is None or not is_fixed_price_sale(last) or last.phase != exchange.LotPhase.unsuccessful:
        raise LendingError.FIXED_SALE_NOT_FAILED.error(lot_id=last.id if last is not None else None)
    _move(loan, LoanStatus.defaulted)
    _event(session, loan, "loan.disposal_failed", actor, {"lot_id": last.id, "attempts": last.attempt},
           also=[f"lot:{last.id}"])
    return loan


def settle_sold_disposals(session: Session, *, actor: str = "system:worker") -> int:
    """The worker's sweep: every loan in disposal whose collateral lot (latest attempt) the buyer has paid is settled
    from the exchange's figures, and one whose fixed-price sale ended unsold goes back to workout; returns how
    many. It looks at every loan in disposal, SWEEP_CHUNK at a time by id (loans still on sale would otherwise hide
    the later ones). Idempotent: either way the loan is no longer in disposal."""
    done, after = 0, 0
    while True:
        stmt = (select(Loan).where(Loan.status == LoanStatus.in_disposal.value, Loan.lot_id.is_not(None),
                                   Loan.id > after).order_by(Loan.id).limit(SWEEP_CHUNK))
        if for_update(session):
            stmt = stmt.with_for_update(skip_locked=True)
        loans = list(session.execute(stmt).scalars())
        for loan in loans:
            assert loan.lot_id is not None
            if collateral_sold(session, loan):
                settle_from_sale(session, loan_id=loan.id, actor=actor)
                done += 1
                continue
            last = exchange.latest_attempt(session, loan.lot_id)
            if is_fixed_price_sale(last) and last.phase == exchange.LotPhase.unsuccessful:
                end_failed_disposal(session, loan_id=loan.id, actor=actor)
                done += 1
        if len(loans) < SWEEP_CHUNK:
            return done
        after = loans[-1].id


def fixed_sale_view(session: Session, loan: Loan) -> dict[str, Any] | None:
    """A loan in disposal whose collateral is on a fixed-price sale (变卖): its price, the window's end and, once an
    offer has been made, the countdown's end (when the sale closes); None otherwise. A read."""
    if loan.status != LoanStatus.in_disposal or loan.lot_id is None:
        return None
    lot = exchange.latest_attempt(session, loan.lot_id)
    if not is_fixed_price_sale(lot):
        return None
    offered = lot.accepted_bids > 0 and lot.countdown_end is not None
    window = ensure_utc(lot.ends_at) if lot.ends_at is not None else None
    closes = ensure_utc(lot.countdown_end) if offered and lot.countdown_end is not None else window
    return {"lot_id": lot.id, "price_cny": lot.start_price_cny, "window_ends_at": window,
            "offers": lot.accepted_bids, "closes_at": closes,
            "countdown": offered,
            "offer_countdown_hours": int(timedelta(seconds=lot.offer_countdown_s or 0) / timedelta(hours=1))}

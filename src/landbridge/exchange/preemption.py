"""Pre-emption (优先购买权) at the decision (issue #24; 农村土地承包法 art. 38, 民法典 arts. 305-306, 726).

The law gives the right "at equal terms" (同等条件) whatever the way the right is sold, so it applies to every
method: the best offer is the highest bid (listing, auction), the winning tender's price and terms (tender) or
the agreed transfer (negotiated). Eligible holders register their pre-emption when they apply
(``preemption_service``). Once the best offer is known the lot is awarded to the best bidder as before, but the
award cannot be confirmed while the pre-emption period (``preemption_match_hours`` from the decision) is open:
each registered holder with a held deposit may match the best offer at the same price. At the end of the period
(or as soon as the holder the rules rank first has matched) the holder ranked first by the rules' order
(``preemption_grounds``; the earlier match breaks a tie) takes the award at that price: the result records the
ground and why the best bidder lost, the holder's deposit becomes earnest money and the best bidder's is held as
the runner-up (or refunded). This module builds on the lot state machine only; the services that register and
match build on the deadlines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.legal_models import PreemptionClaim
from landbridge.exchange.legal_rules import ClaimStatus, Match, prevailing, window_closes
from landbridge.exchange.legal_ruleset import legal_value
from landbridge.exchange.lots import bidder_of, convert_deposit, deposit_of, lock_lot, move_lot, result_locked
from landbridge.exchange.models import Deposit, Lot, LotResult
from landbridge.exchange.rules import DepositStatus, LotPhase, refund_due_on
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.kernel.clock import ensure_utc, now

OPEN = (ClaimStatus.registered, ClaimStatus.matched)
PREEMPTED = "preemption"
REGISTRATION_PHASES = (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.registration_closed,
                       LotPhase.tendering, LotPhase.publicity)
"""While applications are open, by every method: a holder registers its pre-emption when it applies."""
OFFERS = {"highest_bid": "the best bid", "tender_evaluation": "the winning tender's price and terms",
          "negotiated": "the agreed transfer's price and terms"}
"""The decisions that open a pre-emption period (each method's own award), with what a holder matches."""


def registration_open(lot: Lot) -> bool:
    """Whether a holder may register its pre-emption on the lot now: applications open, by any method."""
    return lot.phase in REGISTRATION_PHASES and (
        lot.application_deadline is None or now() < ensure_utc(lot.application_deadline))


def claims_of(session: Session, lot_id: int, statuses: Sequence[str] = ()) -> list[PreemptionClaim]:
    """A lot's pre-emption claims in the rules' order (rank, then registration)."""
    stmt = select(PreemptionClaim).where(PreemptionClaim.lot_id == lot_id)
    if statuses:
        stmt = stmt.where(PreemptionClaim.status.in_(list(statuses)))
    return list(session.scalars(stmt.order_by(PreemptionClaim.rank, PreemptionClaim.id)
                                .execution_options(populate_existing=True)))


def deposits_to_hold(session: Session, lot: Lot, winner: int | None) -> list[int]:
    """At the decision: the bidders whose registered pre-emption keeps their confirmed deposit held (they may
    still match the best offer); none when the lot is not awarded."""
    if winner is None:
        return []
    ids = [c.bidder_id for c in claims_of(session, lot.id, OPEN) if c.bidder_id != winner]
    if not ids:
        return []
    return list(session.scalars(select(Deposit.bidder_id).where(Deposit.bidder_id.in_(ids),
                                                                 Deposit.status == DepositStatus.confirmed)))


def window_end(session: Session, lot: Lot, result: LotResult | None = None) -> datetime | None:
    """When the pre-emption period of a decided lot ends, or None when the lot has none open (no best offer
    awarded by bidding, already confirmed or resolved, or no holder besides the best bidder)."""
    if lot.phase != LotPhase.award_pending:
        return None
    result = result or result_locked(session, lot)
    if result.reason not in OFFERS or result.confirmed_at is not None or result.winner_bidder_id is None:
        return None
    if not any(c.bidder_id != result.winner_bidder_id for c in claims_of(session, lot.id, OPEN)):
        return None
    return window_closes(ensure_utc(result.decided_at), int(legal_value(lot, "preemption_match_hours")))


def before_confirmation(session: Session, lot: Lot, actor: str) -> None:
    """Called on a locked lot before its award is confirmed (issue #24): resolve a pre-emption period that has
    ended, or 409 exchange.preemption_pending while it is open (the caller's transaction is refused: nothing is
    confirmed)."""
    closes = window_end(session, lot)
    if closes is not None:
        if now() < closes:
            raise ExchangeError.PREEMPTION_PENDING.error(closes_at=closes.isoformat())
        resolve(session, lot, actor)


def resolve(session: Session, lot: Lot, actor: str) -> PreemptionClaim | None:
    """Close the pre-emption period of a locked lot: the prevailing holder takes the award at the best offer's
    price, or every claim lapses. Returns the exercised claim."""
    result = result_locked(session, lot)
    best = result.winner_bidder_id
    assert best is not None and result.price_cny is not None
    claims = claims_of(session, lot.id, OPEN)
    matched = [Match(c.id, c.rank, ensure_utc(c.matched_at)) for c in claims
               if c.status == ClaimStatus.matched and c.matched_at is not None and c.bidder_id != best]
    winner = prevailing(matched)
    for claim in claims:
        claim.status = ClaimStatus.exercised if winner and claim.id == winner.claim_id else ClaimStatus.lapsed
    if winner is None:
        session.flush()
        record(session, lot, "preemption_lapsed", actor, {"claims": len(claims)})
        return None
    claim = next(c for c in claims if c.id == winner.claim_id)
    offer = OFFERS.get(result.reason, "the best offer")
    holder = bidder_of(session, claim.bidder_id)
    outbid = bidder_of(session, best)
    _release_best(session, lot, best)
    convert_deposit(session, lot, holder.id)
    result.winner_bidder_id, result.winner_party_id, result.reason = holder.id, holder.party_id, PREEMPTED
    move_lot(session, lot, "award", actor, None, reason=PREEMPTED, winner_bidder_id=holder.id,
             price_cny=result.price_cny, ground=claim.ground, rank=claim.rank,
             best_bidder_code=outbid.bidder_code, holder_code=holder.bidder_code,
             why_best_bidder_lost=f"{claim.ground} pre-emption matched {offer} at equal terms")
    return claim


def _release_best(session: Session, lot: Lot, bidder_id: int) -> None:
    """The best bidder's earnest money goes back to a held deposit (the runner-up if the holder defaults), or
    falls due for refund where the rules promote no one."""
    deposit = deposit_of(session, bidder_id)
    deposit.settled_at = None
    if lot_rules(lot).promote_next:
        deposit.status = DepositStatus.confirmed
    else:
        deposit.status = DepositStatus.refund_due
        deposit.refund_due_on = refund_due_on(lot_rules(lot), today())


def resolve_due(session: Session, *, limit: int = 200) -> int:
    """The worker: close every pre-emption period that has ended (idempotent; each lot locked and re-checked)."""
    ids = list(session.scalars(select(PreemptionClaim.lot_id).join(Lot, Lot.id == PreemptionClaim.lot_id)
                               .where(PreemptionClaim.status.in_(list(OPEN)), Lot.phase == LotPhase.award_pending)
                               .distinct().order_by(PreemptionClaim.lot_id).limit(limit)))
    done = 0
    for lot_id in ids:
        lot = lock_lot(session, lot_id)
        closes = window_end(session, lot) if lot.phase == LotPhase.award_pending else None
        if closes is not None and now() >= closes:
            resolve(session, lot, "system:worker")
            done += 1
    return done

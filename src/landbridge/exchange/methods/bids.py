"""What the bidding methods (listing with its countdown, auction) share (F4; 39号令 art. 19-21): the close of
bidding at the countdown's end and the decision by the highest accepted bid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from landbridge.exchange import rules
from landbridge.exchange.lots import convert_deposit, move_lot, new_result, qualified_count, refund_all, top_bids
from landbridge.exchange.models import Lot
from landbridge.exchange.preemption import deposits_to_hold
from landbridge.exchange.ruleset import lot_rules
from landbridge.exchange.sealed_reserve import reveal_reserve
from landbridge.exchange.supervision import scan_lot
from landbridge.kernel.clock import ensure_utc


def close_bidding(session: Session, lot: Lot, actor: str) -> None:
    """The countdown (限时竞价) or the online auction ends: decide."""
    assert lot.countdown_end is not None
    decide(session, lot, actor, closed_at=ensure_utc(lot.countdown_end))


def decide(session: Session, lot: Lot, actor: str, *, closed_at: datetime) -> None:
    """DECIDING: award to the highest accepted bid or declare the lot unsuccessful (流拍) (art. 19-21)."""
    lr = lot_rules(lot)
    tops = top_bids(session, lot.id)
    reserve = reveal_reserve(session, lot, actor)
    decision = rules.decide(lr, qualified_bidders=qualified_count(session, lot.id),
                            top=tops[0] if tops else None, distinct_bidders=len(tops), reserve=reserve)
    result = new_result(session, lot, reason=decision.reason, winner=decision.winner_bidder_id,
                        price=decision.price)
    session.add(result)
    if decision.winner_bidder_id is None:
        refunds = refund_all(session, lot, exclude=())
        move_lot(session, lot, "fail", actor, None, closed_at=closed_at, reason=decision.reason, refunds=refunds)
        scan_lot(session, lot)
        return
    held = [tops[1][0]] if lr.promote_next and len(tops) > 1 else []
    preempting = deposits_to_hold(session, lot, decision.winner_bidder_id)  # may match the best offer (issue #24)
    convert_deposit(session, lot, decision.winner_bidder_id)
    refunds = refund_all(session, lot, exclude=[decision.winner_bidder_id, *held, *preempting])
    move_lot(session, lot, "award", actor, None, closed_at=closed_at, winner_bidder_id=decision.winner_bidder_id,
             price_cny=decision.price, held_for_promotion=held, refunds=refunds,
             **({"held_for_preemption": preempting} if preempting else {}))
    scan_lot(session, lot)

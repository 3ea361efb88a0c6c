"""Pre-emption services (issue #24): a registered bidder registers its pre-emption while applications are open,
proven from the registry, and matches the best offer within the rules' time limit (see ``preemption``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.barlist import barred_reason
from landbridge.exchange.consortium_holders import check_members
from landbridge.exchange.deadlines import advance_lot
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import text
from landbridge.exchange.legal_models import PreemptionClaim
from landbridge.exchange.legal_rules import ClaimStatus, Ground, ground_rank
from landbridge.exchange.legal_ruleset import legal_rule, legal_version, preemption_grounds
from landbridge.exchange.lots import lock_lot, result_locked
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.preemption import OPEN, claims_of, registration_open, resolve, window_end
from landbridge.exchange.refusals import rejection
from landbridge.exchange.rules import DepositStatus, LotPhase
from landbridge.kernel import modules
from landbridge.kernel.clock import now, to_local


def _bidder(session: Session, lot: Lot, bidder_id: int) -> Bidder:
    bidder = session.get(Bidder, bidder_id)
    if bidder is None or bidder.lot_id != lot.id:
        raise ExchangeError.BIDDER_NOT_FOUND_2.error()
    return bidder


def proves(session: Session, lot: Lot, party_id: int, ground: str) -> bool:
    """Whether the registry shows the party holds ``ground`` on the lot: a co-holder of the right on sale other
    than the seller; the holder of a current land management right (the lessee) on the lot's unit; a member
    of the collective of the lot's village today, by the collective's member roll (the fact
    ``collective.member_of_village``, ADR 0016: the exchange never reads the collective's tables)."""
    if ground == Ground.co_owner:
        return lot.right_id is not None and party_id != lot.seller_party_id and party_id in {
            pid for pid, _ in registry.holders_of(session, lot.right_id)}
    if ground == Ground.lessee:
        if lot.unit_id is None:
            return False
        return any(party_id in {pid for pid, _ in registry.holders_of(session, r.id)}
                   for r in registry.current_rights(session, lot.unit_id)
                   if r.right_type == "land_management_right" and r.id != lot.right_id)
    is_member = modules.fact("collective.member_of_village")
    return bool(is_member(session, party_id=party_id, region_code=lot.region_code, on=to_local(now()).date()))


def register_preemption(session: Session, *, lot_id: int, bidder_id: int, ground: str, actor: str,
                        evidence: str | None = None) -> PreemptionClaim:
    """Register a bidder's pre-emption while applications are open, by any method (the rules must give the
    ground on this lot kind and the registry must prove it); 422/409 typed refusals change nothing."""
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    if not registration_open(lot):
        raise ExchangeError.APPLICATIONS_CLOSED.error(phase=lot.phase)
    bidder = _bidder(session, lot, bidder_id)
    try:
        Ground(ground)
    except ValueError:
        raise ExchangeError.PREEMPTION_NOT_GIVEN.error({"ground": str(ground)[:20]}) from None
    grounds = preemption_grounds(lot)
    rank = ground_rank(grounds, ground)
    if session.scalar(select(PreemptionClaim.id).where(PreemptionClaim.bidder_id == bidder.id)) is not None:
        raise ExchangeError.PREEMPTION_ALREADY_REGISTERED.error()
    if not proves(session, lot, bidder.party_id, ground):
        raise ExchangeError.PREEMPTION_GROUND_UNPROVEN.error({"ground": ground})
    claim = PreemptionClaim(lot_id=lot.id, bidder_id=bidder.id, ground=ground, rank=rank,
                            evidence=text(evidence, 300) if evidence else None, rule_digest=legal_version(lot).digest,
                            registered_at=now(), registered_by=actor, status=ClaimStatus.registered)
    session.add(claim)
    session.flush()
    record(session, lot, "preemption_registered", actor, {
        "bidder_code": bidder.bidder_code, "party_id": bidder.party_id, "ground": ground, "rank": rank,
        "grounds_in_order": list(grounds), "source": legal_rule(lot, "preemption_grounds").source})
    return claim


def match_best_offer(session: Session, *, lot_id: int, bidder_id: int, actor: str) -> PreemptionClaim:
    """A registered holder matches the best offer (同等条件) within the time limit. When no holder the rules rank
    higher is still open, the period closes at once and the holder takes the award."""
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    bidder = _bidder(session, lot, bidder_id)
    claim = session.scalars(select(PreemptionClaim).where(PreemptionClaim.bidder_id == bidder.id)
                            .execution_options(populate_existing=True)).first()
    if claim is None:
        raise ExchangeError.PREEMPTION_NOT_REGISTERED.error()
    if lot.phase != LotPhase.award_pending:
        raise ExchangeError.PREEMPTION_NOT_OPEN.error(phase=lot.phase)
    result = result_locked(session, lot)
    if result.winner_bidder_id == bidder.id:
        raise ExchangeError.PREEMPTION_BEST_BIDDER.error()
    closes = window_end(session, lot, result)
    if closes is None or claim.status not in OPEN:
        raise ExchangeError.PREEMPTION_NOT_OPEN.error(phase=lot.phase)
    if now() >= closes:
        raise ExchangeError.PREEMPTION_WINDOW_CLOSED.error(closes_at=closes.isoformat())
    status = session.scalar(select(Deposit.status).where(Deposit.bidder_id == bidder.id))
    if status != DepositStatus.confirmed:
        raise rejection("exchange.deposit_not_confirmed")
    if barred_reason(session, lot, bidder.party_id) is not None:
        raise ExchangeError.BIDDER_BARRED.error(reason="barred")
    check_members(session, lot, bidder.id)
    if claim.status == ClaimStatus.registered:
        claim.status, claim.matched_at, claim.matched_price_cny = ClaimStatus.matched, now(), result.price_cny
        session.flush()
        record(session, lot, "preemption_matched", actor, {
            "bidder_code": bidder.bidder_code, "ground": claim.ground, "rank": claim.rank,
            "price_cny": result.price_cny, "closes_at": closes})
    ahead = [c for c in claims_of(session, lot.id, [ClaimStatus.registered])
             if c.rank < claim.rank and c.bidder_id != result.winner_bidder_id]
    if not ahead:
        resolve(session, lot, actor)
    return claim

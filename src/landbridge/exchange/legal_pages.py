"""What the lot page shows of the exchange's remaining legal rules (issue #24): before anyone bids, who may
pre-empt and in what order, the time limit and the sources; while the pre-emption period is open, its end and how
many holders registered (codes only); joint bidding; and once the award is confirmed, the results notice with its
period and the objections' outcomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from landbridge.exchange.legal_rules import ClaimStatus
from landbridge.exchange.legal_ruleset import legal_rule, preemption_grounds
from landbridge.exchange.models import Bidder, Lot
from landbridge.exchange.preemption import claims_of, registration_open, window_end
from landbridge.exchange.results_notice import notice_of
from landbridge.exchange.rules import LotPhase
from landbridge.kernel.clock import now

GROUND_LABELS = {"co_owner": "Co-owner of the right", "lessee": "Current lessee of the land",
                 "member": "Member of the collective"}
CLAIM_LABELS = {"registered": "Registered", "matched": "Matched the best offer", "exercised": "Exercised: you won",
                "lapsed": "Lapsed"}
TREATMENT_LABELS = {"forfeit": "Forfeited", "refund": "Refunded",
                    "set_off": "Set off against the re-sale's shortfall, the rest refunded"}


def legal_context(session: Session, lot: Lot, me: Bidder | None = None) -> dict[str, Any]:
    """The page's ``legal`` block; ``me`` is the viewing bidder (its pre-emption forms)."""
    grounds_rule = legal_rule(lot, "preemption_grounds")
    grounds = preemption_grounds(lot)
    claims = claims_of(session, lot.id)
    mine = next((c for c in claims if me is not None and c.bidder_id == me.id), None)
    closes = window_end(session, lot) if lot.phase == LotPhase.award_pending else None
    return {
        "grounds": grounds, "grounds_source": grounds_rule.source, "ground_labels": GROUND_LABELS,
        "claim_labels": CLAIM_LABELS,
        "match_hours": legal_rule(lot, "preemption_match_hours").value,
        "claims": len(claims), "exercised": next((c for c in claims if c.status == ClaimStatus.exercised), None),
        "closes_at": closes, "mine": mine,
        "may_register": me is not None and mine is None and bool(grounds)
        and registration_open(lot),
        "may_match": mine is not None and closes is not None and now() < closes
        and mine.status == ClaimStatus.registered,
        "consortium": legal_rule(lot, "consortium_allowed").value,
        "consortium_source": legal_rule(lot, "consortium_allowed").source,
        "treatment": TREATMENT_LABELS[str(legal_rule(lot, "default_paid_treatment").value)],
        "treatment_source": legal_rule(lot, "default_paid_treatment").source,
        "notice": notice_of(session, lot),
    }

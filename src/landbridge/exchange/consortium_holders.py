"""A joint bidder's members and shares (联合竞买, issue #24), as the hand-over registers them."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.exchange.legal_models import ConsortiumMember


def members_of(session: Session, bidder_id: int) -> list[tuple[int, Fraction]]:
    """A joint bidder's members with their shares, the lead first; empty for a single bidder."""
    rows = session.execute(select(ConsortiumMember.party_id, ConsortiumMember.share_num, ConsortiumMember.share_den,
                                  ConsortiumMember.lead).where(ConsortiumMember.bidder_id == bidder_id)
                           .order_by(ConsortiumMember.lead.desc(), ConsortiumMember.party_id)).all()
    return [(int(pid), Fraction(n, d)) for pid, n, d, _ in rows]


def registry_holders(session: Session, bidder_id: int, party_id: int) -> list[tuple[int, str]]:
    """The holders a hand-over registers: each member by its exact share, or the winning party alone."""
    members = members_of(session, bidder_id)
    if not members:
        return [(party_id, "1")]
    return [(pid, f"{share.numerator}/{share.denominator}") for pid, share in members]

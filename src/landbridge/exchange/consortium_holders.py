"""A joint bidder's members and shares (联合竞买, issue #24), as the hand-over registers them, and the members'
eligibility: every member is checked when the consortium applies, and again at each bid and before the award
is confirmed (a member barred meanwhile bars the consortium)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from sqlalchemy import Exists, SQLColumnExpression, exists, select
from sqlalchemy.orm import Session

from landbridge.exchange.barlist import bar_listed, barred_reason
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.legal_models import ConsortiumMember
from landbridge.exchange.models import Lot


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


def first_barred(session: Session, lot: Lot, party_ids: Iterable[int]) -> int | None:
    """The first of these parties barred from the lot (bar list, exclusions, the seller), or None."""
    return next((pid for pid in party_ids if barred_reason(session, lot, pid) is not None), None)


def check_members(session: Session, lot: Lot, bidder_id: int) -> None:
    """409 exchange.consortium_member_barred when a member of this joint bidder is now barred from the lot (a
    single bidder has no members: its own check is the engine's)."""
    if first_barred(session, lot, [pid for pid, _ in members_of(session, bidder_id)]) is not None:
        raise ExchangeError.CONSORTIUM_MEMBER_BARRED.error()


def member_listed(bidder_id: int | SQLColumnExpression[int]) -> Exists:
    """The SQL test: a member of the joint bidder (an id, or a column for a correlated test) is on the bar list
    today (the batch of bids reads it with its bidders, in the same round trip)."""
    return exists().where(ConsortiumMember.bidder_id == bidder_id, bar_listed(ConsortiumMember.party_id))

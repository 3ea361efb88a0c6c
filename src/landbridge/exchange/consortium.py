"""Joint bidders (联合竞买, issue #24; 39号令 art. 10): registered parties apply together as one bidder with shares
summing to exactly 1. The lead member is the bidder of record and pays the one deposit in its own name (rule
``consortium_deposit``); every member is checked against the bar list and the lot's exclusions when the
consortium applies, and again at each bid and before the award confirmation (``consortium_holders``); the
hand-over registers the right to the members by their shares."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.consortium_holders import first_barred, members_of, registry_holders
from landbridge.exchange.entry import check_equity_bidder
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.legal_models import ConsortiumMember
from landbridge.exchange.legal_rules import check_consortium, parse_share
from landbridge.exchange.legal_ruleset import legal_rule, legal_value
from landbridge.exchange.lots import lock_lot
from landbridge.exchange.models import Bidder
from landbridge.exchange.rules import Channel
from landbridge.exchange.service import apply_for_lot

__all__ = ["apply_as_consortium", "members_of", "registry_holders"]
MAX_INPUT_MEMBERS = 20  # an input bound, not a policy number (the rule caps the size)


def apply_as_consortium(session: Session, *, lot_id: int, members: Sequence[tuple[int, str]], actor: str,
                        user_id: int | None = None, channel: Channel = Channel.online) -> Bidder:
    """Register a consortium as one bidder: ``members`` are (party id, share "n/d" or decimal), the lead first.
    Refused (nothing written) when the lot kind takes no joint bidders, the shares or size break the rules, or a
    member is barred, excluded, the seller, or already bidding on the lot."""
    lot = lock_lot(session, lot_id)
    if not legal_value(lot, "consortium_allowed"):
        raise ExchangeError.CONSORTIUM_NOT_ALLOWED.error()
    maximum = int(legal_value(lot, "consortium_max_members"))
    if len(members) > MAX_INPUT_MEMBERS:
        raise ExchangeError.CONSORTIUM_SIZE.error(maximum=maximum)
    parsed = [(int(pid), parse_share(share)) for pid, share in members]
    check_consortium(parsed, maximum=maximum, min_share=Fraction(str(legal_value(lot, "consortium_min_share"))))
    for pid, _ in parsed:
        registry.get_party(session, pid)
    if first_barred(session, lot, [pid for pid, _ in parsed]) is not None:
        raise ExchangeError.CONSORTIUM_MEMBER_BARRED.error()
    for pid, _ in parsed:  # an equity lot's project party is a company: every member an organisation
        check_equity_bidder(session, lot, pid)
    ids = [pid for pid, _ in parsed]
    taken = session.scalar(select(Bidder.id).where(Bidder.lot_id == lot.id, Bidder.party_id.in_(ids))) or \
        session.scalar(select(ConsortiumMember.id).join(Bidder, Bidder.id == ConsortiumMember.bidder_id)
                       .where(Bidder.lot_id == lot.id, ConsortiumMember.party_id.in_(ids)))
    if taken:
        raise ExchangeError.ALREADY_APPLIED.error()
    bidder = apply_for_lot(session, lot_id=lot.id, party_id=parsed[0][0], actor=actor, user_id=user_id,
                           channel=channel)
    session.add_all([ConsortiumMember(bidder_id=bidder.id, party_id=pid, share_num=share.numerator,
                                      share_den=share.denominator, lead=i == 0)
                     for i, (pid, share) in enumerate(parsed)])
    session.flush()
    record(session, lot, "consortium_registered", actor, {
        "bidder_code": bidder.bidder_code, "lead_party_id": parsed[0][0],
        "members": [{"party_id": pid, "share": f"{s.numerator}/{s.denominator}"} for pid, s in parsed],
        "deposit_rule": legal_value(lot, "consortium_deposit"),
        "source": legal_rule(lot, "consortium_allowed").source})
    return bidder

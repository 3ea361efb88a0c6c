"""Who sees which bidder identities (issue #12 item 3; F4, P2; 个人信息保护法 art. 6).

While a lot is open, and for every bidder that does not win, the public and the other bidders know a bidder by
its anonymous code (号牌) only: no party id, name, account, organisation or deposit sub-account. A bidder sees its
own registration; the lot's exchange operator (its organisation covers the lot's region) and supervisors see who
every bidder is. Once the award is confirmed (成交确认书, the result the 成交公示 publishes), the public sees the
transferee (受让方) as the lot's rule set says: an organisation by name, a natural person by a masked name
(rule data ``publish_transferee_organisation`` / ``publish_transferee_person`` in exchange.toml, with sources).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role
from landbridge.cityprofile import get_profile
from landbridge.exchange.models import Bidder, Lot, LotResult
from landbridge.exchange.rules import LotPhase, published_transferee_name

# The phases in which the award is confirmed and published (成交公示); before the confirmation the winner may
# still default and be replaced, so the public sees codes only.
PUBLISHED_PHASES = frozenset({LotPhase.confirmed, LotPhase.settled, LotPhase.handed_over})
ORGANISATION_KINDS = frozenset({"organisation"})


@dataclass(frozen=True)
class BidderIdentity:
    """Who a bidder is, for the lot's operator, supervisors and the bidder itself."""

    party_id: int
    name: str
    kind: str
    user_id: int | None


def sees_identities(principal: Principal | None, lot: Lot) -> bool:
    """Whether ``principal`` may see who the lot's bidders are: supervisors, and the exchange operators whose
    organisation covers the lot's region (the lot's operator)."""
    if principal is None:
        return False
    if principal.role == Role.supervisor:
        return True
    return principal.role == Role.exchange_operator and principal.covers_region(lot.region_code)


def identity_of(session: Session, bidder: Bidder) -> BidderIdentity:
    """A bidder's identity (its registry party's name and kind, and the account that applied)."""
    party = registry.get_party(session, bidder.party_id)
    return BidderIdentity(party_id=party.id, name=party.name, kind=party.kind, user_id=bidder.user_id)


def identities(session: Session, lot_id: int) -> dict[int, BidderIdentity]:
    """The identities of a lot's bidders by bidder id (for the lot's operator and supervisors only)."""
    bidders = session.execute(select(Bidder).where(Bidder.lot_id == lot_id).order_by(Bidder.id)).scalars().all()
    return {b.id: identity_of(session, b) for b in bidders}


def publication_rules(lot: Lot) -> tuple[str, str]:
    """The lot kind's publication rules for an organisation and a person transferee, from the rule-set version
    the lot was created under (exchange.toml)."""
    values = {n: r.value for n, r in
              get_profile().rules("exchange").version_at(date.fromisoformat(lot.rule_version)).rules.items()}

    def rule(name: str) -> str:
        return str(values.get(f"{lot.kind}.{name}", values.get(f"default.{name}", "code")))

    return rule("publish_transferee_organisation"), rule("publish_transferee_person")


def is_published(lot: Lot, result: LotResult | None) -> bool:
    """Whether the lot's award is confirmed and so published (成交公示)."""
    return result is not None and result.outcome == "award" and result.winner_bidder_id is not None \
        and lot.phase in PUBLISHED_PHASES


def published_winner_name(session: Session, lot: Lot, result: LotResult | None) -> str | None:
    """The transferee's name as the published result shows it to anyone, or None (before the confirmed award,
    or where the rule publishes the bidder code alone). Bidders that did not win are never named."""
    if result is None or not is_published(lot, result):
        return None
    bidder = session.get(Bidder, result.winner_bidder_id)
    if bidder is None:
        return None
    who = identity_of(session, bidder)
    organisation_rule, person_rule = publication_rules(lot)
    return published_transferee_name(who.name, organisation=who.kind in ORGANISATION_KINDS,
                                     organisation_rule=organisation_rule, person_rule=person_rule)


def record_identity_reads(session: Session, principal: Principal, shown: Iterable[BidderIdentity], *,
                          purpose: str) -> None:
    """Record that ``principal`` was shown these bidders' names whole (查阅记录; issue #12 item 4): one read per
    natural person (an organisation's name is not personal data)."""
    registry.record_party_reads(session, principal, [who.party_id for who in shown if who.kind not in
                                                     ORGANISATION_KINDS], purpose=purpose)

"""The bar list (禁止竞买名单, F4; rules.md Exchange): who may not bid, on the list or on one lot."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Exists, Select, SQLColumnExpression, exists, func, select, update
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.exchange.inputs import text
from landbridge.exchange.models import BarredParty, Bidder, Deposit, Lot
from landbridge.exchange.rules import DepositStatus
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.kernel.clock import now
from landbridge.ledger import append_event, subjects


def bar_party(session: Session, *, party_id: int, reason: str, actor: str, listed_until: date | None = None,
              ) -> BarredParty:
    """Bar a party from bidding: court-listed defaulter (失信被执行人) or after a default (rules.md)."""
    registry.get_party(session, party_id)
    row = BarredParty(party_id=party_id, reason=text(reason, 200), listed_until=listed_until, listed_by=actor,
                      created_at=now())
    session.add(row)
    session.flush()
    # the subject names the bar-list entry, never the party: the ledger's public envelope must not identify a
    # bidder (issue #12 item 3); the party is in the event's payload (its private part)
    append_event(session, module="exchange", event_type="party_barred", subject=subjects.bar(row.id),
                 actor=actor, payload={"party_id": party_id, "reason": row.reason, "listed_until": listed_until})
    return row


def end_bar(session: Session, *, bar_id: int, on: date, actor: str, reason: str) -> BarredParty | None:
    """End a bar-list entry before its date (the court removed the listing that fed it): from ``on`` the party is
    not barred by it (``listed_until`` becomes the day before). An entry already ended by then is left as it is
    (None). Self-guarding: one conditional update."""
    until = on - timedelta(days=1)
    changed = session.execute(update(BarredParty).where(
        BarredParty.id == bar_id, (BarredParty.listed_until.is_(None)) | (BarredParty.listed_until > until))
        .values(listed_until=until).execution_options(synchronize_session=False))
    if getattr(changed, "rowcount", 0) != 1:
        return None
    row = session.get(BarredParty, bar_id)
    assert row is not None
    session.refresh(row)
    append_event(session, module="exchange", event_type="party_unbarred", subject=subjects.bar(row.id),
                 actor=actor, payload={"party_id": row.party_id, "reason": text(reason, 200), "listed_until": until})
    return row


def bar_listed(party_id: int | SQLColumnExpression[int], on: date | None = None) -> Exists:
    """The SQL test: the party (an id, or a column for a correlated test) is on the bar list on ``on`` (default
    today)."""
    day = on or today()
    return exists().where(BarredParty.party_id == party_id,
                          (BarredParty.listed_until.is_(None)) | (BarredParty.listed_until >= day))


def barred_parties(party_ids: Iterable[int], on: date | None = None) -> Select[Any]:
    """The SQL query: which of these parties are on the bar list on ``on`` (default today)."""
    day = on or today()
    return select(BarredParty.party_id).where(BarredParty.party_id.in_(sorted(set(party_ids))),
                                              (BarredParty.listed_until.is_(None)) | (BarredParty.listed_until >= day))


def is_barred(session: Session, party_id: int, on: date | None = None) -> bool:
    """Whether the party is on the bar list on ``on`` (default today)."""
    return bool(session.scalar(select(bar_listed(party_id, on))))


def list_applies(lot: Lot) -> bool:
    """Whether the bar list bars a listed party from this lot (the rule set's ``bar_court_defaulters``)."""
    return bool(lot_rules(lot).bar_court_defaulters)


def barred_reason(session: Session, lot: Lot, party_id: int, *, listed: bool | None = None) -> str | None:
    """Why a party may not bid on this lot, or None (eligibility predicates of the rule set); ``listed``
    is the bar-list test when the caller already has it."""
    if list_applies(lot) and (is_barred(session, party_id) if listed is None else listed):
        return "barred_list"
    if party_id in (lot.excluded_party_ids or []):
        return "related_party"
    if lot.seller_party_id == party_id:
        return "seller"
    return None


def bar_entry(session: Session, party_id: int, on: date | None = None) -> BarredParty | None:
    """The party's bar-list entry in force on ``on`` (default today) that lasts longest (an open-ended one first),
    or None: what a refusal names (the listing's reason and end date)."""
    day = on or today()
    rows = session.execute(select(BarredParty).where(
        BarredParty.party_id == party_id,
        (BarredParty.listed_until.is_(None)) | (BarredParty.listed_until >= day))).scalars().all()
    return max(rows, key=lambda r: (r.listed_until is None, r.listed_until or day, r.id), default=None)


def forfeits_by_party(session: Session, party_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Per party, how many of its deposits were forfeited (a default as the winner, 悔拍): one grouped read per
    thousand parties, or one for all (a credit file's exchange conduct, issue #18). A party with none is absent."""
    stmt = select(Bidder.party_id, func.count(Deposit.id)).join(Bidder, Bidder.id == Deposit.bidder_id).where(
        Deposit.status == DepositStatus.forfeited).group_by(Bidder.party_id)
    if party_ids is None:
        return {int(p): int(n) for p, n in session.execute(stmt)}
    ids = sorted(set(party_ids))
    out: dict[int, int] = {}
    for first in range(0, len(ids), 1000):
        out.update({int(p): int(n) for p, n in session.execute(
            stmt.where(Bidder.party_id.in_(ids[first:first + 1000])))})
    return out

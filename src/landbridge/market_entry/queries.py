"""Market-entry reads (issue #15): cases by id and by queue, and the rule set in force."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import exchange
from landbridge.cityprofile import get_profile
from landbridge.db import for_update
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.rules import CaseState, EntryRules

LIST_MAX = 200


def entry_rules(day: date | None = None) -> EntryRules:
    """The rule set ``market_entry`` in force on ``day`` (today by default), with the exchange's market-entry rules
    of that day (entry methods, term caps by use, use categories: ``exchange.entry_term_rules``, their one owner);
    422 ``market_entry.no_rule_set`` on a day either states none."""
    try:
        version = get_profile().rules("market_entry").version_at(day)
    except LookupError:
        raise MarketEntryError.NO_RULE_SET.error(day=str(day)) from None
    terms = exchange.entry_term_rules(day)
    if terms is None:
        raise MarketEntryError.NO_RULE_SET.error(day=str(day))
    return EntryRules.from_values(version.values(), terms)


def get_case(session: Session, case_id: int, *, lock: bool = False) -> EntryCase:
    """A case by id (404 ``market_entry.case_not_found``); ``lock`` takes the row for update on PostgreSQL."""
    stmt = select(EntryCase).where(EntryCase.id == case_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    case = session.execute(stmt).scalar_one_or_none()
    if case is None:
        raise MarketEntryError.CASE_NOT_FOUND.error(case_id=case_id)
    if lock:
        session.refresh(case)
    return case


def list_cases(session: Session, *, states: Sequence[str] | None = None, collective_id: int | None = None,
               region_prefix: str | None = None, limit: int = 50) -> list[EntryCase]:
    """Cases, newest first, filtered by state, collective or region (at most ``LIST_MAX``)."""
    stmt = select(EntryCase).order_by(EntryCase.id.desc()).limit(max(1, min(limit, LIST_MAX)))
    if states:
        stmt = stmt.where(EntryCase.status.in_(list(states)))
    if collective_id is not None:
        stmt = stmt.where(EntryCase.collective_id == collective_id)
    if region_prefix:
        stmt = stmt.where(EntryCase.region_code.startswith(region_prefix))
    return list(session.execute(stmt).scalars())


# the states of a case whose land has entered the market: the contract is signed (成交签约) and not undone
ENTERED_STATES = (CaseState.contract_signed, CaseState.paid, CaseState.fees_settled, CaseState.revenue_distributed,
                  CaseState.registered, CaseState.in_use)


@dataclass(frozen=True)
class EnteredLand:
    """A parcel that entered the market (入市): its case, region, parcel and the transaction day the case filed;
    no buyer, no seller (open data, issue #19 item 6)."""

    case_id: int
    region_code: str
    parcel_id: int
    transaction_on: date
    price: Decimal | None


def entered_land(session: Session, start: date, end: date, *, region_prefix: str = "") -> list[EnteredLand]:
    """Cases in an entered state (``ENTERED_STATES``) whose transaction day falls from ``start`` to ``end`` (both
    included) in regions starting with ``region_prefix``, by case id."""
    stmt = (select(EntryCase.id, EntryCase.region_code, EntryCase.parcel_id, EntryCase.transaction_on,
                   EntryCase.price_cny)
            .where(EntryCase.status.in_([s.value for s in ENTERED_STATES]),
                   EntryCase.transaction_on >= start, EntryCase.transaction_on <= end))
    if region_prefix:
        stmt = stmt.where(EntryCase.region_code.startswith(region_prefix))
    return [EnteredLand(int(r.id), str(r.region_code), int(r.parcel_id), r.transaction_on, r.price_cny)
            for r in session.execute(stmt.order_by(EntryCase.id))]

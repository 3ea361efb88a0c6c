"""Market entry on the exchange (集体经营性建设用地入市, issue #15 items 1-3; rules.md Market entry).

A collective construction land lot may carry entry terms: the method (grant 出让, lease 出租, contribution as
equity 作价入股), the planned use category, the land grade and the term. Such a lot's hand-over lodges a NEW termed
right in the buyer's name (``registry.lodge_entered_right``) instead of moving the seller's right: the collective
keeps its ownership; the term is capped by use (rule data, refused with exchange.entry_term_over_cap); a lease's
right carries its rent schedule, an equity contribution's the collective's share. The adjustment fee
(土地增值收益调节金) of such a lot is read from the rule table by use, grade and method.

Every completed hand-over (all lot kinds) carries a ``sale`` part in its ledger event: what the sales record needs
(unit and parcel, price, area, date, use, right type, method, term) and nothing personal, so that valuation reads
it from the ledger without importing the exchange (ADR 0014).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import Rule, get_profile, rules_used
from landbridge.exchange.entry_models import EntryTerms
from landbridge.exchange.entry_terms import (
    EntryMethod,
    EntryTermRules,
    FeeRate,
    check_equity_share,
    check_grade,
    check_term,
    entry_method,
    fee_rate,
    rent_schedule,
    term_end,
)
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import text
from landbridge.exchange.lots import lock_lot
from landbridge.exchange.models import Lot, LotResult
from landbridge.exchange.rules import Handover, LotKind, LotPhase
from landbridge.exchange.ruleset import lot_rules, today
from landbridge.exchange.settlement_rules import land_use_category
from landbridge.kernel.clock import now, to_local

ENTRY_KIND = LotKind.collective_construction_land
SALE_METHODS = {EntryMethod.grant: "grant", EntryMethod.lease: "lease", EntryMethod.equity: "grant"}
__all__ = ["EntryTerms", "check_equity_bidder", "entry_fee_rate", "entry_term_rules", "entry_terms_of",
           "hand_over_entry", "sale_facts", "set_entry_terms"]


def entry_term_rules(day: date | None = None) -> EntryTermRules | None:
    """The exchange's market-entry rules in force on ``day`` (today by default): entry methods, term caps by use
    and the use categories (``collective_construction_land.entry_methods``, ``entry_term_caps``,
    ``entry_land_uses``); None on a day whose rule-set version states none (before 2026-01-01). The one owner of
    these rules: market entry reads them here, and market_entry.toml's own ``methods``, ``max_term_years`` and
    ``use_categories`` (its locked 2021-09-01 version, which cannot be edited) are no longer read."""
    values = get_profile().rules("exchange").version_at(day or today()).values()
    names = [f"{ENTRY_KIND}.{n}" for n in ("entry_methods", "entry_term_caps", "entry_land_uses")]
    if any(n not in values for n in names):
        return None
    return EntryTermRules.from_values(*(values[n] for n in names))


def _rules(lot: Lot) -> dict[str, Rule]:
    return rules_used("exchange", date.fromisoformat(lot.rule_version), lot.rule_digest).rules


def entry_rule(lot: Lot, name: str) -> Rule:
    """A market-entry rule of the lot's kind in the rule-set version the lot was created under; 422
    exchange.entry_kind_only where that version has none (another kind, or a lot from before market entry)."""
    found = _rules(lot).get(f"{lot.kind}.{name}")
    if found is None:
        raise ExchangeError.ENTRY_KIND_ONLY.error(kind=lot.kind)
    return found


def _land_use(session: Session, lot: Lot, given: str | None) -> str:
    caps: dict[str, Any] = dict(entry_rule(lot, "entry_term_caps").value)
    if given is not None:
        if given not in caps:
            raise ExchangeError.INVALID_ENTRY_USE.error(use=str(given)[:24], allowed=sorted(caps))
        return given
    assert lot.unit_id is not None
    parcel = registry.get_parcel(session, registry.get_unit(session, lot.unit_id).parcel_id)
    return land_use_category(parcel.land_use_class, entry_rule(lot, "entry_land_uses").value)


def check_equity_bidder(session: Session, lot: Lot, party_id: int) -> None:
    """An entry lot contributed as equity (作价入股) admits only organisations: the buyer becomes the project party
    the collective holds its equity share in (``collective.contribute_land_equity``), which a natural person cannot
    be. 422 exchange.equity_bidder_not_organisation otherwise; any other lot admits anyone. A relisted lot keeps
    the terms of the lot it relists (``entry_terms_of``)."""
    terms = entry_terms_of(session, lot)
    if terms is not None and terms.method == EntryMethod.equity \
            and registry.get_party(session, party_id).kind != "organisation":
        raise ExchangeError.EQUITY_BIDDER_NOT_ORGANISATION.error(party_id=party_id)


def set_entry_terms(session: Session, *, lot_id: int, method: str, term_years: int, actor: str,
                    grade: int | None = None, land_use: str | None = None, equity_share: str | None = None,
                    term_start: date | None = None, plan_ref: str | None = None) -> EntryTerms:
    """Set (or replace, while the lot is a draft) the entry terms of a collective construction land lot: method,
    use category (the parcel's by default), land grade, term in whole years within the use's cap, the collective's
    equity share for a contribution as equity, the term's first day if known (else the hand-over day). Each
    refusal is typed and changes nothing; the terms are recorded in the lot's ledger history."""
    lot = lock_lot(session, lot_id)
    if lot.kind != ENTRY_KIND:
        raise ExchangeError.ENTRY_KIND_ONLY.error(kind=lot.kind)
    allowed = [str(m) for m in entry_rule(lot, "entry_methods").value]
    if lot.phase != LotPhase.draft:
        raise ExchangeError.ENTRY_TERMS_LOCKED.error(phase=lot.phase)
    if lot.unit_id is None or lot.right_id is None:
        raise ExchangeError.ENTRY_NEEDS_UNIT.error()
    how = entry_method(method)
    if how.value not in allowed:
        raise ExchangeError.INVALID_ENTRY_METHOD.error(method=how.value, allowed=allowed)
    use = _land_use(session, lot, land_use)
    years = check_term(use, term_years, entry_rule(lot, "entry_term_caps").value)
    level = check_grade(grade)
    share = check_equity_share(how, equity_share)
    ref = text(plan_ref, 120, "plan_ref") if plan_ref is not None else None
    row = session.execute(select(EntryTerms).where(EntryTerms.lot_id == lot.id)).scalar_one_or_none()
    if row is None:
        row = EntryTerms(lot_id=lot.id, created_at=now(), created_by=actor, method=how.value, land_use=use,
                         term_years=years)
        session.add(row)
    row.method, row.land_use, row.grade, row.term_years = how.value, use, level, years
    row.equity_share, row.plan_ref = share, ref
    lot.term_start = term_start
    lot.term_end = term_end(term_start, years) if term_start is not None else None
    lot.version += 1
    session.flush()
    record(session, lot, "entry_terms_set", actor, {
        "method": row.method, "land_use": use, "grade": level, "term_years": years, "equity_share": share,
        "plan_ref": ref, "term_start": lot.term_start, "term_end": lot.term_end,
        "term_cap_years": int(entry_rule(lot, "entry_term_caps").value.get(use, 0)),
        "term_cap_source": entry_rule(lot, "entry_term_caps").source})
    return row


def entry_terms_of(session: Session, lot: Lot) -> EntryTerms | None:
    """A lot's entry terms: its own, else those of the lot it relists (a relisting keeps the entry terms); None
    for a lot of another kind without a query (only a collective construction land lot takes entry terms).

    Walking the relist chain costs a query or two per lot in it: each step of a hand-over or a settlement reads
    the terms once and passes them on (``hand_over_entry``, ``sale_facts``, ``levy_rate``, ``adjustment_cell``)."""
    return entry_terms_of_lots(session, [lot]).get(lot.id)


def entry_terms_of_lots(session: Session, lots: Iterable[Lot]) -> dict[int, EntryTerms]:
    """The entry terms of many lots at once, by lot id (lots without terms left out): each lot's own, else those
    up its relist chain, read a level of the chains at a time, so two statements per level of the longest chain
    whatever the number of lots (a lot of another kind reads nothing)."""
    found: dict[int, EntryTerms] = {}
    known: dict[int, Lot] = {lot.id: lot for lot in lots if lot.kind == ENTRY_KIND}
    pending = {lot_id: lot_id for lot_id in known}  # the lot asked about -> the lot of its chain read next
    visited: dict[int, set[int]] = {lot_id: set() for lot_id in known}
    while pending:
        rows = {t.lot_id: t for t in session.scalars(
            select(EntryTerms).where(EntryTerms.lot_id.in_(set(pending.values()))))}
        following: dict[int, int] = {}
        for asked, current in pending.items():
            visited[asked].add(current)
            if current in rows:
                found[asked] = rows[current]
                continue
            previous = known[current].previous_lot_id
            if previous is not None and previous not in visited[asked]:
                following[asked] = previous
        missing = set(following.values()) - set(known)
        if missing:
            known.update({x.id: x for x in session.scalars(select(Lot).where(Lot.id.in_(missing)))})
        pending = {asked: current for asked, current in following.items() if current in known}
    return found


@dataclass(frozen=True)
class EntryFee:
    """The adjustment fee's table cell of an entry lot and the rule's source."""

    cell: FeeRate
    source: str


def entry_fee_rate(session: Session, lot: Lot) -> EntryFee | None:
    """The adjustment fee rate of an entry lot by use, grade and method (``adjustment_fee_table``), or None for a
    lot without entry terms (its fee, if any, is by use alone)."""
    return entry_fee(lot, entry_terms_of(session, lot))


def entry_fee(lot: Lot, terms: EntryTerms | None) -> EntryFee | None:
    """The adjustment fee rate of a lot whose entry terms (``entry_terms_of``) the caller has read already."""
    if terms is None:
        return None
    table = entry_rule(lot, "adjustment_fee_table")
    return EntryFee(fee_rate(table.value, terms.land_use, terms.grade, terms.method), table.source)


def _term(session: Session, lot: Lot, terms: EntryTerms) -> tuple[date, date]:
    """The new right's term: from the lot's first day (else the hand-over day) for the entry's years, within the
    use's cap as the lot's rule set states it now (422 exchange.entry_term_over_cap)."""
    years = check_term(terms.land_use, terms.term_years, entry_rule(lot, "entry_term_caps").value)
    start = lot.term_start or to_local(now()).date()
    return start, term_end(start, years)


def hand_over_entry(session: Session, lot: Lot, terms: EntryTerms | None, result: LotResult,
                    holders: list[tuple[int, str]], reason: str, actor: str) -> int | None:
    """The registry application of an entry lot's hand-over: a new termed collective construction land use right
    in the buyer's name, granted out of the collective's right on the unit (grant, lease with its rent schedule,
    or equity with the collective's share); None for a lot without entry terms (``terms``: ``entry_terms_of``)."""
    if terms is None:
        return None
    if lot.unit_id is None or lot.right_id is None:
        raise ExchangeError.ENTRY_NEEDS_UNIT.error()
    assert result.price_cny is not None
    start, end = _term(session, lot, terms)
    attrs: dict[str, Any] = {"exchange_lot": lot.number, "price_cny": f"{result.price_cny:.2f}",
                             "land_use": terms.land_use, "grade": terms.grade, "term_years": terms.term_years}
    if terms.plan_ref:
        attrs["plan_ref"] = terms.plan_ref
    if terms.method == EntryMethod.lease:
        attrs["rent_schedule"] = [{"seq": r.seq, "amount_cny": f"{r.amount:.2f}", "due_on": r.due_on.isoformat()}
                                  for r in rent_schedule(result.price_cny, start, terms.term_years)]
    if terms.method == EntryMethod.equity:
        attrs["equity_share"] = terms.equity_share
    return registry.lodge_entered_right(session, actor=actor, unit_id=lot.unit_id, grantor_right_id=lot.right_id,
                                        holders=holders, method=terms.method, term_start=start, term_end=end,
                                        reason=reason, attrs=attrs).id


def sale_facts(session: Session, lot: Lot, result: LotResult, terms: EntryTerms | None) -> dict[str, Any] | None:
    """What a completed lot tells the sales record (valuation reads it from the hand-over event): the unit and
    parcel, price, area, day, land-use class, right type, method and term; nothing personal (no party, no name).
    None for a lot without a property unit (construction quota) or a price. ``terms``: ``entry_terms_of``."""
    if lot.unit_id is None or result.price_cny is None:
        return None
    unit = registry.get_unit(session, lot.unit_id)
    parcel = registry.get_parcel(session, unit.parcel_id)
    handover = lot_rules(lot).handover
    years: int | None
    if terms is not None:
        right_type: str | None = "collective_construction_land_use_right"
        method, years = SALE_METHODS[EntryMethod(terms.method)], terms.term_years
    elif handover == Handover.new_right:  # a land management right out of a contract right (流转)
        right_type, method, years = "land_management_right", "lease", _years(lot.term_start, lot.term_end)
    else:  # the right itself moves (转让), or a lease of it that the registry does not record (出租)
        right_type = _right_type(session, lot)
        method = "transfer" if handover == Handover.transfer else "lease"
        years = _years(lot.term_start, lot.term_end)
    if right_type is None:
        return None
    return {"lot_kind": lot.kind, "entry_method": terms.method if terms is not None else None,
            "parcel_id": parcel.id, "unit_code": unit.unit_code, "region_code": parcel.region_code,
            "land_use_class": parcel.land_use_class, "area_m2": f"{parcel.area_m2:.2f}",
            "price_cny": f"{result.price_cny:.2f}", "sale_date": today().isoformat(), "right_type": right_type,
            "method": method, "term_years": years, "exchange_method": lot.method}


def _right_type(session: Session, lot: Lot) -> str | None:
    if lot.right_id is None:
        return None
    for r in registry.current_rights(session, lot.unit_id or 0):
        if r.id == lot.right_id:
            return str(r.right_type)
    return None


def _years(start: date | None, end: date | None) -> int | None:
    if start is None or end is None or end <= start:
        return None
    return max(1, round((end - start).days / 365.25))


def adjustment_cell(lot: Lot, terms: EntryTerms | None) -> dict[str, Any]:
    """The adjustment fee's table cell (use, grade, method) of an entry lot for the ledger and reconciliation;
    empty for other lots (``terms``: ``entry_terms_of``)."""
    fee = entry_fee(lot, terms)
    if fee is None:
        return {}
    return {"adjustment_use": fee.cell.use, "adjustment_grade": fee.cell.grade,
            "adjustment_method": fee.cell.method}


def levy_rate(lot: Lot, terms: EntryTerms | None) -> tuple[str, Decimal, str] | None:
    """(use category, rate, source) of an entry lot's adjustment fee, or None for a lot without entry terms
    (``terms``: ``entry_terms_of``)."""
    fee = entry_fee(lot, terms)
    return None if fee is None else (fee.cell.use, fee.cell.rate, fee.source)


def adjustment_details(session: Session, lot_ids: Iterable[int]) -> dict[int, str]:
    """The adjustment fee's table cell of each lot for its reconciliation line (lots without entry terms left
    out): the lots and their terms in a fixed number of statements, however many lots (``entry_terms_of_lots``)."""
    ids = set(lot_ids)
    if not ids:
        return {}
    lots = list(session.scalars(select(Lot).where(Lot.id.in_(ids), Lot.kind == ENTRY_KIND)))
    terms = entry_terms_of_lots(session, lots)
    out: dict[int, str] = {}
    for lot in lots:
        cell = adjustment_cell(lot, terms.get(lot.id))
        if cell:
            out[lot.id] = f" [{cell['adjustment_use']}/grade {cell['adjustment_grade']}/{cell['adjustment_method']}]"
    return out

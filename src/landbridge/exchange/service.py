"""Exchange services (F3, F4; trading.md c.2): lots drafted, published, cancelled and re-listed; bidders'
applications and their deposits; deposit refunds. The time-driven phases are in ``deadlines`` (by method, in
``methods``), the award path in ``awards``, the bar list in ``barlist``, the price's payment in ``payments``.

Every transition locks the lot row first (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite),
checks its own allowed phases (``rules.check_transition``), applies, and writes a ledger event in the same
transaction. Services flush and never commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import decided_by
from landbridge.exchange import rules
from landbridge.exchange.barlist import barred_reason
from landbridge.exchange.deadlines import advance_lot
from landbridge.exchange.entry import check_equity_bidder
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.events import record
from landbridge.exchange.inputs import money, text
from landbridge.exchange.lots import bidder_of, lock_lot, refund_all
from landbridge.exchange.methods import engine
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.rules import Channel, DepositStatus, Handover, LotKind, LotPhase
from landbridge.exchange.ruleset import lot_rules, rules_for, today
from landbridge.exchange.supervision import scan_lot
from landbridge.kernel.clock import ensure_utc, now, to_local

# --- lots ---------------------------------------------------------------------------------------


def create_lot(session: Session, *, actor: str, kind: str, title: str, region_code: str, starts_at: datetime,
               start_price: Decimal | str, increment: Decimal | str | None = None, unit_id: int | None = None,
               right_id: int | None = None, seller_party_id: int | None = None, term_start: date | None = None,
               term_end: date | None = None, appraised_value: Decimal | str | None = None,
               excluded_party_ids: Sequence[int] = (), description: str | None = None, attempt: int = 1,
               previous_lot_id: int | None = None, method: str | None = None,
               price_cap: Decimal | str | None = None, offer_countdown_s: int | None = None) -> Lot:
    """Draft a lot (标的) of any kind under the rule set in force for that kind (F4); ``price_cap`` (not below the
    start price) replaces the rule set's cap: a cap equal to the start price makes a fixed-price sale (变卖).
    ``offer_countdown_s`` (a fixed-price sale only) is how long the first offer leaves the other bidders: the lot
    then closes that long after the first offer, never after its own end (``bidding``)."""
    try:
        LotKind(kind)
    except ValueError:
        raise ExchangeError.INVALID_KIND.error({"kind": kind}) from None
    lr = rules_for(kind)
    if method is not None and method != lr.method:
        lr = lr.with_method(method)  # tender / negotiated where the kind's rule set allows it
    start = money(start_price, "start_price_cny")
    if start <= 0:
        raise ExchangeError.INVALID_START_PRICE.error()
    step = lr_increment(lr, start, increment)
    cap = rules.price_cap(lr, start) if price_cap is None else money(price_cap, "price_cap_cny")
    if cap is not None and cap < start:
        raise ExchangeError.INVALID_START_PRICE.error()
    if offer_countdown_s is not None and (cap != start or offer_countdown_s <= 0):
        raise ExchangeError.OFFER_COUNTDOWN_INVALID.error()
    appraised = money(appraised_value, "appraised_value_cny") if appraised_value is not None else None
    if lr.start_price_min_appraisal_ratio > 0 and attempt == 1:
        if appraised is None:
            raise ExchangeError.APPRAISAL_REQUIRED.error()
        if start < appraised * lr.start_price_min_appraisal_ratio:
            raise ExchangeError.START_PRICE_BELOW_FLOOR.error(
                minimum=str(appraised * lr.start_price_min_appraisal_ratio))
    excluded = sorted({int(p) for p in excluded_party_ids})
    holders = _check_subject(session, lr, unit_id, right_id, term_start, term_end)
    if lr.exclude_related_parties:
        excluded = sorted(set(excluded) | set(holders))  # the debtor (holder of the collateral) never bids
    for pid in excluded:
        registry.get_party(session, pid)
    if seller_party_id is not None:
        registry.get_party(session, seller_party_id)
    at = now()
    serial = registry.next_counter(session, f"exchange_lot:{to_local(at).year}")
    lot = Lot(number=f"JY{to_local(at).year}-{serial:06d}", kind=kind, method=lr.method, title=text(title, 200),
              description=description, region_code=region_code, unit_id=unit_id, right_id=right_id,
              seller_party_id=seller_party_id, term_start=term_start, term_end=term_end,
              appraised_value_cny=appraised, rule_version=lr.version, rules=lr.snapshot(), attempt=attempt,
              rule_digest=decided_by("exchange", date.fromisoformat(lr.version)).digest,
              previous_lot_id=previous_lot_id, excluded_party_ids=excluded, phase=LotPhase.draft,
              start_price_cny=start, increment_cny=step, deposit_cny=rules.deposit_amount(lr, start),
              price_cap_cny=cap, offer_countdown_s=offer_countdown_s, current_price_cny=None, leader_bidder_id=None,
              accepted_bids=0, starts_at=ensure_utc(starts_at), created_by=actor, created_at=at, version=1)
    session.add(lot)
    session.flush()
    record(session, lot, "lot_created", actor, {
        "kind": kind, "method": lr.method, "rule_version": lr.version, "start_price_cny": start,
        "increment_cny": step, "deposit_cny": lot.deposit_cny, "unit_id": unit_id, "right_id": right_id,
        "attempt": attempt, "previous_lot_id": previous_lot_id, "excluded_party_ids": excluded,
        **({"offer_countdown_s": offer_countdown_s} if offer_countdown_s is not None else {})})
    return lot


def lr_increment(lr: rules.LotRules, start: Decimal, increment: Decimal | str | None) -> Decimal:
    if increment is None:
        return rules.default_increment(lr, start)
    step = money(increment, "increment_cny")
    if step < lr.increment_min_cny:
        raise ExchangeError.INVALID_INCREMENT.error(minimum=str(lr.increment_min_cny))
    return step


def _check_subject(session: Session, lr: rules.LotRules, unit_id: int | None, right_id: int | None,
                   term_start: date | None, term_end: date | None) -> list[int]:
    """The registered subject a handover needs: a current right on a current unit. Returns its holders."""
    if lr.handover == Handover.none and unit_id is None:
        return []
    if unit_id is None or right_id is None:
        raise ExchangeError.SUBJECT_REQUIRED.error()
    registry.get_unit(session, unit_id)
    right = next((r for r in registry.current_rights(session, unit_id) if r.id == right_id), None)
    if right is None:
        raise ExchangeError.RIGHT_NOT_CURRENT.error()
    if lr.handover == Handover.new_right:
        if right.right_type != "land_contract_right":
            raise ExchangeError.CONTRACT_RIGHT_REQUIRED.error()
        if term_start is None or term_end is None or term_end <= term_start:
            raise ExchangeError.TERM_REQUIRED.error()
    return [pid for pid, _ in registry.holders_of(session, right_id)]


def publish_lot(session: Session, *, lot_id: int, actor: str, ends_at: datetime | None = None) -> Lot:
    """Publish the announcement (公告) and fix every deadline (39号令 art. 8, 11, 18); ``ends_at`` sets an
    auction's end instead of the rule set's hours (a fixed-price sale's window, 变卖: its owner's rule data)."""
    lot = lock_lot(session, lot_id)
    target = rules.check_transition("publish", lot.phase)
    lr = lot_rules(lot)
    at = now()
    earliest = rules.earliest_start(lr, at)
    if ensure_utc(lot.starts_at) < earliest:
        raise ExchangeError.ANNOUNCEMENT_TOO_SHORT.error({"lr": lr}, earliest_start=earliest.isoformat())
    plan = rules.schedule(lr, lot.starts_at)
    if ends_at is not None:
        if lr.method != rules.Method.auction or ensure_utc(ends_at) <= plan.ends_at:
            raise ExchangeError.SALE_WINDOW_INVALID.error()
        plan = replace(plan, ends_at=ensure_utc(ends_at))
    lot.phase = target
    lot.announced_at = at
    lot.ends_at = plan.ends_at
    lot.application_deadline = plan.application_deadline
    lot.freeze_at = plan.freeze_at
    lot.next_due_at = engine(lr.method).first_deadline(plan)
    lot.version += 1
    session.flush()
    record(session, lot, "lot_published", actor, {
        "starts_at": plan.starts_at, "ends_at": plan.ends_at, "application_deadline": plan.application_deadline,
        "freeze_at": plan.freeze_at})
    return lot


def cancel_lot(session: Session, *, lot_id: int, actor: str, reason: str) -> Lot:
    """Withdraw a lot before bidding starts (终止); confirmed deposits become due for refund."""
    lot = lock_lot(session, lot_id)
    lot.phase = rules.check_transition("cancel", lot.phase)
    lot.next_due_at = None
    lot.version += 1
    refunds = refund_all(session, lot, exclude=())
    session.flush()
    record(session, lot, "lot_cancelled", actor, {"reason": text(reason, 300), "refunds": refunds})
    return lot


# --- applications and deposits ------------------------------------------------------------------


def apply_for_lot(session: Session, *, lot_id: int, party_id: int, actor: str, user_id: int | None = None,
                  channel: Channel = Channel.online) -> Bidder:
    """Register a bidder (竞买申请) for a lot: eligibility, anonymous code, and a deposit sub-account (F4)."""
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    if lot.phase not in (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.tendering,
                         LotPhase.publicity) or (
            lot.application_deadline is not None and now() >= ensure_utc(lot.application_deadline)):
        raise ExchangeError.APPLICATIONS_CLOSED.error(phase=lot.phase)
    registry.get_party(session, party_id)
    why = barred_reason(session, lot, party_id)
    if why is not None:
        raise ExchangeError.BIDDER_BARRED.error(reason=why)
    check_equity_bidder(session, lot, party_id)
    if session.execute(select(Bidder.id).where(Bidder.lot_id == lot.id, Bidder.party_id == party_id)).first():
        raise ExchangeError.ALREADY_APPLIED.error()
    taken = set(session.execute(select(Bidder.bidder_code).where(Bidder.lot_id == lot.id)).scalars())
    code = _new_code(taken)
    bidder = Bidder(lot_id=lot.id, party_id=party_id, user_id=user_id, bidder_code=code, channel=channel,
                    applied_at=now(), applied_by=actor)
    session.add(bidder)
    session.flush()
    deposit = Deposit(lot_id=lot.id, bidder_id=bidder.id, sub_account=f"LB{lot.id:06d}{secrets.randbelow(10**8):08d}",
                      amount_cny=lot.deposit_cny, status=DepositStatus.pending)
    session.add(deposit)
    session.flush()
    record(session, lot, "bidder_registered", actor, {"bidder_code": code, "party_id": party_id, "channel": channel,
                                                      "sub_account": deposit.sub_account,
                                                      "deposit_cny": deposit.amount_cny})
    return bidder


def _new_code(taken: set[str]) -> str:
    """A random anonymous bidder code (号牌) not yet used on the lot."""
    while True:
        code = f"{secrets.randbelow(9000) + 1000}"
        if code not in taken:
            return code


def confirm_deposit(session: Session, *, sub_account: str, amount: Decimal | str, payer_name: str, bank_ref: str,
                    actor: str) -> Deposit:
    """Confirm a deposit paid into its sub-account (bank callback); idempotent on the bank's reference (F4)."""
    paid = money(amount)
    found = session.execute(select(Deposit.lot_id, Deposit.id).where(Deposit.sub_account == sub_account)).first()
    if found is None:
        raise ExchangeError.SUB_ACCOUNT_NOT_FOUND.error()
    lot = lock_lot(session, found[0])
    deposit = session.get(Deposit, found[1], populate_existing=True)
    assert deposit is not None
    if deposit.bank_ref == bank_ref:
        return deposit  # the bank repeated its callback
    if deposit.status != DepositStatus.pending:
        raise ExchangeError.DEPOSIT_NOT_PENDING.error(status=deposit.status)
    advance_lot(session, lot)
    open_phases = (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.registration_closed,
                   LotPhase.tendering, LotPhase.publicity, LotPhase.negotiation)
    if lot.phase not in open_phases:
        raise ExchangeError.DEPOSIT_TOO_LATE.error()
    bidder = session.get(Bidder, deposit.bidder_id)
    assert bidder is not None
    party = registry.get_party(session, bidder.party_id)
    if payer_name.strip() != party.name:
        raise ExchangeError.DEPOSIT_PAYER_MISMATCH.error()
    if paid != deposit.amount_cny:
        raise ExchangeError.DEPOSIT_AMOUNT_MISMATCH.error(due=str(deposit.amount_cny))
    deposit.status = DepositStatus.confirmed
    deposit.bank_ref = bank_ref
    deposit.payer_name = payer_name.strip()
    deposit.confirmed_at = now()
    session.flush()
    record(session, lot, "deposit_confirmed", actor, {"bidder_code": bidder.bidder_code, "bank_ref": bank_ref,
                                                      "amount_cny": paid})
    return deposit


# --- re-listing ------------------------------------------------------------------------------------


def relist_lot(session: Session, *, lot_id: int, actor: str, starts_at: datetime) -> Lot:
    """Re-list an unsuccessful lot as a new attempt at the rule set's price (re-listing policy)."""
    old = lock_lot(session, lot_id)
    if old.phase != LotPhase.unsuccessful:
        raise ExchangeError.INVALID_TRANSITION_2.error(phase=old.phase)
    lr = lot_rules(old)
    if old.attempt >= lr.relist_max_attempts:
        raise ExchangeError.RELIST_LIMIT.error(attempts=old.attempt)
    if session.execute(select(Lot.id).where(Lot.previous_lot_id == old.id)).first():
        raise ExchangeError.ALREADY_RELISTED.error()
    start = rules.relist_price(lr, old.start_price_cny)
    new = successor_lot(session, old, actor=actor, starts_at=starts_at, start_price=start, attempt=old.attempt + 1)
    record(session, old, "lot_relisted", actor, {"new_lot": new.number, "start_price_cny": start})
    return new


def successor_lot(session: Session, old: Lot, *, actor: str, starts_at: datetime, start_price: Decimal,
                  attempt: int) -> Lot:
    """A new draft lot following ``old`` (a re-listing, or a lot reopened on an upheld objection to its result):
    the same right, seller, kind, method, terms and exclusions at ``start_price``, linked to ``old``, then
    scanned by supervision (a repeated re-listing is flagged)."""
    new = create_lot(session, actor=actor, kind=old.kind, title=old.title, region_code=old.region_code,
                     starts_at=starts_at, start_price=start_price,
                     increment=old.increment_cny if old.increment_cny < start_price else None,
                     unit_id=old.unit_id, right_id=old.right_id, seller_party_id=old.seller_party_id,
                     term_start=old.term_start, term_end=old.term_end, appraised_value=old.appraised_value_cny,
                     excluded_party_ids=old.excluded_party_ids, description=old.description,
                     attempt=attempt, previous_lot_id=old.id, method=old.method)
    scan_lot(session, new)
    return new


# --- scheduled work -----------------------------------------------------------------------------


def refund_due_deposits(session: Session, *, limit: int = 500) -> int:
    """Refund losers' deposits (simulated bank transfer), each once; late refunds are flagged (art. 21)."""
    rows = session.execute(select(Deposit.lot_id, Deposit.id).where(Deposit.status == DepositStatus.refund_due)
                           .order_by(Deposit.lot_id, Deposit.id).limit(limit)).all()
    done = 0
    for lot_id, deposit_id in rows:
        lot = lock_lot(session, lot_id)
        deposit = session.get(Deposit, deposit_id, populate_existing=True)
        if deposit is None or deposit.status != DepositStatus.refund_due:
            continue  # refunded by a concurrent run
        deposit.status = DepositStatus.refunded
        deposit.refunded_at = now()
        late = deposit.refund_due_on is not None and today() > deposit.refund_due_on
        session.flush()
        record(session, lot, "deposit_refunded", "system:worker", {
            "bidder_code": bidder_of(session, deposit.bidder_id).bidder_code, "amount_cny": deposit.amount_cny,
            "due_on": deposit.refund_due_on, "late": late})
        done += 1
    return done

"""Exchange transitions (F3, F4; trading.md c.2): lots, applications, deposits, time-driven phases, the
decision, award confirmation, default, handover to the registry and re-listing.

Every transition locks the lot row first (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite),
checks its own allowed phases (``rules.check_transition``), applies, and writes a ledger event in the same
transaction. Services flush and never commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Exists, exists, func, select
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.cityprofile import decided_by
from landbridge.errors import Conflict, NotFound, RuleViolation
from landbridge.exchange import rules
from landbridge.exchange.common import lock_lot, lot_rules, money, record, rules_for, today
from landbridge.exchange.documents import issue_documents
from landbridge.exchange.models import BarredParty, Bid, Bidder, Deposit, Lot, LotResult
from landbridge.exchange.reserve import reveal_reserve
from landbridge.exchange.rules import BidStatus, Channel, DepositStatus, Handover, LotKind, LotPhase, Method
from landbridge.exchange.supervision import scan_lot
from landbridge.kernel.clock import ensure_utc, now, to_local
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import append_event, subjects

# --- lots ---------------------------------------------------------------------------------------


def create_lot(session: Session, *, actor: str, kind: str, title: str, region_code: str, starts_at: datetime,
               start_price: Decimal | str, increment: Decimal | str | None = None, unit_id: int | None = None,
               right_id: int | None = None, seller_party_id: int | None = None, term_start: date | None = None,
               term_end: date | None = None, appraised_value: Decimal | str | None = None,
               excluded_party_ids: Sequence[int] = (), description: str | None = None, attempt: int = 1,
               previous_lot_id: int | None = None, method: str | None = None) -> Lot:
    """Draft a lot (标的) of any kind under the rule set in force for that kind (F4)."""
    try:
        LotKind(kind)
    except ValueError:
        raise RuleViolation("exchange.invalid_kind", f"标的类别 {kind} 无效", f"unknown lot kind {kind!r}") from None
    lr = rules_for(kind)
    if method is not None and method != lr.method:
        lr = lr.with_method(method)  # tender / negotiated where the kind's rule set allows it
    start = money(start_price, "start_price_cny")
    if start <= 0:
        raise RuleViolation("exchange.invalid_start_price", "起始价必须大于0", "the start price must be positive")
    step = lr_increment(lr, start, increment)
    appraised = money(appraised_value, "appraised_value_cny") if appraised_value is not None else None
    if lr.start_price_min_appraisal_ratio > 0 and attempt == 1:
        if appraised is None:
            raise RuleViolation("exchange.appraisal_required", "该类标的须填写评估价",
                                "this kind of lot needs an appraised value")
        if start < appraised * lr.start_price_min_appraisal_ratio:
            raise RuleViolation("exchange.start_price_below_floor", "起拍价低于评估价的法定比例",
                                "the start price is below the required share of the appraised value",
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
    lot = Lot(number=f"JY{to_local(at).year}-{serial:06d}", kind=kind, method=lr.method, title=_text(title, 200),
              description=description, region_code=region_code, unit_id=unit_id, right_id=right_id,
              seller_party_id=seller_party_id, term_start=term_start, term_end=term_end,
              appraised_value_cny=appraised, rule_version=lr.version, rules=lr.snapshot(), attempt=attempt,
              rule_digest=decided_by("exchange", date.fromisoformat(lr.version)).digest,
              previous_lot_id=previous_lot_id, excluded_party_ids=excluded, phase=LotPhase.draft,
              start_price_cny=start, increment_cny=step, deposit_cny=rules.deposit_amount(lr, start),
              price_cap_cny=rules.price_cap(lr, start), current_price_cny=None, leader_bidder_id=None,
              accepted_bids=0, starts_at=ensure_utc(starts_at), created_by=actor, created_at=at, version=1)
    session.add(lot)
    session.flush()
    record(session, lot, "lot_created", actor, {
        "kind": kind, "method": lr.method, "rule_version": lr.version, "start_price_cny": start,
        "increment_cny": step, "deposit_cny": lot.deposit_cny, "unit_id": unit_id, "right_id": right_id,
        "attempt": attempt, "previous_lot_id": previous_lot_id, "excluded_party_ids": excluded})
    return lot


def lr_increment(lr: rules.LotRules, start: Decimal, increment: Decimal | str | None) -> Decimal:
    if increment is None:
        return rules.default_increment(lr, start)
    step = money(increment, "increment_cny")
    if step < lr.increment_min_cny:
        raise RuleViolation("exchange.invalid_increment", "增价幅度低于规则下限", "the increment is below the minimum",
                            minimum=str(lr.increment_min_cny))
    return step


def _text(value: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise RuleViolation("exchange.invalid_text", f"文字须为1至{limit}个字符",
                            f"text must have 1 to {limit} characters", limit=limit)
    return value


def _check_subject(session: Session, lr: rules.LotRules, unit_id: int | None, right_id: int | None,
                   term_start: date | None, term_end: date | None) -> list[int]:
    """The registered subject a handover needs: a current right on a current unit. Returns its holders."""
    if lr.handover == Handover.none and unit_id is None:
        return []
    if unit_id is None or right_id is None:
        raise RuleViolation("exchange.subject_required", "该类标的须指明不动产单元和权利",
                            "this kind of lot needs a property unit and a right")
    registry.get_unit(session, unit_id)
    right = next((r for r in registry.current_rights(session, unit_id) if r.id == right_id), None)
    if right is None:
        raise RuleViolation("exchange.right_not_current", "该权利不是该单元的现势权利",
                            "the right is not a current right of the unit")
    if lr.handover == Handover.new_right:
        if right.right_type != "land_contract_right":
            raise RuleViolation("exchange.contract_right_required", "土地经营权须来源于土地承包经营权",
                                "a land management right derives from a land contract right")
        if term_start is None or term_end is None or term_end <= term_start:
            raise RuleViolation("exchange.term_required", "须填写流转期限", "the term of the new right is required")
    return [pid for pid, _ in registry.holders_of(session, right_id)]


def publish_lot(session: Session, *, lot_id: int, actor: str) -> Lot:
    """Publish the announcement (公告) and fix every deadline (39号令 art. 8, 11, 18)."""
    lot = lock_lot(session, lot_id)
    target = rules.check_transition("publish", lot.phase)
    lr = lot_rules(lot)
    at = now()
    earliest = rules.earliest_start(lr, at)
    if ensure_utc(lot.starts_at) < earliest:
        raise RuleViolation("exchange.announcement_too_short", f"公告期不足 {lr.announcement_days} 日",
                            f"the announcement must precede the start by {lr.announcement_days} days",
                            earliest_start=earliest.isoformat())
    plan = rules.schedule(lr, lot.starts_at)
    lot.phase = target
    lot.announced_at = at
    lot.ends_at = plan.ends_at
    lot.application_deadline = plan.application_deadline
    lot.freeze_at = plan.freeze_at
    lot.next_due_at = plan.application_deadline if lr.method == Method.auction else plan.starts_at
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
    refunds = _refund_all(session, lot, exclude=())
    session.flush()
    record(session, lot, "lot_cancelled", actor, {"reason": _text(reason, 300), "refunds": refunds})
    return lot


# --- applications and deposits ------------------------------------------------------------------


def bar_party(session: Session, *, party_id: int, reason: str, actor: str, listed_until: date | None = None,
              ) -> BarredParty:
    """Bar a party from bidding: court-listed defaulter (失信被执行人) or after a default (rules.md)."""
    registry.get_party(session, party_id)
    row = BarredParty(party_id=party_id, reason=_text(reason, 200), listed_until=listed_until, listed_by=actor,
                      created_at=now())
    session.add(row)
    session.flush()
    # the subject names the bar-list entry, never the party: the ledger's public envelope must not identify a
    # bidder (issue #12 item 3); the party is in the event's payload (its private part)
    append_event(session, module="exchange", event_type="party_barred", subject=subjects.bar(row.id),
                 actor=actor, payload={"party_id": party_id, "reason": row.reason, "listed_until": listed_until})
    return row


def bar_listed(party_id: int, on: date | None = None) -> Exists:
    """The SQL test: the party is on the bar list on ``on`` (default today)."""
    day = on or today()
    return exists().where(BarredParty.party_id == party_id,
                          (BarredParty.listed_until.is_(None)) | (BarredParty.listed_until >= day))


def is_barred(session: Session, party_id: int, on: date | None = None) -> bool:
    """Whether the party is on the bar list on ``on`` (default today)."""
    return bool(session.scalar(select(bar_listed(party_id, on))))


def barred_reason(session: Session, lot: Lot, party_id: int, *, listed: bool | None = None) -> str | None:
    """Why a party may not bid on this lot, or None (eligibility predicates of the rule set); ``listed``
    is the bar-list test when the caller already has it."""
    lr = lot_rules(lot)
    if lr.bar_court_defaulters and (is_barred(session, party_id) if listed is None else listed):
        return "barred_list"
    if party_id in (lot.excluded_party_ids or []):
        return "related_party"
    if lot.seller_party_id == party_id:
        return "seller"
    return None


def apply_for_lot(session: Session, *, lot_id: int, party_id: int, actor: str, user_id: int | None = None,
                  channel: Channel = Channel.online) -> Bidder:
    """Register a bidder (竞买申请) for a lot: eligibility, anonymous code, and a deposit sub-account (F4)."""
    lot = lock_lot(session, lot_id)
    advance_lot(session, lot)
    if lot.phase not in (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.tendering,
                         LotPhase.publicity) or (
            lot.application_deadline is not None and now() >= ensure_utc(lot.application_deadline)):
        raise Conflict("exchange.applications_closed", "报名已截止或尚未开始", "applications are not open for this lot",
                       phase=lot.phase)
    registry.get_party(session, party_id)
    why = barred_reason(session, lot, party_id)
    if why is not None:
        raise Conflict("exchange.bidder_barred", "该竞买人被禁止参与本标的竞买", "this bidder is barred from this lot",
                       reason=why)
    if session.execute(select(Bidder.id).where(Bidder.lot_id == lot.id, Bidder.party_id == party_id)).first():
        raise Conflict("exchange.already_applied", "已报名本标的", "already registered for this lot")
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
        raise NotFound("exchange.sub_account_not_found", "保证金子账户不存在", "no such deposit sub-account")
    lot = lock_lot(session, found[0])
    deposit = session.get(Deposit, found[1], populate_existing=True)
    assert deposit is not None
    if deposit.bank_ref == bank_ref:
        return deposit  # the bank repeated its callback
    if deposit.status != DepositStatus.pending:
        raise Conflict("exchange.deposit_not_pending", "该保证金已确认或已处理", "the deposit is not awaiting payment",
                       status=deposit.status)
    advance_lot(session, lot)
    open_phases = (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.registration_closed,
                   LotPhase.tendering, LotPhase.publicity, LotPhase.negotiation)
    if lot.phase not in open_phases:
        raise Conflict("exchange.deposit_too_late", "已过保证金缴纳截止时间", "the deposit deadline has passed")
    bidder = session.get(Bidder, deposit.bidder_id)
    assert bidder is not None
    party = registry.get_party(session, bidder.party_id)
    if payer_name.strip() != party.name:
        raise RuleViolation("exchange.deposit_payer_mismatch", "保证金须以竞买人本人名义缴纳",
                            "the deposit must be paid in the bidder's own name")
    if paid != deposit.amount_cny:
        raise RuleViolation("exchange.deposit_amount_mismatch", "缴纳金额与应缴保证金不符",
                            "the amount paid differs from the deposit due", due=str(deposit.amount_cny))
    deposit.status = DepositStatus.confirmed
    deposit.bank_ref = bank_ref
    deposit.payer_name = payer_name.strip()
    deposit.confirmed_at = now()
    session.flush()
    record(session, lot, "deposit_confirmed", actor, {"bidder_code": bidder.bidder_code, "bank_ref": bank_ref,
                                                      "amount_cny": paid})
    return deposit


def qualified_count(session: Session, lot_id: int) -> int:
    """Bidders whose deposit is confirmed (they alone may bid)."""
    return int(session.scalar(select(func.count()).select_from(Deposit).where(
        Deposit.lot_id == lot_id, Deposit.status == DepositStatus.confirmed)) or 0)


# --- time-driven transitions --------------------------------------------------------------------


def advance_lot(session: Session, lot: Lot, actor: str = "system:clock") -> int:
    """Fire every deadline of a locked lot that is due now, in order; returns how many fired (idempotent)."""
    fired = 0
    while True:
        step = _due_step(lot, now())
        if step is None:
            return fired
        step(session, lot, actor)
        fired += 1


Step = Callable[[Session, Lot, str], None]


def _due_step(lot: Lot, at: datetime) -> Step | None:
    if lot.phase == LotPhase.confirmed:  # the balance of the price falls due (any method)
        from landbridge.exchange.settlement import due_step as settlement_step

        return settlement_step(lot, at)
    if lot.method == Method.tender:
        from landbridge.exchange.tender import due_step  # the method modules build on this one

        return due_step(lot, at)
    if lot.method == Method.negotiated:
        from landbridge.exchange.negotiated import due_step as negotiated_step

        return negotiated_step(lot, at)
    phase = lot.phase

    def due(when: datetime | None) -> bool:
        return when is not None and at >= ensure_utc(when)

    if phase == LotPhase.announced and lot.method == Method.listing and due(lot.starts_at):
        return _open_listing
    if phase == LotPhase.announced and lot.method == Method.auction and due(lot.application_deadline):
        return _close_registration
    if phase == LotPhase.registration_closed and due(lot.starts_at):
        return _open_auction
    if phase == LotPhase.listing and lot.freeze_at is not None and due(lot.freeze_at) and not due(lot.ends_at):
        return _freeze_listing
    if phase in (LotPhase.listing, LotPhase.listing_frozen) and due(lot.ends_at):
        return _end_listing
    if phase in (LotPhase.countdown, LotPhase.live_auction) and due(lot.countdown_end):
        return _close_bidding
    return None


def _move(session: Session, lot: Lot, name: str, actor: str, next_due: datetime | None, **payload: object) -> None:
    lot.phase = rules.check_transition(name, lot.phase)
    lot.next_due_at = next_due
    lot.version += 1
    session.flush()
    record(session, lot, name, actor, dict(payload))


def _open_listing(session: Session, lot: Lot, actor: str) -> None:
    _move(session, lot, "open_listing", actor, lot.freeze_at or lot.ends_at, at=lot.starts_at)


def _freeze_listing(session: Session, lot: Lot, actor: str) -> None:
    _move(session, lot, "freeze_listing", actor, lot.ends_at, at=lot.freeze_at)


def _close_registration(session: Session, lot: Lot, actor: str) -> None:
    _move(session, lot, "close_registration", actor, lot.starts_at, at=lot.application_deadline,
          qualified_bidders=qualified_count(session, lot.id))


def _open_auction(session: Session, lot: Lot, actor: str) -> None:
    lot.countdown_end = lot.ends_at
    _move(session, lot, "open_auction", actor, lot.ends_at, at=lot.starts_at, ends_at=lot.ends_at)


def _end_listing(session: Session, lot: Lot, actor: str) -> None:
    """Listing end: ≥ N qualified bidders → countdown (限时竞价) from the listing end; else decide (art. 19)."""
    lr = lot_rules(lot)
    qualified = qualified_count(session, lot.id)
    assert lot.ends_at is not None
    if qualified >= lr.countdown_min_bidders:
        lot.countdown_end = ensure_utc(lot.ends_at) + timedelta(seconds=lr.countdown_seconds)
        _move(session, lot, "start_countdown", actor, lot.countdown_end, at=lot.ends_at,
              countdown_end=lot.countdown_end, qualified_bidders=qualified, start_price_cny=lot.current_price_cny)
        return
    _decide(session, lot, actor, closed_at=ensure_utc(lot.ends_at))


def _close_bidding(session: Session, lot: Lot, actor: str) -> None:
    assert lot.countdown_end is not None
    _decide(session, lot, actor, closed_at=ensure_utc(lot.countdown_end))


def _top_bids(session: Session, lot_id: int, exclude: Sequence[int] = ()) -> list[tuple[int, Decimal]]:
    """Each bidder's highest accepted bid, best first (a runner-up is the next distinct bidder)."""
    stmt = (select(Bid.bidder_id, func.max(Bid.amount_cny))
            .where(Bid.lot_id == lot_id, Bid.status == BidStatus.accepted).group_by(Bid.bidder_id))
    skip = set(exclude)
    rows = [(int(b), Decimal(a)) for b, a in session.execute(stmt).all() if int(b) not in skip]
    return sorted(rows, key=lambda r: r[1], reverse=True)


def _decide(session: Session, lot: Lot, actor: str, *, closed_at: datetime) -> None:
    """DECIDING: award to the highest accepted bid or declare the lot unsuccessful (流拍) (art. 19-21)."""
    lr = lot_rules(lot)
    tops = _top_bids(session, lot.id)
    reserve = reveal_reserve(session, lot, actor)
    decision = rules.decide(lr, qualified_bidders=qualified_count(session, lot.id),
                            top=tops[0] if tops else None, distinct_bidders=len(tops), reserve=reserve)
    at = now()
    lot.decided_at = at
    result = LotResult(lot_id=lot.id, outcome="award" if decision.winner_bidder_id else "unsuccessful",
                       reason=decision.reason, winner_bidder_id=decision.winner_bidder_id,
                       price_cny=decision.price, decided_at=at, defaulted_bidder_ids=[],
                       publish_by=add_workdays(to_local(at).date(), lr.result_publication_working_days))
    if decision.winner_bidder_id is not None:
        winner = session.get(Bidder, decision.winner_bidder_id)
        assert winner is not None
        result.winner_party_id = winner.party_id
    session.add(result)
    if decision.winner_bidder_id is None:
        refunds = _refund_all(session, lot, exclude=())
        _move(session, lot, "fail", actor, None, closed_at=closed_at, reason=decision.reason, refunds=refunds)
        scan_lot(session, lot)
        return
    held = [tops[1][0]] if lr.promote_next and len(tops) > 1 else []
    _convert(session, lot, decision.winner_bidder_id)
    refunds = _refund_all(session, lot, exclude=[decision.winner_bidder_id, *held])
    _move(session, lot, "award", actor, None, closed_at=closed_at, winner_bidder_id=decision.winner_bidder_id,
          price_cny=decision.price, held_for_promotion=held, refunds=refunds)
    scan_lot(session, lot)


def _deposit_of(session: Session, bidder_id: int) -> Deposit:
    deposit = session.execute(select(Deposit).where(Deposit.bidder_id == bidder_id)).scalar_one()
    return deposit


def _convert(session: Session, lot: Lot, bidder_id: int) -> None:
    """The winner's deposit becomes earnest money (定金), applied to the price (art. 20)."""
    deposit = _deposit_of(session, bidder_id)
    deposit.status = DepositStatus.converted
    deposit.settled_at = now()


def _refund_all(session: Session, lot: Lot, *, exclude: Sequence[int]) -> int:
    """Every confirmed deposit except ``exclude`` becomes due for refund within the rule set's working days."""
    due_on = rules.refund_due_on(lot_rules(lot), today())
    skip = set(exclude)
    deposits = session.execute(select(Deposit).where(Deposit.lot_id == lot.id,
                                                     Deposit.status == DepositStatus.confirmed)).scalars().all()
    due = [d for d in deposits if d.bidder_id not in skip]
    for deposit in due:
        deposit.status = DepositStatus.refund_due
        deposit.refund_due_on = due_on
    return len(due)


# --- results ------------------------------------------------------------------------------------


def get_result_locked(session: Session, lot: Lot) -> LotResult:
    result = session.execute(select(LotResult).where(LotResult.lot_id == lot.id)
                             .execution_options(populate_existing=True)).scalar_one_or_none()
    if result is None:
        raise NotFound("exchange.result_not_found", "该标的尚无结果", "the lot has no result yet")
    return result


def confirm_award(session: Session, *, lot_id: int, actor: str) -> LotResult:
    """Sign the award confirmation (成交确认书) and open the price settlement (价款结算); a runner-up held for
    promotion stays held until the balance is paid (art. 20)."""
    lot = lock_lot(session, lot_id)
    rules.check_transition("confirm_award", lot.phase)
    result = get_result_locked(session, lot)
    assert result.winner_bidder_id is not None
    at = now()
    result.confirmation_no = f"CJ-{lot.number}"
    result.confirmed_at = at
    result.confirmed_by = actor
    held = _held_runner(session, lot, result.winner_bidder_id)
    refunds = _refund_all(session, lot, exclude=[result.winner_bidder_id, *held])
    _move(session, lot, "confirm_award", actor, None, confirmation_no=result.confirmation_no,
          winner_bidder_id=result.winner_bidder_id, price_cny=result.price_cny, refunds=refunds,
          held_for_promotion=held)
    issue_documents(session, lot_id=lot.id, actor=actor)  # 成交确认书 and contract, with their digests
    from landbridge.exchange.settlement import open_settlement  # settlement builds on this module

    open_settlement(session, lot, result, actor)
    return result


def _held_runner(session: Session, lot: Lot, winner_bidder_id: int) -> list[int]:
    """The runner-up whose deposit stays held until the winner settles (promotion after a default)."""
    if not lot_rules(lot).promote_next:
        return []
    tops = _ranked(session, lot, [winner_bidder_id, *get_result_locked(session, lot).defaulted_bidder_ids])
    return [tops[0][0]] if tops and _deposit_of(session, tops[0][0]).status == DepositStatus.confirmed else []


def record_default(session: Session, *, lot_id: int, actor: str, reason: str) -> Lot:
    """The winner refuses or fails verification (悔拍): deposit forfeited; promote the next bidder or fail."""
    lot = lock_lot(session, lot_id)
    rules.check_transition("record_default", lot.phase)
    result = get_result_locked(session, lot)
    lr = lot_rules(lot)
    loser = result.winner_bidder_id
    assert loser is not None
    if lot.phase == LotPhase.confirmed:  # after the confirmation: the balance was not paid (价款结算)
        from landbridge.exchange.settlement import close_on_default

        close_on_default(session, lot, loser, actor)
    deposit = _deposit_of(session, loser)
    deposit.status = DepositStatus.forfeited
    deposit.settled_at = now()
    record(session, lot, "deposit_forfeited", actor, {"bidder_code": _bidder(session, loser).bidder_code,
                                                      "amount_cny": deposit.amount_cny, "reason": _text(reason, 300)})
    defaulted = [*result.defaulted_bidder_ids, loser]
    result.defaulted_bidder_ids = defaulted
    tops = _ranked(session, lot, defaulted)
    runner = tops[0] if lr.promote_next and tops else None
    if runner is not None and _deposit_of(session, runner[0]).status == DepositStatus.confirmed \
            and barred_reason(session, lot, _bidder(session, runner[0]).party_id) is None:
        result.winner_bidder_id, result.price_cny = runner
        result.winner_party_id = _bidder(session, runner[0]).party_id
        result.reason = "promoted_next"
        _convert(session, lot, runner[0])
        _move(session, lot, "award", actor, None, defaulted_bidder_id=loser, reason=_text(reason, 300),
              winner_bidder_id=runner[0], price_cny=runner[1], promoted=True)
        return lot
    result.outcome, result.reason = "unsuccessful", "winner_default"
    result.winner_bidder_id = result.winner_party_id = result.price_cny = None
    refunds = _refund_all(session, lot, exclude=())
    _move(session, lot, "fail", actor, None, defaulted_bidder_id=loser, reason=_text(reason, 300), refunds=refunds)
    return lot


def _ranked(session: Session, lot: Lot, exclude: Sequence[int]) -> list[tuple[int, Decimal]]:
    """Who may be promoted after a default, best first: the tender ranking, else each bidder's best bid."""
    if lot.method == Method.tender:
        from landbridge.exchange.tender import ranked_bidders

        return ranked_bidders(session, lot, exclude)
    return _top_bids(session, lot.id, exclude=exclude)


def _bidder(session: Session, bidder_id: int) -> Bidder:
    bidder = session.get(Bidder, bidder_id)
    assert bidder is not None
    return bidder


def hand_over(session: Session, *, lot_id: int, actor: str) -> LotResult:
    """Hand a settled award to the registry: lodge the transfer or the new right in the winner's name (L6, L7);
    409 exchange.not_settled while the balance of the price is unpaid."""
    lot = lock_lot(session, lot_id)
    if lot.phase == LotPhase.confirmed:
        raise Conflict("exchange.not_settled", "成交价款尚未结清，不能办理交割", "the price is not settled yet",
                       phase=lot.phase)
    rules.check_transition("hand_over", lot.phase)
    result = get_result_locked(session, lot)
    assert result.winner_party_id is not None
    lr = lot_rules(lot)
    holders = [(result.winner_party_id, "1")]
    reason = f"农村产权交易 {lot.number} 成交确认书 {result.confirmation_no}"
    application_id: int | None = None
    if lr.handover == Handover.transfer and lot.unit_id is not None:
        application_id = registry.lodge_transfer(session, actor=actor, unit_id=lot.unit_id, holders=holders,
                                                 reason=reason, right_id=lot.right_id).id
    elif lr.handover == Handover.new_right and lot.unit_id is not None:
        application_id = registry.lodge_right_on_unit(
            session, actor=actor, unit_id=lot.unit_id, right_type="land_management_right", holders=holders,
            term_start=lot.term_start, term_end=lot.term_end, predecessor_id=lot.right_id,
            attrs={"exchange_lot": lot.number, "price_cny": str(result.price_cny)}).id
    result.registry_application_id = application_id
    result.handed_over_at = now()
    _move(session, lot, "hand_over", actor, None, registry_application_id=application_id, handover=lr.handover)
    return result


def relist_lot(session: Session, *, lot_id: int, actor: str, starts_at: datetime) -> Lot:
    """Re-list an unsuccessful lot as a new attempt at the rule set's price (re-listing policy)."""
    old = lock_lot(session, lot_id)
    if old.phase != LotPhase.unsuccessful:
        raise Conflict("exchange.invalid_transition", "只有流拍的标的可以重新挂牌",
                       "only an unsuccessful lot can be re-listed", phase=old.phase)
    lr = lot_rules(old)
    if old.attempt >= lr.relist_max_attempts:
        raise Conflict("exchange.relist_limit", "已达到重新挂牌次数上限", "the re-listing limit is reached",
                       attempts=old.attempt)
    if session.execute(select(Lot.id).where(Lot.previous_lot_id == old.id)).first():
        raise Conflict("exchange.already_relisted", "该标的已重新挂牌", "this lot was already re-listed")
    start = rules.relist_price(lr, old.start_price_cny)
    new = create_lot(session, actor=actor, kind=old.kind, title=old.title, region_code=old.region_code,
                     starts_at=starts_at, start_price=start,
                     increment=old.increment_cny if old.increment_cny < start else None,
                     unit_id=old.unit_id, right_id=old.right_id, seller_party_id=old.seller_party_id,
                     term_start=old.term_start, term_end=old.term_end, appraised_value=old.appraised_value_cny,
                     excluded_party_ids=old.excluded_party_ids, description=old.description,
                     attempt=old.attempt + 1, previous_lot_id=old.id, method=old.method)
    record(session, old, "lot_relisted", actor, {"new_lot": new.number, "start_price_cny": start})
    scan_lot(session, new)
    return new


# --- scheduled work -----------------------------------------------------------------------------


def fire_due_lots(session: Session, *, limit: int = 200) -> int:
    """Fire every lot deadline that is due (listing start/end, freeze, countdown and auction end) once."""
    at = now()
    ids = list(session.execute(select(Lot.id).where(Lot.next_due_at.is_not(None), Lot.next_due_at <= at)
                               .order_by(Lot.next_due_at, Lot.id).limit(limit)).scalars())
    fired = 0
    for lot_id in ids:
        fired += advance_lot(session, lock_lot(session, lot_id), actor="system:worker")
    return fired


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
            "bidder_code": _bidder(session, deposit.bidder_id).bidder_code, "amount_cny": deposit.amount_cny,
            "due_on": deposit.refund_due_on, "late": late})
        done += 1
    return done

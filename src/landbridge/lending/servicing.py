"""Lending after disbursement (issue #17): repayments in the legal order, the close of business (accrual, days
past due, five-tier class, default trigger with claims to the risk sharers, lien reconciliation, fund leverage),
settlement of a disposal with the waterfall and the bound loss sharing (advances and true-up), recoveries and
the lien's release. Each step locks the loan and writes its ledger event in the caller's transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import collective, exchange, registry
from landbridge.db import for_update
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import append_event, subjects
from landbridge.lending import rules, share_pledge
from landbridge.lending.claims import true_up
from landbridge.lending.errors import LendingError
from landbridge.lending.housing import dwelling_kept
from landbridge.lending.models import Claim, CobRun, FundEntry, Instalment, Loan, Payment, unit_of
from landbridge.lending.rules import LoanStatus, Owed
from landbridge.lending.service import MODULE, _event, _move, get_loan, rule_on, rule_set, shared_with

ZERO = Decimal("0.00")


def _instalments(session: Session, loan_id: int) -> list[Instalment]:
    stmt = select(Instalment).where(Instalment.loan_id == loan_id).order_by(Instalment.n)
    if for_update(session):
        stmt = stmt.with_for_update()
    return list(session.execute(stmt.execution_options(populate_existing=True)).scalars())


def owed_on(loan: Loan, rows: list[Instalment], day: date) -> tuple[Owed, Decimal]:
    """(what is due on ``day``: costs, interest due, penalty, principal due; principal not yet due)."""
    interest = sum((r.interest_cny - r.paid_interest_cny for r in rows if r.due_date <= day), ZERO)
    due = sum((r.principal_cny - r.paid_principal_cny for r in rows if r.due_date <= day), ZERO)
    later = sum((r.principal_cny - r.paid_principal_cny for r in rows if r.due_date > day), ZERO)
    return Owed(loan.costs_cny, interest, loan.penalty_cny, due), later


def _apply(rows: list[Instalment], paid_interest: Decimal, paid_principal: Decimal) -> None:
    """Spread paid interest and principal over the instalments, oldest first."""
    for r in rows:
        take = min(paid_interest, r.interest_cny - r.paid_interest_cny)
        r.paid_interest_cny += take
        paid_interest -= take
    for r in rows:
        take = min(paid_principal, r.principal_cny - r.paid_principal_cny)
        r.paid_principal_cny += take
        paid_principal -= take


def repay(session: Session, *, loan_id: int, amount: Any, paid_on: date, actor: str) -> Payment:
    """还款: costs, then interest (ordinary, penalty), then principal due, then principal not yet due (prepayment);
    more than everything owed is refused. A loan paid off moves to ``repaid``."""
    value = rules.parse_money(amount, "amount")
    loan = get_loan(session, loan_id, lock=True)
    if loan.status not in (LoanStatus.disbursed, LoanStatus.defaulted):
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target="repaid")
    rows = _instalments(session, loan.id)
    owed, later = owed_on(loan, rows, paid_on)
    if value > owed.total + later:
        raise LendingError.OVERPAYMENT.error(owed_cny=str(owed.total + later))
    paid, excess = rules.allocate_payment(value, owed)
    prepaid = min(excess, later)
    loan.costs_cny -= paid.costs
    loan.penalty_cny -= paid.penalty
    _apply(rows, paid.interest, paid.principal + prepaid)
    principal = paid.principal + prepaid
    loan.outstanding_cny -= principal
    loan.version += 1
    payment = Payment(loan_id=loan.id, kind="repayment", paid_on=paid_on, amount_cny=value, to_costs_cny=paid.costs,
                      to_interest_cny=paid.interest, to_penalty_cny=paid.penalty, to_principal_cny=principal,
                      actor=actor, created_at=now(), detail={})
    session.add(payment)
    if loan.outstanding_cny == 0 and loan.costs_cny == 0 and loan.penalty_cny == 0 and all(
            r.paid_interest_cny == r.interest_cny for r in rows if r.due_date <= paid_on):
        _move(loan, LoanStatus.repaid)
    _event(session, loan, "loan.repaid" if loan.status == LoanStatus.repaid else "loan.repayment", actor,
           {"amount_cny": str(value), "to_costs_cny": str(paid.costs), "to_interest_cny": str(paid.interest),
            "to_penalty_cny": str(paid.penalty), "to_principal_cny": str(principal),
            "paid_on": paid_on.isoformat()})
    session.flush()
    payment.ledger_seq = loan.ledger_seq
    return payment


# --- close of business ----------------------------------------------------------------------------------


def cob_loan(session: Session, loan: Loan, day: date, *, actor: str, settings: dict[str, Any],
             rows: list[Instalment] | None = None) -> str | None:
    """Close one loan's day (caller holds its lock): penalty accrual on overdue principal for the days since its
    last close, days past due, class; at the trigger, default with claims. Returns what changed, if anything."""
    if loan.cob_date is not None and loan.cob_date >= day:
        return None  # already closed for this day: a rerun does nothing twice
    if rows is None:
        rows = _instalments(session, loan.id)
    overdue = [r for r in rows if r.due_date < day and (r.paid_principal_cny < r.principal_cny
                                                         or r.paid_interest_cny < r.interest_cny)]
    dpd = (day - overdue[0].due_date).days if overdue else 0
    since = loan.cob_date or day - timedelta(days=1)
    overdue_principal = sum((r.principal_cny - r.paid_principal_cny for r in overdue), ZERO)
    days = max((day - since).days, 0)
    if overdue_principal and days:
        rate = loan.annual_rate * (1 + settings["markup"])
        loan.penalty_cny += rules.daily_interest(overdue_principal, rate, settings["year_days"]) * days
    restructured = loan.restructured_on is not None  # 重组: at least 次级
    tier = rules.classify(dpd, settings["floors"], restructured=restructured).value
    defaults = loan.status == LoanStatus.disbursed and dpd >= settings["trigger"]
    changed: str | None = None
    if tier != loan.tier:
        changed = "reclassified"
        facts = {"from": loan.tier, "to": tier, "days_past_due": dpd, "cob_date": day.isoformat()}
        _event(session, loan, "loan.reclassified", actor, facts)  # defaulting today: written before the default
    loan.days_past_due = dpd
    loan.tier = tier
    if defaults:
        declare_default(session, loan, day, actor=actor)
        changed = "defaulted"
    loan.cob_date = day
    return changed


def year_days(day: date) -> int:
    """The interest year's days in force on ``day`` (rule ``day_count_year_days``); before the rule set first
    stated it (2026-06-01), its first value: the basis the code applied until then."""
    return int(rule_on("day_count_year_days", day))


def cob_settings(day: date) -> dict[str, Any]:
    rs = rule_set()
    return {"floors": rs.value("classification_floors", day), "trigger": rs.int("default_trigger_days", day),
            "markup": rs.decimal("penalty_rate_markup", day), "year_days": year_days(day)}


def run_cob(session: Session, *, day: date, actor: str, limit: int | None = None) -> CobRun:
    """日终: close ``day`` for every performing loan not yet closed for it, set-based in chunks by id (see
    ``lending.cob``); at most ``limit`` loans per call, the CLI committing between calls."""
    from landbridge.lending import cob  # cob reads this module's per-loan path and fund measures

    return cob.run_cob(session, day=day, actor=actor, limit=limit)


def reconcile_liens(session: Session, *, most: int = 100, chunk: int = 5000) -> list[int]:
    """Loans whose mortgage is no longer current in the registry (or was never recorded) while money is out: the
    first ``most`` ids. The loans are read in id order a chunk at a time, two integers each, and their mortgages
    checked against the registry in one read per thousand (no restriction loaded); it stops at ``most``."""
    out: list[int] = []
    after = 0
    while len(out) < most:
        rows = session.execute(select(Loan.id, Loan.unit_id, Loan.restriction_id, Loan.share_pledge_id).where(
            Loan.status.in_([s.value for s in rules.PERFORMING]), Loan.id > after)
            .order_by(Loan.id).limit(chunk)).all()
        if not rows:
            break
        after = rows[-1][0]
        current = registry.current_restriction_keys(session, (r for _, _, r, _ in rows if r is not None))
        # a share-pledge loan (no unit): its pledge must still be active in the collective's share register
        pledged = collective.active_pledges(session, (p for _, _, _, p in rows if p is not None))
        out.extend(int(loan_id) for loan_id, unit_id, restriction_id, pledge_id in rows
                   if (pledge_id is not None and pledge_id not in pledged)
                   or (unit_id is not None and (restriction_id is None or (unit_id, restriction_id) not in current)))
    return out[:most]


def fund_balance(session: Session) -> Decimal:
    """The risk-compensation fund's balance: the sum of its signed ledger entries, added up by the database."""
    total = session.scalar(select(func.sum(FundEntry.amount_cny)))
    return ZERO if total is None else Decimal(total)


def fund_leverage(session: Session, balance: Decimal | None = None) -> Decimal | None:
    """Outstanding principal of loans the fund shares ÷ the fund's balance (rules: ≥ 10); ``balance`` where the
    caller has already read it."""
    balance = fund_balance(session) if balance is None else balance
    if balance <= 0:
        return None
    exposure = session.scalar(select(func.sum(Loan.outstanding_cny)).where(
        Loan.status.in_([s.value for s in rules.PERFORMING]), shared_with(session, "fund")))
    return (Decimal(exposure or ZERO) / balance).quantize(Decimal("0.01"))


def fund_position(session: Session) -> tuple[Decimal, Decimal | None]:
    """(the fund's balance, its leverage), the balance read once for both: what the portal and the API show."""
    balance = fund_balance(session)
    return balance, fund_leverage(session, balance)


def leverage_floor(day: date | None = None) -> Decimal:
    """The least leverage the banks owe the fund (rule ``fund_leverage_min``: banks lend ≥ 10 × the fund)."""
    return Decimal(rule_set().decimal("fund_leverage_min", day))


def below_leverage_floor(leverage: Decimal | None, floor: Decimal) -> bool | None:
    """Whether the banks lend less than the floor against the fund (None while the fund holds nothing)."""
    return None if leverage is None else leverage < floor


# --- default, claims, disposal, loss sharing ------------------------------------------------------------


def opening_claims(loan_id: int, outstanding: Decimal, snapshot: list[dict[str, Any]], day: date,
                   default_deadline_days: int) -> list[dict[str, Any]]:
    """The claims a default opens, as column values (pure; the per-loan default and the set-based close both use
    it): one per sharer the loan's snapshot binds, in its order: its share of the principal outstanding
    (``rules.share_loss``: half up, capped), its deadline (the sharer's own ``claim_deadline_days`` or the
    product's), advanced at once where the snapshot says ``advance``."""
    sharers = rules.sharers_from(snapshot)
    deadline_days = {s["party"]: int(s.get("claim_deadline_days", default_deadline_days)) for s in snapshot}
    parts = rules.share_loss(outstanding, sharers)  # the one split: share half up, capped
    return [{"loan_id": loan_id, "party": s.party, "share": s.share, "status": "advanced" if s.advance else "lodged",
             "deadline": day + timedelta(days=deadline_days[s.party]), "claimed_cny": parts[s.party],
             "advanced_cny": parts[s.party] if s.advance else ZERO, "loss_cny": ZERO, "recovered_cny": ZERO}
            for s in sharers]


def advance_entries(claims: list[dict[str, Any]], loan_no: str, day: date, actor: str,
                    stamp: datetime) -> list[dict[str, Any]]:
    """The fund's ledger entries for the advances paid at default: one per claim ``opening_claims`` advanced at once
    (whatever its party, as the per-loan default always booked them)."""
    return [{"kind": "advance", "amount_cny": -c["advanced_cny"], "loan_id": c["loan_id"], "entry_date": day,
             "actor": actor, "created_at": stamp, "note": loan_no}
            for c in claims if c["status"] == "advanced"]


def default_facts(day: date, dpd: int, claims: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``loan.defaulted`` event's facts (after the loan's number and status)."""
    return {"defaulted_on": day.isoformat(), "days_past_due": dpd,
            "claims": [{"party": c["party"], "claimed_cny": str(c["claimed_cny"]),
                        "advanced_cny": str(c["advanced_cny"]), "deadline": c["deadline"].isoformat()}
                       for c in claims]}


def declare_default(session: Session, loan: Loan, day: date, *, actor: str) -> list[Claim]:
    """违约: the loan moves to ``defaulted`` and each bound sharer gets its claim (its share of the principal
    outstanding) with its deadline; a sharer that advances pays the advance now (the fund's ledger records it)."""
    _move(loan, LoanStatus.defaulted)
    loan.defaulted_on = day
    rows = opening_claims(loan.id, loan.outstanding_cny, loan.sharers, day,
                          rule_set().int("claim_deadline_days", day))
    claims = [Claim(created_at=now(), **row) for row in rows]
    session.add_all(FundEntry(**entry) for entry in advance_entries(rows, loan.loan_no, day, actor, now()))
    session.add_all(claims)
    _event(session, loan, "loan.defaulted", actor, default_facts(day, loan.days_past_due, rows))
    session.flush()
    return claims


def default_loan(session: Session, *, loan_id: int, day: date, actor: str) -> Loan:
    """The bank declares a default by hand; refused before the trigger (``lending.not_defaulted``)."""
    loan = get_loan(session, loan_id, lock=True)
    rules.transition(loan.status, LoanStatus.defaulted)
    rows = _instalments(session, loan.id)
    overdue = [r for r in rows if r.due_date < day and r.paid_principal_cny + r.paid_interest_cny
               < r.principal_cny + r.interest_cny]
    trigger = rule_set().int("default_trigger_days", day)
    dpd = (day - overdue[0].due_date).days if overdue else 0
    if dpd < trigger:
        raise LendingError.NOT_DEFAULTED.error(days=trigger)
    loan.days_past_due = dpd
    tier = rules.classify(dpd, rule_set().value("classification_floors", day),
                          restructured=loan.restructured_on is not None).value
    if tier != loan.tier:  # classified on the day declared, as the close of business would (its event first)
        _event(session, loan, "loan.reclassified", actor, {"from": loan.tier, "to": tier, "days_past_due": dpd,
                                                            "declared_on": day.isoformat()})
        loan.tier = tier
    declare_default(session, loan, day, actor=actor)
    return loan


def start_disposal(session: Session, *, loan_id: int, actor: str, costs: Any = None,
                   starts_at: datetime | None = None, dwelling_document: str | None = None) -> Loan:
    """处置: the collateral is offered on the exchange as a collateral lot (auction; start at the exchange's minimum
    share of the appraisal; the borrower excluded from bidding); enforcement costs are added to the claim. A farm
    house is offered only where the household keeps a dwelling (``housing.dwelling_kept``)."""
    loan = get_loan(session, loan_id, lock=True)
    rules.transition(loan.status, LoanStatus.in_disposal)
    if loan.collective_id is not None:
        return _start_share_disposal(session, loan, actor=actor, costs=costs)
    housing = dwelling_kept(session, loan, to_local(now()).date(), dwelling_document)
    _move(loan, LoanStatus.in_disposal)
    if costs is not None:
        loan.costs_cny += rules.parse_money(costs, "costs")
    appraised = loan.appraised_cny or loan.principal_cny
    lot_rules = exchange.rules_for(exchange.LotKind.collateral.value)
    start_price = (appraised * lot_rules.start_price_min_appraisal_ratio).quantize(Decimal("0.01"))
    lot = exchange.create_lot(session, actor=actor, kind=exchange.LotKind.collateral.value,
                              title=f"抵押物处置 {loan.loan_no}", region_code=loan.region_code,
                              starts_at=starts_at or now() + timedelta(
                                  days=rule_set().int("disposal_announcement_days")),
                              start_price=start_price,
                              unit_id=loan.unit_id, right_id=loan.right_id, seller_party_id=loan.borrower_party_id,
                              appraised_value=appraised, excluded_party_ids=[loan.borrower_party_id],
                              description=f"贷款 {loan.loan_no} 违约处置")
    loan.lot_id = lot.id
    _event(session, loan, "loan.disposal_started", actor, {"costs_cny": str(loan.costs_cny), "lot_id": lot.id,
                                                             "start_price_cny": str(start_price), **(housing or {})},
           also=[subjects.lot(lot.id)])
    return loan


def _start_share_disposal(session: Session, loan: Loan, *, actor: str, costs: Any) -> Loan:
    """质权实现 of a share pledge: the loan enters disposal with no exchange lot (the collective's shares pass only to
    its members, 股权内部转让); the pledgee sells them to an eligible buyer at no less than the floor of the day
    (``share_disposal.sell_pledged_shares``). The floor of today is in the event."""
    added = ZERO if costs is None else rules.parse_money(costs, "costs")
    floor = share_pledge.sale_floor(session, loan, to_local(now()).date())
    _move(loan, LoanStatus.in_disposal)
    loan.costs_cny += added
    _event(session, loan, "loan.disposal_started", actor, {
        "costs_cny": str(loan.costs_cny), "share_sale": True, "value_cny": str(floor.value_cny),
        "floor_cny": str(floor.floor_cny), "floor_ratio": str(floor.ratio), "valuation_basis": floor.method})
    return loan


def collateral_sold(session: Session, loan: Loan) -> bool:
    """Whether the loan's collateral lot (its latest attempt) has been sold and paid for on the exchange."""
    if loan.lot_id is None:
        return False
    sale = exchange.collateral_sale(session, exchange.latest_attempt(session, loan.lot_id).id)
    return sale is not None and sale.paid


def settle_disposal(session: Session, *, loan_id: int, proceeds: Any, sale_costs: Any, day: date,
                    actor: str) -> Loan:
    """Apply the sale's proceeds through the waterfall (sale costs → senior liens → this loan → junior liens →
    surplus), share the principal loss as bound (caps; the bank bears the rest) and true up every sharer's advances
    against its final loss (``claims.true_up``: refunded or paid in; the fund's side in its ledger)."""
    value = rules.parse_money(proceeds, "proceeds")
    costs = ZERO if sale_costs in (None, "0", 0) else rules.parse_money(sale_costs, "sale_costs")
    if costs > value:
        raise LendingError.PROCEEDS_INVALID.error()
    loan = get_loan(session, loan_id, lock=True)
    rules.transition(loan.status, LoanStatus.settled)
    if collateral_sold(session, loan):
        raise LendingError.SALE_SETTLES_ITSELF.error(lot_id=loan.lot_id)  # the exchange's figures, not typed ones
    rows = _instalments(session, loan.id)
    due, later = owed_on(loan, rows, day)
    claim = Owed(due.costs, due.interest, due.penalty, due.principal + later)
    others = [rules.Lien(r.rank or 0, r.secured_amount_cny or ZERO, f"restriction:{r.id}")
              for r in registry.current_restrictions(session, unit_of(loan))
              if r.kind == "mortgage" and r.id != loan.restriction_id and r.right_id == loan.right_id]
    # a mortgage still unregistered ranks after every registered one (民法典 art. 414)
    own_rank = loan.lien_rank if loan.lien_rank is not None else max((x.rank for x in others), default=0) + 1
    fall = rules.waterfall(value, costs, claim, own_rank, others)
    return apply_waterfall(session, loan, rows, fall, proceeds=value, sale_costs=costs, day=day, actor=actor)


def apply_waterfall(session: Session, loan: Loan, rows: list[Instalment], fall: rules.Waterfall, *,
                    proceeds: Decimal, sale_costs: Decimal, day: date, actor: str,
                    facts: dict[str, Any] | None = None) -> Loan:
    """Settle a locked loan in disposal from where its collateral's proceeds went (``fall``): the loan's part is
    applied (costs, interest, penalty, principal), the principal shortfall is shared as bound (caps; the bank
    bears the rest) with every sharer's true-up (``claims.true_up``), and the loan moves to ``settled``."""
    value, costs = proceeds, sale_costs
    loan.costs_cny -= fall.loan.costs
    loan.penalty_cny -= fall.loan.penalty
    _apply(rows, fall.loan.interest, fall.loan.principal)
    loan.outstanding_cny -= fall.loan.principal
    session.add(Payment(loan_id=loan.id, kind="disposal", paid_on=day, amount_cny=fall.loan.total,
                        to_costs_cny=fall.loan.costs, to_interest_cny=fall.loan.interest,
                        to_penalty_cny=fall.loan.penalty, to_principal_cny=fall.loan.principal, actor=actor,
                        created_at=now(), detail={"proceeds_cny": str(value), "sale_costs_cny": str(costs),
                                                  "surplus_cny": str(fall.surplus)}))
    shares = rules.share_loss(fall.shortfall.principal, rules.sharers_from(loan.sharers))
    claims = {c.party: c for c in session.execute(select(Claim).where(Claim.loan_id == loan.id)).scalars()}
    for party, loss in shares.items():
        c = claims.get(party)
        if c is None:
            c = Claim(loan_id=loan.id, party=party, share=Decimal(0), status="lodged", created_at=now(),
                      deadline=day, claimed_cny=ZERO, advanced_cny=ZERO, loss_cny=ZERO, recovered_cny=ZERO)
            session.add(c)
        c.loss_cny = loss
        c.status = "settled"
        claims[party] = c
    trued = true_up(session, loan, claims, day=day, actor=actor)  # every sharer: advances − final loss
    loan.loss_cny = fall.shortfall.principal
    _move(loan, LoanStatus.settled)
    _event(session, loan, "loan.settled", actor, {
        "proceeds_cny": str(value), "sale_costs_cny": str(costs),
        "senior": [[h, str(a)] for h, a in fall.senior], "junior": [[h, str(a)] for h, a in fall.junior],
        "to_loan_cny": str(fall.loan.total), "surplus_cny": str(fall.surplus),
        "principal_loss_cny": str(fall.shortfall.principal), "loss_shares": {k: str(v) for k, v in shares.items()},
        "true_up": trued, **(facts or {})})
    session.flush()
    return loan


def record_recovery(session: Session, *, loan_id: int, amount: Any, day: date, actor: str) -> dict[str, Decimal]:
    """A recovery after settlement or write-off (核销后收回), split in proportion to the losses borne (every fen
    once). It is a payment of the loan (``kind="recovery"``, against the principal still owed, in the loan's payment
    history) and lowers what the borrower still owes; the claims' recoveries record each sharer's part."""
    value = rules.parse_money(amount, "amount")
    loan = get_loan(session, loan_id, lock=True)
    if loan.status not in (LoanStatus.settled, LoanStatus.written_off):
        raise LendingError.INVALID_TRANSITION.error(status=loan.status, target="recovery")
    claims = list(session.execute(select(Claim).where(Claim.loan_id == loan.id).order_by(Claim.id)).scalars())
    remaining = {c.party: c.loss_cny - c.recovered_cny for c in claims}
    if value > sum(remaining.values(), ZERO):
        raise LendingError.OVERPAYMENT.error(owed_cny=str(sum(remaining.values(), ZERO)))
    split = rules.split_pro_rata(value, {c.party: c.loss_cny for c in claims})
    for c in claims:
        c.recovered_cny += split[c.party]
        if c.party == "fund" and split[c.party]:
            session.add(FundEntry(kind="recovery", amount_cny=split[c.party], loan_id=loan.id, entry_date=day,
                                  actor=actor, created_at=now(), note=loan.loan_no))
    loan.outstanding_cny -= min(value, loan.outstanding_cny)
    loan.version += 1
    payment = Payment(loan_id=loan.id, kind="recovery", paid_on=day, amount_cny=value, to_costs_cny=ZERO,
                      to_interest_cny=ZERO, to_penalty_cny=ZERO, to_principal_cny=value, actor=actor,
                      created_at=now(), detail={"split": {k: str(v) for k, v in split.items()}})
    session.add(payment)
    _event(session, loan, "loan.recovery", actor, {"amount_cny": str(value),
                                                     "split": {k: str(v) for k, v in split.items()}})
    session.flush()
    payment.ledger_seq = loan.ledger_seq
    return split


def release_lien(session: Session, *, loan_id: int, actor: str, write_off: bool = False) -> Loan:
    """注销抵押: a repaid loan (or a settled one, written off) lodges the mortgage's cancellation and closes."""
    loan = get_loan(session, loan_id, lock=True)
    target = LoanStatus.written_off if write_off else LoanStatus.closed
    rules.transition(loan.status, target)
    if loan.status == LoanStatus.repaid and loan.outstanding_cny:
        raise LendingError.LOAN_STILL_OWED.error(owed_cny=str(loan.outstanding_cny))
    sold = collateral_sold(session, loan)  # the collateral lot's hand-over discharges the mortgage: none of its own
    released = None
    if sold:
        pass
    elif loan.collective_id is not None:  # 解除质押 in the collective's share register
        released = share_pledge.release(session, loan, actor=actor)
    elif loan.restriction_id is not None and loan.restriction_id in {
            r.id for r in registry.current_restrictions(session, unit_of(loan))}:
        app = registry.lodge_cancellation(session, actor=actor, unit_id=unit_of(loan),
                                          reason=f"贷款 {loan.loan_no} 结清", restriction_id=loan.restriction_id)
        loan.release_application_id = app.id
    elif (loan.restriction_id is None and loan.lien_application_id is not None
          and registry.get_application(session, loan.lien_application_id).status == "lodged"):
        registry.withdraw_application(session, application_id=loan.lien_application_id, actor=actor,
                                      reason=f"贷款 {loan.loan_no} 结清")  # never registered: the lodging withdrawn
    _move(loan, target)
    _event(session, loan, "loan.written_off" if write_off else "loan.closed", actor,
           {"release_application_id": loan.release_application_id,
            **({"discharged_by_lot_id": loan.lot_id} if sold else {}),
            **({} if released is None else {"share_pledge_id": loan.share_pledge_id, "pledge_released": released})})
    return loan


def contribute_to_fund(session: Session, *, amount: Any, day: date, actor: str, note: str | None = None) -> FundEntry:
    """A contribution to the risk-compensation fund (government or bank)."""
    value = rules.parse_money(amount, "amount")
    entry = FundEntry(kind="contribution", amount_cny=value, loan_id=None, entry_date=day, actor=actor,
                      created_at=now(), note=(note or "")[:300] or None)
    session.add(entry)
    session.flush()
    event = append_event(session, module=MODULE, event_type="fund.contribution",
                         subject=subjects.subject("fund_entry", entry.id), actor=actor,
                         payload={"amount_cny": str(value), "entry_date": day.isoformat()})
    entry.ledger_seq = event.seq
    return entry

"""Deposit reconciliation (保证金对账, F4; issue #6 item 3): every credit the bank reported by callback against
the deposits expected (sub-account, amount), and what became of the deposits in a date range: matched and
unmatched credits, amount mismatches, refunds (on time, late, overdue), conversions to earnest money and
forfeitures. Amounts are fen-exact ``Decimal``; days are Asia/Shanghai dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.errors import RuleViolation
from landbridge.exchange.default_payments import disposal_lines
from landbridge.exchange.document_models import BankCredit
from landbridge.exchange.entry import adjustment_details
from landbridge.exchange.events import MODULE
from landbridge.exchange.in_kind import IN_KIND
from landbridge.exchange.inputs import money
from landbridge.exchange.models import Bidder, Deposit, Lot
from landbridge.exchange.rules import DepositStatus
from landbridge.exchange.ruleset import today
from landbridge.exchange.settlement_models import Settlement, SettlementInstalment
from landbridge.exchange.settlement_rules import SettlementStatus
from landbridge.kernel.clock import SHANGHAI, ensure_utc, now, to_local
from landbridge.ledger import NewEvent, append_events, subjects

MATCHED = "matched"
PAID_ALIKE = frozenset({SettlementStatus.paid, SettlementStatus.in_kind})
MAX_RANGE_DAYS = 366  # one report covers at most a year (a size limit, not a policy number)
__all__ = ["CATEGORY_LABELS", "CSV_HEADER", "Category", "Line", "Reconciliation", "reconcile_deposits",
           "record_bank_credit", "today"]


class Category(StrEnum):
    """Kinds of reconciliation line."""

    matched = "matched"
    unknown_sub_account = "unknown_sub_account"
    amount_mismatch = "amount_mismatch"
    rejected_credit = "rejected_credit"
    confirmed_without_credit = "confirmed_without_credit"
    outstanding = "outstanding"
    refunded = "refunded"
    refunded_late = "refunded_late"
    overdue_refund = "overdue_refund"
    converted = "converted"
    forfeited = "forfeited"
    settlement_due = "settlement_due"
    settlement_paid = "settlement_paid"
    settlement_overdue = "settlement_overdue"
    instalment_paid = "instalment_paid"
    settlement_in_kind = "settlement_in_kind"
    default_forfeited = "default_forfeited"
    default_held = "default_held"
    default_set_off = "default_set_off"
    default_refunded = "default_refunded"


CATEGORY_LABELS = {  # English message ids; the page translates them, the CSV prints them
    Category.matched: "Credit matched", Category.unknown_sub_account: "Credit to an unknown sub-account",
    Category.amount_mismatch: "Credit with a wrong amount", Category.rejected_credit: "Credit refused otherwise",
    Category.confirmed_without_credit: "Confirmed without a bank credit",
    Category.outstanding: "Deposit expected, not received", Category.refunded: "Refunded on time",
    Category.refunded_late: "Refunded late", Category.overdue_refund: "Refund overdue",
    Category.converted: "Converted to earnest money", Category.forfeited: "Forfeited",
    Category.settlement_due: "Price balance due", Category.settlement_paid: "Price balance paid",
    Category.settlement_overdue: "Price balance overdue", Category.instalment_paid: "Price instalment paid",
    Category.settlement_in_kind: "Paid in kind (land contributed as equity)",
    Category.default_forfeited: "Defaulter's payment forfeited", Category.default_held: "Defaulter's payment held",
    Category.default_set_off: "Defaulter's payment set off", Category.default_refunded: "Defaulter's payment refunded",
}
CREDIT_OUTCOMES = {MATCHED: Category.matched, "exchange.sub_account_not_found": Category.unknown_sub_account,
                   "exchange.deposit_amount_mismatch": Category.amount_mismatch,
                   "exchange.settlement_amount_mismatch": Category.amount_mismatch}
CSV_HEADER = ("category", "label", "day", "lot_number", "sub_account", "bidder_code", "bank_ref",
              "expected_cny", "amount_cny", "detail")


@dataclass(frozen=True)
class Line:
    """One reconciliation line: a bank credit or a deposit event, on a local day."""

    category: Category
    day: date
    lot_number: str | None
    sub_account: str | None
    bidder_code: str | None
    bank_ref: str | None
    expected_cny: Decimal | None
    amount_cny: Decimal | None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category.value, "day": self.day.isoformat(), "lot_number": self.lot_number,
                "sub_account": self.sub_account, "bidder_code": self.bidder_code, "bank_ref": self.bank_ref,
                "expected_cny": _str(self.expected_cny), "amount_cny": _str(self.amount_cny), "detail": self.detail}

    def csv_row(self) -> list[str]:
        d = self.as_dict()
        return [d["category"], CATEGORY_LABELS[self.category], d["day"], *(d[k] or "" for k in CSV_HEADER[3:])]


def _str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Total:
    count: int
    amount_cny: Decimal


@dataclass
class Reconciliation:
    """A date range's lines, best read by category totals; ``as_of`` is the day overdue refunds are judged on."""

    date_from: date
    date_to: date
    as_of: date
    lines: list[Line] = field(default_factory=list)

    @property
    def totals(self) -> dict[Category, Total]:
        out: dict[Category, Total] = {}
        for category in Category:
            picked = [line for line in self.lines if line.category == category]
            amount = sum((line.amount_cny if line.amount_cny is not None else line.expected_cny or Decimal("0")
                          for line in picked), Decimal("0.00"))
            out[category] = Total(len(picked), amount)
        return out

    def totals_dict(self) -> dict[str, dict[str, Any]]:
        return {c.value: {"count": t.count, "amount_cny": f"{t.amount_cny:.2f}", "label": CATEGORY_LABELS[c]}
                for c, t in self.totals.items()}


def record_bank_credit(session: Session, *, sub_account: str, amount: Decimal | str, payer_name: str,
                       bank_ref: str, outcome: str, actor: str = "bank:callback") -> BankCredit | None:
    """Keep a credit the bank reported (到账通知), matched or refused with its code; once per bank reference.
    Storing it, and re-matching a stored refused credit, each write a ledger event in the caller's transaction (P2).

    Returns None when the amount is not money at all (nothing to reconcile)."""
    try:
        paid = money(amount)
    except RuleViolation:
        return None  # a malformed amount is answered by the callback itself
    row = session.execute(select(BankCredit).where(BankCredit.bank_ref == bank_ref)).scalar_one_or_none()
    if row is not None:
        if outcome == MATCHED and row.outcome != MATCHED:
            refused = row.outcome
            row.outcome = MATCHED  # a retried callback that now matches
            session.flush()
            _log_credit(session, row, "bank_credit_rematched", actor, previous_outcome=refused)
        return row  # the bank repeated itself: nothing changed, nothing to log
    deposit = session.execute(select(Deposit.id, Deposit.lot_id).where(Deposit.sub_account == sub_account)).first()
    settled_lot = None if deposit else session.scalar(select(Settlement.lot_id)
                                                      .where(Settlement.sub_account == sub_account))
    row = BankCredit(bank_ref=bank_ref, sub_account=sub_account[:64], amount_cny=paid, payer_name=payer_name[:200],
                     received_at=now(), outcome=outcome[:64], deposit_id=deposit[0] if deposit else None,
                     lot_id=deposit[1] if deposit else settled_lot)
    session.add(row)
    session.flush()
    _log_credit(session, row, "bank_credit_recorded", actor)
    return row


def _log_credit(session: Session, row: BankCredit, event_type: str, actor: str, **extra: object) -> None:
    """A bank credit's ledger event, under the credit's own subject (a credit may belong to no lot); the payer's
    name stays out of the ledger (personal data)."""
    lot = None if row.lot_id is None else session.scalar(select(Lot.number).where(Lot.id == row.lot_id))
    append_events(session, [NewEvent(MODULE, event_type, subjects.bank_credit(row.id), actor, {
        "credit_id": row.id, "sub_account": row.sub_account, "amount_cny": row.amount_cny, "bank_ref": row.bank_ref,
        "outcome": row.outcome, "lot": lot, **extra})])


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight on ``date_from`` and after ``date_to``."""
    start = datetime.combine(date_from, time(0), tzinfo=SHANGHAI)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return ensure_utc(start), ensure_utc(end)


def _local_day(at: datetime) -> date:
    return to_local(at).date()


def reconcile_deposits(session: Session, *, date_from: date, date_to: date,
                       covers: Callable[[str], bool] | None = None) -> Reconciliation:
    """The reconciliation of ``date_from``..``date_to`` (local days, inclusive); ``covers`` limits lot lines to
    an operator's area (credits no lot claims are always shown) (F4)."""
    start, end = _bounds(date_from, date_to)
    as_of = min(date_to, today())
    report = Reconciliation(date_from, date_to, as_of)

    def mine(region_code: str | None) -> bool:
        return covers is None or region_code is None or covers(region_code)

    credits = session.execute(
        select(BankCredit, Deposit, Lot.number, Lot.region_code, Bidder.bidder_code)
        .outerjoin(Deposit, Deposit.id == BankCredit.deposit_id).outerjoin(Lot, Lot.id == BankCredit.lot_id)
        .outerjoin(Bidder, Bidder.id == Deposit.bidder_id)
        .where(BankCredit.received_at >= start, BankCredit.received_at < end).order_by(BankCredit.id)).all()
    matched_ids: set[int] = set()
    instalments = session.execute(
        select(Settlement.sub_account, SettlementInstalment).join(SettlementInstalment).where(
            Settlement.sub_account.in_({c.sub_account for c, *_ in credits if c.deposit_id is None}))
        .order_by(SettlementInstalment.seq)).all()
    for credit, deposit, lot_number, region, code in credits:
        if not mine(region):
            continue
        category = CREDIT_OUTCOMES.get(credit.outcome, Category.rejected_credit)
        if category == Category.matched and deposit is not None:
            matched_ids.add(deposit.id)
        expected = deposit.amount_cny if deposit else _instalment_expected(credit, instalments)
        report.lines.append(Line(category, _local_day(credit.received_at), lot_number, credit.sub_account, code,
                                 credit.bank_ref, expected, credit.amount_cny,
                                 "" if category == Category.matched else credit.outcome))

    rows = session.execute(
        select(Deposit, Lot.number, Lot.region_code, Bidder.bidder_code, Bidder.applied_at)
        .join(Lot, Lot.id == Deposit.lot_id).join(Bidder, Bidder.id == Deposit.bidder_id)
        .where(((Deposit.confirmed_at >= start) & (Deposit.confirmed_at < end))
               | ((Deposit.settled_at >= start) & (Deposit.settled_at < end))
               | ((Deposit.refunded_at >= start) & (Deposit.refunded_at < end))
               | ((Bidder.applied_at >= start) & (Bidder.applied_at < end) & (Deposit.status == DepositStatus.pending))
               | ((Deposit.refund_due_on < as_of) & (Deposit.status == DepositStatus.refund_due))
               | ((Deposit.refund_due_on < as_of) & (Deposit.refunded_at >= _bounds(as_of, as_of)[1])))
        .order_by(Deposit.id)).all()
    for deposit, lot_number, region, code, applied_at in rows:
        if mine(region):
            report.lines += _deposit_lines(deposit, lot_number, code, applied_at, start, end, as_of, matched_ids)
    report.lines += _settlement_lines(session, start, end, as_of, mine)
    report.lines += [Line(Category(x.category), x.day, x.lot_number, None, x.bidder_code, None, x.expected_cny,
                          x.amount_cny, x.detail) for x in disposal_lines(session, start, end, mine)]  # issue #24
    report.lines.sort(key=lambda line: (line.day, list(Category).index(line.category), line.lot_number or ""))
    return report


def _instalment_expected(credit: BankCredit, rows: Sequence[Any]) -> Decimal | None:
    """What a credit to a settlement sub-account was expected to be: the instalments it paid, else the first one
    still unpaid when it came in."""
    mine = [i for sub, i in rows if sub == credit.sub_account]
    paid = [i.amount_cny for i in mine if i.bank_ref == credit.bank_ref]
    if paid:
        return sum(paid, Decimal("0.00"))
    open_then = [i for i in mine if i.paid_at is None or ensure_utc(i.paid_at) >= ensure_utc(credit.received_at)]
    return open_then[0].amount_cny if open_then else None


def _deposit_lines(deposit: Deposit, lot_number: str, code: str, applied_at: datetime, start: datetime,
                   end: datetime, as_of: date, matched_ids: set[int]) -> list[Line]:
    """The lines one deposit contributes to the range: its confirmation, refund, conversion, forfeiture."""
    def within(at: datetime | None) -> bool:
        return at is not None and start <= to_local(at) < end

    def line(category: Category, day: date, detail: str = "") -> Line:
        return Line(category, day, lot_number, deposit.sub_account, code, deposit.bank_ref, deposit.amount_cny,
                    deposit.amount_cny, detail)

    out: list[Line] = []
    if within(deposit.confirmed_at) and deposit.id not in matched_ids:
        assert deposit.confirmed_at is not None
        out.append(line(Category.confirmed_without_credit, _local_day(deposit.confirmed_at)))
    if deposit.status == DepositStatus.pending and within(applied_at):
        out.append(Line(Category.outstanding, _local_day(applied_at), lot_number, deposit.sub_account, code, None,
                        deposit.amount_cny, None))
    due = deposit.refund_due_on
    if deposit.refunded_at is not None and within(deposit.refunded_at):
        late = due is not None and _local_day(deposit.refunded_at) > due
        out.append(line(Category.refunded_late if late else Category.refunded, _local_day(deposit.refunded_at),
                        f"due {due.isoformat()}" if due else ""))
    unrefunded = deposit.refunded_at is None or _local_day(deposit.refunded_at) > as_of
    if due is not None and due < as_of and unrefunded and deposit.status in (DepositStatus.refund_due,
                                                                          DepositStatus.refunded):
        out.append(line(Category.overdue_refund, due, f"due {due.isoformat()}, {(as_of - due).days} days overdue"))
    if deposit.status in (DepositStatus.converted, DepositStatus.forfeited) and within(deposit.settled_at):
        assert deposit.settled_at is not None
        category = Category.converted if deposit.status == DepositStatus.converted else Category.forfeited
        out.append(line(category, _local_day(deposit.settled_at)))
    return out


def _adjustment(row: Settlement, cells: dict[int, str]) -> str:
    """The adjustment fee's part of a paid settlement's detail, with its table cell for a market-entry lot (issue
    #15; ``cells``: ``entry.adjustment_details`` of all the report's lots): price = fee + adjustment fee + payout,
    each fen shown."""
    if row.adjustment_fee_cny is None:
        return ""
    return f"adjustment fee {row.adjustment_fee_cny:.2f}{cells.get(row.lot_id, '')}, "


def _settlement_lines(session: Session, start: datetime, end: datetime, as_of: date,
                      mine: Callable[[str | None], bool]) -> list[Line]:
    """Price settlements (价款结算) of the range: balances opened and still due, paid, and overdue (unpaid after
    the due day, whether still open on ``as_of`` or closed by the winner's default in the range)."""
    def within(at: datetime | None) -> bool:
        return at is not None and start <= ensure_utc(at) < end

    found = session.execute(
        select(Settlement, Lot.number, Lot.region_code, Bidder.bidder_code)
        .join(Lot, Lot.id == Settlement.lot_id).join(Bidder, Bidder.id == Settlement.bidder_id)
        .where(((Settlement.opened_at >= start) & (Settlement.opened_at < end))
               | ((Settlement.paid_at >= start) & (Settlement.paid_at < end))
               | ((Settlement.defaulted_at >= start) & (Settlement.defaulted_at < end))
               | ((Settlement.status == SettlementStatus.due) & (Settlement.due_on < as_of))
               | Settlement.id.in_(select(SettlementInstalment.settlement_id).where(
                   SettlementInstalment.paid_at >= start, SettlementInstalment.paid_at < end)))
        .order_by(Settlement.id)).all()
    rows = [r for r in found if mine(r[2])]  # the operator's area only
    # every row's instalments and adjustment fee cell in one go, not a query or two per row
    cells = adjustment_details(session, {row.lot_id for row, *_ in rows if row.adjustment_fee_cny is not None
                                         and row.status in PAID_ALIKE and within(row.paid_at)})
    instalments: dict[int, list[SettlementInstalment]] = {}
    for part in session.scalars(select(SettlementInstalment).where(
            SettlementInstalment.settlement_id.in_([row.id for row, *_ in rows]))
            .order_by(SettlementInstalment.settlement_id, SettlementInstalment.seq)):
        instalments.setdefault(part.settlement_id, []).append(part)
    out: list[Line] = []
    for row, lot_number, _region, code in rows:

        def line(category: Category, day: date, amount: Decimal | None, detail: str, row: Settlement = row,
                 lot_number: str = lot_number, code: str = code) -> Line:
            return Line(category, day, lot_number, row.sub_account, code, row.bank_ref, row.balance_cny, amount,
                        detail)

        due = f"due {row.due_on.isoformat()}"
        if within(row.opened_at) and row.status == SettlementStatus.due:
            out.append(line(Category.settlement_due, _local_day(row.opened_at), None, due))
        parts = instalments.get(row.id, [])
        for part in parts if len(parts) > 1 else ():
            if within(part.paid_at):
                assert part.paid_at is not None
                out.append(Line(Category.instalment_paid, _local_day(part.paid_at), lot_number, row.sub_account,
                                code, part.bank_ref, part.amount_cny, part.amount_cny,
                                f"instalment {part.seq}/{len(parts)}, due {part.due_on.isoformat()}"))
        if within(row.paid_at) and row.status == SettlementStatus.paid:
            assert row.paid_at is not None
            out.append(line(Category.settlement_paid, _local_day(row.paid_at), row.paid_cny,
                            f"{due}; fee {row.fee_cny:.2f}, {_adjustment(row, cells)}payout {row.payout_cny:.2f}"))
        if within(row.paid_at) and row.status == SettlementStatus.in_kind:  # 以地作价入股: no cash moved (#15)
            assert row.paid_at is not None
            out.append(line(Category.settlement_in_kind, _local_day(row.paid_at), row.paid_cny,
                            f"{IN_KIND}: value {row.price_cny:.2f}; fee {row.fee_cny:.2f}, {_adjustment(row, cells)}"
                            f"payout {row.payout_cny:.2f}; the fees owed by the seller"))
        if row.status == SettlementStatus.due and row.due_on < as_of:
            out.append(line(Category.settlement_overdue, row.due_on, None,
                            f"{due}, {(as_of - row.due_on).days} days overdue"))
        elif row.status == SettlementStatus.defaulted and within(row.defaulted_at):
            out.append(line(Category.settlement_overdue, row.due_on, None, f"{due}; winner defaulted"))
    return out

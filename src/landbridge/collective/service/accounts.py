"""Books and dividends (C1, C2, L5): the collective's and the village committee's books kept apart, and
income distributed as dividends by shares with a largest-remainder split that never loses a fen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landbridge.collective import queries, rules
from landbridge.collective.errors import CollectiveError
from landbridge.collective.models import (
    Book,
    BookEntry,
    BookOwner,
    Direction,
    DividendLine,
    DividendRun,
    ShareAccount,
)
from landbridge.collective.service._common import CHUNK, collective_rules, money, need_text, record, today
from landbridge.collective.service.votes import require_resolution
from landbridge.db import for_update
from landbridge.errors import DomainError
from landbridge.kernel.clock import now
from landbridge.kernel.money import fen_to_yuan, yuan_to_fen
from landbridge.ledger import subjects

_LINE: Any = DividendLine.__table__
PERIOD_MAX = 20
DECISION_KINDS = frozenset({"revenue_distribution", "market_entry_consent"})


class BookCategory(StrEnum):
    """Categories of income (收入) and outgo (支出) in a book."""

    operating_income = "operating_income"
    land_revenue = "land_revenue"          # 入市收益 (L5)
    fiscal_subsidy = "fiscal_subsidy"
    investment_income = "investment_income"
    other_income = "other_income"
    management_expense = "management_expense"
    public_service_expense = "public_service_expense"
    other_expense = "other_expense"
    dividend = "dividend"                  # only by a dividend run
    entry_adjustment_fee = "entry_adjustment_fee"  # 调节金 of an entry settled in kind: only by pay_land_entry_fees
    entry_service_fee = "entry_service_fee"        # the exchange's fee of such an entry: likewise


INCOME = frozenset({BookCategory.operating_income, BookCategory.land_revenue, BookCategory.fiscal_subsidy,
                    BookCategory.investment_income, BookCategory.other_income})
OUTGO = frozenset({BookCategory.management_expense, BookCategory.public_service_expense, BookCategory.other_expense})
# posted by their own services only (a dividend run, the fees of a market entry settled in kind), never by hand
SYSTEM_ONLY = frozenset({BookCategory.dividend, BookCategory.entry_adjustment_fee, BookCategory.entry_service_fee})


def _book_locked(session: Session, book_id: int) -> Book:
    return queries.get_book(session, book_id, lock=True)


def record_book_entry(session: Session, *, book_id: int, direction: str, amount: Decimal | str, category: str,
                      memo: str, actor: str, occurred_on: date | None = None) -> BookEntry:
    """Post an income or outgo to one organisation's book; a book never goes below zero (C1: 账目分设)."""
    try:
        way = Direction(direction)
        cat = BookCategory(category)
    except ValueError:
        raise CollectiveError.INVALID_ENTRY.error() from None
    if (way is Direction.income) != (cat in INCOME) or cat in SYSTEM_ONLY:
        raise CollectiveError.CATEGORY_MISMATCH.error()
    value = money(amount)
    if value <= 0:
        raise CollectiveError.INVALID_AMOUNT_3.error()
    book = _book_locked(session, book_id)
    if cat is BookCategory.land_revenue and book.owner != BookOwner.collective:
        raise CollectiveError.LAND_REVENUE_TO_COLLECTIVE.error()
    return _post(session, book, way, value, cat.value, need_text(memo, CollectiveError.MEMO_REQUIRED),
                 occurred_on or today(), actor, None)


def _post(session: Session, book: Book, way: Direction, value: Decimal, category: str, memo: str, day: date,
          actor: str, run_id: int | None) -> BookEntry:
    balance = yuan_to_fen(book.balance_cny) + (yuan_to_fen(value) if way is Direction.income else -yuan_to_fen(value))
    if balance < 0:
        raise CollectiveError.INSUFFICIENT_FUNDS.error(balance=str(book.balance_cny), amount=str(value))
    book.balance_cny = fen_to_yuan(balance)
    book.version += 1
    entry = BookEntry(book_id=book.id, direction=way.value, category=category, amount_cny=value, memo=memo,
                      occurred_on=day, dividend_run_id=run_id, created_at=now(), actor=actor)
    session.add(entry)
    session.flush()
    entry.ledger_seq = record(session, event_type="book_entry_posted", subject=subjects.book(book.id),
                              actor=actor, payload={"collective_id": book.collective_id, "owner": book.owner,
                                                    "direction": way.value, "category": category,
                                                    "amount_cny": value, "memo": memo, "occurred_on": day,
                                                    "balance_cny": book.balance_cny, "dividend_run_id": run_id})
    session.flush()
    return entry


def _period_taken(period: str) -> DomainError:
    return CollectiveError.DIVIDEND_PERIOD_EXISTS.error(period=period)


def run_dividend(session: Session, *, collective_id: int, period: str, amount: Decimal | str, actor: str,
                 motion_id: int | None = None, resolution_ref: str | None = None,
                 decision_kind: str = "revenue_distribution") -> DividendRun:
    """Distribute an amount of the collective's income as dividends by shares (股份分红), once per period (C2, L5).

    Every account with shares on the record date (now) gets ⌊amount × shares / total⌋ fen and the
    remaining fen go one each to the largest remainders (ties by account id), so the lines sum to the
    amount exactly and a rerun on the same data gives the same split. The amount leaves the
    collective's book (never the committee's). Needs the members' decision per the rule set: a passed
    ``revenue_distribution`` motion, or for land revenue (``decision_kind="market_entry_consent"``) the entry
    plan's consent motion, which carries the distribution arrangement (issue #15).
    """
    if decision_kind not in DECISION_KINDS:
        raise CollectiveError.WRONG_MOTION.error({"motion_id": motion_id, "kind": decision_kind})
    collective = queries.get_collective(session, collective_id, lock=True)
    label = need_text(period, CollectiveError.PERIOD_REQUIRED)
    if len(label) > PERIOD_MAX:
        raise CollectiveError.PERIOD_TOO_LONG.error({"PERIOD_MAX": PERIOD_MAX})
    value = money(amount)
    if value <= 0:
        raise CollectiveError.INVALID_AMOUNT_4.error()
    if session.execute(select(DividendRun.id).where(DividendRun.collective_id == collective.id,
                                                    DividendRun.period == label)).first():
        raise _period_taken(label)
    decision: dict[str, Any] = {}
    if collective_rules().dividend_requires_resolution:
        decision = require_resolution(session, collective_id=collective.id, kind=decision_kind,
                                      motion_id=motion_id, resolution_ref=resolution_ref)
    book_id = queries.collective_book_id(session, collective.id)
    assert book_id is not None, "every collective has its own book from registration"
    book = _book_locked(session, book_id)
    if book.balance_cny < value:
        raise CollectiveError.INSUFFICIENT_FUNDS_2.error(balance=str(book.balance_cny), amount=str(value))
    stmt = (select(ShareAccount.id, ShareAccount.holder_party_id, ShareAccount.balance_shares,
                   ShareAccount.pledged_shares)
            .where(ShareAccount.collective_id == collective.id, ShareAccount.balance_shares > 0)
            .order_by(ShareAccount.id))
    if for_update(session):
        stmt = stmt.with_for_update()  # shares frozen for the record date while we split
    accounts = session.execute(stmt).all()
    weights = [(int(a), rules.to_centi(b)) for a, _, b, _ in accounts]
    split = dict(rules.allocate(yuan_to_fen(value), weights))
    total_centi = sum(w for _, w in weights)
    canon = [rules.canonical_row([int(a), int(h), str(b), split[int(a)]]) for a, h, b, _ in accounts]
    digest = rules.lines_digest(canon)
    run = DividendRun(collective_id=collective.id, period=label, amount_cny=value,
                      total_shares=rules.from_centi(total_centi), account_count=len(accounts), motion_id=motion_id,
                      resolution_ref=decision.get("resolution_ref"), rows_sha256=digest, created_at=now(),
                      created_by=actor)
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        raise _period_taken(label) from None
    for start in range(0, len(accounts), CHUNK):
        session.execute(insert(_LINE), [
            {"run_id": run.id, "account_id": int(a), "holder_party_id": int(h), "shares": b, "pledged_shares": p,
             "amount_cny": fen_to_yuan(split[int(a)])} for a, h, b, p in accounts[start:start + CHUNK]])
    _post(session, book, Direction.outgo, value, BookCategory.dividend.value, f"{label} 股份分红", today(), actor,
          run.id)
    run.ledger_seq = record(session, event_type="dividend_paid",
                            subject=subjects.collective(collective.id), actor=actor,
                            payload={"run_id": run.id, "period": label, "amount_cny": value,
                                     "total_shares": run.total_shares, "accounts": len(accounts),
                                     "rows_sha256": digest, "method": "largest_remainder", **decision})
    session.flush()
    return run

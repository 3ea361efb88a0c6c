"""Loans against pledged collective asset shares (股权质押, issue #17): the share-register side of origination and
closing. The collateral is a number of the borrower's shares in their collective's share register: bounded by
what the account holds unpledged, valued at the collective's book value per share, pledged in the register
(``collective.pledge_shares``) instead of a registry mortgage and released there (``collective.release_pledge``).

民法典 art. 440 (item 4: transferable shares may be pledged) and art. 443 (a pledge of shares is created when it
is recorded: no money moves before); the LTV cap is the ``ltv_caps`` rule for ``collective_asset_share``. These
helpers check and act; the loan's own state and ledger events stay with ``service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.lending import rules
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Loan
from landbridge.lending.rules import LoanStatus

# an application still open before its pledge is recorded: its shares are reserved (预留) against other applications
RESERVING = (LoanStatus.applied.value, LoanStatus.approved.value)


@dataclass(frozen=True)
class Appraisal:
    """The collateral's value at the credit decision and where it came from."""

    value_cny: Decimal
    run_no: str
    basis: dict[str, str]


@dataclass(frozen=True)
class Pledgeable:
    """The share account a member pledges from and its figures."""

    collective_id: int
    account_id: int
    region_code: str
    balance: Decimal
    pledged: Decimal


def parse_shares(value: Any) -> Decimal:
    """The shares to pledge: a positive number with at most two decimals, within what the register can hold
    (``collective.parse_shares``; its refusal is 400 ``lending.invalid_shares``)."""
    try:
        return collective.parse_shares(value)
    except DomainError:
        raise LendingError.INVALID_SHARES.error() from None


def _rule(name: str, day: date | None) -> Any:
    """A lending rule in force on ``day``; before the rule set first stated it, its first value (the basis the code
    applied until then: book value per share)."""
    rs = get_profile().rules("lending")
    try:
        return rs.value(name, day)
    except KeyError:
        return rs.history(name)[0].value


def reserved_shares(session: Session, account_id: int, *, except_loan_id: int | None = None) -> Decimal:
    """Shares of the account asked for by open applications (applied or approved, pledge not yet recorded)."""
    stmt = select(func.sum(Loan.pledged_shares)).where(Loan.share_account_id == account_id,
                                                       Loan.status.in_(RESERVING))
    if except_loan_id is not None:
        stmt = stmt.where(Loan.id != except_loan_id)
    return Decimal(session.scalar(stmt) or 0)


def pledgeable(session: Session, *, party_id: int, collective_id: int, shares: Decimal,
               except_loan_id: int | None = None) -> Pledgeable:
    """The borrower's share account in the collective with ``shares`` free to pledge: 403 ``lending.not_a_member``
    unless they are on its roll; 409 ``lending.no_share_account``, ``lending.shares_not_held`` (more than the
    account holds), ``lending.shares_unavailable`` (the rest is pledged already) or ``lending.shares_reserved``
    (other open applications reserve the rest). The account row is locked before the reservations are counted, so
    two applications for the same free shares are serialised: the second sees the first (no check-then-act)."""
    member = collective.find_active_membership(session, party_id)
    if member is None or member.collective_id != collective_id:
        raise LendingError.NOT_A_MEMBER.error()
    accounts = collective.accounts_for_member(session, member)
    if not accounts:
        raise LendingError.NO_SHARE_ACCOUNT.error()
    account = max(accounts, key=lambda a: (a.balance_shares - a.pledged_shares, -a.id))  # the most free shares
    account = collective.lock_share_account(session, account.id)
    balance, pledged = Decimal(account.balance_shares), Decimal(account.pledged_shares)
    if shares > balance:
        raise LendingError.SHARES_NOT_HELD.error(balance=str(balance), requested=str(shares))
    if shares > balance - pledged:
        raise LendingError.SHARES_UNAVAILABLE.error(balance=str(balance), pledged=str(pledged),
                                                    requested=str(shares))
    reserved = reserved_shares(session, account.id, except_loan_id=except_loan_id)
    if shares > balance - pledged - reserved:
        raise LendingError.SHARES_RESERVED.error(balance=str(balance), pledged=str(pledged), reserved=str(reserved),
                                                 requested=str(shares))
    region = collective.get_collective(session, collective_id).region_code
    return Pledgeable(collective_id, account.id, region, balance, pledged)


def co_holders_consent(session: Session, found: Pledgeable, party_id: int, consent_document: str | None) -> list[int]:
    """Shares held by the household (家庭共有) are pledged only with its other members' consent on file, recorded as a
    right's consent is (the loan's ``consent_document``): 422 ``lending.co_holder_consent_missing`` without it.
    Returns the co-holders (empty for a personal account)."""
    others = collective.household_co_holders(session, found.account_id, party_id)
    if others and not consent_document:
        raise LendingError.CO_HOLDER_CONSENT_MISSING.error(count=len(others))
    return others


def value_per_share(session: Session, collective_id: int, day: date | None) -> tuple[str, Decimal]:
    """The rule ``share_valuation_method`` in force on ``day`` and the value per share it gives; 409
    ``lending.no_valuation`` where the collective has none, 422 ``lending.unknown_valuation_method`` for a method
    the platform does not implement."""
    method = str(_rule("share_valuation_method", day))
    if method != "book_value_per_share":
        raise LendingError.UNKNOWN_VALUATION_METHOD.error(method=method[:40])
    per_share = collective.book_value_per_share(session, collective_id)
    if per_share is None:
        raise LendingError.NO_VALUATION.error()
    return method, per_share


def value_pledge(session: Session, loan: Loan) -> Appraisal:
    """Re-check the pledge (still a member, the shares still free) and value it: pledged shares × the value per
    share by the rule ``share_valuation_method`` (book value per share); 409 ``lending.no_valuation`` without one."""
    shares = Decimal(loan.pledged_shares or 0)
    if loan.collective_id is None or loan.share_account_id is None:
        raise LendingError.NOT_A_MORTGAGE.error(loan_no=loan.loan_no)
    found = pledgeable(session, party_id=loan.borrower_party_id, collective_id=loan.collective_id, shares=shares,
                       except_loan_id=loan.id)
    if found.account_id != loan.share_account_id:
        raise LendingError.NO_SHARE_ACCOUNT.error()
    method, per_share = value_per_share(session, loan.collective_id, loan.start_date)
    value = (shares * per_share).quantize(rules.FEN)
    return Appraisal(value, "", {"valuation_basis": method, "book_value_per_share": str(per_share),
                                 "pledged_shares": str(shares)})


@dataclass(frozen=True)
class SaleFloor:
    """The least price of a pledgee sale of the loan's shares on a day, and how it was found."""

    value_cny: Decimal
    ratio: Decimal
    floor_cny: Decimal
    per_share: Decimal
    method: str


def sale_floor(session: Session, loan: Loan, day: date) -> SaleFloor:
    """The pledged shares' value on ``day`` (rule ``share_valuation_method``) × the rule ``share_sale_floor_ratio``,
    to the fen (rounded up: the floor is never under the ratio)."""
    if loan.collective_id is None or loan.pledged_shares is None:
        raise LendingError.NOT_A_SHARE_PLEDGE.error(loan_no=loan.loan_no)
    method, per_share = value_per_share(session, loan.collective_id, day)
    value = (Decimal(loan.pledged_shares) * per_share).quantize(rules.FEN)
    ratio = Decimal(str(_rule("share_sale_floor_ratio", day)))
    return SaleFloor(value, ratio, (value * ratio).quantize(rules.FEN, rounding="ROUND_CEILING"), per_share, method)


def record_pledge(session: Session, loan: Loan, *, actor: str) -> int:
    """Pledge the loan's shares to its lender in the collective's share register; the pledge's id."""
    if loan.share_account_id is None or loan.pledged_shares is None or loan.mortgagee_party_id is None:
        raise LendingError.MORTGAGEE_MISSING.error()
    pledge = collective.pledge_shares(session, account_id=loan.share_account_id, quantity=loan.pledged_shares,
                                      pledgee_party_id=loan.mortgagee_party_id, reference=loan.loan_no, actor=actor)
    return pledge.id


def pledge_recorded(session: Session, loan: Loan) -> bool:
    """The loan's pledge is recorded and active in the share register."""
    return loan.share_pledge_id is not None and collective.pledge_is_active(session, loan.share_pledge_id)


def release(session: Session, loan: Loan, *, actor: str) -> bool:
    """解除质押 at close: release the loan's pledge in the share register where it is still active."""
    if not pledge_recorded(session, loan) or loan.share_pledge_id is None:
        return False
    collective.release_pledge(session, pledge_id=loan.share_pledge_id, actor=actor, reason=f"贷款 {loan.loan_no} 结清")
    return True

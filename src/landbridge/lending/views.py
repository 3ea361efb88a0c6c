"""Lending JSON API (/api/v1/lending): the inclusive-finance portal's data (F7, issue #17).

Permissions: products and the schedule calculator are public (published terms). A borrower (member with a registry
party) applies and sees only their own loans; a bank officer acts on and sees the loans of their own bank;
guarantor, insurer and fund officers see the loans whose risk share binds their kind of sharer; the fund manager
and the supervisor see the fund's ledger; the supervisor sees the portfolio. Anonymous callers get 401.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import false, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.auth import Principal, Role, require_roles
from landbridge.lending import rules, service, servicing
from landbridge.lending.errors import LendingError
from landbridge.lending.models import Claim, FundEntry, Loan
from landbridge.lending.rules import NON_PERFORMING, LoanStatus, Tier
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/lending", tags=["lending"], route_class=TransactionalRoute)

SHARER_ROLES = {Role.guarantor_officer: "guarantor", Role.insurer_officer: "insurer", Role.fund_manager: "fund"}
READERS = (Role.member, Role.bank_officer, Role.guarantor_officer, Role.insurer_officer, Role.fund_manager,
           Role.supervisor)
bank = require_roles(Role.bank_officer)
reader = require_roles(*READERS)
Money = Field(max_length=20, pattern=r"^\d{1,16}(\.\d{1,2})?$")


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


class ApplyIn(BaseModel):
    """An application against a right (``right_id``) or a pledge of collective asset shares (``collective_id`` and
    ``shares``, 股权质押): exactly one."""

    right_id: int | None = Field(default=None, ge=1, le=2**31)
    collective_id: int | None = Field(default=None, ge=1, le=2**31)
    shares: str | None = Field(default=None, max_length=20)  # parsed and bounded by collective.parse_shares
    product_code: str = Field(min_length=1, max_length=40)
    principal_cny: str = Money
    annual_rate: str = Field(max_length=12)
    months: int = Field(ge=1, le=360)
    method: str = Field(max_length=20)
    start: date
    grace_months: int = Field(default=0, ge=0, le=359)
    bank_organisation_id: int = Field(ge=1, le=2**31)
    consent_document: str | None = Field(default=None, max_length=120)


class DecisionIn(BaseModel):
    approve: bool
    mortgagee_party_id: int | None = Field(default=None, ge=1, le=2**31)
    grade: str | None = Field(default=None, pattern=r"^(AAA|AA|A|none)$")
    reason: str | None = Field(default=None, max_length=500)


class PaymentIn(BaseModel):
    amount_cny: str = Money
    paid_on: date


class DayIn(BaseModel):
    day: date


class DisposalIn(BaseModel):
    costs_cny: str | None = Field(default=None, max_length=20, pattern=r"^\d{1,16}(\.\d{1,2})?$")
    dwelling_document: str | None = Field(default=None, max_length=120)  # a farm house: the household's dwelling


class SettlementIn(BaseModel):
    proceeds_cny: str = Money
    sale_costs_cny: str = Field(default="0", max_length=20, pattern=r"^\d{1,16}(\.\d{1,2})?$")
    day: date


class ReleaseIn(BaseModel):
    write_off: bool = False


def loan_read(loan: Loan, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": loan.id, "loan_no": loan.loan_no, "status": loan.status, "product_code": loan.product_code,
        "right_type": loan.right_type, "region_code": loan.region_code, "principal_cny": str(loan.principal_cny),
        "annual_rate": str(loan.annual_rate), "months": loan.months, "method": loan.method,
        "start_date": loan.start_date.isoformat(), "maturity": loan.maturity.isoformat(),
        "outstanding_cny": str(loan.outstanding_cny), "tier": loan.tier, "tier_name": rules.TIER_NAMES[Tier(loan.tier)],
        "days_past_due": loan.days_past_due, "sharers": loan.sharers, "bank_organisation_id": loan.bank_organisation_id}
    if loan.status == LoanStatus.written_off:  # 核销: what is still unrecovered is written off, not outstanding
        out |= {"outstanding_cny": "0.00", "written_off_cny": str(loan.outstanding_cny)}
    if full:
        out |= {"borrower_party_id": loan.borrower_party_id, "right_id": loan.right_id, "unit_id": loan.unit_id,
                "collective_id": loan.collective_id, "share_account_id": loan.share_account_id,
                "pledged_shares": None if loan.pledged_shares is None else str(loan.pledged_shares),
                "share_pledge_id": loan.share_pledge_id,
                "appraised_cny": None if loan.appraised_cny is None else str(loan.appraised_cny),
                "valuation_run_no": loan.valuation_run_no, "grade": loan.grade, "restriction_id": loan.restriction_id,
                "lien_rank": loan.lien_rank, "lien_application_id": loan.lien_application_id,
                "release_application_id": loan.release_application_id, "lot_id": loan.lot_id,
                "penalty_cny": str(loan.penalty_cny),
                "costs_cny": str(loan.costs_cny), "loss_cny": str(loan.loss_cny), "ledger_seq": loan.ledger_seq,
                "rules_digest": loan.rules_digest}
    return out


def may_see(p: Principal, loan: Loan) -> bool:
    """Whether the caller may read this loan (the permission matrix of the module docstring)."""
    if p.role is Role.supervisor:
        return True
    if p.role is Role.bank_officer:
        return loan.bank_organisation_id == p.organisation_id
    if p.role is Role.member:
        return p.party_id is not None and loan.borrower_party_id == p.party_id
    kind = SHARER_ROLES.get(p.role)
    return kind is not None and any(s.get("party") == kind for s in loan.sharers or [])


def visible_to(session: Session, p: Principal) -> ColumnElement[bool]:
    """``may_see`` as a SQL condition, so lists filter, count and paginate in the database."""
    if p.role is Role.supervisor:
        return true()
    if p.role is Role.bank_officer:
        return Loan.bank_organisation_id == p.organisation_id
    if p.role is Role.member:
        return false() if p.party_id is None else Loan.borrower_party_id == p.party_id
    kind = SHARER_ROLES.get(p.role)
    return false() if kind is None else service.shared_with(session, kind)


def readable(session: Session, p: Principal, loan_id: int) -> Loan:
    """The loan if the caller may read it (``may_see``), else 403; 404 when there is none."""
    loan = service.get_loan(session, loan_id)
    if not may_see(p, loan):
        if p.role is Role.bank_officer:
            raise LendingError.WRONG_ORGANISATION.error(loan_id=loan_id)
        raise LendingError.NOT_BORROWER.error(loan_id=loan_id)
    return loan


def _own_bank(session: Session, p: Principal, loan_id: int) -> Loan:
    loan = service.get_loan(session, loan_id)
    if loan.bank_organisation_id != p.organisation_id:
        raise LendingError.WRONG_ORGANISATION.error(loan_id=loan_id)
    return loan


@router.get("/products")
def list_products(day: date | None = None) -> list[dict[str, Any]]:
    """The loan products in force (published terms, rule data with source)."""
    return [{"code": p.code, "name": p.name, "name_en": p.raw.get("name_en"), "right_types": list(p.right_types),
             "min_rate": str(p.min_rate), "max_rate": str(p.max_rate), "min_months": p.min_months,
             "max_months": p.max_months, "methods": list(p.methods), "min_grade": p.min_grade,
             "sharers": [s.as_dict() for s in p.sharers]} for p in service.products(day).values()]


@router.get("/schedule")
def schedule(principal: str = Query(max_length=20), annual_rate: str = Query(max_length=12),
             months: int = Query(ge=1, le=360), method: str = Query("annuity", max_length=20), start: date = Query(),
             grace_months: int = Query(0, ge=0, le=359)) -> dict[str, Any]:
    """A repayment schedule (the same function as the CLI and the contract)."""
    return rules.schedule_json(principal, annual_rate, months, method, start, grace_months)


@router.post("/loans", status_code=201)
def apply(body: ApplyIn, p: Principal = Depends(require_roles(Role.member)),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """A borrower applies against a right they hold (their own registry party)."""
    if p.party_id is None:
        raise LendingError.NOT_HOLDER.error(right_id=body.right_id)
    if (body.right_id is not None and body.collective_id is not None) or (body.collective_id is None) != (
            body.shares is None):
        raise LendingError.COLLATERAL_KIND.error()
    if body.collective_id is not None:
        loan = service.apply_for_share_loan(
            session, borrower_party_id=p.party_id, collective_id=body.collective_id, shares=body.shares,
            product_code=body.product_code, principal=body.principal_cny, annual_rate=body.annual_rate,
            months=body.months, method=body.method, start=body.start, grace_months=body.grace_months,
            bank_organisation_id=body.bank_organisation_id, consent_document=body.consent_document,
            applicant_user_id=p.user_id, actor=_actor(p))
        return loan_read(loan)
    if body.right_id is None:
        raise LendingError.COLLATERAL_KIND.error()
    loan = service.apply_for_loan(session, borrower_party_id=p.party_id, right_id=body.right_id,
                                  product_code=body.product_code, principal=body.principal_cny,
                                  annual_rate=body.annual_rate, months=body.months, method=body.method,
                                  start=body.start, grace_months=body.grace_months,
                                  bank_organisation_id=body.bank_organisation_id,
                                  consent_document=body.consent_document, applicant_user_id=p.user_id,
                                  actor=_actor(p))
    return loan_read(loan)


@router.get("/loans")
def list_loans(status: str | None = Query(None, max_length=20), limit: int = Query(50, ge=1, le=200),
               offset: int = Query(0, ge=0, le=10**7), p: Principal = Depends(reader),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """The loans the caller may see (own, own bank's, shared, or all for the supervisor)."""
    where = [visible_to(session, p)] + ([Loan.status == status] if status else [])
    total = session.scalar(select(func.count()).select_from(Loan).where(*where)) or 0
    rows = session.execute(select(Loan).where(*where).order_by(Loan.id).limit(limit).offset(offset)).scalars()
    return {"total": total, "items": [loan_read(x, full=p.role is not Role.supervisor) for x in rows]}


@router.get("/loans/{loan_id}")
def read_loan(loan_id: int, p: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    loan = readable(session, p, loan_id)
    claims = session.execute(select(Claim).where(Claim.loan_id == loan.id).order_by(Claim.id)).scalars()
    return loan_read(loan) | {"claims": [{"id": c.id, "party": c.party, "status": c.status,
                                          "deadline": c.deadline.isoformat(), "claimed_cny": str(c.claimed_cny),
                                          "advanced_cny": str(c.advanced_cny),
                                          "loss_cny": str(c.loss_cny), "recovered_cny": str(c.recovered_cny)}
                                         for c in claims]}


@router.post("/loans/{loan_id}/withdraw")
def withdraw(loan_id: int, p: Principal = Depends(require_roles(Role.member)),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    readable(session, p, loan_id)
    return loan_read(service.withdraw_loan(session, loan_id=loan_id, actor=_actor(p)))


@router.post("/loans/{loan_id}/decision")
def decide(loan_id: int, body: DecisionIn, p: Principal = Depends(bank),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(service.decide_loan(session, loan_id=loan_id, approve=body.approve, actor=_actor(p),
                                         mortgagee_party_id=body.mortgagee_party_id, grade=body.grade,
                                         reason=body.reason))


@router.post("/loans/{loan_id}/lien")
def lodge_lien(loan_id: int, p: Principal = Depends(bank), session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(service.lodge_lien(session, loan_id=loan_id, actor=_actor(p)))


@router.post("/loans/{loan_id}/lien/confirm")
def confirm_lien(loan_id: int, p: Principal = Depends(bank),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(service.confirm_lien(session, loan_id=loan_id, actor=_actor(p)))


@router.post("/loans/{loan_id}/disburse")
def disburse(loan_id: int, p: Principal = Depends(bank), session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(service.disburse(session, loan_id=loan_id, actor=_actor(p)))


@router.post("/loans/{loan_id}/repayments", status_code=201)
def repay(loan_id: int, body: PaymentIn, p: Principal = Depends(bank),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    pay = servicing.repay(session, loan_id=loan_id, amount=body.amount_cny, paid_on=body.paid_on, actor=_actor(p))
    return {"amount_cny": str(pay.amount_cny), "to_costs_cny": str(pay.to_costs_cny),
            "to_interest_cny": str(pay.to_interest_cny), "to_penalty_cny": str(pay.to_penalty_cny),
            "to_principal_cny": str(pay.to_principal_cny), "loan": loan_read(service.get_loan(session, loan_id))}


@router.post("/loans/{loan_id}/default")
def default(loan_id: int, body: DayIn, p: Principal = Depends(bank),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(servicing.default_loan(session, loan_id=loan_id, day=body.day, actor=_actor(p)))


@router.post("/loans/{loan_id}/disposal")
def disposal(loan_id: int, body: DisposalIn, p: Principal = Depends(bank),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(servicing.start_disposal(session, loan_id=loan_id, actor=_actor(p), costs=body.costs_cny,
                                              dwelling_document=body.dwelling_document))


@router.post("/loans/{loan_id}/settlement")
def settle(loan_id: int, body: SettlementIn, p: Principal = Depends(bank),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(servicing.settle_disposal(session, loan_id=loan_id, proceeds=body.proceeds_cny,
                                               sale_costs=body.sale_costs_cny, day=body.day, actor=_actor(p)))


@router.post("/loans/{loan_id}/recoveries", status_code=201)
def recover(loan_id: int, body: PaymentIn, p: Principal = Depends(bank),
            session: Session = Depends(get_session)) -> dict[str, str]:
    _own_bank(session, p, loan_id)
    split = servicing.record_recovery(session, loan_id=loan_id, amount=body.amount_cny, day=body.paid_on,
                                      actor=_actor(p))
    return {k: str(v) for k, v in split.items()}


@router.post("/loans/{loan_id}/release")
def release(loan_id: int, body: ReleaseIn, p: Principal = Depends(bank),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    _own_bank(session, p, loan_id)
    return loan_read(servicing.release_lien(session, loan_id=loan_id, actor=_actor(p), write_off=body.write_off))


@router.get("/fund")
def fund(p: Principal = Depends(require_roles(Role.fund_manager, Role.supervisor)),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    """The risk-compensation fund: balance, leverage and its ledger (newest 200 entries)."""
    entries = session.execute(select(FundEntry).order_by(FundEntry.id.desc()).limit(200)).scalars()
    balance, leverage = servicing.fund_position(session)
    floor = servicing.leverage_floor()
    return {"balance_cny": str(balance),
            "leverage": None if leverage is None else str(leverage), "leverage_min": str(floor),
            "below_leverage_floor": servicing.below_leverage_floor(leverage, floor),
            "entries": [{"kind": e.kind, "amount_cny": str(e.amount_cny), "loan_id": e.loan_id,
                         "entry_date": e.entry_date.isoformat()} for e in entries]}


@router.get("/portfolio")
def portfolio(p: Principal = Depends(require_roles(Role.supervisor)),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """The supervisor's portfolio: outstanding and NPL ratio (次级+可疑+损失) by district and by product."""
    by: dict[str, dict[str, dict[str, Decimal]]] = {"district": defaultdict(lambda: defaultdict(Decimal)),
                                                     "product": defaultdict(lambda: defaultdict(Decimal))}
    for region, product, tier, outstanding in session.execute(select(
            Loan.region_code, Loan.product_code, Loan.tier, Loan.outstanding_cny).where(
            Loan.status.in_([s.value for s in rules.PERFORMING]))):
        for key, name in (("district", region[:6]), ("product", product)):
            by[key][name]["outstanding"] += outstanding
            if Tier(tier) in NON_PERFORMING:
                by[key][name]["npl"] += outstanding
    out: dict[str, Any] = {}
    for key, groups in by.items():
        out[key] = [{"name": name, "outstanding_cny": str(v["outstanding"]), "npl_cny": str(v["npl"]),
                     "npl_ratio": str((v["npl"] / v["outstanding"]).quantize(Decimal("0.0001")))
                     if v["outstanding"] else "0"} for name, v in sorted(groups.items())]
    return out


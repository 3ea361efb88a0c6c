"""Lending JSON API for claims, the shadow ledger and restructuring (/api/v1/lending, issue #17).

Permissions: a guarantor, insurer or fund officer sees the claims addressed to its kind of sharer and advances only
those; a bank officer sees the claims on its own bank's loans and restructures only its own bank's loans; the
supervisor sees every claim and the shadow ledger with its reconciliation; borrowers see no claims. Anonymous
callers get 401, other roles 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from landbridge.auth import Principal, Role, require_roles
from landbridge.lending import claims, restructure
from landbridge.lending.models import Claim, Loan
from landbridge.lending.views import SHARER_ROLES, Money, loan_read
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/lending", tags=["lending"], route_class=TransactionalRoute)

CLAIM_READERS = (Role.bank_officer, Role.guarantor_officer, Role.insurer_officer, Role.fund_manager,
                 Role.supervisor)
sharer = require_roles(*SHARER_ROLES)


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


class AdvanceIn(BaseModel):
    amount_cny: str = Money
    paid_on: date


class RestructureIn(BaseModel):
    months: int = Field(ge=1, le=360)
    annual_rate: str = Field(max_length=12)
    method: str = Field(max_length=20)
    grace_months: int = Field(default=0, ge=0, le=359)
    day: date


def claim_read(c: Claim, loan_no: str | None = None) -> dict[str, Any]:
    return {"id": c.id, "loan_id": c.loan_id, "loan_no": loan_no, "party": c.party, "share": str(c.share),
            "status": c.status, "deadline": c.deadline.isoformat(), "claimed_cny": str(c.claimed_cny),
            "advanced_cny": str(c.advanced_cny), "left_cny": str(c.claimed_cny - c.advanced_cny),
            "loss_cny": str(c.loss_cny), "recovered_cny": str(c.recovered_cny)}


def claims_visible_to(p: Principal) -> ColumnElement[bool]:
    """The claims the caller may read, as SQL (the module docstring's matrix)."""
    if p.role is Role.supervisor:
        return true()
    if p.role is Role.bank_officer:
        return Loan.bank_organisation_id == p.organisation_id
    return Claim.party == SHARER_ROLES[p.role]


@router.get("/claims")
def list_claims(status: str | None = Query(None, max_length=20), limit: int = Query(50, ge=1, le=200),
                offset: int = Query(0, ge=0, le=10**7), p: Principal = Depends(require_roles(*CLAIM_READERS)),
                session: Session = Depends(get_session)) -> dict[str, Any]:
    """The claims the caller may see, oldest first, paginated (``total`` counts them all)."""
    where = [claims_visible_to(p)] + ([Claim.status == status] if status else [])
    base = select(Claim, Loan.loan_no).join(Loan, Loan.id == Claim.loan_id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(Claim.id).limit(limit).offset(offset)).all()
    return {"total": total, "items": [claim_read(c, loan_no) for c, loan_no in rows]}


@router.post("/claims/{claim_id}/advance")
def advance(claim_id: int, body: AdvanceIn, p: Principal = Depends(sharer),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """代偿: the sharer's officer pays an advance on a claim addressed to its kind of sharer."""
    claim = claims.advance_claim(session, claim_id=claim_id, party=SHARER_ROLES[p.role], amount=body.amount_cny,
                                 day=body.paid_on, actor=_actor(p))
    return claim_read(claim, session.scalar(select(Loan.loan_no).where(Loan.id == claim.loan_id)))


@router.get("/shadow-ledger")
def shadow_ledger(p: Principal = Depends(require_roles(Role.supervisor, Role.fund_manager)),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """Each participant's shadow ledger and whether it reconciles to the loans and the fund's ledger."""
    ledger = claims.shadow_ledger(session)
    problems = claims.reconcile(session, ledger)
    return {"participants": [pos.as_dict() for pos in ledger.values()],
            "reconciled": not problems, "problems": problems}


@router.post("/loans/{loan_id}/restructure")
def restructure_loan(loan_id: int, body: RestructureIn, p: Principal = Depends(require_roles(Role.bank_officer)),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """重组: the loan's own bank sets new terms within the product's ranges."""
    loan = restructure.restructure_loan(session, loan_id=loan_id, bank_organisation_id=p.organisation_id,
                                        months=body.months, annual_rate=body.annual_rate, method=body.method,
                                        grace_months=body.grace_months, day=body.day, actor=_actor(p))
    return loan_read(loan) | {"restructured_on": None if loan.restructured_on is None
                              else loan.restructured_on.isoformat()}

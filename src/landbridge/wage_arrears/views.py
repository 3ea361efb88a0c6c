"""Wage-arrears JSON API (/api/v1/wage-arrears, issue #20 item 4).

Permissions (the permission-matrix test in tests/wage_arrears/test_api.py):
- a case is filed by a ``member`` whose login is linked to a registry person (for themselves), or by a
  ``township_official`` (the service desk) for a named worker (``worker_party_id``);
- the ``labour_inspector`` accepts, rejects, orders payment, records payments, confirms employers' claims, closes
  and refers; the escalation is the worker job's;
- any login of the employer's organisation (its USCC) reads the cases against it and claims a payment;
- reading one case: its worker, the desk login that filed it, the employer's logins and the inspectors (each
  inspector's read recorded); the worker confirms receipt and rates;
- the statistics are public and hold no personal data.
Anonymous callers get 401, other roles 403 (``wage_arrears.not_yours`` where the role may act but not on this case).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import privacy
from landbridge.auth import Principal, Role, current_principal, require_roles
from landbridge.wage_arrears import service, stats
from landbridge.wage_arrears.errors import WageArrearsError
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment
from landbridge.wage_arrears.rules import OPEN_STATES, CaseStatus, yuan
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/wage-arrears", tags=["wage_arrears"], route_class=TransactionalRoute)

FILERS = (Role.member, Role.township_official)
inspector = require_roles(Role.labour_inspector)
filer = require_roles(*FILERS)
PAGE_MAX = 100


def actor_of(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


class CaseIn(BaseModel):
    worker_party_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    employer_uscc: str = Field(min_length=1, max_length=18)
    employer_name: str = Field(min_length=1, max_length=200)
    project: str = Field(min_length=1, max_length=200)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    period_from: date
    period_to: date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    workers: int = Field(ge=1, le=100000)
    evidence: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class OrderIn(BaseModel):
    working_days: int | None = Field(default=None, ge=1, le=365)


class PaymentIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    paid_on: date | None = None
    note: str | None = Field(default=None, max_length=300)


class DecisionIn(BaseModel):
    confirm: bool


class ConfirmIn(BaseModel):
    rating: int = Field(ge=-100, le=100)  # the rule set's scale is checked by the service (typed error)


def _day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def case_json(c: WageArrearsCase) -> dict[str, Any]:
    return {"id": c.id, "number": c.number, "status": c.status, "region_code": c.region_code,
            "worker_party_id": c.worker_party_id, "employer_uscc": c.employer_uscc, "employer_name": c.employer_name,
            "project": c.project, "period_from": _day(c.period_from), "period_to": _day(c.period_to),
            "owed": str(yuan(c.owed_fen)), "paid": str(yuan(c.paid_fen)),
            "outstanding": str(yuan(c.owed_fen - c.paid_fen)), "workers": c.workers, "evidence": c.evidence,
            "decide_due": _day(c.decide_due), "pay_due": _day(c.pay_due), "escalation": c.escalation,
            "reason": c.reason, "rating": c.rating, "confirmed": c.confirmed_at is not None,
            "created_at": c.created_at.isoformat(), "ledger_seq": c.ledger_seq}


def payment_json(p: WageArrearsPayment) -> dict[str, Any]:
    return {"id": p.id, "case_id": p.case_id, "amount": str(yuan(p.amount_fen)), "paid_on": _day(p.paid_on),
            "note": p.note, "by_employer": p.by_employer, "status": p.status}


def relation(session: Session, p: Principal, c: WageArrearsCase) -> str | None:
    """How ``p`` stands to the case: inspector, worker, filer, employer, or None."""
    if p.role is Role.labour_inspector:
        return "inspector"
    if p.party_id is not None and p.party_id == c.worker_party_id:
        return "worker"
    if c.filed_by_user_id == p.user_id:
        return "filer"
    if service.employer_uscc_of(session, p.organisation_id) == c.employer_uscc:
        return "employer"
    return None


def readable(session: Session, p: Principal, c: WageArrearsCase) -> str:
    """The caller's relation to the case; an inspector's read is recorded; 403 to anyone else."""
    how = relation(session, p, c)
    if how is None:
        raise WageArrearsError.NOT_YOURS.error()
    if how == "inspector":
        privacy.record_read(session, reader=privacy.Reader(actor_of(p), p.role.value, p.organisation_id),
                            record=f"wage_arrears_case:{c.id}", purpose="wage_arrears.handle",
                            party_id=c.worker_party_id)
    return how


def page(stmt: Any, session: Session, offset: int, limit: int) -> dict[str, Any]:
    rows = list(session.scalars(stmt.offset(offset).limit(limit + 1)))
    return {"items": [case_json(c) for c in rows[:limit]], "offset": offset, "limit": limit,
            "next_offset": offset + limit if len(rows) > limit else None}


@router.post("", status_code=201)
def file_case(body: CaseIn, p: Principal = Depends(filer), session: Session = Depends(get_session)
              ) -> dict[str, Any]:
    """File a complaint: a worker for themselves, a desk for a named worker."""
    if p.role is Role.member:
        if p.party_id is None or body.worker_party_id not in (None, p.party_id):
            raise WageArrearsError.WORKER_REQUIRED.error()
        worker = p.party_id
    else:
        if body.worker_party_id is None:
            raise WageArrearsError.WORKER_REQUIRED.error()
        worker = body.worker_party_id
    place = body.region_code or service.home_township(session, p.party_id, p.region_code)
    c = service.file_case(session, actor=actor_of(p), filed_by_user_id=p.user_id, worker_party_id=worker,
                          employer_uscc=body.employer_uscc, employer_name=body.employer_name, project=body.project,
                          region_code=place, period_from=body.period_from,
                          period_to=body.period_to, amount=body.amount, workers=body.workers, evidence=body.evidence)
    return case_json(c)


@router.get("/stats")
def public_stats(session: Session = Depends(get_session)) -> dict[str, Any]:
    """Cases, paid and overdue by township: counts and sums, no names ("<k": a sum withheld, see ``stats``)."""
    return {"townships": [{"region_code": s.region_code, "cases": s.cases, "open": s.open,
                           "closed_paid": s.closed_paid, "referred": s.referred, "overdue": s.overdue,
                           "workers": s.workers, "paid": "<k" if s.paid_yuan is None else str(s.paid_yuan)}
                          for s in stats.by_township(session)]}


@router.get("/mine")
def mine(offset: int = Query(0, ge=0, le=10**6), limit: int = Query(50, ge=1, le=PAGE_MAX),
         p: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The caller's cases: as the worker, as the desk that filed them, as the employer; newest first."""
    t = WageArrearsCase
    cond = service.cases_of(session, user_id=p.user_id, party_id=p.party_id, organisation_id=p.organisation_id)
    return page(select(t).where(cond).order_by(t.id.desc()), session, offset, limit)


@router.get("/work")
def work(status: CaseStatus | None = None, offset: int = Query(0, ge=0, le=10**6),
         limit: int = Query(50, ge=1, le=PAGE_MAX), p: Principal = Depends(inspector),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    """The inspector's cases (open ones by default), the overdue first."""
    t = WageArrearsCase
    stmt = select(t).order_by(t.escalation.desc(), t.id)
    stmt = stmt.where(t.status == status.value) if status else stmt.where(
        t.status.in_([s.value for s in OPEN_STATES]))
    return page(stmt, session, offset, limit)


@router.get("/{case_id}")
def read(case_id: int, p: Principal = Depends(current_principal),
         session: Session = Depends(get_session)) -> dict[str, Any]:
    """One case with its payments, for its worker, its filer, the employer and the inspectors."""
    c = service.get_case(session, case_id)
    how = readable(session, p, c)
    pays = session.scalars(select(WageArrearsPayment).where(WageArrearsPayment.case_id == c.id)
                           .order_by(WageArrearsPayment.id).limit(PAGE_MAX))
    return {**case_json(c), "as": how, "payments": [payment_json(x) for x in pays]}


@router.post("/{case_id}/accept")
def accept(case_id: int, p: Principal = Depends(inspector), session: Session = Depends(get_session)
           ) -> dict[str, Any]:
    """The inspector accepts the complaint (立案)."""
    return case_json(service.accept(session, case_id, actor=actor_of(p)))


@router.post("/{case_id}/reject")
def reject(case_id: int, body: ReasonIn, p: Principal = Depends(inspector),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The inspector does not take the complaint (不予受理)."""
    return case_json(service.reject(session, case_id, actor=actor_of(p), reason=body.reason))


@router.post("/{case_id}/order")
def order(case_id: int, body: OrderIn, p: Principal = Depends(inspector),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """The inspector orders the employer to pay within working days (责令限期支付)."""
    return case_json(service.order_payment(session, case_id, actor=actor_of(p), working_days=body.working_days))


@router.post("/{case_id}/payments", status_code=201)
def pay(case_id: int, body: PaymentIn, p: Principal = Depends(current_principal),
        session: Session = Depends(get_session)) -> dict[str, Any]:
    """A payment: recorded by the inspector, or claimed by the employer (confirmed by the inspector later)."""
    if p.role is Role.labour_inspector:
        row = service.record_payment(session, case_id, actor=actor_of(p), user_id=p.user_id, amount=body.amount,
                                     paid_on=body.paid_on, note=body.note)
    else:
        row = service.claim_payment(session, case_id, actor=actor_of(p), organisation_id=p.organisation_id,
                                    amount=body.amount, paid_on=body.paid_on, note=body.note)
    return payment_json(row)


@router.post("/payments/{payment_id}/decide")
def decide(payment_id: int, body: DecisionIn, p: Principal = Depends(inspector),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The inspector confirms or refuses an employer's payment claim."""
    return payment_json(service.decide_claim(session, payment_id, actor=actor_of(p), confirm=body.confirm))


@router.post("/{case_id}/close")
def close(case_id: int, p: Principal = Depends(inspector), session: Session = Depends(get_session)
          ) -> dict[str, Any]:
    """The inspector closes a case paid in full (清偿结案)."""
    return case_json(service.close_paid(session, case_id, actor=actor_of(p)))


@router.post("/{case_id}/refer")
def refer(case_id: int, body: ReasonIn, p: Principal = Depends(inspector),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """The inspector closes a case at the last escalation level as referred (移送)."""
    return case_json(service.refer(session, case_id, actor=actor_of(p), reason=body.reason))


@router.post("/{case_id}/confirm")
def confirm(case_id: int, body: ConfirmIn, p: Principal = Depends(current_principal),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The worker confirms receipt and rates the handling."""
    return case_json(service.confirm_receipt(session, case_id, actor=actor_of(p), party_id=p.party_id,
                                             rating=body.rating))

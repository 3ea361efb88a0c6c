"""Homestead withdrawal JSON API (/api/v1/quota/withdrawals and /api/v1/quota/homestead-fees, issue #16 part 5).

Permissions (the permission-matrix test in tests/land_quota/test_withdrawal_api.py):
- the household applies: a ``member`` whose party holds the homestead, or is on the register of the household
  that does;
- the collective decides and pays, and assesses and collects the over-standard fee: the ``collective_clerk`` of
  that collective's organisation;
- the township values the compensation and lodges the registry cancellation: a ``township_official`` whose region
  covers the homestead;
- the county bureau takes the land over into reclamation: an ``nr_official`` whose region covers it;
- reading a case: its household, and the clerk, township official, nr_official and supervisor as above.
Anonymous callers get 401, other roles 403 (a role acting outside its collective or region: 403 too).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Principal, Role, require_roles
from landbridge.auth.errors import AuthError
from landbridge.land_quota import withdrawal
from landbridge.land_quota.withdrawal_models import HomesteadFee, HomesteadWithdrawal
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/quota", tags=["land_quota"], route_class=TransactionalRoute)

household = require_roles(Role.member)
clerk = require_roles(Role.collective_clerk)
township = require_roles(Role.township_official)
bureau = require_roles(Role.nr_official)
reader = require_roles(Role.member, Role.collective_clerk, Role.township_official, Role.nr_official,
                       Role.supervisor)
Id = Field(ge=1, le=2**31 - 1)
Money = Field(max_length=20, pattern=r"^\d{1,13}(\.\d{1,2})?$")


def _actor(p: Principal) -> str:
    return f"user:{p.user_id}:{p.role.value}"


def _clerk_of(session: Session, p: Principal, collective_id: int) -> None:
    if collective.get_collective(session, collective_id).organisation_id != p.organisation_id:
        raise AuthError.FORBIDDEN_REGION.error(region_code=str(collective_id))


def _covers(p: Principal, region_code: str) -> None:
    if not p.covers_region(region_code):
        raise AuthError.FORBIDDEN_REGION.error(region_code=region_code)


class ApplicationIn(BaseModel):
    right_id: int = Id
    collective_id: int = Id
    household_size: int = Field(ge=1, le=30)


class DecisionIn(BaseModel):
    council_meeting_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    motion_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    approve: bool | None = None
    reason: str | None = Field(default=None, max_length=300)


class ValuationIn(BaseModel):
    house_structure: str | None = Field(default=None, max_length=24)
    house_floor_m2: str | None = Field(default=None, max_length=20, pattern=r"^\d{1,12}(\.\d{1,2})?$")


class PaymentIn(BaseModel):
    amount: str = Money
    payment_ref: str = Field(min_length=1, max_length=120)
    paid_on: date


class HandOverIn(BaseModel):
    plan_ref: str = Field(min_length=1, max_length=120)


class FeeIn(BaseModel):
    right_id: int = Id
    collective_id: int = Id
    household_size: int = Field(ge=1, le=30)
    year: int = Field(ge=2000, le=2100)


class FeePaymentIn(BaseModel):
    payment_ref: str = Field(min_length=1, max_length=120)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{fen // 100}.{fen % 100:02d}"


def case_json(case: HomesteadWithdrawal) -> dict[str, Any]:
    return {"id": case.id, "number": case.number, "status": case.status, "collective_id": case.collective_id,
            "right_id": case.right_id, "unit_id": case.unit_id, "parcel_id": case.parcel_id,
            "region_code": case.region_code, "area_m2": str(case.area_m2), "household_size": case.household_size,
            "council_meeting_id": case.council_meeting_id, "motion_id": case.motion_id,
            "decision_reason": case.decision_reason, "house_structure": case.house_structure,
            "land": _yuan(case.land_fen), "house": _yuan(case.house_fen), "total": _yuan(case.total_fen),
            "payment_ref": case.payment_ref, "paid_on": None if case.paid_on is None else case.paid_on.isoformat(),
            "cancellation_application_ids": case.cancellation_application_ids, "project_id": case.project_id,
            "ledger_seq": case.ledger_seq}


def fee_json(fee: HomesteadFee) -> dict[str, Any]:
    return {"id": fee.id, "status": fee.status, "right_id": fee.right_id, "year": fee.year,
            "household_size": fee.household_size, "area_m2": str(fee.area_m2), "standard_m2": str(fee.standard_m2),
            "excess_m2": str(fee.excess_m2), "fee": _yuan(fee.fee_fen), "payment_ref": fee.payment_ref}


@router.post("/withdrawals", status_code=201)
def apply(body: ApplicationIn, p: Principal = Depends(household),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """The household applies to give up one of its homesteads."""
    if p.party_id is None:
        raise AuthError.FORBIDDEN_ROLE.error()
    case = withdrawal.apply(session, actor=_actor(p), applicant_party_id=p.party_id, right_id=body.right_id,
                            collective_id=body.collective_id, household_size=body.household_size)
    return case_json(case)


@router.get("/withdrawals/{case_id}")
def read(case_id: int, p: Principal = Depends(reader), session: Session = Depends(get_session)) -> dict[str, Any]:
    """A withdrawal case, for its household and the officials concerned."""
    case = withdrawal.get_case(session, case_id)
    if p.role == Role.member:
        own = p.party_id is not None and (p.party_id in (case.household_party_id, case.applicant_party_id)
                                          or withdrawal.household_of(session, case.right_id, p.party_id) is not None)
        if not own:
            raise AuthError.FORBIDDEN_ROLE.error()
    elif p.role == Role.collective_clerk:
        _clerk_of(session, p, case.collective_id)
    else:
        _covers(p, case.region_code)
    return case_json(case)


@router.post("/withdrawals/{case_id}/decision")
def decide(case_id: int, body: DecisionIn, p: Principal = Depends(clerk),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The collective's decision (council and vote where its rules require them)."""
    _clerk_of(session, p, withdrawal.get_case(session, case_id).collective_id)
    return case_json(withdrawal.decide(session, case_id, actor=_actor(p), council_meeting_id=body.council_meeting_id,
                                       motion_id=body.motion_id, approve=body.approve, reason=body.reason))


@router.post("/withdrawals/{case_id}/valuation")
def value(case_id: int, body: ValuationIn, p: Principal = Depends(township),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """The compensation, from the rule set, to the fen."""
    _covers(p, withdrawal.get_case(session, case_id).region_code)
    return case_json(withdrawal.value(session, case_id, actor=_actor(p), house_structure=body.house_structure,
                                      house_floor_m2=body.house_floor_m2))


@router.post("/withdrawals/{case_id}/payment")
def pay(case_id: int, body: PaymentIn, p: Principal = Depends(clerk),
        session: Session = Depends(get_session)) -> dict[str, Any]:
    """The collective's payment of the compensation, with its reference."""
    _clerk_of(session, p, withdrawal.get_case(session, case_id).collective_id)
    return case_json(withdrawal.record_payment(session, case_id, actor=_actor(p), amount=body.amount,
                                               payment_ref=body.payment_ref, paid_on=body.paid_on))


@router.post("/withdrawals/{case_id}/cancellation")
def cancel(case_id: int, p: Principal = Depends(township),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Lodge the registry cancellation of the homestead right."""
    _covers(p, withdrawal.get_case(session, case_id).region_code)
    return case_json(withdrawal.lodge_cancellation(session, case_id, actor=_actor(p)))


@router.post("/withdrawals/{case_id}/hand-over")
def hand_over(case_id: int, body: HandOverIn, p: Principal = Depends(bureau),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """The withdrawn land goes to a planned reclamation project, once the cancellation is registered."""
    _covers(p, withdrawal.get_case(session, case_id).region_code)
    return case_json(withdrawal.hand_over(session, case_id, actor=_actor(p), plan_ref=body.plan_ref))


@router.post("/homestead-fees", status_code=201)
def assess_fee(body: FeeIn, p: Principal = Depends(clerk), session: Session = Depends(get_session)) -> dict[str, Any]:
    """The year's over-standard fee of a homestead its household keeps."""
    _clerk_of(session, p, body.collective_id)
    return fee_json(withdrawal.assess_fee(session, actor=_actor(p), right_id=body.right_id,
                                          collective_id=body.collective_id, household_size=body.household_size,
                                          year=body.year))


@router.post("/homestead-fees/{fee_id}/payment")
def pay_fee(fee_id: int, body: FeePaymentIn, p: Principal = Depends(clerk),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The household paid the year's fee."""
    _clerk_of(session, p, withdrawal.get_fee(session, fee_id).collective_id)
    return fee_json(withdrawal.record_fee_payment(session, fee_id, actor=_actor(p), payment_ref=body.payment_ref))

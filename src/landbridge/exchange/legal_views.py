"""API of the exchange's remaining legal rules (issue #24), under /api/v1/exchange/lots/{id}:

- ``GET  .../legal-rules``: what the lot's rules give (pre-emption grounds in order and the time limit, joint
  bidding, a defaulter's payments, the notice period), each with its source: public, as the bidding page shows it;
- ``POST .../preemption`` (a registered bidder, for itself): register a pre-emption with its ground;
- ``POST .../preemption/match`` (that bidder): match the best offer within the time limit;
- ``POST .../consortium`` (a bidder, leading): apply as a joint bidder with the members' shares;
- ``GET  .../results-notice``: the results notice (成交公示) as published (public);
- ``POST .../result-objections`` (a signed-in party): object within the notice period;
- ``POST .../result-objections/{oid}/ruling`` (the lot's operator): dismiss or uphold (reopens the lot).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, check_region, current_principal, optional_principal, require_roles
from landbridge.exchange import consortium, preemption_service, queries, result_objections, results_notice
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.legal_models import PreemptionClaim
from landbridge.exchange.legal_ruleset import legal_rule, preemption_grounds
from landbridge.exchange.lots import lot_not_found
from landbridge.exchange.models import Bidder, Lot
from landbridge.exchange.pages import lot_act
from landbridge.exchange.preemption import window_end
from landbridge.exchange.rules import LotPhase
from landbridge.web.forms import check_csrf
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
API = "/api/v1/exchange/lots/{lot_id}"
operator = require_roles(Role.exchange_operator)
bidder_role = require_roles(Role.bidder)
RULE_NAMES = ("preemption_grounds", "preemption_match_hours", "consortium_allowed", "consortium_max_members",
              "consortium_min_share", "consortium_deposit", "default_paid_treatment", "results_notice_working_days")


class PreemptionIn(BaseModel):
    ground: str = Field(min_length=1, max_length=16)
    evidence: str | None = Field(default=None, max_length=300)


class MemberIn(BaseModel):
    party_id: int
    share: str = Field(min_length=1, max_length=20)


class ConsortiumIn(BaseModel):
    members: list[MemberIn] = Field(min_length=2, max_length=consortium.MAX_INPUT_MEMBERS)


class ObjectionIn(BaseModel):
    grounds: str = Field(min_length=1, max_length=results_notice.MAX_GROUNDS)


class RulingIn(BaseModel):
    upheld: bool
    ruling: str = Field(min_length=1, max_length=500)


class ClaimRead(BaseModel):
    lot_id: int
    bidder_code: str
    ground: str
    rank: int
    status: str
    matched_at: datetime | None


class ObjectionRead(BaseModel):
    id: int
    lot_id: int
    status: str
    filed_at: datetime
    ruling: str | None
    reopened_lot_id: int | None


def _public_lot(session: Session, principal: Principal | None, lot_id: int) -> Lot:
    lot = queries.get_lot(session, lot_id)
    if lot.phase == LotPhase.draft and (principal is None or principal.role not in (Role.exchange_operator,
                                                                                    Role.supervisor)):
        raise lot_not_found(lot_id)
    return lot


def _my_bidder(session: Session, principal: Principal, lot_id: int) -> int:
    if principal.party_id is None:
        raise ExchangeError.PARTY_REQUIRED.error()
    bidder = queries.find_bidder(session, lot_id, principal.party_id)
    if bidder is None:
        raise ExchangeError.BIDDER_NOT_FOUND.error()
    return bidder.id


def legal_rules_of(session: Session, lot: Lot) -> dict[str, Any]:
    """The lot's legal rules with their sources, and the pre-emption period's end when one is open."""
    rules = {name: {"value": legal_rule(lot, name).value, "source": legal_rule(lot, name).source}
             for name in RULE_NAMES}
    rules["preemption_grounds"]["value"] = preemption_grounds(lot)
    closes = window_end(session, lot) if lot.phase == LotPhase.award_pending else None
    return {"lot_id": lot.id, "rules": rules, "preemption_closes_at": closes}


@router.get(API + "/legal-rules", tags=["exchange"])
def get_legal_rules(lot_id: int, principal: Principal | None = Depends(optional_principal),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """Pre-emption, joint bidding, a defaulter's payments and the notice period on this lot, with sources."""
    return legal_rules_of(session, _public_lot(session, principal, lot_id))


@router.post(API + "/preemption", response_model=ClaimRead, status_code=201, tags=["exchange"])
def register_preemption(lot_id: int, body: PreemptionIn, principal: Principal = Depends(bidder_role),
                        session: Session = Depends(get_session)) -> ClaimRead:
    """Register the caller's pre-emption (优先购买权) on a lot it applied for."""
    bidder_id = _my_bidder(session, principal, lot_id)
    claim = preemption_service.register_preemption(session, lot_id=lot_id, bidder_id=bidder_id, ground=body.ground,
                                                   evidence=body.evidence, actor=principal.actor)
    return _claim_read(session, claim.bidder_id)


@router.post(API + "/preemption/match", response_model=ClaimRead, tags=["exchange"])
def match_best_offer(lot_id: int, principal: Principal = Depends(bidder_role),
                     session: Session = Depends(get_session)) -> ClaimRead:
    """Match the best offer at equal terms within the pre-emption period."""
    bidder_id = _my_bidder(session, principal, lot_id)
    preemption_service.match_best_offer(session, lot_id=lot_id, bidder_id=bidder_id, actor=principal.actor)
    return _claim_read(session, bidder_id)


def _claim_read(session: Session, bidder_id: int) -> ClaimRead:
    claim = session.scalars(select(PreemptionClaim).where(PreemptionClaim.bidder_id == bidder_id)).one()
    bidder = session.get(Bidder, bidder_id)
    assert bidder is not None
    return ClaimRead(lot_id=claim.lot_id, bidder_code=bidder.bidder_code, ground=claim.ground, rank=claim.rank,
                     status=claim.status, matched_at=claim.matched_at)


@router.post(API + "/consortium", status_code=201, tags=["exchange"])
def apply_as_consortium(lot_id: int, body: ConsortiumIn, principal: Principal = Depends(bidder_role),
                        session: Session = Depends(get_session)) -> dict[str, Any]:
    """Apply as a joint bidder (联合竞买), the caller's party leading; the lead pays the one deposit."""
    if principal.party_id is None:
        raise ExchangeError.PARTY_REQUIRED.error()
    if body.members[0].party_id != principal.party_id:
        raise ExchangeError.NOT_YOUR_PARTY.error()
    bidder = consortium.apply_as_consortium(session, lot_id=lot_id, members=[(m.party_id, m.share)
                                                                            for m in body.members],
                                            actor=principal.actor, user_id=principal.user_id)
    return {"lot_id": lot_id, "bidder_code": bidder.bidder_code,
            "members": [{"party_id": pid, "share": f"{s.numerator}/{s.denominator}"}
                        for pid, s in consortium.members_of(session, bidder.id)]}


@router.get(API + "/results-notice", response_model=results_notice.ResultsNotice, tags=["exchange"])
def get_results_notice(lot_id: int, principal: Principal | None = Depends(optional_principal),
                       session: Session = Depends(get_session)) -> results_notice.ResultsNotice:
    """The results notice (成交公示) as published: the transferee as the rules publish it; who objected is not."""
    notice = results_notice.notice_of(session, _public_lot(session, principal, lot_id))
    if notice is None:
        raise ExchangeError.NO_RESULTS_NOTICE.error()
    return notice


@router.post(API + "/result-objections", response_model=ObjectionRead, status_code=201, tags=["exchange"])
def file_objection(lot_id: int, body: ObjectionIn, principal: Principal = Depends(current_principal),
                   session: Session = Depends(get_session)) -> ObjectionRead:
    """Object to a published result within the notice period (a party's account)."""
    if principal.party_id is None:
        raise ExchangeError.PARTY_REQUIRED.error()
    _public_lot(session, principal, lot_id)
    row = results_notice.file_objection(session, lot_id=lot_id, party_id=principal.party_id, grounds=body.grounds,
                                        actor=principal.actor)
    return ObjectionRead(id=row.id, lot_id=row.lot_id, status=row.status, filed_at=row.filed_at, ruling=row.ruling,
                         reopened_lot_id=row.reopened_lot_id)


@router.post(API + "/result-objections/{objection_id}/ruling", response_model=ObjectionRead, tags=["exchange"])
def rule_objection(lot_id: int, objection_id: int, body: RulingIn, principal: Principal = Depends(operator),
                   session: Session = Depends(get_session)) -> ObjectionRead:
    """The lot's operator dismisses or upholds an objection to the result (upheld: annulled and reopened)."""
    check_region(principal, queries.get_lot(session, lot_id).region_code)
    row = result_objections.rule_result_objection(session, lot_id=lot_id, objection_id=objection_id,
                                                  upheld=body.upheld, ruling=body.ruling, actor=principal.actor)
    return ObjectionRead(id=row.id, lot_id=row.lot_id, status=row.status, filed_at=row.filed_at, ruling=row.ruling,
                         reopened_lot_id=row.reopened_lot_id)


# --- page forms (the lot page's legal-rules section) -------------------------------------------------

def _bidder_form(request: Request, session: Session, lot_id: int, csrf: str, principal: Principal | None,
                 action: Callable[[int, str], str]) -> Response:
    """A bidder's form on the lot page: CSRF, a signed-in bidder registered for the lot, then the action."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}", status_code=303)
    return lot_act(request, session, lot_id, lambda: action(_my_bidder(session, principal, lot_id), principal.actor))


@router.post("/exchange/lots/{lot_id}/preemption", include_in_schema=False)
def register_preemption_form(lot_id: int, request: Request, csrf: str = Form(""),
                             ground: str = Form("", max_length=16),
                             principal: Principal | None = Depends(optional_principal),
                             session: Session = Depends(get_session)) -> Response:
    """A registered bidder registers its pre-emption (优先购买权) from the lot page."""

    def run(bidder_id: int, actor: str) -> str:
        preemption_service.register_preemption(session, lot_id=lot_id, bidder_id=bidder_id, ground=ground, actor=actor)
        return "已登记优先购买权|pre-emption registered"

    return _bidder_form(request, session, lot_id, csrf, principal, run)


@router.post("/exchange/lots/{lot_id}/preemption/match", include_in_schema=False)
def match_form(lot_id: int, request: Request, csrf: str = Form(""),
               principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """A pre-emption holder matches the best offer at equal terms from the lot page."""

    def run(bidder_id: int, actor: str) -> str:
        claim = preemption_service.match_best_offer(session, lot_id=lot_id, bidder_id=bidder_id, actor=actor)
        if claim.status == "exercised":
            return "已以同等条件接受最高报价，优先购买权成立|matched at equal terms: your pre-emption prevails"
        return "已以同等条件接受最高报价，期满按顺序确定|matched; the rules' order decides at the end"

    return _bidder_form(request, session, lot_id, csrf, principal, run)

"""Tender and negotiated methods, API and pages (F4, issue #6 item 2).

API under /api/v1/exchange: the lot's operator designates the evaluation panel, rules on objections and records
the agreed price; a registered bidder submits its one sealed tender; a panel member scores opened tenders;
anyone signed in lodges an objection during publicity. ``GET .../tenders`` shows only counts and the caller's
own receipt until the opening; afterwards the opened list goes to insiders, the panel and the lot's bidders.
Pages: the tender list after the opening with the evaluator's scoring forms, and the forms of the lot page's
method section (tender submission, objection, the operator's ruling on an objection, agreement).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, check_region, current_principal, optional_principal, require_roles
from landbridge.auth.errors import AuthError
from landbridge.exchange import queries
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.lots import lot_not_found
from landbridge.exchange.method_models import Objection, Tender
from landbridge.exchange.methods import negotiated, tender
from landbridge.exchange.models import Lot
from landbridge.exchange.pages import KIT, lot_act, operator_act, operator_of
from landbridge.exchange.rules import LotPhase
from landbridge.exchange.schemas import ResultRead
from landbridge.exchange.views import result_read
from landbridge.web.forms import check_csrf
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
API = "/api/v1/exchange/lots/{lot_id}"
operator = require_roles(Role.exchange_operator)
bidder_role = require_roles(Role.bidder)


class PanelIn(BaseModel):
    user_ids: list[int] = Field(min_length=1, max_length=25)


class TenderIn(BaseModel):
    price_cny: str = Field(max_length=20)
    plan_summary: str = Field(min_length=1, max_length=2000)
    documents: list[str] = Field(default_factory=list, max_length=tender.MAX_DOCUMENTS)


class ScoreIn(BaseModel):
    plan_score: str = Field(max_length=10)
    credentials_score: str = Field(max_length=10)
    comment: str | None = Field(default=None, max_length=500)


class ObjectionIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class RulingIn(BaseModel):
    upheld: bool
    ruling: str = Field(min_length=1, max_length=500)


class AgreementIn(BaseModel):
    party_id: int
    price_cny: str = Field(max_length=20)


class ReceiptRead(BaseModel):
    tender_id: int
    receipt: str
    submitted_at: datetime


class TenderRead(BaseModel):
    id: int
    bidder_code: str
    receipt: str
    submitted_at: datetime
    price_cny: Decimal | None
    plan_summary: str | None
    documents: list[str] | None
    total_score: Decimal | None
    rank: int | None


class TenderList(BaseModel):
    lot_id: int
    phase: str
    opened: bool
    count: int
    mine: ReceiptRead | None = None
    items: list[TenderRead] = Field(default_factory=list)


class ScoreRead(BaseModel):
    tender_id: int
    evaluator_user_id: int
    plan_score: Decimal
    credentials_score: Decimal
    scored_at: datetime
    lot_phase: str


class ObjectionRead(BaseModel):
    id: int
    lot_id: int
    text: str
    status: str
    lodged_at: datetime
    ruling: str | None
    ruled_at: datetime | None


def _owned(session: Session, principal: Principal, lot_id: int) -> Lot:
    lot = queries.get_lot(session, lot_id)
    check_region(principal, lot.region_code)
    return lot


def _public_lot(session: Session, principal: Principal | None, lot_id: int) -> Lot:
    lot = queries.get_lot(session, lot_id)
    if lot.phase == LotPhase.draft and (principal is None or principal.role not in (Role.exchange_operator,
                                                                                    Role.supervisor)):
        raise lot_not_found(lot_id)
    return lot


def _my_bidder_id(session: Session, principal: Principal | None, lot_id: int) -> int | None:
    if principal is None or principal.party_id is None:
        return None
    bidder = queries.find_bidder(session, lot_id, principal.party_id)
    return bidder.id if bidder is not None else None


def may_see_opened(session: Session, principal: Principal | None, lot: Lot) -> bool:
    """Opened tenders go to the lot's operator, supervisors, its panel and its bidders."""
    if principal is None:
        return False
    if principal.role == Role.supervisor or (principal.role == Role.exchange_operator
                                             and principal.covers_region(lot.region_code)):
        return True
    return principal.user_id in tender.panel_of(session, lot.id) or _my_bidder_id(session, principal, lot.id) \
        is not None


def _tender_read(row: Tender, code: str) -> TenderRead:
    return TenderRead(id=row.id, bidder_code=code, receipt=row.receipt, submitted_at=row.submitted_at,
                      price_cny=row.price_cny, plan_summary=row.plan_summary, documents=row.documents,
                      total_score=row.total_score, rank=row.rank)


def tender_list(session: Session, principal: Principal | None, lot: Lot) -> TenderList:
    """Counts and the caller's receipt while sealed; the opened tenders for those who may see them."""
    rows = tender.list_tenders(session, lot.id)
    opened = bool(rows) and all(t.opened_at is not None for t, _ in rows)
    out = TenderList(lot_id=lot.id, phase=lot.phase, opened=opened, count=len(rows))
    mine = _my_bidder_id(session, principal, lot.id)
    for t, _ in rows:
        if t.bidder_id == mine:
            out.mine = ReceiptRead(tender_id=t.id, receipt=t.receipt, submitted_at=t.submitted_at)
    if opened and may_see_opened(session, principal, lot):
        ranked = sorted(rows, key=lambda r: (r[0].rank or 10**6, r[0].submitted_at, r[0].id))
        out.items = [_tender_read(t, code) for t, code in ranked]
    return out


def _objection_read(row: Objection) -> ObjectionRead:
    return ObjectionRead(id=row.id, lot_id=row.lot_id, text=row.text, status=row.status, lodged_at=row.lodged_at,
                         ruling=row.ruling, ruled_at=row.ruled_at)


# --- API: tender --------------------------------------------------------------------------------

@router.post(API + "/evaluators", tags=["exchange"])
def designate_evaluators(lot_id: int, body: PanelIn, principal: Principal = Depends(operator),
                         session: Session = Depends(get_session)) -> dict[str, Any]:
    """Designate the tender's evaluation panel (评标小组)."""
    _owned(session, principal, lot_id)
    panel = tender.designate_evaluators(session, lot_id=lot_id, user_ids=body.user_ids, actor=principal.actor)
    return {"lot_id": lot_id, "user_ids": sorted(p.user_id for p in panel)}


@router.post(API + "/tenders", response_model=ReceiptRead, status_code=201, tags=["exchange"])
def submit_tender(lot_id: int, body: TenderIn, principal: Principal = Depends(bidder_role),
                  session: Session = Depends(get_session)) -> ReceiptRead:
    """Submit the caller's one sealed tender; the receipt digest is returned (irrevocable)."""
    queries.get_lot(session, lot_id)
    bidder_id = _my_bidder_id(session, principal, lot_id)
    if bidder_id is None:
        raise ExchangeError.BIDDER_NOT_FOUND.error()
    row = tender.submit_tender(session, lot_id=lot_id, bidder_id=bidder_id, price=body.price_cny,
                               plan_summary=body.plan_summary, documents=body.documents, actor=principal.actor)
    return ReceiptRead(tender_id=row.id, receipt=row.receipt, submitted_at=row.submitted_at)


@router.get(API + "/tenders", response_model=TenderList, tags=["exchange"])
def list_tenders(lot_id: int, principal: Principal | None = Depends(optional_principal),
                 session: Session = Depends(get_session)) -> TenderList:
    """The tenders: sealed until the opening (counts and your own receipt), then opened and ranked."""
    return tender_list(session, principal, _public_lot(session, principal, lot_id))


@router.post(API + "/tenders/{tender_id}/scores", response_model=ScoreRead, status_code=201, tags=["exchange"])
def score_tender(lot_id: int, tender_id: int, body: ScoreIn, principal: Principal = Depends(current_principal),
                 session: Session = Depends(get_session)) -> ScoreRead:
    """A panel member scores an opened tender (plan, credentials); the last score decides the lot."""
    queries.get_lot(session, lot_id)
    row = tender.score_tender(session, lot_id=lot_id, tender_id=tender_id, user_id=principal.user_id,
                              plan_score=body.plan_score, credentials_score=body.credentials_score,
                              comment=body.comment, actor=principal.actor)
    return ScoreRead(tender_id=row.tender_id, evaluator_user_id=row.evaluator_user_id, plan_score=row.plan_score,
                     credentials_score=row.credentials_score, scored_at=row.scored_at,
                     lot_phase=queries.get_lot(session, lot_id).phase)


# --- API: negotiated ----------------------------------------------------------------------------

@router.post(API + "/objections", response_model=ObjectionRead, status_code=201, tags=["exchange"])
def lodge_objection(lot_id: int, body: ObjectionIn, principal: Principal = Depends(current_principal),
                    session: Session = Depends(get_session)) -> ObjectionRead:
    """Lodge an objection (异议) during the publicity of a negotiated transfer."""
    _public_lot(session, principal, lot_id)
    return _objection_read(negotiated.lodge_objection(session, lot_id=lot_id, text=body.text, actor=principal.actor))


@router.get(API + "/objections", response_model=list[ObjectionRead], tags=["exchange"])
def list_objections(lot_id: int, principal: Principal = Depends(require_roles(Role.exchange_operator,
                                                                                Role.supervisor)),
                    session: Session = Depends(get_session)) -> list[ObjectionRead]:
    """A lot's objections with their rulings (the lot's operator and supervisors)."""
    lot = queries.get_lot(session, lot_id)
    if principal.role == Role.exchange_operator:
        check_region(principal, lot.region_code)
    return [_objection_read(o) for o in negotiated.list_objections(session, lot_id)]


@router.post(API + "/objections/{objection_id}/ruling", response_model=ObjectionRead, tags=["exchange"])
def rule_objection(lot_id: int, objection_id: int, body: RulingIn, principal: Principal = Depends(operator),
                   session: Session = Depends(get_session)) -> ObjectionRead:
    """Uphold (the transfer fails) or dismiss an objection, with reasons."""
    _owned(session, principal, lot_id)
    return _objection_read(negotiated.rule_objection(session, lot_id=lot_id, objection_id=objection_id,
                                                     upheld=body.upheld, ruling=body.ruling, actor=principal.actor))


@router.post(API + "/agreement", response_model=ResultRead, status_code=201, tags=["exchange"])
def record_agreement(lot_id: int, body: AgreementIn, principal: Principal = Depends(operator),
                     session: Session = Depends(get_session)) -> ResultRead:
    """Record the price agreed with the counterparty after publicity (not below the start price)."""
    _owned(session, principal, lot_id)
    result = negotiated.record_agreement(session, lot_id=lot_id, party_id=body.party_id, price=body.price_cny,
                                         actor=principal.actor)
    return result_read(session, result)


# --- pages --------------------------------------------------------------------------------------

@router.get("/exchange/lots/{lot_id}/tenders", include_in_schema=False)
def tenders_page(lot_id: int, request: Request, principal: Principal | None = Depends(optional_principal),
                 session: Session = Depends(get_session)) -> Response:
    """The tenders of a lot: sealed count before the opening; the opened list and the evaluator's scoring."""
    lot = _public_lot(session, principal, lot_id)
    if lot.method != "tender":
        raise lot_not_found(lot_id)
    evaluator = principal is not None and principal.user_id in tender.panel_of(session, lot.id)
    scored = tender.scores_by(session, lot.id, principal.user_id) if evaluator and principal else set()
    return KIT.page(request, "exchange/tenders.html", {
        "lot": lot, "tenders": tender_list(session, principal, lot), "evaluator": evaluator, "scored": scored,
        "may_score": evaluator and lot.phase == LotPhase.evaluation})


@router.post("/exchange/lots/{lot_id}/tender", include_in_schema=False)
def tender_form(lot_id: int, request: Request, price_cny: str = Form(...), plan_summary: str = Form(...),
                documents: str = Form(""), csrf: str = Form(""),
                principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> Response:
    """A bidder submits its sealed tender from the lot page (one line per document)."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}", status_code=303)
    bidder_id = _my_bidder_id(session, principal, lot_id)
    if principal.role != Role.bidder or bidder_id is None:
        raise AuthError.FORBIDDEN_ROLE.error()
    docs = [d for d in (line.strip() for line in documents.splitlines()) if d]

    def run() -> str:
        row = tender.submit_tender(session, lot_id=lot_id, bidder_id=bidder_id, price=price_cny,
                                   plan_summary=plan_summary, documents=docs, actor=principal.actor)
        return f"投标文件已密封提交，回执 {row.receipt}|tender sealed and submitted, receipt {row.receipt}"

    return lot_act(request, session, lot_id, run)


@router.post("/exchange/lots/{lot_id}/tenders/{tender_id}/score", include_in_schema=False)
def score_form(lot_id: int, tender_id: int, request: Request, plan_score: str = Form(...),
               credentials_score: str = Form(...), csrf: str = Form(""),
               principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """A panel member scores one opened tender from the tenders page."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}/tenders", status_code=303)

    def run() -> str:
        tender.score_tender(session, lot_id=lot_id, tender_id=tender_id, user_id=principal.user_id,
                            plan_score=plan_score, credentials_score=credentials_score, actor=principal.actor)
        return "评分已记录|score recorded"

    lot_act(request, session, lot_id, run)  # flashes the outcome
    return RedirectResponse(f"/exchange/lots/{lot_id}/tenders", status_code=303)


@router.post("/exchange/lots/{lot_id}/objection", include_in_schema=False)
def objection_form(lot_id: int, request: Request, text: str = Form(...), csrf: str = Form(""),
                   principal: Principal | None = Depends(optional_principal),
                   session: Session = Depends(get_session)) -> Response:
    """Anyone signed in lodges an objection during publicity from the lot page."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}", status_code=303)

    def run() -> str:
        negotiated.lodge_objection(session, lot_id=lot_id, text=text, actor=principal.actor)
        return "异议已受理|objection lodged"

    return lot_act(request, session, lot_id, run)


RULING_DECISIONS = {"uphold": True, "dismiss": False}


@router.post("/exchange/lots/{lot_id}/objections/{objection_id}/ruling", include_in_schema=False)
def ruling_form(lot_id: int, objection_id: int, request: Request, decision: str = Form(""), ruling: str = Form(""),
                csrf: str = Form(""), principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> Response:
    """The lot's operator upholds or dismisses a pending objection, with reasons, from the lot page (F4)."""

    def run(actor: str) -> str:
        if decision not in RULING_DECISIONS:
            raise ExchangeError.INVALID_RULING_DECISION.error()
        row = negotiated.rule_objection(session, lot_id=lot_id, objection_id=objection_id,
                                        upheld=RULING_DECISIONS[decision], ruling=ruling, actor=actor)
        if row.status == negotiated.ObjectionStatus.upheld:
            return f"异议 #{row.id} 成立，本次转让终止|objection #{row.id} upheld; the transfer fails"
        return f"异议 #{row.id} 已驳回|objection #{row.id} dismissed"

    return operator_act(request, session, lot_id, csrf, principal, run)


@router.post("/exchange/lots/{lot_id}/agreement", include_in_schema=False)
def agreement_form(lot_id: int, request: Request, party_id: str = Form(...), price_cny: str = Form(...),
                   csrf: str = Form(""), principal: Principal | None = Depends(optional_principal),
                   session: Session = Depends(get_session)) -> Response:
    """The operator records the agreed price with the counterparty from the lot page."""
    check_csrf(request, csrf)
    who = operator_of(principal, queries.get_lot(session, lot_id))
    if not party_id.strip().isdigit():
        raise ExchangeError.PARTY_REQUIRED_2.error()

    def run() -> str:
        result = negotiated.record_agreement(session, lot_id=lot_id, party_id=int(party_id), price=price_cny,
                                             actor=who.actor)
        return f"已记录协议价格 {result.price_cny} 元|agreed price {result.price_cny} yuan recorded"

    return lot_act(request, session, lot_id, run)

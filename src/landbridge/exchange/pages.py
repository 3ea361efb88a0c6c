"""Exchange pages (F4): the public lot list, a lot page with the server-timed countdown and the anonymous
bid history, the bidding room for a registered bidder, and the operator's desk for offline bids.
zh-CN by default, English with ``?lang=en``. Every change goes through the exchange services in the
request's transaction; a refused bid is recorded and shown as a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from landbridge import registry
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.errors import AuthError
from landbridge.errors import DomainError
from landbridge.exchange import awards, bidding, disclosure, queries, reserve, service, supervision
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.legal_pages import legal_context
from landbridge.exchange.methods import negotiated, tender
from landbridge.exchange.models import Lot
from landbridge.exchange.refusals import REJECTIONS
from landbridge.exchange.rules import BIDDING_PHASES, RESERVE_WINDOW, Channel, LotPhase, Method, minimum_next_bid
from landbridge.exchange.settlement import find_settlement, instalments_of
from landbridge.exchange.settlement_rules import is_overdue
from landbridge.kernel import modules
from landbridge.kernel.clock import now
from landbridge.ledger import history_panel, subjects
from landbridge.web.forms import check_csrf
from landbridge.web.pages import PageKit, flash
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
LOCALE_DIR = Path(__file__).parent / "locale"

PHASE_LABELS = {"draft": "Draft", "announced": "Announced", "listing": "Listing", "listing_frozen": "Listing closing",
                "countdown": "Countdown bidding", "registration_closed": "Registration closed",
                "live_auction": "Online auction", "award_pending": "Award pending", "confirmed": "Award confirmed",
                "settled": "Price settled", "handed_over": "Handed over to the registry",
                "unsuccessful": "Unsuccessful", "cancelled": "Cancelled",
                "tendering": "Tender window open", "evaluation": "Tender evaluation", "publicity": "Publicity",
                "negotiation": "Negotiation"}
KIND_LABELS = {"land_management_right": "Land management right", "forest_right": "Forest right",
               "collective_asset": "Collective asset", "collective_construction_land": "Collective construction land",
               "construction_quota": "Construction land quota", "collateral": "Foreclosed collateral"}
DEPOSIT_LABELS = {"pending": "Awaiting payment", "confirmed": "Deposit received", "refund_due": "Refund due",
                  "refunded": "Refunded", "converted": "Converted to earnest money", "forfeited": "Forfeited"}
CHANNEL_LABELS = {"online": "Online", "offline": "Offline"}
LAND_USE_LABELS = {"industrial": "Industrial use", "commercial": "Commercial use", "other": "Other operating use"}
FLAG_LABELS = {"shared_address": "Bids from one address across bidders",
               "shared_device": "Bids from one device across bidders", "single_bidder": "Single bidder",
               "price_far_from_appraisal": "Price far from the appraised value",
               "repeated_relisting": "Repeated re-listing"}
REASON_LABELS = {"highest_bid": "Highest bid", "no_bids": "No bids", "too_few_bidders": "Too few bidders",
                 "sole_bidder": "Sole bidder", "below_reserve": "Best bid below the reserve price",
                 "promoted_next": "Next bidder promoted", "winner_default": "Winner defaulted",
                 "tender_evaluation": "Best evaluated tender", "too_few_tenders": "Too few tenders",
                 "negotiated": "Negotiated transfer", "objection_upheld": "Objection upheld",
                 "preemption": "Pre-emption at equal terms"}
OBJECTION_LABELS = {"pending": "Awaiting a ruling", "upheld": "Upheld", "dismissed": "Dismissed"}
# the methods that take bids (F4): only their lots show an increment, the current price and leader, the bid
# history and the countdown; a tender or negotiated lot shows its method section instead
BID_METHODS = (Method.listing, Method.auction)


KIT = PageKit(locale_dir=LOCALE_DIR, labels={
    "phase": PHASE_LABELS, "kind": KIND_LABELS, "flag": FLAG_LABELS, "reason": REASON_LABELS,
    "deposit": DEPOSIT_LABELS, "channel": CHANNEL_LABELS, "objection": OBJECTION_LABELS, "land_use": LAND_USE_LABELS})


def _distribution(session: Session, settled: Any, principal: Principal) -> list[dict[str, Any]] | None:
    """A collateral lot's proceeds as paid out (payee's name, amount, basis), for the lot's insiders (F6); the
    payees who are persons are recorded as read (issue #12 item 4)."""
    if settled.distribution is None:
        return None
    payees = {int(x["party_id"]): registry.get_party(session, x["party_id"]) for x in settled.distribution}
    disclosure.record_identity_reads(session, principal, [
        disclosure.BidderIdentity(p.id, p.name, p.kind, None) for p in payees.values()],
        purpose="exchange.collateral_payees")
    return [{**x, "amount_cny": Decimal(x["amount_cny"]), "name": payees[int(x["party_id"])].name}
            for x in settled.distribution]


def _shown_identities(session: Session, principal: Principal, lot: Lot) -> dict[int, disclosure.BidderIdentity]:
    """The bidders' identities for the lot's operator or a supervisor, each person's read recorded (issue #12)."""
    shown = disclosure.identities(session, lot.id)
    disclosure.record_identity_reads(session, principal, shown.values(), purpose="exchange.lot_page_bidders")
    return shown


def _running_end(lot: Lot) -> Any:
    if lot.phase in (LotPhase.countdown, LotPhase.live_auction):
        return lot.countdown_end
    if lot.phase == LotPhase.listing:
        return lot.freeze_at or lot.ends_at
    if lot.phase == LotPhase.announced:
        return lot.starts_at
    return None


@router.get("/exchange")
def lot_list(request: Request, principal: Principal | None = Depends(optional_principal),
             session: Session = Depends(get_session)) -> Response:
    """The public list of published lots (operators also see drafts)."""
    insider = principal is not None and principal.role in (Role.exchange_operator, Role.supervisor)
    lots, total = queries.list_lots(session, phases=None if insider else queries.PUBLIC_PHASES, limit=200)
    return KIT.page(request, "exchange/lots.html", {"lots": lots, "total": total, "insider": insider})


@router.get("/exchange/lots/{lot_id}")
def lot_page(lot_id: int, request: Request, principal: Principal | None = Depends(optional_principal),
             session: Session = Depends(get_session)) -> Response:
    """A lot: facts, the countdown against server time, the anonymous bid history, and the bidding forms."""
    lot = queries.get_lot(session, lot_id)
    insider = principal is not None and principal.role in (Role.exchange_operator, Role.supervisor)
    if lot.phase == LotPhase.draft and not insider:
        raise ExchangeError.LOT_NOT_FOUND.error({"lot_id": lot_id})
    me = None
    if principal is not None and principal.role == Role.bidder and principal.party_id is not None:
        me = queries.find_bidder(session, lot.id, principal.party_id)
    deposit = queries.deposit_of(session, me.id) if me is not None else None
    result = queries.find_result(session, lot.id)
    settled = find_settlement(session, lot.id)
    sealed = reserve.reserve_status(session, lot.id)
    operator = principal is not None and principal.role == Role.exchange_operator \
        and principal.covers_region(lot.region_code)
    # objections and rulings go to those the API shows them to: the lot's operator and supervisors
    may_see_objections = lot.method == "negotiated" and (operator or (principal is not None
                                                                      and principal.role == Role.supervisor))
    takes_bids = lot.method in BID_METHODS
    # who the bidders are: the lot's operator and supervisors only; everyone else sees codes (issue #12 item 3)
    sees_identities = disclosure.sees_identities(principal, lot)
    return KIT.page(request, "exchange/lot.html", {**_location(session, lot),
        "settlement": settled, "settlement_overdue": settled is not None and settled.status == "due"
        and is_overdue(settled.due_on, now()),
        "settlement_mine": settled is not None and (sees_identities or (me is not None and me.id == settled.bidder_id)),
        "instalments": instalments_of(session, settled.id) if settled is not None else [],
        "distribution": _distribution(session, settled, principal)
        if principal is not None and sees_identities and settled is not None else None,
        "legal": legal_context(session, lot, me),  # issue #24: pre-emption, joint bidding, results notice
        "lot": lot, "takes_bids": takes_bids, "ledger_history": history_panel(session, [subjects.lot(lot.id)]),
        "history": queries.bid_history(session, lot.id, limit=50) if takes_bids else [],
        "leader": queries.bidder_code_of(session, lot.leader_bidder_id) if takes_bids else None, "result": result,
        "winner": queries.bidder_code_of(session, result.winner_bidder_id) if result else None,
        "winner_name": disclosure.published_winner_name(session, lot, result),
        "me": me, "deposit": deposit, "open": takes_bids and lot.phase in BIDDING_PHASES,
        "running_end": _running_end(lot) if takes_bids else None,
        "next_min": minimum_next_bid(start_price=lot.start_price_cny, increment=lot.increment_cny,
                                     current=None if lot.offer_countdown_s else lot.current_price_cny),
        "operator": operator,
        "objections": negotiated.list_objections(session, lot.id) if may_see_objections else None,
        # a bidder's own sealed tender: its receipt replaces the (one-time) tender form
        "my_tender": tender.tender_of(session, lot.id, me.id) if me is not None and lot.method == "tender" else None,
        "bidders": queries.list_bidders(session, lot.id) if sees_identities else [], "server_time": now(),
        "identities": _shown_identities(session, principal, lot) if principal is not None and sees_identities else {},
        "may_apply": principal is not None and principal.role == Role.bidder and principal.party_id is not None
        and me is None and lot.phase in APPLY_PHASES,
        "reserve": sealed,
        "reserve_officer": principal is not None and sealed is not None
        and sealed.officer_user_id == principal.user_id and sealed.ciphertext is None
        and lot.phase in RESERVE_WINDOW})


def _location(session: Session, lot: Lot) -> dict[str, Any]:
    """The lot's parcel for the page's outline map and its price context (issue #23; L6, L1: the zone's benchmark,
    the parcel's appraised value with its interval, recent nearby sales, the village's trend), asked of valuation as
    the fact ``valuation.price_context`` as the parcel page does (ADR 0016: the exchange imports no valuation). A
    lot without a registered unit (a quota lot, a collective asset) has neither; the page says why."""
    if lot.unit_id is None:
        return {"shape": None, "price": None}
    parcel = registry.get_parcel(session, registry.get_unit(session, lot.unit_id).parcel_id)
    shape = json.dumps({"type": "Feature", "geometry": mapping(parcel.geom), "properties": {}})
    price = modules.fact("valuation.price_context")(session, parcel.id) if parcel.status == "current" else None
    return {"shape": shape.replace("</", "<\\/"), "parcel_id": parcel.id, "parcel_code": parcel.parcel_code,
            "price": price}


APPLY_PHASES = (LotPhase.announced, LotPhase.listing, LotPhase.listing_frozen, LotPhase.tendering, LotPhase.publicity)


def operator_of(principal: Principal | None, lot: Lot) -> Principal:
    if principal is None or principal.role != Role.exchange_operator or not principal.covers_region(lot.region_code):
        raise AuthError.FORBIDDEN_ROLE.error()
    return principal


def lot_act(request: Request, session: Session, lot_id: int, action: Callable[[], str]) -> Response:
    """Run a service action (its outcome ``"zh|en"``) in the request's transaction; flashed on the lot page."""

    def run() -> tuple[str, str]:
        zh, en = action().split("|", 1)
        return zh, en

    return KIT.act(request, session, run, f"/exchange/lots/{lot_id}")


def operator_act(request: Request, session: Session, lot_id: int, csrf: str, principal: Principal | None,
                  action: Callable[[str], str]) -> Response:
    """An operator's form on the lot page: CSRF, the operator of the lot's area, then the action as the operator."""
    check_csrf(request, csrf)
    who = operator_of(principal, queries.get_lot(session, lot_id))
    return lot_act(request, session, lot_id, lambda: action(who.actor))


@router.post("/exchange/lots/{lot_id}/publish")
def publish_form(lot_id: int, request: Request, csrf: str = Form(""),
                 principal: Principal | None = Depends(optional_principal),
                 session: Session = Depends(get_session)) -> Response:
    """The operator publishes the announcement (公告) of a draft lot."""

    def run(actor: str) -> str:
        lot = service.publish_lot(session, lot_id=lot_id, actor=actor)
        return f"已发布公告：{lot.number}|announcement published: {lot.number}"

    return operator_act(request, session, lot_id, csrf, principal, run)


@router.post("/exchange/lots/{lot_id}/apply")
def apply_form(lot_id: int, request: Request, csrf: str = Form(""),
               principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """A bidder registers for the lot (竞买申请) and is shown its deposit sub-account."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}", status_code=303)
    if principal.role != Role.bidder or principal.party_id is None:
        raise AuthError.FORBIDDEN_ROLE.error()
    party = principal.party_id

    def run() -> str:
        bidder = service.apply_for_lot(session, lot_id=lot_id, party_id=party, actor=principal.actor,
                                       user_id=principal.user_id)
        return f"报名成功，号牌 {bidder.bidder_code}|registered, bidder code {bidder.bidder_code}"

    return lot_act(request, session, lot_id, run)


@router.post("/exchange/lots/{lot_id}/confirm-award")
def confirm_award_form(lot_id: int, request: Request, csrf: str = Form(""),
                       principal: Principal | None = Depends(optional_principal),
                       session: Session = Depends(get_session)) -> Response:
    """The operator signs the award confirmation (成交确认书)."""

    def run(actor: str) -> str:
        result = awards.confirm_award(session, lot_id=lot_id, actor=actor)
        return f"已签署成交确认书 {result.confirmation_no}|award confirmation {result.confirmation_no} signed"

    return operator_act(request, session, lot_id, csrf, principal, run)


@router.post("/exchange/lots/{lot_id}/reserve")
def reserve_form(lot_id: int, request: Request, amount_cny: str = Form(...), csrf: str = Form(""),
                 principal: Principal | None = Depends(optional_principal),
                 session: Session = Depends(get_session)) -> Response:
    """The designated officer seals the reserve price (once, encrypted)."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}", status_code=303)

    def run() -> str:
        reserve.seal_reserve(session, lot_id=lot_id, amount=amount_cny, user_id=principal.user_id,
                             actor=principal.actor)
        return "保留价已密封|the reserve price is sealed"

    return lot_act(request, session, lot_id, run)


@router.get("/exchange/supervision")
def flags_page(request: Request, kind: str | None = None, principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """The supervisor's list of flagged lots (监管预警)."""
    if principal is None:
        return RedirectResponse("/login?next=/exchange/supervision", status_code=303)
    if principal.role != Role.supervisor:
        raise AuthError.FORBIDDEN_ROLE.error()
    rows, total = supervision.list_flags(session, kind=kind if kind in FLAG_LABELS else None, limit=500)
    return KIT.page(request, "exchange/flags.html", {"rows": rows, "total": total})


def _bid(request: Request, session: Session, lot_id: int, bidder_id: int, amount: str, key: str, actor: str,
         channel: Channel, evidence: str | None) -> Response:
    try:
        outcome = bidding.place_bid(session, lot_id=lot_id, bidder_id=bidder_id, amount=amount, idempotency_key=key,
                                    actor=actor, channel=channel, evidence=evidence)
    except DomainError as exc:
        session.rollback()
        flash(request, "error", exc.message, exc.message_en)
    else:
        code = outcome.bid.reject_code
        if code is None:
            paid = outcome.bid.amount_cny
            flash(request, "ok", f"报价 {paid} 元已被接受", f"bid of {paid} accepted")
        else:
            _, zh, en = REJECTIONS.get(code, (DomainError, "报价被拒绝", "the bid was refused"))
            flash(request, "error", zh, en)
    return RedirectResponse(f"/exchange/lots/{lot_id}", status_code=303)


@router.post("/exchange/lots/{lot_id}/bid")
def bid_form(lot_id: int, request: Request, amount_cny: str = Form(...), idempotency_key: str = Form(...),
             csrf: str = Form(""), principal: Principal | None = Depends(optional_principal),
             session: Session = Depends(get_session)) -> Response:
    """The bidding room's form: a registered bidder bids (the key makes a double click harmless)."""
    check_csrf(request, csrf)
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}", status_code=303)
    me = queries.find_bidder(session, lot_id, principal.party_id) if principal.party_id else None
    if principal.role != Role.bidder or me is None:
        raise ExchangeError.NOT_A_BIDDER.error()
    return _bid(request, session, lot_id, me.id, amount_cny, idempotency_key, principal.actor, Channel.online, None)


@router.post("/exchange/lots/{lot_id}/offline-bid")
def offline_bid_form(lot_id: int, request: Request, bidder_code: str = Form(...), amount_cny: str = Form(...),
                     idempotency_key: str = Form(...), evidence: str = Form(...), csrf: str = Form(""),
                     principal: Principal | None = Depends(optional_principal),
                     session: Session = Depends(get_session)) -> Response:
    """The operator's desk: enter a walk-in bidder's written bid with its evidence (线下)."""
    check_csrf(request, csrf)
    lot = queries.get_lot(session, lot_id)
    if principal is None or principal.role != Role.exchange_operator or not principal.covers_region(lot.region_code):
        raise AuthError.FORBIDDEN_ROLE.error()
    bidder = queries.get_bidder_by_code(session, lot_id, bidder_code.strip())
    return _bid(request, session, lot_id, bidder.id, amount_cny, idempotency_key, principal.actor, Channel.offline,
                evidence.strip()[:300] or None)

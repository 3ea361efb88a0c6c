"""Exchange JSON API (/api/v1/exchange): lots, applications, bids (online and offline), results, the bank's
signed deposit callback, and the server time (F3, F4).

Permissions: exchange operators create, publish and decide lots of their organisation's area and enter
offline bids; bidders apply and bid for themselves (their account names their registry party); anyone
reads published lots, the anonymous bid history and the time; supervisors read everything. A rejected
bid is recorded (committed) and answered with its stable code (422 for the amount, 409 for the state).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.auth import (
    Principal,
    Role,
    check_region,
    check_role,
    current_principal,
    login_required,
    optional_principal,
    released_principal,
    require_roles,
)
from landbridge.auth.errors import AuthError
from landbridge.config import Mode, get_settings
from landbridge.errors import DomainError, RuleViolation
from landbridge.exchange import (
    awards,
    barlist,
    bidding,
    disclosure,
    payments,
    queries,
    reconcile,
    reserve,
    rules,
    service,
    settlement,
    supervision,
)
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.lots import lot_not_found
from landbridge.exchange.models import Bidder, Lot, LotResult
from landbridge.exchange.refusals import REJECTIONS, party_required, rejection
from landbridge.exchange.rules import Channel, LotPhase
from landbridge.exchange.schemas import (
    ApplicationIn,
    BankCallback,
    BarIn,
    BidderRead,
    BidIn,
    BidRead,
    DepositRead,
    FlagPage,
    FlagRead,
    InstalmentRead,
    LotCreate,
    LotPage,
    LotRead,
    OfficerIn,
    OfflineBidIn,
    ProceedsShareRead,
    ReasonIn,
    RelistIn,
    ReserveIn,
    ReserveRead,
    ResultRead,
    SettlementRead,
    TimeRead,
)
from landbridge.exchange.sequencer import sequencer
from landbridge.exchange.settlement_rules import is_overdue
from landbridge.kernel.clock import now
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"], route_class=TransactionalRoute)

operator = require_roles(Role.exchange_operator)
bidder_role = require_roles(Role.bidder)


async def bid_caller(request: Request, session: Session = Depends(get_session)) -> Principal | str:
    """Who bids: a bearer token, left for the bid sequencer to resolve with its batch (no database here), or
    the browser session's bidder (401 anonymous, 403 not a bidder)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    principal = await run_in_threadpool(released_principal, request, session)
    if principal is None:
        raise login_required()
    return check_role(principal, (Role.bidder,))
applicant = require_roles(Role.bidder, Role.exchange_operator)
insider = require_roles(Role.exchange_operator, Role.supervisor)
supervisor_role = require_roles(Role.supervisor)
DEVICE_HEADER = "x-device-id"
T = TypeVar("T")
DEV_BANK_SECRET = "landbridge-dev-bank-secret"  # noqa: S105 - dev, test and demo modes only
SIGNATURE_HEADER = "x-bank-signature"


def bank_secret() -> bytes:
    """The HMAC key shared with the deposit bank; a dev default only outside production."""
    settings = get_settings()
    if settings.exchange_bank_secret:
        return settings.exchange_bank_secret.encode()
    if settings.mode is Mode.production:
        raise ExchangeError.BANK_NOT_CONFIGURED.error()
    return DEV_BANK_SECRET.encode()


def sign_callback(body: bytes, secret: bytes | None = None) -> str:
    """The signature header value the bank sends: ``sha256=<hex HMAC of the raw body>``."""
    return "sha256=" + hmac.new(secret or bank_secret(), body, hashlib.sha256).hexdigest()


def _owned_lot(session: Session, principal: Principal, lot_id: int) -> Lot:
    """The lot, if the operator's organisation covers its region (object-level check for every write)."""
    lot = queries.get_lot(session, lot_id)
    check_region(principal, lot.region_code)
    return lot


def _visible(principal: Principal | None, lot: Lot) -> bool:
    if lot.phase != LotPhase.draft:
        return True
    return principal is not None and principal.role in (Role.exchange_operator, Role.supervisor)


def lot_read(session: Session, lot: Lot) -> LotRead:
    """A lot as published: anonymous leader code, next admissible bid and the server time."""
    out = LotRead.model_validate(lot)
    out.leader_code = queries.bidder_code_of(session, lot.leader_bidder_id)
    if lot.phase in rules.BIDDING_PHASES or lot.phase in (LotPhase.announced, LotPhase.registration_closed):
        out.next_min_bid_cny = rules.minimum_next_bid(start_price=lot.start_price_cny, increment=lot.increment_cny,
                                                      current=None if lot.offer_countdown_s else lot.current_price_cny)
    out.server_time = now()
    return out


def result_read(session: Session, result: LotResult, lot: Lot | None = None) -> ResultRead:
    """A lot's result as anyone reads it: the winner's code, and its name as the rules publish it once the award
    is confirmed (issue #12 item 3)."""
    out = ResultRead.model_validate(result)
    out.winner_code = queries.bidder_code_of(session, result.winner_bidder_id)
    out.winner_name = disclosure.published_winner_name(session, lot or queries.get_lot(session, result.lot_id),
                                                       result)
    return out


def _bidder_read(session: Session, bidder: Bidder) -> BidderRead:
    """A registration with its identity and deposit: for the bidder itself, the lot's operator and supervisors
    only (the callers check who asks)."""
    deposit = queries.deposit_of(session, bidder.id)
    who = disclosure.identity_of(session, bidder)
    return BidderRead(id=bidder.id, lot_id=bidder.lot_id, bidder_code=bidder.bidder_code, channel=bidder.channel,
                      party_id=who.party_id, party_name=who.name, party_kind=who.kind, user_id=who.user_id,
                      sub_account=deposit.sub_account if deposit else None,
                      deposit_cny=deposit.amount_cny if deposit else None,
                      deposit_status=deposit.status if deposit else None)


def _page_limit(limit: int) -> int:
    return min(limit, get_settings().page_size_max)


# --- lots ---------------------------------------------------------------------------------------

@router.post("/lots", response_model=LotRead, status_code=201)
def create_lot(body: LotCreate, principal: Principal = Depends(operator),
               session: Session = Depends(get_session)) -> LotRead:
    """Draft a lot of any kind under its rule set (F4)."""
    check_region(principal, body.region_code)
    lot = service.create_lot(session, actor=principal.actor, kind=body.kind, title=body.title,
                             region_code=body.region_code, starts_at=body.starts_at,
                             start_price=body.start_price_cny, increment=body.increment_cny, unit_id=body.unit_id,
                             right_id=body.right_id, seller_party_id=body.seller_party_id,
                             term_start=body.term_start, term_end=body.term_end,
                             appraised_value=body.appraised_value_cny, excluded_party_ids=body.excluded_party_ids,
                             description=body.description, method=body.method)
    return lot_read(session, lot)


@router.post("/lots/{lot_id}/publish", response_model=LotRead)
def publish_lot(lot_id: int, principal: Principal = Depends(operator),
                session: Session = Depends(get_session)) -> LotRead:
    """Publish the announcement and fix the deadlines (39号令 art. 8)."""
    _owned_lot(session, principal, lot_id)
    return lot_read(session, service.publish_lot(session, lot_id=lot_id, actor=principal.actor))


@router.get("/lots", response_model=LotPage)
def list_lots(kind: str | None = None, phase: str | None = None, limit: int = Query(50, ge=1, le=1000),
              offset: int = Query(0, ge=0), principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> LotPage:
    """Published lots (operators and supervisors also see drafts), newest first."""
    insiders = principal is not None and principal.role in (Role.exchange_operator, Role.supervisor)
    phases: list[str] | None = [phase] if phase else None
    if not insiders:
        phases = [p for p in (phases or queries.PUBLIC_PHASES) if p in queries.PUBLIC_PHASES]
    limit = _page_limit(limit)
    lots, total = queries.list_lots(session, phases=phases, kind=kind, limit=limit, offset=offset)
    return LotPage(items=[lot_read(session, lot) for lot in lots], total=total, limit=limit, offset=offset)


@router.get("/lots/{lot_id}", response_model=LotRead)
def get_lot(lot_id: int, principal: Principal | None = Depends(optional_principal),
            session: Session = Depends(get_session)) -> LotRead:
    """One lot with its current price, anonymous leader and running deadline."""
    lot = queries.get_lot(session, lot_id)
    if not _visible(principal, lot):
        raise lot_not_found(lot_id)
    return _released(session, lot_read(session, lot))


@router.get("/lots/{lot_id}/bids", response_model=list[BidRead])
def bid_history(lot_id: int, limit: int = Query(100, ge=1, le=1000),
                principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> list[BidRead]:
    """The accepted bids of a lot, newest first, by anonymous bidder code."""
    lot = queries.get_lot(session, lot_id)
    if not _visible(principal, lot):
        raise lot_not_found(lot_id)
    return [BidRead(id=b.id, lot_id=b.lot_id, bidder_code=code, amount_cny=b.amount_cny, status=b.status,
                    reject_code=b.reject_code, phase=b.phase, channel=b.channel, placed_at=b.placed_at)
            for b, code in queries.bid_history(session, lot_id, limit=limit)]


@router.get("/lots/{lot_id}/bidders", response_model=list[BidderRead])
def list_bidders(lot_id: int, principal: Principal = Depends(insider),
                 session: Session = Depends(get_session)) -> list[BidderRead]:
    """A lot's bidders with who they are and their deposits: the lot's operator (of the lot's area) and
    supervisors only (issue #12 item 3)."""
    lot = queries.get_lot(session, lot_id)
    if not disclosure.sees_identities(principal, lot):
        check_region(principal, lot.region_code)
    bidders = [b for b, _ in queries.list_bidders(session, lot_id)]
    disclosure.record_identity_reads(session, principal, [disclosure.identity_of(session, b) for b in bidders],
                                     purpose="exchange.lot_bidders")
    return [_bidder_read(session, b) for b in bidders]


@router.get("/lots/{lot_id}/result", response_model=ResultRead)
def get_result(lot_id: int, principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> ResultRead:
    """The published result of a lot (award or unsuccessful)."""
    lot = queries.get_lot(session, lot_id)
    result = queries.find_result(session, lot.id)
    if result is None or not _visible(principal, lot):
        raise ExchangeError.RESULT_NOT_FOUND.error()
    return result_read(session, result, lot)


@router.get("/lots/{lot_id}/settlement", response_model=SettlementRead)
def get_settlement(lot_id: int, principal: Principal = Depends(current_principal),
                   session: Session = Depends(get_session)) -> SettlementRead:
    """The price settlement of a confirmed award (价款结算): operators of the lot's area, supervisors, and the
    winner who must pay the balance into its sub-account (L6)."""
    lot = queries.get_lot(session, lot_id)
    row = settlement.get_settlement(session, lot.id)
    if principal.role == Role.exchange_operator:
        check_region(principal, lot.region_code)
    elif principal.role != Role.supervisor and (principal.role != Role.bidder or principal.party_id != row.party_id):
        raise AuthError.FORBIDDEN_SETTLEMENT.error()
    return _released(session, settlement_read(row, settlement.instalments_of(session, row.id)))


def settlement_read(row: Any, instalments: Sequence[Any]) -> SettlementRead:
    """A settlement as the API shows it, with its instalments and whether a due one is overdue now."""
    at, due = now(), row.status == settlement.SettlementStatus.due
    return SettlementRead(lot_id=row.lot_id, confirmation_no=row.confirmation_no, status=row.status,
                          price_cny=row.price_cny, earnest_cny=row.earnest_cny, balance_cny=row.balance_cny,
                          sub_account=row.sub_account, due_on=row.due_on, overdue=due and is_overdue(row.due_on, at),
                          paid_cny=row.paid_cny, paid_at=row.paid_at, fee_rate=row.fee_rate, fee_cny=row.fee_cny,
                          payout_cny=row.payout_cny, payout_at=row.payout_at, defaulted_at=row.defaulted_at,
                          instalments=[InstalmentRead(seq=i.seq, amount_cny=i.amount_cny, due_on=i.due_on,
                                                      status=i.status, paid_at=i.paid_at,
                                                      overdue=due and i.status == "due" and is_overdue(i.due_on, at))
                                       for i in instalments], schedule_source=row.schedule_source,
                          adjustment_land_use=row.adjustment_land_use, adjustment_rate=row.adjustment_rate,
                          adjustment_base_type=row.adjustment_base_type, adjustment_base_cny=row.adjustment_base_cny,
                          adjustment_fee_cny=row.adjustment_fee_cny, adjustment_source=row.adjustment_source,
                          distribution=None if row.distribution is None
                          else [ProceedsShareRead(**x) for x in row.distribution])


# --- bidders ------------------------------------------------------------------------------------

@router.post("/lots/{lot_id}/applications", response_model=BidderRead, status_code=201)
def apply(lot_id: int, body: ApplicationIn | None = None, principal: Principal = Depends(applicant),
          session: Session = Depends(get_session)) -> BidderRead:
    """Register for a lot: a bidder for itself, or an operator for a walk-in bidder (offline)."""
    if principal.role == Role.exchange_operator:
        _owned_lot(session, principal, lot_id)
        if body is None or body.party_id is None:
            raise ExchangeError.PARTY_REQUIRED_3.error()
        party_id, channel, user_id = body.party_id, Channel.offline, None
    else:
        if principal.party_id is None:
            raise party_required()
        if body is not None and body.party_id not in (None, principal.party_id):
            raise ExchangeError.NOT_YOUR_PARTY.error()
        party_id, channel, user_id = principal.party_id, Channel.online, principal.user_id
    bidder = service.apply_for_lot(session, lot_id=lot_id, party_id=party_id, actor=principal.actor,
                                   user_id=user_id, channel=channel)
    return _bidder_read(session, bidder)


@router.get("/lots/{lot_id}/me", response_model=BidderRead)
def my_registration(lot_id: int, principal: Principal = Depends(bidder_role),
                    session: Session = Depends(get_session)) -> BidderRead:
    """The caller's own registration: code, deposit sub-account and status."""
    bidder = queries.find_bidder(session, lot_id, principal.party_id) if principal.party_id else None
    if bidder is None:
        raise ExchangeError.BIDDER_NOT_FOUND.error()
    return _bidder_read(session, bidder)


def client_ip(request: Request) -> str | None:
    """The address a bid came from (supervision: one address across bidders)."""
    return request.client.host if request.client else None


def device_of(request: Request) -> str | None:
    """The device a bid came from: the client's device header or the pages' device cookie."""
    return request.headers.get(DEVICE_HEADER) or request.cookies.get("lb_device")


def _settled(session: Session, response: Any) -> Any:
    """Commit the bid in the worker thread that placed it, the response already rendered.

    The request's transaction would otherwise commit in a later thread-pool hop while still holding the
    lot's row lock and the ledger head; under load the pool's threads then wait on locks whose holders
    wait for a thread (convoy, then connection-pool exhaustion). Committing here releases both at once;
    the route's own commit then finds nothing to do.
    """
    session.commit()
    return response


def _released(session: Session, response: T) -> T:
    """End a read's transaction in the thread that read, returning its connection to the pool at once."""
    session.rollback()
    return response


def bid_answer(outcome: bidding.BidOutcome | BidRead) -> JSONResponse:
    """A judged bid as the API answers it: 201 accepted, 200 a replay, the typed refusal with the lot's price."""
    bid = outcome if isinstance(outcome, BidRead) else outcome.read()
    out = bid.model_copy(update={"server_time": now()})
    if bid.reject_code is not None:
        # the lot's price after the refusal travels with it: the bidder can raise without another read
        price = None if bid.current_price_cny is None else str(bid.current_price_cny)
        err: DomainError = rejection(bid.reject_code, bid_id=bid.id, current_price_cny=price) \
            if bid.reject_code in REJECTIONS else \
            RuleViolation(bid.reject_code, "报价被拒绝", "the bid was refused", bid_id=bid.id, current_price_cny=price)
        # returned, not raised: the rejected bid is committed with its code
        return JSONResponse(err.to_dict(), status_code=err.http_status)
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if bid.replay else 201)


@router.post("/lots/{lot_id}/bids", response_model=BidRead, status_code=201,
             responses={409: {"description": "lot not open, deposit not confirmed, bidder barred"},
                        422: {"description": "below increment, not a multiple of the increment"}})
async def place_bid(lot_id: int, body: BidIn, request: Request, caller: Principal | str = Depends(bid_caller),
                    ) -> Any:
    """Bid on a lot (报价); idempotent on the key; server time is authoritative (F4).

    The bid goes to this process's bid sequencer, which judges it with the other bids waiting and answers
    after the commit (``exchange.sequencer``). A bearer token is resolved there, with the whole batch's in one
    query; a browser session's caller was read in a transaction ended at once, so no pooled connection is
    held while the bid waits its turn.
    """
    who: dict[str, Any] = {"token": caller, "actor": ""} if isinstance(caller, str) else \
        {"party_id": caller.party_id, "actor": caller.actor}
    if isinstance(caller, Principal) and caller.party_id is None:
        raise party_required()
    result = await asyncio.wrap_future(sequencer().submit(bidding.BidRequest(
        lot_id=lot_id, bidder_id=None, amount=body.amount_cny, idempotency_key=body.idempotency_key,
        client_ip=client_ip(request), device_id=device_of(request), **who)))
    if isinstance(result, DomainError):
        raise result
    return bid_answer(result)


@router.post("/lots/{lot_id}/offline-bids", response_model=BidRead, status_code=201)
def place_offline_bid(lot_id: int, body: OfflineBidIn, principal: Principal = Depends(operator),
                      session: Session = Depends(get_session)) -> Any:
    """A clerk enters a walk-in bidder's written bid with its evidence (线下报价, F4 online + offline)."""
    _owned_lot(session, principal, lot_id)
    bidder = queries.get_bidder_by_code(session, lot_id, body.bidder_code)
    outcome = bidding.place_bid(session, lot_id=lot_id, bidder_id=bidder.id, amount=body.amount_cny,
                                idempotency_key=body.idempotency_key, actor=principal.actor,
                                channel=Channel.offline, evidence=body.evidence)
    return _settled(session, bid_answer(outcome))


# --- results ------------------------------------------------------------------------------------

@router.post("/lots/{lot_id}/award/confirm", response_model=ResultRead)
def confirm_award(lot_id: int, principal: Principal = Depends(operator),
                  session: Session = Depends(get_session)) -> ResultRead:
    """Sign the award confirmation (成交确认书)."""
    _owned_lot(session, principal, lot_id)
    return result_read(session, awards.confirm_award(session, lot_id=lot_id, actor=principal.actor))


@router.post("/lots/{lot_id}/award/default", response_model=LotRead)
def record_default(lot_id: int, body: ReasonIn, principal: Principal = Depends(operator),
                   session: Session = Depends(get_session)) -> LotRead:
    """The winner defaults (悔拍): forfeit, then promote the next bidder or fail."""
    _owned_lot(session, principal, lot_id)
    return lot_read(session, awards.record_default(session, lot_id=lot_id, actor=principal.actor,
                                                    reason=body.reason))


@router.post("/lots/{lot_id}/handover", response_model=ResultRead)
def hand_over(lot_id: int, principal: Principal = Depends(operator),
              session: Session = Depends(get_session)) -> ResultRead:
    """Lodge the registry application for the winner (transfer or new right)."""
    _owned_lot(session, principal, lot_id)
    return result_read(session, awards.hand_over(session, lot_id=lot_id, actor=principal.actor))


@router.post("/lots/{lot_id}/relist", response_model=LotRead, status_code=201)
def relist(lot_id: int, body: RelistIn, principal: Principal = Depends(operator),
           session: Session = Depends(get_session)) -> LotRead:
    """Re-list an unsuccessful lot as a new attempt."""
    _owned_lot(session, principal, lot_id)
    return lot_read(session, service.relist_lot(session, lot_id=lot_id, actor=principal.actor,
                                                starts_at=body.starts_at))


@router.post("/lots/{lot_id}/cancel", response_model=LotRead)
def cancel(lot_id: int, body: ReasonIn, principal: Principal = Depends(operator),
           session: Session = Depends(get_session)) -> LotRead:
    """Withdraw a lot before bidding starts."""
    _owned_lot(session, principal, lot_id)
    return lot_read(session, service.cancel_lot(session, lot_id=lot_id, actor=principal.actor, reason=body.reason))


@router.post("/barred", status_code=201)
def bar(body: BarIn, principal: Principal = Depends(operator),
        session: Session = Depends(get_session)) -> dict[str, Any]:
    """Put a party on the bar list (court-listed defaulter)."""
    row = barlist.bar_party(session, party_id=body.party_id, reason=body.reason, actor=principal.actor,
                            listed_until=body.listed_until)
    return {"id": row.id, "party_id": row.party_id, "listed_until": row.listed_until}


# --- sealed reserve and supervision ------------------------------------------------------------

def _reserve_read(lot_id: int, row: Any, amount: Any = None) -> ReserveRead:
    return ReserveRead(lot_id=lot_id, officer_user_id=row.officer_user_id, sealed=row.ciphertext is not None,
                       sealed_at=row.sealed_at, revealed_at=row.revealed_at, amount_cny=amount)


@router.post("/lots/{lot_id}/reserve/officer", response_model=ReserveRead)
def designate_officer(lot_id: int, body: OfficerIn, principal: Principal = Depends(operator),
                      session: Session = Depends(get_session)) -> ReserveRead:
    """Designate the officer who alone may seal the lot's reserve price."""
    _owned_lot(session, principal, lot_id)
    row = reserve.designate_reserve_officer(session, lot_id=lot_id, officer_user_id=body.officer_user_id,
                                            actor=principal.actor)
    return _reserve_read(lot_id, row)


@router.post("/lots/{lot_id}/reserve", response_model=ReserveRead, status_code=201)
def seal_reserve(lot_id: int, body: ReserveIn, principal: Principal = Depends(current_principal),
                 session: Session = Depends(get_session)) -> ReserveRead:
    """The designated officer seals the reserve price (once, before bidding opens; encrypted at rest)."""
    queries.get_lot(session, lot_id)
    row = reserve.seal_reserve(session, lot_id=lot_id, amount=body.amount_cny, user_id=principal.user_id,
                               actor=principal.actor)
    return _reserve_read(lot_id, row)


@router.get("/lots/{lot_id}/reserve", response_model=ReserveRead)
def read_reserve(lot_id: int, principal: Principal = Depends(current_principal),
                 session: Session = Depends(get_session)) -> ReserveRead:
    """Read the reserve: the designated officer, or insiders after the reveal; every read is in the ledger."""
    queries.get_lot(session, lot_id)
    is_insider = principal.role in (Role.exchange_operator, Role.supervisor)
    amount = reserve.read_reserve(session, lot_id=lot_id, user_id=principal.user_id, actor=principal.actor,
                                  insider=is_insider)
    row = reserve.reserve_status(session, lot_id)
    assert row is not None
    return _reserve_read(lot_id, row, amount)


@router.get("/flags", response_model=FlagPage)
def list_flags(kind: supervision.FlagKind | None = None, lot_id: int | None = None,
               limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
               principal: Principal = Depends(supervisor_role), session: Session = Depends(get_session)) -> FlagPage:
    """Supervision flags, newest first (supervisors)."""
    limit = _page_limit(limit)
    rows, total = supervision.list_flags(session, kind=kind, lot_id=lot_id, limit=limit, offset=offset)
    return FlagPage(items=[flag_read(f, lot) for f, lot in rows], total=total, limit=limit, offset=offset)


def flag_read(flag: Any, lot: Lot) -> FlagRead:
    return FlagRead(id=flag.id, lot_id=lot.id, lot_number=lot.number, lot_title=lot.title, kind=flag.kind,
                    key=flag.key, details=flag.details, raised_at=flag.raised_at)


# --- bank and time ------------------------------------------------------------------------------

@router.post("/bank/callback", response_model=DepositRead)
async def bank_callback(request: Request) -> DepositRead:
    """The bank confirms a deposit, or the balance of a price (价款结算), paid into a sub-account; the body is
    signed with HMAC-SHA256 (F4, L6)."""
    raw = await request.body()
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode(), sign_callback(raw).encode()):
        raise ExchangeError.BAD_SIGNATURE.error()
    try:
        body = BankCallback.model_validate_json(raw)
    except ValidationError:
        raise ExchangeError.INVALID_CALLBACK.error() from None
    session: Session = request.state.db

    def confirm() -> DepositRead:
        credit = {"sub_account": body.sub_account, "amount": body.amount_cny, "payer_name": body.payer_name,
                  "bank_ref": body.bank_ref}
        try:
            if settlement.settlement_for_sub_account(session, body.sub_account) is not None:
                paid = payments.pay_balance(session, **credit, actor="bank:callback")
                reconcile.record_bank_credit(session, **credit, outcome=reconcile.MATCHED)
                return DepositRead(sub_account=paid.sub_account, amount_cny=paid.balance_cny, status=paid.status,
                                   confirmed_at=paid.paid_at)
            deposit = service.confirm_deposit(session, **credit, actor="bank:callback")
        except DomainError as exc:
            # a refused credit (unknown sub-account, wrong amount, ...) is kept for the reconciliation report
            session.rollback()
            reconcile.record_bank_credit(session, **credit, outcome=exc.code)
            session.commit()
            raise
        reconcile.record_bank_credit(session, **credit, outcome=reconcile.MATCHED)
        return DepositRead(sub_account=deposit.sub_account, amount_cny=deposit.amount_cny, status=deposit.status,
                           confirmed_at=deposit.confirmed_at)

    return await run_in_threadpool(confirm)


@router.get("/time", response_model=TimeRead)
def server_time() -> TimeRead:
    """The authoritative server time (clients never trust their own clocks)."""
    at = now()
    return TimeRead(server_time=at, server_time_ms=int(at.timestamp() * 1000))

"""Market-entry JSON API (/api/v1/market-entry; issue #15).

Permissions (the matrix tests/market_entry/test_api.py checks): anonymous callers get 401; each step belongs
to one party — the collective's steps to the clerk of that collective's organisation or a township desk of the
region with the collective's authorisation on file (代办); the bureau's and the county's to natural-resources
officials of the region; the exchange's to exchange operators; registration to registrars; admins may do any.
Reads are for the parties of the case and supervisors. Every step carries the acting user's signed
acknowledgement; a refusal changes nothing (the request's one transaction rolls back).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Principal, Role, current_principal
from landbridge.auth.errors import AuthError
from landbridge.kernel.bounds import DB_INT_MAX
from landbridge.market_entry import deal, desk, jobs, queries, service, supervision
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import DeskAuthorisation, EntryCase, EntryDocument
from landbridge.market_entry.rules import NEXT_ACTOR
from landbridge.market_entry.schemas import CaseOpen, CaseRead, FlagRead, StepIn
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/market-entry", tags=["market-entry"], route_class=TransactionalRoute)

COLLECTIVE, BUREAU, EXCHANGE, REGISTRAR = "collective", "bureau", "exchange", "registrar"
PARTY_ROLES = {BUREAU: Role.nr_official, EXCHANGE: Role.exchange_operator, REGISTRAR: Role.registrar}
READERS = frozenset({Role.collective_clerk, Role.township_official, Role.nr_official, Role.exchange_operator,
                     Role.registrar, Role.supervisor, Role.admin})
# the queue each role works (NEXT_ACTOR's party names)
QUEUES: dict[Role, frozenset[str]] = {
    Role.nr_official: frozenset({"natural_resources", "county"}), Role.exchange_operator: frozenset({"exchange"}),
    Role.registrar: frozenset({"registrar"}), Role.collective_clerk: frozenset({"collective"}),
    Role.township_official: frozenset({"collective"}), Role.admin: frozenset(NEXT_ACTOR.values()),
    Role.supervisor: frozenset(NEXT_ACTOR.values())}


def _need(value: Any, field: str) -> Any:
    if value is None:
        raise MarketEntryError.INVALID_PLAN.error(field=field)
    return value


Step = Callable[[Session, int, StepIn, str], EntryCase]
STEPS: dict[str, tuple[str, Step]] = {
    "issue-conditions": (BUREAU, lambda s, c, b, a: service.issue_conditions(
        s, case_id=c, land_use=_need(b.land_use, "land_use"), indicators=b.indicators or {},
        industry_requirements=_need(b.industry_requirements, "industry_requirements"),
        environment_requirements=_need(b.environment_requirements, "environment_requirements"), actor=a)),
    "draft-plan": (COLLECTIVE, lambda s, c, b, a: service.draft_plan(s, case_id=c, plan=_need(b.plan, "plan"),
                                                                     actor=a)),
    "consult-council": (COLLECTIVE, lambda s, c, b, a: service.consult_council(
        s, case_id=c, held_at=_need(b.held_at, "held_at"), attendees=_need(b.attendees, "attendees"),
        opinion=_need(b.opinion, "opinion"), actor=a)),
    "record-vote": (COLLECTIVE, lambda s, c, b, a: service.record_vote(
        s, case_id=c, motion_id=_need(b.motion_id, "motion_id"), equity_motion_id=b.equity_motion_id, actor=a)),
    "file": (COLLECTIVE, lambda s, c, b, a: service.file_with_county(
        s, case_id=c, transaction_on=_need(b.transaction_on, "transaction_on"), actor=a)),
    "objections": (BUREAU, lambda s, c, b, a: service.lodge_objection(s, case_id=c, text=_need(b.text, "text"),
                                                                      actor=a)),
    "rule-objection": (BUREAU, lambda s, c, b, a: service.rule_objection(
        s, case_id=c, uphold=_need(b.uphold, "uphold"), reason=_need(b.reason, "reason"), actor=a)),
    "clear": (BUREAU, lambda s, c, b, a: service.clear(s, case_id=c, actor=a)),
    "list": (EXCHANGE, lambda s, c, b, a: service.list_on_exchange(
        s, case_id=c, start_price=_need(b.start_price, "start_price"),
        appraised_value=_need(b.appraised_value, "appraised_value"),
        appraisal_ref=_need(b.appraisal_ref, "appraisal_ref"), starts_at=_need(b.starts_at, "starts_at"), actor=a)),
    "mark-unsuccessful": (EXCHANGE, lambda s, c, b, a: service.mark_unsuccessful(s, case_id=c, actor=a)),
    "relist": (EXCHANGE, lambda s, c, b, a: service.relist(s, case_id=c, starts_at=_need(b.starts_at, "starts_at"),
                                                           actor=a)),
    "suspend": (EXCHANGE, lambda s, c, b, a: service.suspend(s, case_id=c, reason=_need(b.reason, "reason"), actor=a)),
    "resume": (EXCHANGE, lambda s, c, b, a: service.resume(s, case_id=c, reason=_need(b.reason, "reason"), actor=a)),
    "terminate": (EXCHANGE, lambda s, c, b, a: service.terminate(s, case_id=c, reason=_need(b.reason, "reason"),
                                                                 actor=a)),
    "withdraw": (COLLECTIVE, lambda s, c, b, a: service.withdraw(s, case_id=c, reason=_need(b.reason, "reason"),
                                                                 actor=a)),
    "confirm-result": (EXCHANGE, lambda s, c, b, a: deal.confirm_result(s, case_id=c, actor=a)),
    "sign-contract": (COLLECTIVE, lambda s, c, b, a: deal.sign_contract(s, case_id=c, actor=a)),
    "annul-result": (EXCHANGE, lambda s, c, b, a: deal.annul_result(s, case_id=c, actor=a)),
    "record-payment": (EXCHANGE, lambda s, c, b, a: deal.record_payment(s, case_id=c, actor=a)),
    "settle-fees": (EXCHANGE, lambda s, c, b, a: deal.settle_fees(s, case_id=c, actor=a)),
    "distribute-revenue": (COLLECTIVE, lambda s, c, b, a: deal.distribute_revenue(s, case_id=c, actor=a)),
    "register": (REGISTRAR, lambda s, c, b, a: deal.register(s, case_id=c, actor=a)),
    "put-in-use": (REGISTRAR, lambda s, c, b, a: deal.put_in_use(s, case_id=c, actor=a)),
}


# the transitions (rules.TRANSITIONS) each step may take: a step is open while the case is in one of their starts
STEP_ACTIONS: dict[str, tuple[str, ...]] = {
    **{name: (name.replace("-", "_"),) for name in STEPS},
    "objections": ("lodge_objection",), "rule-objection": ("uphold_objection", "reject_objection"),
}


def admit(session: Session, principal: Principal, party: str, collective_id: int, region_code: str) -> int | None:
    """Whether the caller may act for ``party`` on a case of this collective and region; returns the collective
    id when a township desk acts for it (代办), else None. 403 otherwise, before anything is read or written."""
    if principal.role is Role.admin:
        return None
    if party == COLLECTIVE:
        if principal.role is Role.collective_clerk:
            if collective.get_collective(session, collective_id).organisation_id != principal.organisation_id:
                raise MarketEntryError.FORBIDDEN.error(collective_id=collective_id)
            return None
        if principal.role is Role.township_official:
            if not principal.covers_region(region_code):
                raise AuthError.FORBIDDEN_REGION.error(region_code=region_code)
            desk.require_desk(session, collective_id, principal.organisation_id)
            return collective_id
        raise AuthError.FORBIDDEN_ROLE.error()
    if principal.role is not PARTY_ROLES[party]:
        raise AuthError.FORBIDDEN_ROLE.error()
    if not principal.covers_region(region_code):
        raise AuthError.FORBIDDEN_REGION.error(region_code=region_code)
    return None


# --- the code paths the API and the pages share (one per kind of change) ------------------------------

def open_for(session: Session, principal: Principal, body: CaseOpen) -> EntryCase:
    """Open a case for the collective as the caller (its clerk, or a township desk with its authorisation on
    file), with the caller's signed acknowledgement."""
    coll = collective.get_collective(session, body.collective_id)
    on_behalf = admit(session, principal, COLLECTIVE, coll.id, coll.region_code)
    case = service.open_case(session, collective_id=coll.id, unit_id=body.unit_id, actor=principal.actor,
                             purpose=body.purpose, programme_ref=body.programme_ref, phase=body.phase,
                             conversion_motion_id=body.conversion_motion_id)
    desk.acknowledge(session, case=case, step="open", acknowledgement=body.acknowledgement, actor=principal.actor,
                     on_behalf_of=on_behalf)
    return case


def perform_step(session: Session, principal: Principal, case_id: int, step: str, body: StepIn) -> EntryCase:
    """One step of the case (``STEPS``) by the caller for its party (``admit``), then the signed acknowledgement
    (代办 noted when a township desk acts for the collective)."""
    if step not in STEPS:
        raise MarketEntryError.INVALID_TRANSITION.error(state="?", action=step[:40])
    party, act = STEPS[step]
    case = queries.get_case(session, case_id)
    on_behalf = admit(session, principal, party, case.collective_id, case.region_code)
    case = act(session, case_id, body, principal.actor)
    desk.acknowledge(session, case=case, step=step, acknowledgement=body.acknowledgement, actor=principal.actor,
                     on_behalf_of=on_behalf)
    return case


def party_of(principal: Principal) -> str:
    """The party a caller's role acts for (a township desk acts for the collective)."""
    if principal.role in {Role.collective_clerk, Role.township_official}:
        return COLLECTIVE
    return next((p for p, r in PARTY_ROLES.items() if r is principal.role), COLLECTIVE)


def attach_for(session: Session, principal: Principal, case_id: int, *, step: str, filename: str, media_type: str,
               content: bytes, acknowledgement: str) -> EntryDocument:
    """Upload a document of a step as the caller: a reader of the case admitted for its own party."""
    case = queries.get_case(session, case_id)
    _reader(session, principal, case)
    admit(session, principal, party_of(principal), case.collective_id, case.region_code)
    return desk.attach_document(session, case_id=case.id, step=step, filename=filename, media_type=media_type,
                                content=content, acknowledgement=acknowledgement, actor=principal.actor)


def authorise_for(session: Session, principal: Principal, collective_id: int, *, desk_organisation_id: int,
                  content: bytes, media_type: str, valid_until: date) -> DeskAuthorisation:
    """Put the collective's signed authorisation of a township desk on file (代办) as its clerk (or an admin)."""
    coll = collective.get_collective(session, collective_id)
    if principal.role is not Role.admin and (principal.role is not Role.collective_clerk
                                             or coll.organisation_id != principal.organisation_id):
        raise MarketEntryError.FORBIDDEN.error(collective_id=collective_id)
    return desk.authorise_desk(session, collective_id=coll.id, desk_organisation_id=desk_organisation_id,
                               document=content, media_type=media_type, valid_until=valid_until,
                               actor=principal.actor)


def _reader(session: Session, principal: Principal, case: EntryCase) -> None:
    if principal.role not in READERS:
        raise AuthError.FORBIDDEN_ROLE.error()
    if principal.role is Role.collective_clerk and \
            collective.get_collective(session, case.collective_id).organisation_id != principal.organisation_id:
        raise MarketEntryError.FORBIDDEN.error(collective_id=case.collective_id)
    if not principal.covers_region(case.region_code):
        raise AuthError.FORBIDDEN_REGION.error(region_code=case.region_code)


def case_read(case: EntryCase) -> CaseRead:
    due = jobs.due_of(case)
    return CaseRead(
        id=case.id, number=case.number, status=case.status, region_code=case.region_code,
        collective_id=case.collective_id, unit_id=case.unit_id, parcel_id=case.parcel_id, purpose=case.purpose,
        programme_ref=case.programme_ref, phase=case.phase,
        next_party=due.party if due else None, due_step=due.step if due else None, due_on=due.due_on if due else None,
        conditions=case.conditions, plan=case.plan, filed_on=case.filed_on,
        objection_closes_on=case.objection_closes_on, transaction_on=case.transaction_on,
        objection_status=case.objection_status, lot_id=case.lot_id, floor_price_cny=case.floor_price_cny,
        start_price_cny=case.start_price_cny, price_cny=case.price_cny, adjustment_fee_cny=case.adjustment_fee_cny,
        proceeds_cny=case.proceeds_cny, retained_cny=case.retained_cny, members_cny=case.members_cny,
        registry_application_id=case.registry_application_id, equity_motion_id=case.equity_motion_id,
        equity_contribution_id=case.equity_contribution_id, attempts=case.attempts, version=case.version)


@router.post("/cases", response_model=CaseRead, status_code=201)
def open_case(body: CaseOpen, principal: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> CaseRead:
    """Open an entry case for a unit of the collective's operating construction land (申请入市), for a purpose
    (operating, rental housing, an urban-village phase with its programme and phase; L8)."""
    return case_read(open_for(session, principal, body))


@router.get("/cases", response_model=list[CaseRead])
def list_cases(queue: bool = Query(False, description="only the cases waiting for the caller's party"),
               limit: int = Query(50, ge=1, le=200), principal: Principal = Depends(current_principal),
               session: Session = Depends(get_session)) -> list[CaseRead]:
    """Cases the caller may see (their collective's, their region's); ``queue`` keeps those waiting for them."""
    if principal.role not in READERS:
        raise AuthError.FORBIDDEN_ROLE.error()
    coll_id = None
    if principal.role is Role.collective_clerk:
        found = collective.find_collective_of_organisation(session, principal.organisation_id)
        if found is None:
            return []
        coll_id = found.id
    rows = queries.list_cases(session, collective_id=coll_id, limit=limit)
    rows = [c for c in rows if principal.covers_region(c.region_code)]
    if queue:
        parties = QUEUES.get(principal.role, frozenset())
        rows = [c for c in rows if (d := jobs.due_of(c)) is not None and d.party in parties]
        rows.sort(key=lambda c: (jobs.due_of(c).due_on or date.max))  # type: ignore[union-attr]
    return [case_read(c) for c in rows]


@router.get("/cases/{case_id}", response_model=CaseRead)
def read_case(case_id: int, principal: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> CaseRead:
    case = queries.get_case(session, case_id)
    _reader(session, principal, case)
    return case_read(case)


@router.post("/cases/{case_id}/steps/{step}", response_model=CaseRead)
def take_step(case_id: int, step: str, body: StepIn, principal: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> CaseRead:
    """One step of the case (``STEPS``), by its party, with the acting user's signed acknowledgement."""
    return case_read(perform_step(session, principal, case_id, step, body))


@router.post("/cases/{case_id}/documents", status_code=201)
async def upload(case_id: int, file: UploadFile = File(...), step: str = Form(..., max_length=32),
                 acknowledgement: str = Form(..., max_length=500), principal: Principal = Depends(current_principal),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """Upload a document of a step (PDF, PNG or JPEG; size- and type-checked; SHA-256 in the ledger)."""
    limit = queries.entry_rules().upload_max_bytes
    content = await file.read(limit + 1)

    def work() -> dict[str, Any]:
        doc = attach_for(session, principal, case_id, step=step, filename=file.filename or "document",
                         media_type=file.content_type or "", content=content, acknowledgement=acknowledgement)
        return {"id": doc.id, "sha256": doc.sha256, "size_bytes": doc.size_bytes, "media_type": doc.media_type}

    return await run_in_threadpool(work)


@router.post("/collectives/{collective_id}/desk-authorisations", status_code=201)
async def authorise(collective_id: int, file: UploadFile = File(...),
                    desk_organisation_id: int = Form(..., ge=1, le=DB_INT_MAX), valid_until: date = Form(...),
                    principal: Principal = Depends(current_principal),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """The collective's clerk puts its signed authorisation of a township desk on file (代办)."""
    limit = queries.entry_rules().upload_max_bytes
    content = await file.read(limit + 1)

    def work() -> dict[str, Any]:
        row = authorise_for(session, principal, collective_id, desk_organisation_id=desk_organisation_id,
                            content=content, media_type=file.content_type or "", valid_until=valid_until)
        return {"id": row.id, "document_sha256": row.document_sha256, "valid_until": row.valid_until.isoformat()}

    return await run_in_threadpool(work)


@router.get("/flags", response_model=list[FlagRead])
def flags(principal: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> list[FlagRead]:
    """The supervisor's list of entry flags."""
    if principal.role not in {Role.supervisor, Role.admin}:
        raise AuthError.FORBIDDEN_ROLE.error()
    return [FlagRead(case_id=f.case_id, number=f.number, flag=f.flag.value, name_zh=supervision.FLAG_NAMES[f.flag][0],
                     name_en=supervision.FLAG_NAMES[f.flag][1], detail=f.detail)
            for f in supervision.list_flags(session)]

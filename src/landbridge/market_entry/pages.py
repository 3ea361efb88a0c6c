"""Market-entry pages (issue #15 scope 5, 一次不跑): each party's queue with deadlines (the bureau's, the county's,
the exchange's, the registry's, the collective's) and the case file with its timeline from the ledger, the step
due next, by whom and by when. zh-CN by default, English with ``?lang=en``.

Every step is done on the page, server-rendered, no JavaScript: the case file shows a form for each step the
caller's party may take now (the case's state allows it and ``views.admit`` admits the caller, a township desk
only with the collective's authorisation on file), with the step's own fields, the acting user's signed
acknowledgement and the form token. The forms post to ``/market-entry/cases/{id}/steps/{step}``, which runs the
same code path as the API (``views.perform_step``); the queue opens a case (``views.open_for``) and the case
file uploads a document (``views.attach_for``). The vote step picks the members' decision from the collective's
sealed, passed motions on the case (``collective.passed_motions``), the equity motion too for a plan by
contribution as equity. The queue page of a collective's clerk lists the collective's township desk authorisations
(代办授权) and puts a new one on file (``views.authorise_for``) or revokes one. A refusal keeps nothing and
re-renders the page with its message and its 4xx status (a wrong role or another collective: the 403 page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.auth import Principal, Role, optional_principal, township_desks, user_names
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.kernel.clock import now, to_local
from landbridge.kernel.workdays import add_workdays
from landbridge.ledger import history, history_panel, subjects
from landbridge.market_entry import desk, jobs, queries, service
from landbridge.market_entry.errors import MarketEntryError
from landbridge.market_entry.models import EntryCase
from landbridge.market_entry.rules import TRANSITIONS, CaseState
from landbridge.market_entry.schemas import CaseOpen
from landbridge.market_entry.service import DECIDED_PHASES, _lot_phase
from landbridge.market_entry.step_forms import (
    FORMS,
    METHOD_LABELS,
    RAW_MAX,
    TRANSACTION_LABELS,
    F,
    Field,
    field_value,
    invalid,
    parse_step,
    zh,
)
from landbridge.market_entry.views import (
    COLLECTIVE,
    QUEUES,
    READERS,
    STEP_ACTIONS,
    STEPS,
    _reader,
    admit,
    attach_for,
    authorise_for,
    open_for,
    perform_step,
)
from landbridge.web.forms import check_csrf
from landbridge.web.i18n import request_locale
from landbridge.web.pages import PageKit, flash, form_refusal, refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
LOCALE_DIR = Path(__file__).parent / "locale"

STATE_LABELS = {
    "opened": "Opened, awaiting planning conditions", "conditions_issued": "Planning conditions issued",
    "plan_drafted": "Entry plan drafted", "council_consulted": "Affairs council consulted",
    "vote_passed": "Members consented", "filed": "Filed with the county", "revision_required": "Revision required",
    "cleared": "Cleared for listing", "listed": "Listed on the exchange", "suspended": "Suspended",
    "unsuccessful": "No deal", "result_confirmed": "Result confirmed", "contract_signed": "Contract signed",
    "paid": "Price paid", "fees_settled": "Fees settled", "revenue_distributed": "Revenue distributed",
    "registered": "Registration lodged", "in_use": "In use", "withdrawn": "Withdrawn", "terminated": "Terminated"}
PARTY_LABELS = {"natural_resources": "Natural resources bureau", "county": "County", "collective": "Collective",
                "exchange": "Exchange", "registrar": "Registry"}
STEP_PARTY_LABELS = {"collective": "Collective", "bureau": "Natural resources bureau", "exchange": "Exchange",
                     "registrar": "Registry"}
PURPOSE_LABELS = {"operating": "Operating use", "rental_housing": "Rental housing on collective land",
                  "urban_village_phase": "Urban-village redevelopment phase"}
STEP_LABELS = {
    "open": "Open the case", "issue-conditions": "Issue the planning conditions", "draft-plan": "Draft the entry plan",
    "consult-council": "Consult the affairs council", "record-vote": "Record the members' consent",
    "file": "File with the county", "objections": "Lodge an objection", "rule-objection": "Rule on the objection",
    "clear": "Clear for listing", "list": "List on the exchange", "mark-unsuccessful": "Record no deal",
    "relist": "List again", "suspend": "Suspend", "resume": "Resume", "terminate": "Terminate",
    "withdraw": "Withdraw the entry", "confirm-result": "Confirm the result", "sign-contract": "Sign the contract",
    "annul-result": "Follow the annulled result (objection upheld)",
    "record-payment": "Record full payment", "settle-fees": "Settle the fees",
    "distribute-revenue": "Distribute the revenue", "register": "Lodge the registration",
    "put-in-use": "Put the land in use"}
YESNO_LABELS = {"yes": "Uphold the objection (back for revision)", "no": "Reject the objection (the filing stands)"}
LOT_PHASE_LABELS = {
    "draft": "Draft", "announced": "Announced", "listing": "Listing under way", "listing_frozen": "Listing closing",
    "countdown": "Countdown bidding", "registration_closed": "Registration closed", "live_auction": "Online auction",
    "award_pending": "Award pending", "confirmed": "Award confirmed", "settled": "Price settled",
    "handed_over": "Handed over to the registry", "unsuccessful": "Unsuccessful", "cancelled": "Cancelled",
    "tendering": "Tender window open", "evaluation": "Tender evaluation", "publicity": "Publicity",
    "negotiation": "Negotiation"}
STANDING_LABELS = {"active": "In force", "expired": "Expired", "revoked": "Revoked"}
KIT = PageKit(locale_dir=LOCALE_DIR, labels={
    "state": STATE_LABELS, "lot_phase": LOT_PHASE_LABELS, "party": PARTY_LABELS, "step_party": STEP_PARTY_LABELS,
    "step": STEP_LABELS, "method": METHOD_LABELS, "transaction": TRANSACTION_LABELS, "yesno": YESNO_LABELS,
    "purpose": PURPOSE_LABELS, "standing": STANDING_LABELS})
ROLE_PARTY = {Role.collective_clerk: COLLECTIVE, Role.township_official: COLLECTIVE, Role.nr_official: "bureau",
              Role.exchange_operator: "exchange", Role.registrar: "registrar"}
# the step that usually moves a case on from each state (the "next step" line of the case file)
NEXT_STEP = {"opened": "issue-conditions", "conditions_issued": "draft-plan", "plan_drafted": "consult-council",
             "council_consulted": "record-vote", "vote_passed": "file", "filed": "clear",
             "revision_required": "draft-plan", "cleared": "list", "listed": "confirm-result", "suspended": "resume",
             "unsuccessful": "relist", "result_confirmed": "sign-contract", "contract_signed": "record-payment",
             "paid": "settle-fees", "fees_settled": "distribute-revenue", "revenue_distributed": "register",
             "registered": "put-in-use"}
# the steps shown under "other actions" (not the case's main line)
SECONDARY = frozenset({"withdraw", "suspend", "terminate", "objections"})
# --- what the case file offers the caller -------------------------------------------------------------------

def open_steps(session: Session, caller: Principal, case: EntryCase) -> tuple[list[str], str | None]:
    """The steps the caller may take on the case now, and why none where a township desk lacks the collective's
    authorisation (the refusal's message code)."""
    state = CaseState(case.status)
    admitted: dict[str, bool] = {}
    blocked = None
    out = []
    for step, (party, _) in STEPS.items():
        if not any(state in TRANSITIONS[a][0] for a in STEP_ACTIONS[step]):
            continue
        if step == "objections" and (case.objection_status == "pending" or case.objection_closes_on is None
                                     or to_local(now()).date() > case.objection_closes_on):
            continue
        if step == "rule-objection" and case.objection_status != "pending":
            continue
        if step == "clear" and case.objection_status == "pending":
            continue
        if step in {"confirm-result", "mark-unsuccessful"} and not _lot_allows(_lot_phase(session, case), step):
            continue
        if party not in admitted:
            try:
                admit(session, caller, party, case.collective_id, case.region_code)
                admitted[party] = True
            except DomainError as exc:
                admitted[party] = False
                if party == ROLE_PARTY.get(caller.role) and caller.role is Role.township_official:
                    blocked = exc.code
        if admitted[party]:
            out.append(step)
    first = NEXT_STEP.get(case.status)
    return sorted(out, key=lambda name: name != first), blocked


def _lot_allows(phase: str, step: str) -> bool:
    """A listed case's result is confirmed once the exchange has decided the lot, and recorded as no deal once
    the lot ended without one (the exchange's phase, ``service._lot_phase``; the steps' own guards say the same)."""
    return phase in DECIDED_PHASES if step == "confirm-result" else phase == "unsuccessful"


def defaults(case: EntryCase) -> dict[str, dict[str, str]]:
    """The values a step's form starts with: the plan from the issued conditions (or the plan being revised),
    the earliest transaction day the filing allows, the planned transaction day for the listing."""
    today = to_local(now()).date()
    conditions = case.conditions or {}
    plan = case.plan or {}
    draft = {f"plan_{k}": str(plan.get(k, conditions.get(k, "")) or "") for k in (
        "boundary", "area_m2", "term_years", "method", "equity_share", "transaction_method", "floor_price",
        "land_grade")}
    draft.update({"plan_land_use": str(plan.get("land_use") or conditions.get("land_use") or ""),
                  "plan_conditions": str(conditions.get("number") or ""),
                  "plan_industry_requirements": str(plan.get("industry_requirements")
                                                    or conditions.get("industry_requirements") or ""),
                  "plan_environment_requirements": str(plan.get("environment_requirements")
                                                       or conditions.get("environment_requirements") or ""),
                  "plan_retained_share": str((plan.get("revenue_arrangement") or {}).get("retained_share", ""))})
    out: dict[str, dict[str, str]] = {"draft-plan": draft}
    out["consult-council"] = {"held_at": to_local(now()).strftime("%Y-%m-%dT%H:%M")}
    try:
        lead = queries.entry_rules().filing_lead_workdays
        out["file"] = {"transaction_on": add_workdays(today, lead).isoformat()}
    except DomainError:
        pass
    if case.transaction_on is not None:
        out["list"] = {"starts_at": f"{case.transaction_on.isoformat()}T10:00"}
    return out


def case_forms(session: Session, case: EntryCase, steps: list[str], values: dict[str, dict[str, str]]
               ) -> tuple[dict[str, tuple[Field, ...]], dict[str, list[Any]]]:
    """The step forms of this case and the motions its vote may pick (``collective.passed_motions``: the
    collective's sealed, passed motions of each kind on the case, newest first, the newest chosen unless the caller
    chose another). The equity motion is asked, and required, only of a plan by contribution as equity."""
    equity = bool(case.plan and case.plan.get("method") == "equity")
    vote = tuple(replace(f, required=True) if f.options == service.EQUITY_KIND else f
                 for f in FORMS["record-vote"] if equity or f.options != service.EQUITY_KIND)
    forms = {**FORMS, "record-vote": vote}
    if "record-vote" not in steps:
        return forms, {}
    motions = {f.options: collective.passed_motions(session, case.collective_id, kind=f.options,
                                                    subject_ref=case.number) for f in vote}
    chosen = values.setdefault("record-vote", {})
    for f in vote:
        if motions[f.options] and f.name not in chosen:
            chosen[f.name] = str(motions[f.options][0].id)
    return forms, motions


def _user_id(actor: str) -> int | None:
    kind, _, rest = actor.partition(":")
    number = rest.split(":", 1)[0]
    return int(number) if kind == "user" and number.isdigit() else None


def acknowledgements(session: Session, case: EntryCase) -> list[dict[str, Any]]:
    """The signed steps of the case from the ledger, newest first: who signed what (name and organisation), and
    whether a township desk signed for the collective (代办)."""
    events = [e for e in history(session, [subjects.entry_case(case.id)], limit=200)
              if e.event_type == "step_acknowledged"]
    users = user_names(session, [u for e in events if (u := _user_id(e.actor or "")) is not None])
    coll = collective.get_collective(session, case.collective_id).name
    rows = []
    for e in events:
        actor = e.actor or ""
        uid = _user_id(actor)
        who, org = users.get(uid, (actor, "")) if uid is not None else (actor, "")
        rows.append({"at": e.recorded_at, "step": e.payload.get("step"), "who": who, "org": org,
                     "on_behalf": e.payload.get("on_behalf_of_collective"), "collective": coll,
                     "signature": str(e.payload.get("signature_sha256", ""))[:16]})
    return rows


def _lang(request: Request) -> str:
    return "?lang=en" if request_locale(request) == "en" else ""


def render_case(request: Request, session: Session, caller: Principal, case_id: int, *, status_code: int = 200,
                error: str | None = None, failed: str | None = None, submitted: Mapping[str, str] | None = None
                ) -> Response:
    """The case file; after a refused step its message, its status and the values the caller entered."""
    try:
        case = queries.get_case(session, case_id)
        _reader(session, caller, case)
    except DomainError as exc:
        return refuse(request, exc)
    steps, blocked = open_steps(session, caller, case)
    values = defaults(case)
    if failed is not None and submitted is not None:
        values[failed] = {k: v for k, v in submitted.items() if k != "csrf"}
    docs = desk.list_documents(session, case.id)
    forms, motions = case_forms(session, case, steps, values)
    return KIT.page(request, "market_entry/case.html", {
        "case": case, "due": jobs.due_of(case), "next_step": NEXT_STEP.get(case.status),
        "all_steps": [(n, p) for n, (p, _) in STEPS.items()],
        "mine": ROLE_PARTY.get(caller.role), "open_steps": [s for s in steps if s not in SECONDARY],
        "other_steps": [s for s in steps if s in SECONDARY], "forms": forms, "values": values, "blocked": blocked,
        "motions": motions,
        "error": error, "failed": failed, "lang_q": _lang(request), "documents": docs,
        "acks": acknowledgements(session, case),
        "lot_phase": None if case.lot_id is None else _lot_phase(session, case),
        "buyer": registry.get_party(session, case.buyer_party_id).name if case.buyer_party_id else None,
        "closed": CaseState(case.status) in {CaseState.in_use, CaseState.withdrawn, CaseState.terminated},
        "ledger_history": history_panel(session, [subjects.entry_case(case.id)])}, status_code=status_code)


async def form_of(request: Request) -> dict[str, str]:
    """A posted form's text fields (files are read by the upload route itself)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _message(request: Request, exc: DomainError) -> str:
    return exc.message if request_locale(request) == "zh_CN" else exc.message_en


# --- the routes ----------------------------------------------------------------------------------------------


@router.get("/market-entry", response_class=Response)
def queue_page(request: Request, principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """The caller's queue: the cases waiting for their party, earliest deadline first, and all cases they see;
    a collective's clerk (or an authorised township desk) opens a case here."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    return _queue(request, session, caller)


def _queue(request: Request, session: Session, caller: Principal, *, status_code: int = 200,
           error: str | None = None, submitted: Mapping[str, str] | None = None, desk_error: str | None = None,
           desk_values: Mapping[str, str] | None = None) -> Response:
    parties = QUEUES.get(caller.role, frozenset())
    rows = [c for c in queries.list_cases(session, limit=200) if caller.covers_region(c.region_code)]
    if caller.role is Role.collective_clerk:
        own = collective.find_collective_of_organisation(session, caller.organisation_id)
        rows = [c for c in rows if own is not None and c.collective_id == own.id]
    items = [(c, jobs.due_of(c)) for c in rows]
    waiting = sorted([(c, d) for c, d in items if d is not None and d.party in parties],
                     key=lambda t: (t[1].due_on or date.max, t[0].id))
    may_open = caller.role in {Role.collective_clerk, Role.township_official, Role.admin}
    desks = None
    if caller.role is Role.collective_clerk:
        own = collective.find_collective_of_organisation(session, caller.organisation_id)
        desks = desk_panel(session, own.id, own.region_code) if own is not None else None
    return KIT.page(request, "market_entry/queue.html", {
        "waiting": waiting, "cases": items, "role": caller.role, "may_open": may_open, "next_steps": NEXT_STEP,
        "asks_collective": caller.role is not Role.collective_clerk, "error": error, "values": submitted or {},
        "desks": desks, "desk_error": desk_error, "desk_values": desk_values or {},
        "lang_q": _lang(request)}, status_code=status_code)


def desk_panel(session: Session, collective_id: int, region_code: str) -> dict[str, Any]:
    """The collective's township desk authorisations (代办授权) for its clerk: each with its desk, validity and
    standing (in force, expired or revoked), and the township desks it may authorise."""
    names = dict(township_desks(session, region_code))
    today = to_local(now()).date()
    rows = [{"id": a.id, "desk": names.get(a.desk_organisation_id, str(a.desk_organisation_id)),
             "valid_until": a.valid_until, "sha256": a.document_sha256[:16], "created_at": a.created_at,
             "standing": "revoked" if a.status != "active" else "expired" if a.valid_until < today else "active"}
            for a in desk.list_authorisations(session, collective_id)]
    return {"authorisations": rows, "choices": sorted(names.items(), key=lambda kv: kv[1])}


@router.post("/market-entry/cases", response_class=Response)
def open_form(request: Request, form: dict[str, str] = Depends(form_of),
              principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> Response:
    """Open a case from the queue page (申请入市): the clerk names the unit (a township desk also the collective),
    with a signed acknowledgement; the same code path as the API."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        if caller.role is Role.collective_clerk:
            own = collective.find_collective_of_organisation(session, caller.organisation_id)
            if own is None:
                raise MarketEntryError.FORBIDDEN.error(collective_id=0)
            coll_id: Any = own.id
        else:
            coll_id = field_value(F("collective_id", "Collective number", "int"), form.get("collective_id", ""))
        unit_id = field_value(F("unit_id", "Property unit number", "int"), form.get("unit_id", ""))
        ack = form.get("acknowledgement", "").strip()[:RAW_MAX]
        if not ack:
            raise MarketEntryError.ACK_REQUIRED.error()
        try:
            body = CaseOpen(collective_id=coll_id, unit_id=unit_id, acknowledgement=ack)
        except ValidationError:
            raise invalid(F("unit_id", "Property unit number"), "range") from None
        case = open_for(session, caller, body)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return _queue(request, session, caller, status_code=exc.http_status, error=_message(request, exc),
                      submitted=form)
    flash(request, "ok", f"已申请入市，案件 {case.number}", f"case {case.number} opened")
    return RedirectResponse(f"/market-entry/cases/{case.id}{_lang(request)}", status_code=303)


@router.get("/market-entry/cases/{case_id}", response_class=Response)
def case_page(case_id: int, request: Request, principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> Response:
    """The case file: facts, the step due next with its party and deadline, a form for each step the caller may
    take now, the documents, the signed steps (代办 marked) and the ledger timeline."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    return render_case(request, session, caller, case_id)


@router.post("/market-entry/cases/{case_id}/steps/{step}", response_class=Response)
def step_form(case_id: int, step: str, request: Request, form: dict[str, str] = Depends(form_of),
              principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> Response:
    """Take one step from its form on the case file, as the API does (``views.perform_step``)."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        if step not in STEPS:
            raise MarketEntryError.INVALID_TRANSITION.error(state="?", action=step[:40])
        case = perform_step(session, caller, case_id, step, parse_step(step, form))
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return render_case(request, session, caller, case_id, status_code=exc.http_status,
                           error=_message(request, exc), failed=step, submitted=form)
    label = STEP_LABELS.get(step, step)
    flash(request, "ok", f"已办理：{zh(label)}（案件 {case.number}）", f"done: {label.lower()} (case {case.number})")
    return RedirectResponse(f"/market-entry/cases/{case.id}{_lang(request)}", status_code=303)


@router.post("/market-entry/cases/{case_id}/documents", response_class=Response)
def upload_form(case_id: int, request: Request, file: UploadFile = File(...),
                step: str = Form("", max_length=32), acknowledgement: str = Form("", max_length=RAW_MAX),
                csrf: str = Form(""),
                principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> Response:
    """Upload a document of a step from the case file (PDF, PNG or JPEG), as the API does (``views.attach_for``)."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    try:
        check_csrf(request, csrf)
        content = file.file.read(queries.entry_rules().upload_max_bytes + 1)
        doc = attach_for(session, caller, case_id, step=step, filename=file.filename or "document",
                         media_type=file.content_type or "", content=content, acknowledgement=acknowledgement)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return render_case(request, session, caller, case_id, status_code=exc.http_status,
                           error=_message(request, exc), failed="documents",
                           submitted={"step": step, "acknowledgement": acknowledgement})
    flash(request, "ok", f"已上传 {doc.filename}（SHA-256 {doc.sha256[:16]}…）",
          f"uploaded {doc.filename} (SHA-256 {doc.sha256[:16]}…)")
    return RedirectResponse(f"/market-entry/cases/{case_id}{_lang(request)}#documents", status_code=303)


def _clerks_collective(session: Session, caller: Principal) -> Any:
    """The collective whose clerk is calling (desk authorisations are the clerk's); anyone else 403."""
    own = collective.find_collective_of_organisation(session, caller.organisation_id) \
        if caller.role is Role.collective_clerk else None
    if own is None:
        raise MarketEntryError.FORBIDDEN.error(collective_id=0)
    return own


@router.post("/market-entry/desk-authorisations", response_class=Response)
def authorise_form(request: Request, file: UploadFile = File(...),
                   desk_organisation_id: str = Form("", max_length=RAW_MAX), valid_until: str = Form("", max_length=40),
                   csrf: str = Form(""),
                   principal: Principal | None = Depends(optional_principal),
                   session: Session = Depends(get_session)) -> Response:
    """The collective's clerk puts its signed authorisation of a township desk on file from the queue page (代办
    授权): the desk, the last day it is valid and the signed document, as the API does (``views.authorise_for``).
    A refusal keeps nothing and shows the page again with its message and the values entered."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    try:
        check_csrf(request, csrf)
        own = _clerks_collective(session, caller)
        desk_id = field_value(F("desk_organisation_id", "Township desk", "int"), desk_organisation_id)
        until = field_value(F("valid_until", "Valid until", "date"), valid_until)
        content = file.file.read(queries.entry_rules().upload_max_bytes + 1)
        row = authorise_for(session, caller, own.id, desk_organisation_id=desk_id, content=content,
                            media_type=file.content_type or "", valid_until=until)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return _queue(request, session, caller, status_code=exc.http_status, desk_error=_message(request, exc),
                      desk_values={"desk_organisation_id": desk_organisation_id, "valid_until": valid_until})
    flash(request, "ok", f"已备案代办委托书（有效至 {row.valid_until}，SHA-256 {row.document_sha256[:16]}…）",
          f"authorisation on file (valid until {row.valid_until}, SHA-256 {row.document_sha256[:16]}…)")
    return RedirectResponse(f"/market-entry{_lang(request)}#desk", status_code=303)


@router.post("/market-entry/desk-authorisations/{authorisation_id}/revoke", response_class=Response)
def revoke_form(authorisation_id: int, request: Request, csrf: str = Form(""),
                principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> Response:
    """The collective's clerk revokes one of its collective's desk authorisations from the queue page."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    try:
        check_csrf(request, csrf)
        own = _clerks_collective(session, caller)
        desk.revoke_desk(session, authorisation_id=authorisation_id, collective_id=own.id, actor=caller.actor)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return _queue(request, session, caller, status_code=exc.http_status, desk_error=_message(request, exc))
    flash(request, "ok", "已撤销代办委托", "authorisation revoked")
    return RedirectResponse(f"/market-entry{_lang(request)}#desk", status_code=303)

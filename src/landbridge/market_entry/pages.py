"""Market-entry pages (issue #15 scope 5): each party's queue with deadlines (the bureau's, the county's, the
exchange's, the registry's, the collective's) and the case file with its timeline from the ledger, the step
due next, by whom and by when. zh-CN by default, English with ``?lang=en``. Steps are taken through the API
(/api/v1/market-entry), each with the acting user's signed acknowledgement.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.ledger import history_panel, subjects
from landbridge.market_entry import jobs, queries
from landbridge.market_entry.rules import CaseState
from landbridge.market_entry.views import QUEUES, READERS, STEPS, _reader
from landbridge.web.pages import PageKit, refuse
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
KIT = PageKit(locale_dir=LOCALE_DIR, labels={"state": STATE_LABELS, "party": PARTY_LABELS,
                                             "step_party": STEP_PARTY_LABELS, "purpose": PURPOSE_LABELS})


@router.get("/market-entry", response_class=Response)
def queue_page(request: Request, principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """The caller's queue: the cases waiting for their party, earliest deadline first, and all cases they see."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    parties = QUEUES.get(caller.role, frozenset())
    rows = [c for c in queries.list_cases(session, limit=200) if caller.covers_region(c.region_code)]
    items = [(c, jobs.due_of(c)) for c in rows]
    waiting = sorted([(c, d) for c, d in items if d is not None and d.party in parties],
                     key=lambda t: (t[1].due_on or date.max, t[0].id))
    return KIT.page(request, "market_entry/queue.html", {"waiting": waiting, "cases": items, "role": caller.role})


@router.get("/market-entry/cases/{case_id}", response_class=Response)
def case_page(case_id: int, request: Request, principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> Response:
    """The case file: facts, the step due next with its party and deadline, the caller's own steps, the timeline."""
    caller = page_caller(request, principal, READERS)
    if isinstance(caller, Response):
        return caller
    try:
        case = queries.get_case(session, case_id)
        _reader(session, caller, case)
    except DomainError as exc:
        return refuse(request, exc)
    mine = {"collective_clerk": "collective", "township_official": "collective", "nr_official": "bureau",
            "exchange_operator": "exchange", "registrar": "registrar"}.get(caller.role.value)
    steps = [(name, party) for name, (party, _) in STEPS.items()]
    return KIT.page(request, "market_entry/case.html", {
        "case": case, "due": jobs.due_of(case), "steps": steps, "mine": mine,
        "closed": CaseState(case.status) in {CaseState.in_use, CaseState.withdrawn, CaseState.terminated},
        "ledger_history": history_panel(session, [subjects.entry_case(case.id)])})

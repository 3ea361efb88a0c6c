"""The quota desks (issue #16 item 6): the forms of the collective, the county bureau and the land reserve centre.

Server-rendered, zh-CN by default, English with ``?lang=en`` (the module's Babel catalogue under ``locale/``):

- ``/quota/projects/new``: a collective's clerk (for its own collective) or the county bureau registers a
  reclamation project; the boundary is GeoJSON in a bounded textarea, parsed and checked as the API does;
- ``/quota/projects/{id}``: the project's facts, state and ledger history, with the bureau's next step (start the
  works, accept with the measured area, grade and date, or reject with a reason);
- ``/quota/plans/{county}/{year}``: the county's supply plan: the bureau drafts it (a few fixed line rows by use
  and quarter), approves it and allocates quota to a destination parcel;
- ``/quota/reserves/new`` and ``/quota/reserves/{id}``: the land reserve centre proposes a case, acquires the
  land, supplies it by the plan or cancels the proposal.

Every form runs the JSON API's own handler (``views``), so the permissions are the API's (the bureau and the
centre act for the county their organisation covers: another county's is the 403 page). A refused step keeps
nothing (rollback); its typed message is shown on the form with the values entered, under the refusal's 4xx
status; a 403, a 404 and a failed form token are the refusal page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.errors import AuthError
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.kernel.clock import SHANGHAI
from landbridge.land_quota import plan, reserve, service, views
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.models import ReclamationProject, SupplyPlan
from landbridge.land_quota.pages import PROJECT_KIND, PROJECT_STATUS, RESERVE_STATUS, USE, _label
from landbridge.land_quota.withdrawal_pages import KIT, yuan
from landbridge.ledger import history_panel
from landbridge.web.forms import check_csrf
from landbridge.web.i18n import request_locale
from landbridge.web.pages import flash, form_refusal
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

FIELD_LIMIT = 300
#: The boundary textarea: a GeoJSON (Multi)Polygon of at most this many characters (the vertex limit is the rule's).
BOUNDARY_CHARS = 20_000
PLAN_ROWS = 6  # line rows on the draft form; blank rows are skipped
PROJECT_READERS = (Role.nr_official, Role.reserve_officer, Role.township_official, Role.collective_clerk,
                   Role.supervisor, Role.admin)
COUNTY_READERS = (Role.nr_official, Role.reserve_officer, Role.township_official, Role.supervisor, Role.admin)
REGISTRANTS = (Role.collective_clerk, Role.nr_official)
# The forms a project in a status shows to the bureau of its county
PROJECT_FORMS = {"planned": ("works", "rejection"), "works": ("acceptance", "rejection")}
RESERVE_FORMS = {"proposed": ("acquisition", "cancellation"), "held": ("supply",)}
M = TypeVar("M", bound=BaseModel)
ProjectId = PathParam(ge=1, le=2**31 - 1)
ReserveId = PathParam(ge=1, le=2**31 - 1)  # one per name: FastAPI binds a Path's name on first use
County = PathParam(pattern=r"^\d{6}$")
Year = PathParam(ge=2000, le=2100)


def _lang(request: Request) -> str:
    return "?lang=en" if request_locale(request) == "en" else ""


def _zh(request: Request) -> bool:
    return request_locale(request) == "zh_CN"


async def form_of(request: Request) -> dict[str, str]:
    """The posted fields, each bounded (the boundary to one character past its limit, to refuse a longer one)."""
    form = await request.form()
    return {k: v[:BOUNDARY_CHARS + 1] if k == "boundary" else v[:FIELD_LIMIT]
            for k, v in form.items() if isinstance(v, str)}


def _validated(model: type[M], data: dict[str, Any]) -> M:
    """The API's request model; an invalid field is ``land_quota.bad_input`` naming it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        field = ".".join(str(x) for x in errors[0]["loc"]) if errors and errors[0]["loc"] else "form"
        raise QuotaError.BAD_INPUT.error(field=field[:40]) from None


def _fields(form: dict[str, str], *names: str) -> dict[str, str]:
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def _values(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k != "csrf"}


def _run(request: Request, session: Session, form: dict[str, str], action: Callable[[], str],
         done: tuple[str, str], again: Callable[[str, int], Response]) -> Response:
    """Check the form token and run the API's handler: on success flash and go to the page ``action`` names; on
    refusal nothing is kept and ``again(message, status)`` shows the form again (the refusal page for 403, 404 and
    a failed form token)."""
    try:
        check_csrf(request, form.get("csrf", ""))
        target = action()
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        if page is not None:
            return page
        return again(exc.message if _zh(request) else exc.message_en, exc.http_status)
    flash(request, "ok", *done)
    return RedirectResponse(f"{target}{_lang(request)}", status_code=303)


def _shown(request: Request, session: Session, show: Callable[[], Response]) -> Response:
    """A page whose reading may be refused (403, 404): the refusal page."""
    try:
        return show()
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        if page is None:
            raise
        return page


def _step(request: Request, session: Session, principal: Principal | None, role: Role, target: str,
          form: dict[str, str], handler: Callable[[Principal], object], done: tuple[str, str],
          page: Callable[[Principal, str, int], Response]) -> Response:
    """One step taken from a record's page by the one role that takes it: run ``handler`` (the API's), go back to
    ``target``; a refusal shows the record's ``page`` again with the message (``_run``'s contract)."""
    caller = page_caller(request, principal, (role,))
    if not isinstance(caller, Principal):
        return caller

    def act() -> str:
        handler(caller)
        return target

    return _run(request, session, form, act, done,
                lambda message, status: _shown(request, session, lambda: page(caller, message, status)))


def _own_collective(session: Session, caller: Principal) -> Any:
    return collective.find_collective_of_organisation(session, caller.organisation_id)


def _covers(caller: Principal, county_code: str) -> bool:
    return caller.covers_region(county_code[:12].ljust(12, "0"))


# --- reclamation projects ------------------------------------------------------------------------------------

def _boundary(text: str) -> dict[str, Any]:
    """The textarea's GeoJSON, bounded, as the API receives it (``boundary.parse`` checks it further)."""
    if len(text) > BOUNDARY_CHARS:
        raise QuotaError.INVALID_BOUNDARY.error(reason=f"longer than {BOUNDARY_CHARS} characters")
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        raise QuotaError.INVALID_BOUNDARY.error(reason="not JSON") from None
    if not isinstance(found, dict):
        raise QuotaError.INVALID_BOUNDARY.error(reason="not a GeoJSON geometry")
    return found


def _new_project_page(request: Request, session: Session, caller: Principal, *, error: str | None = None,
                      values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    own = _own_collective(session, caller) if caller.role is Role.collective_clerk else None
    zh = _zh(request)
    county = (str(own.region_code)[:6] if own is not None else caller.region_code[:6])
    return KIT.page(request, "land_quota/project_new.html", {
        "own": own, "county": county, "kinds": [(k, _label(PROJECT_KIND, k, zh)) for k in PROJECT_KIND],
        "boundary_chars": BOUNDARY_CHARS, "error": error, "values": values or {}, "lang_q": _lang(request)},
        status_code=status_code)


@router.get("/quota/projects/new", response_class=Response)
def new_project_page(request: Request, session: Session = Depends(get_session),
                     principal: Principal | None = Depends(optional_principal)) -> Response:
    """The registration form of a reclamation project."""
    caller = page_caller(request, principal, REGISTRANTS)
    if not isinstance(caller, Principal):
        return caller
    return _new_project_page(request, session, caller)


@router.post("/quota/projects", response_class=Response)
def register_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                  principal: Principal | None = Depends(optional_principal)) -> Response:
    """Register a project through the API's handler; a clerk registers for its own collective only."""
    caller = page_caller(request, principal, REGISTRANTS)
    if not isinstance(caller, Principal):
        return caller

    def act() -> str:
        data: dict[str, Any] = _fields(form, "county_code", "collective_id", "kind", "plan_ref", "planned_area_m2")
        if caller.role is Role.collective_clerk:
            own = _own_collective(session, caller)
            if own is None:
                raise AuthError.FORBIDDEN_REGION.error(region_code=caller.region_code)
            data.update(collective_id=own.id, county_code=str(own.region_code)[:6])
        data["boundary"] = _boundary(form.get("boundary", "").strip())
        shown = views.register(_validated(views.ProjectIn, data), caller, session)
        return f"/quota/projects/{shown['id']}"

    return _run(request, session, form, act, ("复垦项目已登记", "the reclamation project is registered"),
                lambda message, status: _new_project_page(request, session, caller, error=message,
                                                          values=_values(form), status_code=status))


def _project_page(request: Request, session: Session, caller: Principal, project_id: int, *,
                  error: str | None = None, failed: str | None = None, values: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    project = session.get(ReclamationProject, project_id)
    if project is None:
        raise QuotaError.PROJECT_NOT_FOUND.error(project_id=project_id)
    if caller.role is Role.collective_clerk:
        own = _own_collective(session, caller)
        if own is None or own.id != project.collective_id:
            raise AuthError.FORBIDDEN_REGION.error(region_code=project.region_code)
    elif not _covers(caller, project.region_code):
        raise AuthError.FORBIDDEN_REGION.error(region_code=project.region_code)
    zh = _zh(request)
    forms = PROJECT_FORMS.get(project.status, ()) if caller.role is Role.nr_official else ()
    return KIT.page(request, "land_quota/project.html", {
        "project": views.project_json(project), "kind": _label(PROJECT_KIND, project.kind, zh),
        "status": _label(PROJECT_STATUS, project.status, zh), "forms": forms,
        "waiting": bool(PROJECT_FORMS.get(project.status)) and not forms, "error": error, "failed": failed,
        "values": values or {}, "ledger_history": history_panel(session, [service.project_subject(project.id)]),
        "lang_q": _lang(request)}, status_code=status_code)


@router.get("/quota/projects/{project_id}", response_class=Response)
def project_page(request: Request, project_id: int = ProjectId, session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """A reclamation project: facts, state, ledger history and the bureau's next step."""
    caller = page_caller(request, principal, PROJECT_READERS)
    if not isinstance(caller, Principal):
        return caller
    return _shown(request, session, lambda: _project_page(request, session, caller, project_id))


def _project_step(request: Request, session: Session, principal: Principal | None, project_id: int,
                  form: dict[str, str], name: str, handler: Callable[[Principal], object],
                  done: tuple[str, str]) -> Response:
    return _step(request, session, principal, Role.nr_official, f"/quota/projects/{project_id}", form, handler,
                 done, lambda caller, message, status: _project_page(
                     request, session, caller, project_id, error=message, failed=name, values=_values(form),
                     status_code=status))


@router.post("/quota/projects/{project_id}/works", response_class=Response)
def works_form(request: Request, project_id: int = ProjectId, form: dict[str, str] = Depends(form_of),
               session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """The works begin."""
    return _project_step(request, session, principal, project_id, form, "works",
                         lambda caller: views.works(project_id, caller, session),
                         ("复垦工程已开工", "the works have begun"))


@router.post("/quota/projects/{project_id}/acceptance", response_class=Response)
def acceptance_form(request: Request, project_id: int = ProjectId, form: dict[str, str] = Depends(form_of),
                    session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """Accept the works with the measured area, quality grade and date; the area is credited as quota."""
    return _project_step(request, session, principal, project_id, form, "acceptance",
                         lambda caller: views.accept(project_id, _validated(views.AcceptanceIn, _fields(
                             form, "accepted_area_m2", "quality_grade", "accepted_on")), caller, session),
                         ("已验收，指标已入库", "accepted; the quota is credited"))


@router.post("/quota/projects/{project_id}/rejection", response_class=Response)
def rejection_form(request: Request, project_id: int = ProjectId, form: dict[str, str] = Depends(form_of),
                   session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """Reject the project with a reason."""
    return _project_step(request, session, principal, project_id, form, "rejection",
                         lambda caller: views.reject(project_id, _validated(views.RejectionIn,
                                                                            _fields(form, "reason")), caller, session),
                         ("项目未通过，已记录", "the rejection is recorded"))


# --- the annual supply plan ----------------------------------------------------------------------------------

def _plan_page(request: Request, session: Session, caller: Principal, county: str, year: int, *,
               error: str | None = None, failed: str | None = None, values: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    if not _covers(caller, county):
        raise AuthError.FORBIDDEN_REGION.error(region_code=county)
    zh = _zh(request)
    found = session.scalars(select(SupplyPlan).where(SupplyPlan.county_code == county, SupplyPlan.year == year)).first()
    shown = views.plan_json(session, found) if found is not None else None
    if shown is not None:
        for line in shown["lines"]:
            line["use"] = _label(USE, line["land_use"], zh)
    totals = service.balance_of(session, county, year)
    bureau = caller.role is Role.nr_official
    form = None if not bureau else ("draft" if found is None else "approval" if found.status == "draft"
                                    else "allocation")
    return KIT.page(request, "land_quota/plan.html", {
        "county": county, "year": year, "plan": shown, "form": form, "totals": totals, "lot_form": bureau,
        "uses": [(u, _label(USE, u, zh)) for u in plan.plan_uses()], "rows": range(PLAN_ROWS), "error": error,
        "failed": failed, "values": values or {},
        "ledger_history": history_panel(session, [plan.plan_subject(county, year)]), "lang_q": _lang(request)},
        status_code=status_code)


@router.get("/quota/plans/{county}/{year}", response_class=Response)
def plan_page(request: Request, county: str = County, year: int = Year, session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    """A county's supply plan for a year with the bureau's forms (draft, approve, allocate)."""
    caller = page_caller(request, principal, COUNTY_READERS)
    if not isinstance(caller, Principal):
        return caller
    return _shown(request, session, lambda: _plan_page(request, session, caller, county, year))


def _plan_step(request: Request, session: Session, principal: Principal | None, county: str, year: int,
               form: dict[str, str], name: str, handler: Callable[[Principal], object],
               done: tuple[str, str]) -> Response:
    return _step(request, session, principal, Role.nr_official, f"/quota/plans/{county}/{year}", form, handler,
                 done, lambda caller, message, status: _plan_page(
                     request, session, caller, county, year, error=message, failed=name, values=_values(form),
                     status_code=status))


def _plan_lines(form: dict[str, str]) -> list[dict[str, str]]:
    rows = [{"land_use": form.get(f"use_{i}", "").strip(), "quarter": form.get(f"quarter_{i}", "").strip(),
             "quota_m2": form.get(f"quota_{i}", "").strip(), "parcels": form.get(f"parcels_{i}", "").strip()}
            for i in range(PLAN_ROWS)]
    return [r for r in rows if r["quota_m2"] or r["parcels"]]


@router.post("/quota/plans/{county}/{year}", response_class=Response)
def draft_form(request: Request, county: str = County, year: int = Year, form: dict[str, str] = Depends(form_of),
               session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Draft the county's plan for the year from the filled line rows."""
    return _plan_step(request, session, principal, county, year, form, "draft",
                      lambda caller: views.draft_plan(_validated(views.PlanIn, {
                          "county_code": county, "year": year, "lines": _plan_lines(form)}), caller, session),
                      ("供应计划已起草", "the supply plan is drafted"))


@router.post("/quota/plans/{county}/{year}/approval", response_class=Response)
def approval_form(request: Request, county: str = County, year: int = Year, form: dict[str, str] = Depends(form_of),
                  session: Session = Depends(get_session),
                  principal: Principal | None = Depends(optional_principal)) -> Response:
    """Approve the draft plan."""
    return _plan_step(request, session, principal, county, year, form, "approval",
                      lambda caller: views.approve_plan(county, year, _validated(
                          views.PlanApprovalIn, _fields(form, "approved_on")), caller, session),
                      ("供应计划已批准", "the supply plan is approved"))


@router.post("/quota/plans/{county}/{year}/allocations", response_class=Response)
def allocation_form(request: Request, county: str = County, year: int = Year,
                    form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """Allocate quota of the county's year to a destination parcel under the plan's line."""
    return _plan_step(request, session, principal, county, year, form, "allocation",
                      lambda caller: views.allocate(_validated(views.AllocationIn, {
                          "county_code": county, "year": year,
                          **_fields(form, "parcel_id", "amount_m2", "land_use", "quarter")}), caller, session),
                      ("指标已分配", "the quota is allocated"))


def _starts_at(text: str) -> str:
    """A ``datetime-local`` field (no zone) as the city's local time, for ``QuotaLotIn.starts_at``."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text  # the model refuses it, typed
    return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).isoformat()


@router.post("/quota/plans/{county}/{year}/lots", response_class=Response)
def quota_lot_form(request: Request, county: str = County, year: int = Year,
                   form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """List quota of the county's year on the exchange (a construction_quota lot; the quota is taken now)."""
    return _plan_step(request, session, principal, county, year, form, "lot",
                      lambda caller: views.list_lot(_validated(views.QuotaLotIn, {
                          "county_code": county, "year": year, **_fields(form, "amount_m2", "title", "start_price"),
                          "starts_at": _starts_at(form.get("starts_at", ""))}), caller, session),
                      ("指标已挂牌交易", "the quota is listed on the exchange"))


@router.post("/quota/plans/{county}/{year}/held-allocations", response_class=Response)
def held_allocation_form(request: Request, county: str = County, year: int = Year,
                         form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                         principal: Principal | None = Depends(optional_principal)) -> Response:
    """Record a buyer's allocation of quota it bought on the exchange to a destination parcel."""
    return _plan_step(request, session, principal, county, year, form, "held",
                      lambda caller: views.allocate_held(_validated(views.HeldAllocationIn, {
                          "county_code": county, "year": year,
                          **_fields(form, "party_id", "parcel_id", "amount_m2")}), caller, session),
                      ("买受人指标已分配", "the buyer's quota is allocated"))


# --- the land reserve centre ---------------------------------------------------------------------------------

def _new_reserve_page(request: Request, caller: Principal, *, error: str | None = None,
                      values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return KIT.page(request, "land_quota/reserve_new.html", {
        "county": caller.region_code[:6], "error": error, "values": values or {}, "lang_q": _lang(request)},
        status_code=status_code)


@router.get("/quota/reserves/new", response_class=Response)
def new_reserve_page(request: Request, principal: Principal | None = Depends(optional_principal)) -> Response:
    """The reserve centre's proposal form (土地收储)."""
    caller = page_caller(request, principal, (Role.reserve_officer,))
    if not isinstance(caller, Principal):
        return caller
    return _new_reserve_page(request, caller)


@router.post("/quota/reserves", response_class=Response)
def propose_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """Propose to bank a parcel with the compensation agreed."""
    caller = page_caller(request, principal, (Role.reserve_officer,))
    if not isinstance(caller, Principal):
        return caller

    def act() -> str:
        body = _validated(views.ReserveIn, _fields(form, "county_code", "parcel_id", "compensation_cny"))
        return f"/quota/reserves/{views.propose_reserve(body, caller, session)['id']}"

    return _run(request, session, form, act, ("收储案件已立案", "the reserve case is opened"),
                lambda message, status: _new_reserve_page(request, caller, error=message, values=_values(form),
                                                          status_code=status))


def _reserve_page(request: Request, session: Session, caller: Principal, reserve_id: int, *,
                  error: str | None = None, failed: str | None = None, values: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    case = reserve.get_reserve(session, reserve_id)
    if not _covers(caller, case.region_code):
        raise AuthError.FORBIDDEN_REGION.error(region_code=case.region_code)
    zh = _zh(request)
    forms = RESERVE_FORMS.get(case.status, ()) if caller.role is Role.reserve_officer else ()
    return KIT.page(request, "land_quota/reserve.html", {
        "case": views.reserve_json(case), "status": _label(RESERVE_STATUS, case.status, zh),
        "compensation": yuan(case.compensation_fen), "forms": forms,
        "uses": [(u, _label(USE, u, zh)) for u in plan.plan_uses()],
        "waiting": bool(RESERVE_FORMS.get(case.status)) and not forms, "error": error, "failed": failed,
        "values": values or {}, "ledger_history": history_panel(session, [reserve.reserve_subject(case.id)]),
        "lang_q": _lang(request)}, status_code=status_code)


@router.get("/quota/reserves/{reserve_id}", response_class=Response)
def reserve_page(request: Request, reserve_id: int = ReserveId, session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """A reserve case: facts, state, ledger history and the centre's next step."""
    caller = page_caller(request, principal, COUNTY_READERS)
    if not isinstance(caller, Principal):
        return caller
    return _shown(request, session, lambda: _reserve_page(request, session, caller, reserve_id))


def _reserve_step(request: Request, session: Session, principal: Principal | None, reserve_id: int,
                  form: dict[str, str], name: str, handler: Callable[[Principal], object],
                  done: tuple[str, str]) -> Response:
    return _step(request, session, principal, Role.reserve_officer, f"/quota/reserves/{reserve_id}", form,
                 handler, done, lambda caller, message, status: _reserve_page(
                     request, session, caller, reserve_id, error=message, failed=name, values=_values(form),
                     status_code=status))


@router.post("/quota/reserves/{reserve_id}/acquisition", response_class=Response)
def acquisition_form(request: Request, reserve_id: int = ReserveId, form: dict[str, str] = Depends(form_of),
                     session: Session = Depends(get_session),
                     principal: Principal | None = Depends(optional_principal)) -> Response:
    """The compensation is paid; the centre holds the land."""
    return _reserve_step(request, session, principal, reserve_id, form, "acquisition",
                         lambda caller: views.acquire_reserve(reserve_id, _validated(
                             views.AcquisitionIn, _fields(form, "acquired_on")), caller, session),
                         ("土地已收储", "the land is acquired"))


@router.post("/quota/reserves/{reserve_id}/supply", response_class=Response)
def supply_form(request: Request, reserve_id: int = ReserveId, form: dict[str, str] = Depends(form_of),
                session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Supply the held land under the approved plan's line."""
    return _reserve_step(request, session, principal, reserve_id, form, "supply",
                         lambda caller: views.supply_reserve(reserve_id, _validated(views.SupplyIn, _fields(
                             form, "year", "land_use", "quarter", "supplied_on")), caller, session),
                         ("储备土地已按计划供应", "the land is supplied by the plan"))


@router.post("/quota/reserves/{reserve_id}/cancellation", response_class=Response)
def cancel_form(request: Request, reserve_id: int = ReserveId, form: dict[str, str] = Depends(form_of),
                session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Withdraw the proposal with a reason."""
    return _reserve_step(request, session, principal, reserve_id, form, "cancellation",
                         lambda caller: views.cancel_reserve(reserve_id, _validated(
                             views.RejectionIn, _fields(form, "reason")), caller, session),
                         ("收储案件已撤销", "the reserve case is cancelled"))

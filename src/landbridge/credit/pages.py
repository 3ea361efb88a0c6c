"""Credit pages (我的信用, issue #18 item 6): server-rendered, zh-CN by default, English with ``?lang=en``.

``/credit`` follows the caller's role: a member with a registry party sees their own credit file (the grade or 尚未评级,
its explanation line by line, what would raise it, the records with their provenance, the objections) with an
objection form per record and the form that authorises a bank; a bank officer a form to open a party's file.
``/credit/parties/{id}`` is the bank's view of a party's file, shown only while that party's authorisation of the
bank is on record (else the refusal ``credit.not_authorised`` as the page's message) and recorded as a read exactly
as the API records it. ``/credit/designations`` lists the published credit villages and townships by year for
anyone (no personal data).

Every read and form runs the JSON API's own handler (``views``): one code path per action. A refused form keeps
nothing; its typed message is shown on the page with its 4xx status (a wrong role or someone else's record is the
refusal page, as on the other portals).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import OrgKind, Principal, Role, optional_principal, organisation_names, organisations_of_kind
from landbridge.auth.pages import page_caller
from landbridge.cityprofile import get_profile
from landbridge.credit import views
from landbridge.credit.errors import CreditError
from landbridge.credit.models import Authorisation
from landbridge.errors import DomainError
from landbridge.web.forms import check_csrf
from landbridge.web.i18n import request_locale
from landbridge.web.pages import PageKit, flash, form_refusal, refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

INDICATOR_LABELS = {"repayment": "Loan repayment", "assets": "Registered rights", "public_lists": "Court list",
                    "exchange_conduct": "Conduct on the exchange", "restrictions": "Seizures on rights"}
VALUE_LABELS = {"no_history": "No loan history", "repaid": "Loans repaid", "overdue": "A loan overdue",
                "defaulted": "A loan defaulted", "listed": "Listed", "not_listed": "Not listed"}
RAISE_LABELS = {"repay_overdue": "Repay what is overdue, or borrow and repay on time",
                "register_rights": "Have the rights your household holds registered",
                "leave_court_list": "Perform the judgment so that the court removes the listing",
                "keep_bids": "Honour your winning bids; the default record lapses after its retention period",
                "lift_seizure": "Settle what the seizure secures so that it is lifted"}
KIND_LABELS = {"loans": "Loans disbursed", "loans_repaid": "Loans repaid", "loans_overdue": "Loans overdue",
               "loans_defaulted": "Loans defaulted", "rights_held": "Rights held", "seizures": "Seizures",
               "exchange_defaults": "Defaults as a winning bidder", "listed": "Court-listed defaulter"}
SOURCE_LABELS = {"lending": "Lending", "registry": "Registry", "exchange": "Exchange", "court_list": "Court list"}
STATUS_LABELS = {"active": "In force", "ended": "Ended", "open": "Open", "upheld": "Upheld", "rejected": "Rejected",
                 "listed": "Listed", "extended": "Extended", "lapsed": "Lapsed", "designated": "Designated",
                 "revoked": "Revoked", "not_designated": "Not designated", "removed": "Lifted",
                 "completed": "Completed", "graded_only": "Graded only (no household model)"}
LEVEL_LABELS = {"village": "Credit village", "township": "Credit township"}
GRADE_LABELS = {"none": "Not a credit household"}
KIT = PageKit(locale_dir=Path(__file__).parent / "locale", labels={
    "indicator": INDICATOR_LABELS, "value": VALUE_LABELS, "raise": RAISE_LABELS, "kind": KIND_LABELS,
    "source": SOURCE_LABELS, "status": STATUS_LABELS, "level": LEVEL_LABELS, "grade": GRADE_LABELS})
FIELD_LIMIT = 500
M = TypeVar("M", bound=BaseModel)


def _lang(request: Request) -> str:
    return "?lang=en" if request_locale(request) == "en" else ""


def _message(request: Request, exc: DomainError) -> str:
    return exc.message if request_locale(request) == "zh_CN" else exc.message_en


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:FIELD_LIMIT] for k, v in form.items() if isinstance(v, str)}


def _model(model: type[M], form: dict[str, str]) -> M:
    """The API's request model from a page form: blank fields are absent, an invalid field the typed refusal
    ``credit.bad_input`` naming it."""
    try:
        return model.model_validate({k: v.strip() for k, v in form.items() if k != "csrf" and v.strip()})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else "form"
        raise CreditError.BAD_INPUT.error(field=field[:40]) from None


def _percent(value: str | Decimal) -> str:
    return f"{Decimal(value) * 100:.1f}%"  # display only: one decimal place


# --- the household's own page ----------------------------------------------------------------------------------

def _my_page(request: Request, session: Session, caller: Principal, *, error: str | None = None,
             failed: str | None = None, values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """My credit file (the API's ``/me``), my authorisations and the forms; after a refusal its message."""
    mine = views.my_file(caller, session)
    party_id = caller.party_id or 0
    auths = list(session.scalars(select(Authorisation).where(Authorisation.party_id == party_id)
                                 .order_by(Authorisation.id.desc()).limit(50)))
    open_records = {o["record_id"] for o in mine["objections"] if o["status"] == "open"}
    return KIT.page(request, "credit/mine.html", {
        **mine, "open_records": open_records, "authorisations": auths,
        "org_names": organisation_names(session, {a.organisation_id for a in auths}),
        "banks": organisations_of_kind(session, OrgKind.bank), "error": error, "failed": failed,
        "values": values or {}, "lang_q": _lang(request)}, status_code=status_code)


@router.get("/credit", response_class=Response)
def credit_home(request: Request, session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """A member's own credit file; a bank officer's form to open a party's file (login redirect when anonymous,
    403 for other roles)."""
    caller = page_caller(request, principal, (Role.member, Role.bank_officer))
    if not isinstance(caller, Principal):
        return caller
    if caller.role is Role.bank_officer:
        return KIT.page(request, "credit/bank.html", {"file": None, "party_id": None, "error": None,
                                                      "lang_q": _lang(request)})
    if caller.party_id is None:
        return refuse(request, CreditError.NOT_YOUR_RECORD.error())
    return _my_page(request, session, caller)


def _member_form(request: Request, session: Session, principal: Principal | None, form: dict[str, str],
                 which: str, model: type[BaseModel]) -> Response:
    """Post one of my page's forms through the API's handler; a refusal shows my page again with its message."""
    caller = page_caller(request, principal, (Role.member,))
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        if caller.party_id is None:
            raise CreditError.NOT_YOUR_RECORD.error()
        body = _model(model, form)
        if isinstance(body, views.ObjectionIn):
            row = views.object_to_record(body, caller, session)
            zh, en = f"已提出异议，处理期限 {row['due_on']}", f"objection filed; to be decided by {row['due_on']}"
        else:
            assert isinstance(body, views.AuthorisationIn)
            row = views.authorise_bank(body, caller, session)
            zh, en = f"已授权，有效期至 {row['valid_until']}", f"authorisation recorded until {row['valid_until']}"
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return _my_page(request, session, caller, error=_message(request, exc), failed=which,
                        values={k: v for k, v in form.items() if k != "csrf"}, status_code=exc.http_status)
    flash(request, "ok", zh, en)
    return RedirectResponse(f"/credit{_lang(request)}", status_code=303)


@router.post("/credit/objections", response_class=Response)
def objection_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """异议 against one of my records, through the API's handler."""
    return _member_form(request, session, principal, form, f"objection-{form.get('record_id', '')[:12]}",
                        views.ObjectionIn)


@router.post("/credit/authorisations", response_class=Response)
def authorisation_form(request: Request, form: dict[str, str] = Depends(form_of),
                       session: Session = Depends(get_session),
                       principal: Principal | None = Depends(optional_principal)) -> Response:
    """Authorise a bank to read my credit file, through the API's handler."""
    return _member_form(request, session, principal, form, "authorisation", views.AuthorisationIn)


@router.post("/credit/authorisations/{authorisation_id}/revocation", response_class=Response)
def revocation_form(request: Request, authorisation_id: int = PathParam(ge=1, le=2**31 - 1),
                    form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """Withdraw one of my authorisations, through the API's handler."""
    caller = page_caller(request, principal, (Role.member,))
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        if caller.party_id is None:
            raise CreditError.NOT_YOUR_RECORD.error()
        views.revoke_bank(authorisation_id, caller, session)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return _my_page(request, session, caller, error=_message(request, exc), failed="revocation",
                        status_code=exc.http_status)
    flash(request, "ok", "已撤销授权", "authorisation revoked")
    return RedirectResponse(f"/credit{_lang(request)}", status_code=303)


# --- the bank's view -------------------------------------------------------------------------------------------

@router.get("/credit/parties", response_class=Response)
def party_lookup(request: Request, principal: Principal | None = Depends(optional_principal)) -> Response:
    """The bank's form: open the file of the party whose number was entered."""
    caller = page_caller(request, principal, (Role.bank_officer,))
    if not isinstance(caller, Principal):
        return caller
    value = request.query_params.get("party_id", "").strip()[:10]
    if not value.isdigit() or not 1 <= int(value) <= 2**31:
        return refuse(request, CreditError.BAD_INPUT.error(field="party_id"))
    return RedirectResponse(f"/credit/parties/{int(value)}{_lang(request)}", status_code=303)


@router.get("/credit/parties/{party_id}", response_class=Response)
def party_page(party_id: int, request: Request, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """A party's credit file for a bank officer, through the API's handler: only with the party's authorisation of
    the bank on record (else its refusal as the page's message, 403), and the read recorded."""
    caller = page_caller(request, principal, (Role.bank_officer,))
    if not isinstance(caller, Principal):
        return caller
    try:
        found = views.party_file(party_id, caller, session)
    except DomainError as exc:
        session.rollback()
        return KIT.page(request, "credit/bank.html", {
            "file": None, "party_id": party_id, "error": _message(request, exc), "code": exc.code,
            "lang_q": _lang(request)}, status_code=exc.http_status)
    return KIT.page(request, "credit/bank.html", {"file": found, "party_id": party_id, "error": None,
                                                  "lang_q": _lang(request)})


# --- designations (public) -------------------------------------------------------------------------------------

def _region_name(code: str, zh: bool) -> str:
    region = get_profile().region(code) or get_profile().region(code.ljust(12, "0"))
    if region is None:
        return code
    return region.name if zh else region.name_en


@router.get("/credit/designations", response_class=Response)
def designations_page(request: Request, session: Session = Depends(get_session)) -> Response:
    """信用村 / 信用乡镇 by year (public; the API's published list)."""
    raw_year = request.query_params.get("year", "")[:4]
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else None
    zh = request_locale(request) == "zh_CN"
    years: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {"village": [], "township": []})
    for row in views.list_designations(year=year, level=None, session=session):
        row["name"] = _region_name(row["region_code"], zh)
        row["share_pct"], row["on_time_pct"], row["npl_pct"] = (
            _percent(row["share"]), _percent(row["on_time"]), _percent(row["npl"]))
        years[row["year"]][row["level"]].append(row)
    return KIT.page(request, "credit/designations.html", {
        "years": sorted(years.items(), reverse=True), "year": year, "lang_q": _lang(request)})

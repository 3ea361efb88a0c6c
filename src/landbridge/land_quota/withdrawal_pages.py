"""Homestead withdrawal pages (宅基地自愿有偿退出, the Yujiang reform; issue #16 part 5, requirements S18, S30).

Server-rendered, zh-CN by default, English with ``?lang=en`` (the module's Babel catalogue under ``locale/``).
``/quota/withdrawals/new`` is the household's application form (a ``member`` whose household holds the homestead),
listing the household's cases; ``/quota/withdrawals/{id}`` is the case: its steps with their times, the registered
area, the compensation in yuan, the payment, the registry cancellation, the reclamation project, its ledger history,
and the form of the next step where the caller's role takes it:

- the collective's decision and the payment: the ``collective_clerk`` of the case's collective;
- the valuation of the compensation and the registry cancellation: a ``township_official`` covering the village;
- the hand-over to reclamation: an ``nr_official`` covering the county.

Every form runs the JSON API's own handler (``withdrawal_views``), so the permissions are the API's (a role acting
outside its collective or region gets the 403 page). A refused step keeps nothing (rollback); its typed message is
shown on the form with the values entered, under the refusal's 4xx status.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import collective, registry
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.land_quota import withdrawal, withdrawal_views
from landbridge.land_quota.errors import QuotaError
from landbridge.land_quota.withdrawal_models import HomesteadWithdrawal
from landbridge.ledger import history, history_panel
from landbridge.web.forms import check_csrf
from landbridge.web.i18n import request_locale
from landbridge.web.pages import PageKit, flash, form_refusal
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

STATUS = {"applied": "Applied", "approved": "Approved by the collective", "refused": "Refused by the collective",
          "valued": "Compensation valued", "paid": "Compensation paid", "cancelling": "Registry cancellation lodged",
          "handed_over": "Handed over to reclamation"}
STRUCTURE = {"brick_concrete": "Brick and concrete", "brick_wood": "Brick and timber", "earth_wood": "Earth and timber",
             "simple": "Simple structure"}
STEP = {"apply": "The household applies", "decision": "The collective decides",
        "valuation": "The township values the compensation", "payment": "The collective pays the compensation",
        "cancellation": "The registry cancellation is lodged", "hand_over": "The land is handed over to reclamation"}
KIT = PageKit(locale_dir=Path(__file__).parent / "locale",
              labels={"status": STATUS, "structure": STRUCTURE, "step": STEP})
# The case's steps in order, with the events that complete each
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("apply", ("withdrawal_applied",)), ("decision", ("withdrawal_approved", "withdrawal_refused")),
    ("valuation", ("withdrawal_valued",)), ("payment", ("withdrawal_paid",)),
    ("cancellation", ("withdrawal_cancellation_lodged",)), ("hand_over", ("withdrawal_handed_over",)))
# The form a case in a status shows, and the role that may post it
NEXT_FORM = {"applied": ("decision", Role.collective_clerk), "approved": ("valuation", Role.township_official),
             "valued": ("payment", Role.collective_clerk), "paid": ("cancellation", Role.township_official),
             "cancelling": ("hand_over", Role.nr_official)}
READERS = (Role.member, Role.collective_clerk, Role.township_official, Role.nr_official, Role.supervisor)
FIELD_LIMIT = 300
HOMESTEAD = "homestead_use_right"
M = TypeVar("M", bound=BaseModel)


def _lang(request: Request) -> str:
    return "?lang=en" if request_locale(request) == "en" else ""


def yuan(fen: int | None) -> str | None:
    """Integer fen shown as yuan with thousands separators (None when not yet valued)."""
    return None if fen is None else f"{Decimal(fen) / 100:,.2f}"


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:FIELD_LIMIT] for k, v in form.items() if isinstance(v, str)}


def _model(model: type[M], form: dict[str, str]) -> M:
    """The API's request model from a page form: blank fields absent; an invalid field ``land_quota.bad_input``."""
    try:
        return model.model_validate({k: v.strip() for k, v in form.items() if k != "csrf" and v.strip()})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else "form"
        raise QuotaError.BAD_INPUT.error(field=field[:40]) from None


def _household(session: Session, party_id: int) -> tuple[int, int | None]:
    """(the household party whose homesteads a member applies for, its collective or None)."""
    member = collective.find_active_membership(session, party_id)
    if member is None:
        return party_id, None
    return int(member.household_party_id or party_id), int(member.collective_id)


def _steps(session: Session, case: HomesteadWithdrawal) -> list[dict[str, Any]]:
    done = {e.event_type: e.recorded_at for e in history(session, [withdrawal.case_subject(case.id)], limit=50)
            if e.module == withdrawal.MODULE}
    rows = []
    for name, events in STEPS:
        at = next((done[e] for e in events if e in done), None)
        rows.append({"name": name, "at": at, "refused": name == "decision" and "withdrawal_refused" in done})
    return rows


def _case_page(request: Request, session: Session, caller: Principal, case_id: int, *, error: str | None = None,
               failed: str | None = None, values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """The case as its reader may see it (the API's read handler checks who), with the next step's form."""
    shown = withdrawal_views.read(case_id, caller, session)
    case = withdrawal.get_case(session, case_id)
    form, role = NEXT_FORM.get(case.status, (None, None))
    rules = withdrawal.homestead_rules()
    motions = collective.passed_motions(session, case.collective_id, kind=withdrawal.MOTION_KIND,
                                        subject_ref=case.number) if form == "decision" else []
    return KIT.page(request, "land_quota/withdrawal.html", {
        "case": shown, "steps": _steps(session, case), "form": form if caller.role == role else None,
        "waiting_for": form, "land": yuan(case.land_fen), "house": yuan(case.house_fen),
        "total": yuan(case.total_fen), "total_plain": shown["total"], "house_floor": case.house_floor_m2,
        "rules": rules, "motions": motions, "error": error, "failed": failed, "values": values or {},
        "ledger_history": history_panel(session, [withdrawal.case_subject(case.id)]), "lang_q": _lang(request)},
        status_code=status_code)


def _step(request: Request, session: Session, caller: Principal, case_id: int, form: dict[str, str], name: str,
          action: Callable[[], dict[str, Any]], done: tuple[str, str]) -> Response:
    """Run one step through the API's handler: on success flash and show the case; on refusal nothing is kept and
    the form is shown again with the typed message (the refusal page for 403, 404 and a failed form token)."""
    try:
        check_csrf(request, form.get("csrf", ""))
        action()
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        if page is not None:
            return page
        message = exc.message if request_locale(request) == "zh_CN" else exc.message_en
        return _case_page(request, session, caller, case_id, error=message, failed=name,
                          values={k: v for k, v in form.items() if k != "csrf"}, status_code=exc.http_status)
    flash(request, "ok", *done)
    return RedirectResponse(f"/quota/withdrawals/{case_id}{_lang(request)}", status_code=303)


# --- the household's application ------------------------------------------------------------------------------

def _new_page(request: Request, session: Session, caller: Principal, *, error: str | None = None,
              values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    household, collective_id = _household(session, caller.party_id or 0)
    rights = registry.current_rights_held(session, household, [HOMESTEAD]) if caller.party_id else []
    cases = list(session.scalars(select(HomesteadWithdrawal).where(
        HomesteadWithdrawal.household_party_id == household).order_by(HomesteadWithdrawal.id.desc()).limit(50)))
    return KIT.page(request, "land_quota/withdrawal_new.html", {
        "rights": [{"id": r.id, "unit_id": r.unit_id} for r in rights], "collective_id": collective_id,
        "cases": [{"id": c.id, "number": c.number, "status": c.status, "area": c.area_m2, "total": yuan(c.total_fen)}
                  for c in cases], "error": error, "values": values or {}, "lang_q": _lang(request)},
        status_code=status_code)


@router.get("/quota/withdrawals/new", response_class=Response)
def new_page(request: Request, session: Session = Depends(get_session),
             principal: Principal | None = Depends(optional_principal)) -> Response:
    """The household's application form and its cases (S30)."""
    caller = page_caller(request, principal, (Role.member,))
    if not isinstance(caller, Principal):
        return caller
    return _new_page(request, session, caller)


@router.post("/quota/withdrawals", response_class=Response)
def apply_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """The household applies to give up one of its homesteads (refused for its only one: 一户一宅)."""
    caller = page_caller(request, principal, (Role.member,))
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        case = withdrawal_views.apply(_model(withdrawal_views.ApplicationIn, form), caller, session)
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        if page is not None:
            return page
        message = exc.message if request_locale(request) == "zh_CN" else exc.message_en
        return _new_page(request, session, caller, error=message,
                         values={k: v for k, v in form.items() if k != "csrf"}, status_code=exc.http_status)
    flash(request, "ok", f"退出申请 {case['number']} 已提交", f"application {case['number']} lodged")
    return RedirectResponse(f"/quota/withdrawals/{case['id']}{_lang(request)}", status_code=303)


# --- the case and its steps -----------------------------------------------------------------------------------

CaseId = PathParam(ge=1, le=2**31 - 1)


@router.get("/quota/withdrawals/{case_id}", response_class=Response)
def case_page(request: Request, case_id: int = CaseId, session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    """A withdrawal case: its steps, amounts and ledger events, and the next step's form for its role."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    try:
        return _case_page(request, session, caller, case_id)
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        if page is None:
            raise
        return page


def _caller(request: Request, principal: Principal | None, role: Role) -> Principal | Response:
    return page_caller(request, principal, (role,))


@router.post("/quota/withdrawals/{case_id}/decision", response_class=Response)
def decision_form(request: Request, case_id: int = CaseId, form: dict[str, str] = Depends(form_of),
                  session: Session = Depends(get_session),
                  principal: Principal | None = Depends(optional_principal)) -> Response:
    """The collective's decision (the council and the members' vote where its rules require them)."""
    caller = _caller(request, principal, Role.collective_clerk)
    if not isinstance(caller, Principal):
        return caller

    def act() -> dict[str, Any]:
        approve = {"yes": "true", "no": "false"}.get(form.get("approve", ""), "")
        return withdrawal_views.decide(case_id, _model(withdrawal_views.DecisionIn, {**form, "approve": approve}),
                                       caller, session)

    return _step(request, session, caller, case_id, form, "decision", act,
                 ("集体决定已记录", "the collective's decision is recorded"))


@router.post("/quota/withdrawals/{case_id}/valuation", response_class=Response)
def valuation_form(request: Request, case_id: int = CaseId, form: dict[str, str] = Depends(form_of),
                   session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """The valuation of the compensation from the rule set, to the fen."""
    caller = _caller(request, principal, Role.township_official)
    if not isinstance(caller, Principal):
        return caller
    return _step(request, session, caller, case_id, form, "valuation",
                 lambda: withdrawal_views.value(case_id, _model(withdrawal_views.ValuationIn, form), caller, session),
                 ("补偿已核定", "the compensation is valued"))


@router.post("/quota/withdrawals/{case_id}/payment", response_class=Response)
def payment_form(request: Request, case_id: int = CaseId, form: dict[str, str] = Depends(form_of),
                 session: Session = Depends(get_session),
                 principal: Principal | None = Depends(optional_principal)) -> Response:
    """The collective's payment of exactly the compensation valued, with its bank reference."""
    caller = _caller(request, principal, Role.collective_clerk)
    if not isinstance(caller, Principal):
        return caller
    return _step(request, session, caller, case_id, form, "payment",
                 lambda: withdrawal_views.pay(case_id, _model(withdrawal_views.PaymentIn, form), caller, session),
                 ("补偿支付已记录", "the payment is recorded"))


@router.post("/quota/withdrawals/{case_id}/cancellation", response_class=Response)
def cancellation_form(request: Request, case_id: int = CaseId, form: dict[str, str] = Depends(form_of),
                      session: Session = Depends(get_session),
                      principal: Principal | None = Depends(optional_principal)) -> Response:
    """Lodge the registry cancellation of the homestead right (注销登记)."""
    caller = _caller(request, principal, Role.township_official)
    if not isinstance(caller, Principal):
        return caller
    return _step(request, session, caller, case_id, form, "cancellation",
                 lambda: withdrawal_views.cancel(case_id, caller, session),
                 ("注销登记申请已提交", "the registry cancellation is lodged"))


@router.post("/quota/withdrawals/{case_id}/hand-over", response_class=Response)
def hand_over_form(request: Request, case_id: int = CaseId, form: dict[str, str] = Depends(form_of),
                   session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """Hand the withdrawn land over to a planned reclamation project, once the registry registered the
    cancellation."""
    caller = _caller(request, principal, Role.nr_official)
    if not isinstance(caller, Principal):
        return caller
    return _step(request, session, caller, case_id, form, "hand_over",
                 lambda: withdrawal_views.hand_over(case_id, _model(withdrawal_views.HandOverIn, form), caller,
                                                    session),
                 ("已移交复垦", "handed over to reclamation"))

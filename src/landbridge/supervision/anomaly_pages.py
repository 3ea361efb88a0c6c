"""The anomaly queue page (异常督办, issue #19 scope 3; P2, S92): every flag the modules raised in the caller's
area, with its follow-up; supervisors (and the admin) assign a flag to a person or department with a deadline and
close it with an outcome. Each flag links to the record it concerns (its page shows the record's ledger events).
A refused form keeps nothing; its typed message is flashed and the queue shown again."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.auth.service import region_prefix
from landbridge.errors import DomainError
from landbridge.supervision import anomalies
from landbridge.supervision.errors import SupervisionError
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import flash, pop_flash
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
ROLES = (Role.supervisor, Role.admin)
FIELD_LIMIT = 600
BACK = "/supervision/anomalies"


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:FIELD_LIMIT] for k, v in form.items() if isinstance(v, str)}


def _refused(request: Request, exc: DomainError) -> Response:
    flash(request, "error", exc.message, exc.message_en)
    return RedirectResponse(BACK, status_code=303)


@router.get("/supervision/anomalies", response_class=Response)
def queue_page(request: Request, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """The queue of the caller's area: unassigned flags first, then open follow-ups by deadline, then closed ones."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller
    items = anomalies.queue(session, region_prefix=region_prefix(caller.region_code))
    return render(request, "supervision/anomalies.html", {
        "zh": request_locale(request) == "zh_CN", "items": items, "csrf": csrf_token(request),
        "message": pop_flash(request)})


@router.post("/supervision/anomalies/assign", response_class=Response)
def assign_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Assign (or reassign) a flag's follow-up."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        try:
            due = date.fromisoformat(form.get("due_on", ""))
        except ValueError:
            raise SupervisionError.INVALID_DUE.error(due_on=form.get("due_on", "")[:20]) from None
        case = anomalies.assign(session, flag_key=form.get("flag_key", "")[:160], assignee=form.get("assignee", ""),
                                due_on=due, actor=caller.actor)
    except DomainError as exc:
        return _refused(request, exc)
    flash(request, "ok", f"已交办：{case.label} → {case.assignee}", f"assigned: {case.label} → {case.assignee}")
    return RedirectResponse(BACK, status_code=303)


@router.post("/supervision/anomalies/{anomaly_id}/close", response_class=Response)
def close_form(request: Request, anomaly_id: int = PathParam(ge=1, le=2**31 - 1),
               form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Close a follow-up with its outcome."""
    caller = page_caller(request, principal, ROLES)
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        case = anomalies.close(session, anomaly_id=anomaly_id, outcome=form.get("outcome", ""), actor=caller.actor)
    except DomainError as exc:
        return _refused(request, exc)
    flash(request, "ok", f"已办结：{case.label}", f"closed: {case.label}")
    return RedirectResponse(BACK, status_code=303)

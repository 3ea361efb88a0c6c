"""Demands pages (群众诉求, issue #20 item 3): ``/demands`` (take a demand, my demands with their rating),
``/demands/work`` (the department's work list; the hotline's dispatch and revisit desk) and ``/demands/stats`` (the
public statistics by department, no personal data). zh-CN by default, English with ``?lang=en``. Every form posts
with the form token and goes through the same service functions as the API (``/api/v1/demands``); a refusal rolls
back and shows its message."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge import privacy, registry
from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.models import Organisation
from landbridge.auth.pages import page_caller
from landbridge.demands import handling, service, stats
from landbridge.demands.errors import DemandError
from landbridge.demands.models import DemandTicket
from landbridge.demands.rules import OPEN_STATES
from landbridge.demands.views import DEPARTMENT_ROLES, INTAKE, actor_of
from landbridge.errors import DomainError
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import form_refusal
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
ROWS = 100
WORKERS = (*DEPARTMENT_ROLES, Role.supervisor)

CATEGORY = {"registration": ("不动产登记", "property registration"), "land_use": ("用地审批与规划", "land use"),
            "homestead": ("宅基地", "homestead"), "collective_affairs": ("村务与集体资产", "collective affairs"),
            "land_transfer": ("土地流转与交易", "land transfer"), "other": ("其他", "other")}
TYPE = {"consult": ("咨询", "enquiry"), "help": ("求助", "request for help"), "complaint": ("投诉", "complaint"),
        "report": ("举报", "report"), "suggestion": ("意见建议", "suggestion")}
STATUS = {"pending": ("待派单", "to dispatch"), "dispatched": ("待签收", "to accept"),
          "accepted": ("办理中", "in hand"), "answered": ("已答复", "answered"), "closed": ("已办结", "closed"),
          "rejected": ("不予受理", "not taken"), "extension_asked": ("延期待审核", "extension asked for"),
          "merged": ("已并单", "merged")}
CHANNEL = {"online": ("网上", "online"), "phone": ("电话", "phone"), "desk": ("窗口", "service desk")}
LEVELS = {5: ("非常满意", "very satisfied"), 4: ("满意", "satisfied"), 3: ("基本满意", "fairly satisfied"),
          2: ("不满意", "dissatisfied"), 1: ("非常不满意", "very dissatisfied")}


def _label(table: dict[Any, tuple[str, str]], key: Any, zh: bool) -> str:
    found = table.get(key)
    return (found[0] if zh else found[1]) if found else str(key)


def _labels(zh: bool) -> dict[str, Any]:
    rules = service.demand_rules()
    return {"categories": [(k, _label(CATEGORY, k, zh)) for k in rules.routing],
            "types": [(k, _label(TYPE, k, zh), v) for k, v in rules.answer_days.items()],
            "levels": [(k, _label(LEVELS, k, zh)) for k in sorted(LEVELS, reverse=True)
                       if k <= rules.satisfaction_levels]}


def _row(t: DemandTicket, zh: bool, names: dict[int, str]) -> dict[str, Any]:
    return {"t": t, "status": _label(STATUS, t.status, zh), "category": _label(CATEGORY, t.category, zh),
            "type": _label(TYPE, t.demand_type, zh), "channel": _label(CHANNEL, t.channel, zh),
            "department": names.get(t.department_id or 0, "—"), "mergeable": t.status in OPEN_STATES}


def _departments(session: Session) -> dict[int, str]:
    """The organisations the routing rules can name, by id (the transfer and dispatch choices)."""
    kinds = sorted(set(service.demand_rules().routing.values()))
    return {int(i): str(n) for i, n in session.execute(select(Organisation.id, Organisation.name)
                                                      .where(Organisation.kind.in_(kinds)).order_by(Organisation.name))}


def _home_region(session: Session, p: Principal) -> str:
    """Where a resident's demand is about by default: the village of their own registry record (their login's
    organisation is the city's individual users, which would route a village matter to no township)."""
    if p.role is Role.member and p.party_id is not None:
        region = registry.get_party(session, p.party_id).region_code
        if region:
            return region
    return p.region_code


def _mine(request: Request, session: Session, p: Principal, message: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    zh = request_locale(request) == "zh_CN"
    whose = (DemandTicket.created_by == actor_of(p) if p.role is Role.hotline_operator  # the calls it took
             else DemandTicket.resident_user_id == p.user_id)
    rows = list(session.scalars(select(DemandTicket).where(whose).order_by(DemandTicket.id.desc()).limit(ROWS)))
    names = _departments(session)
    context = {"zh": zh, "rows": [_row(t, zh, names) for t in rows], "csrf": csrf_token(request),
               "message": message, "may_submit": p.role in INTAKE, "channel": _label(CHANNEL, INTAKE.get(p.role), zh),
               "needs_contact": p.role in INTAKE and p.role is not Role.member, "region": _home_region(session, p),
               **_labels(zh)}
    response = render(request, "demands/mine.html", context)
    response.status_code = status_code
    return response


@router.get("/demands", response_class=Response)
def mine(request: Request, session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The form to take a demand and the caller's own demands, an answered one with its rating form."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    return _mine(request, session, caller)


@router.post("/demands", response_class=Response)
def take(request: Request, csrf: str = Form(""), demand_type: str = Form(""), category: str = Form(""),
         title: str = Form(""), description: str = Form(""), region_code: str = Form(""),
         contact_name: str = Form(""), contact_phone: str = Form(""), urgent: str = Form(""),
         session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """Take a demand from the form (a resident online, the hotline by phone, a service desk)."""
    caller = page_caller(request, principal, tuple(INTAKE))
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    try:
        check_csrf(request, csrf)
        channel = INTAKE[caller.role]
        t = service.submit(session, actor=actor_of(caller), channel=channel.value, demand_type=demand_type,
                           category=category, title=title[:200], description=description[:4000],
                           region_code=region_code.strip() or _home_region(session, caller),
                           resident_user_id=caller.user_id if caller.role is Role.member else None,
                           contact_name=contact_name[:100] or None, contact_phone=contact_phone[:40] or None,
                           urgent=bool(urgent))
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or _mine(request, session, caller, {"kind": "error", "text": exc.message if zh
                                                        else exc.message_en}, exc.http_status)
    text = f"诉求已受理，编号 {t.number}" if zh else f"Demand taken: {t.number}"
    return _mine(request, session, caller, {"kind": "notice", "text": text})


@router.post("/demands/{ticket_id}/rate", response_class=Response)
def rate(request: Request, ticket_id: int, csrf: str = Form(""), satisfaction: int = Form(0),
         comment: str = Form(""), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The resident rates the answer to their demand."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    try:
        check_csrf(request, csrf)
        service.rate(session, ticket_id, actor=actor_of(caller), user_id=caller.user_id, satisfaction=satisfaction,
                     comment=comment[:300] or None)
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or _mine(request, session, caller, {"kind": "error", "text": exc.message if zh
                                                        else exc.message_en}, exc.http_status)
    return RedirectResponse("/demands", status_code=303)


def _work(request: Request, session: Session, p: Principal, message: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    zh = request_locale(request) == "zh_CN"
    t = DemandTicket
    stmt = select(t).where(service.work_filter(p.role is Role.supervisor, p.organisation_id))
    rows = list(session.scalars(stmt.order_by(t.answer_due, t.id).limit(ROWS)))
    names = _departments(session)
    shown = []
    for row in rows:
        name, phone = service.contact_of(row)
        shown.append({**_row(row, zh, names), "name": name, "phone": phone})
    if rows:  # the contact is shown in clear to the department and the hotline: each read recorded
        privacy.record_reads(session, reader=privacy.Reader(actor_of(p), p.role.value, p.organisation_id),
                             records=[(f"demand_ticket:{r.id}", None) for r in rows], purpose="demands.handle")
    context = {"zh": zh, "rows": shown, "csrf": csrf_token(request), "message": message,
               "hotline": p.role is Role.supervisor, "departments": sorted(names.items(), key=lambda kv: kv[1]),
               "own": p.organisation_id, "extension_max": service.demand_rules().extension_max_days, **_labels(zh)}
    response = render(request, "demands/work.html", context)
    response.status_code = status_code
    return response


@router.get("/demands/work", response_class=Response)
def work(request: Request, session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The department's demands to accept and answer, deadline first; the hotline's desk."""
    caller = page_caller(request, principal, WORKERS)
    if not isinstance(caller, Principal):
        return caller
    return _work(request, session, caller)


@router.post("/demands/{ticket_id}/{action}", response_class=Response)
def act(request: Request, ticket_id: int, action: str, csrf: str = Form(""), reason: str = Form(""),
        text: str = Form(""), department_id: int = Form(0), satisfaction: int = Form(0), days: int = Form(0),
        number: str = Form(""), session: Session = Depends(get_session),
        principal: Principal | None = Depends(optional_principal)) -> Response:
    """A step from the work list: accept, transfer, return, answer, ask for an extension (the department);
    dispatch, reject, revisit, reopen, decide an extension, merge a duplicate (the hotline)."""
    caller = page_caller(request, principal, WORKERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    actor, own = actor_of(caller), caller.organisation_id
    hotline = caller.role is Role.supervisor
    try:
        check_csrf(request, csrf)
        if action == "accept" and not hotline:
            service.accept(session, ticket_id, actor=actor, department_id=own)
        elif action == "transfer" and not hotline:
            service.transfer(session, ticket_id, actor=actor, department_id=own, to_department_id=department_id,
                             reason=reason[:300])
        elif action == "return" and not hotline:
            service.return_to_dispatcher(session, ticket_id, actor=actor, department_id=own, reason=reason[:300])
        elif action == "answer" and not hotline:
            service.answer(session, ticket_id, actor=actor, department_id=own, text=text[:2000])
        elif action == "dispatch" and hotline:
            service.dispatch(session, ticket_id, actor=actor, department_id=department_id)
        elif action == "reject" and hotline:
            service.reject(session, ticket_id, actor=actor, reason=reason[:300])
        elif action == "revisit" and hotline:
            service.revisit(session, ticket_id, actor=actor, note=text[:300], satisfaction=satisfaction or None)
        elif action == "extension" and not hotline:
            handling.request_extension(session, ticket_id, actor=actor, department_id=own, days=days,
                                       reason=reason[:300])
        elif action in ("approve_extension", "refuse_extension") and hotline:
            decide = handling.approve_extension if action == "approve_extension" else handling.refuse_extension
            decide(session, ticket_id, actor=actor, reason=reason[:300])
        elif action == "reopen" and hotline:
            handling.reopen(session, ticket_id, actor=actor, note=text[:300], satisfaction=satisfaction or None)
        elif action == "merge" and hotline:
            primary = session.scalars(select(DemandTicket.id).where(DemandTicket.number == number.strip()[:24])).first()
            if primary is None:
                raise DemandError.NOT_FOUND.error()
            handling.merge(session, ticket_id, actor=actor, into_id=primary, reason=reason[:300])
        else:
            raise DemandError.NOT_YOURS.error()
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or _work(request, session, caller, {"kind": "error", "text": exc.message if zh
                                                        else exc.message_en}, exc.http_status)
    return RedirectResponse("/demands/work", status_code=303)


@router.get("/demands/stats", response_class=Response)
def public_stats(request: Request, session: Session = Depends(get_session)) -> Response:
    """The public statistics by department: counts, on-time rate and satisfaction; no personal data."""
    zh = request_locale(request) == "zh_CN"
    rules = service.demand_rules()
    totals = stats.totals(session)
    return render(request, "demands/stats.html", {
        "zh": zh, "departments": stats.by_department(session, bad_rating_max=rules.bad_rating_max),
        "totals": [(_label(STATUS, k, zh), totals.get(k, 0)) for k in STATUS],
        "all": sum(totals.values())})


"""Wage-arrears pages (欠薪, issue #20 item 4): ``/wage-arrears`` (file a complaint; my cases as worker, desk or
employer), ``/wage-arrears/{id}`` (one case with the steps its reader may take), ``/wage-arrears/work`` (the labour
inspector's desk) and ``/wage-arrears/stats`` (public figures by township, no names). zh-CN by default, English with
``?lang=en``. Every form posts with the form token and goes through the same service functions as the API
(``/api/v1/wage-arrears``); a refusal rolls back and shows its message."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError
from landbridge.kernel.bounds import DB_INT_MAX, DB_INT_MIN
from landbridge.wage_arrears import service, stats
from landbridge.wage_arrears.errors import WageArrearsError
from landbridge.wage_arrears.models import WageArrearsCase, WageArrearsPayment
from landbridge.wage_arrears.rules import LEVEL_LABELS, OPEN_STATES, ArrearsRules, yuan
from landbridge.wage_arrears.views import FILERS, actor_of, readable
from landbridge.web.forms import check_csrf, csrf_token
from landbridge.web.i18n import request_locale
from landbridge.web.pages import form_refusal
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
ROWS = 50
STATUS = {"filed": ("待受理", "to decide"), "accepted": ("已立案", "accepted"), "rejected": ("不予受理", "not taken"),
          "ordered": ("责令限期支付", "ordered to pay"), "closed": ("已清偿结案", "closed, paid"),
          "referred": ("移送处理", "referred")}
PAYMENT = {"claimed": ("待确认", "to confirm"), "confirmed": ("已确认", "confirmed"),
           "refused": ("不予确认", "refused")}


def _label(table: dict[str, tuple[str, str]], key: str | None, zh: bool) -> str:
    found = table.get(key or "")
    return (found[0] if zh else found[1]) if found else str(key or "—")


def _row(c: WageArrearsCase, zh: bool, rules: ArrearsRules) -> dict[str, Any]:
    region = get_profile().region(c.region_code)
    return {"c": c, "status": _label(STATUS, c.status, zh),
            "township": (region.name if zh else region.name_en) if region else c.region_code,
            "owed": yuan(c.owed_fen), "paid": yuan(c.paid_fen),
            "outstanding": yuan(c.owed_fen - c.paid_fen),
            "level": _label(LEVEL_LABELS, rules.level_name(c.escalation), zh) if c.escalation else None}


def _message(exc: DomainError, zh: bool) -> dict[str, str]:
    return {"kind": "error", "text": exc.message if zh else exc.message_en}


def _mine(request: Request, session: Session, p: Principal, message: dict[str, str] | None = None,
          status_code: int = 200, offset: int = 0) -> Response:
    zh = request_locale(request) == "zh_CN"
    t = WageArrearsCase
    cond = service.cases_of(session, user_id=p.user_id, party_id=p.party_id, organisation_id=p.organisation_id)
    rows = list(session.scalars(select(t).where(cond).order_by(t.id.desc()).offset(offset).limit(ROWS + 1)))
    rules = service.arrears_rules()
    context = {"zh": zh, "rows": [_row(c, zh, rules) for c in rows[:ROWS]], "csrf": csrf_token(request),
               "message": message, "may_file": p.role in FILERS and (p.role is not Role.member or p.party_id),
               "desk": p.role is Role.township_official,
               "region": service.home_township(session, p.party_id, p.region_code),
               "today": service.today().isoformat(),
               "rules": rules, "offset": offset, "more": len(rows) > ROWS, "rows_per_page": ROWS}
    response = render(request, "wage_arrears/mine.html", context)
    response.status_code = status_code
    return response


@router.get("/wage-arrears", response_class=Response)
def mine(request: Request, offset: int = Query(0, ge=0, le=10**6), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The form to file a complaint and the caller's cases (as worker, desk or employer)."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    return _mine(request, session, caller, offset=offset)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise WageArrearsError.INVALID_PERIOD.error() from None


def _int(value: str, error: WageArrearsError, **params: Any) -> int:
    """A form's whole number, within the database's integer range (kernel.bounds), else ``error``."""
    try:
        number = int(value.strip()[:12])
    except ValueError:
        raise error.error(**params) from None
    if not DB_INT_MIN <= number <= DB_INT_MAX:
        raise error.error(**params)
    return number


@router.post("/wage-arrears", response_class=Response)
def file_case(request: Request, csrf: str = Form(""), worker_party_id: str = Form(""), employer_uscc: str = Form(""),
              employer_name: str = Form(""), project: str = Form(""), region_code: str = Form(""),
              period_from: str = Form(""), period_to: str = Form(""), amount: str = Form(""),
              workers: str = Form(""), evidence: str = Form(""), session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    """File a complaint from the form: the worker for themselves, a desk for a named worker."""
    caller = page_caller(request, principal, FILERS)
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    try:
        check_csrf(request, csrf)
        rules = service.arrears_rules()
        if caller.role is Role.member:
            if caller.party_id is None:
                raise WageArrearsError.WORKER_REQUIRED.error()
            worker = caller.party_id
        else:
            worker = _int(worker_party_id, WageArrearsError.WORKER_REQUIRED)
        c = service.file_case(session, actor=actor_of(caller), filed_by_user_id=caller.user_id,
                              worker_party_id=worker, employer_uscc=employer_uscc[:40],
                              employer_name=employer_name[:400], project=project[:400],
                              region_code=region_code.strip()[:20] or caller.region_code,
                              period_from=_date(period_from), period_to=_date(period_to), amount=amount[:30],
                              workers=_int(workers, WageArrearsError.INVALID_WORKERS, max_workers=rules.workers_max),
                              evidence=evidence[:4000])
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or _mine(request, session, caller, _message(exc, zh), exc.http_status)
    text = f"投诉已登记，编号 {c.number}" if zh else f"Complaint filed: {c.number}"
    return _mine(request, session, caller, {"kind": "notice", "text": text})


def _work(request: Request, session: Session, p: Principal, offset: int = 0) -> Response:
    zh = request_locale(request) == "zh_CN"
    t = WageArrearsCase
    rows = list(session.scalars(select(t).where(t.status.in_([s.value for s in OPEN_STATES]))
                                .order_by(t.escalation.desc(), t.id).offset(offset).limit(ROWS + 1)))
    claims = session.scalar(select(WageArrearsPayment.id).where(WageArrearsPayment.status == service.CLAIMED).limit(1))
    rules = service.arrears_rules()
    return render(request, "wage_arrears/work.html", {
        "zh": zh, "rows": [_row(c, zh, rules) for c in rows[:ROWS]], "offset": offset, "more": len(rows) > ROWS,
        "rows_per_page": ROWS, "claims": claims is not None})


@router.get("/wage-arrears/work", response_class=Response)
def work(request: Request, offset: int = Query(0, ge=0, le=10**6), session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """The inspector's open cases, the escalated first."""
    caller = page_caller(request, principal, (Role.labour_inspector,))
    if not isinstance(caller, Principal):
        return caller
    return _work(request, session, caller, offset)


@router.get("/wage-arrears/stats", response_class=Response)
def public_stats(request: Request, session: Session = Depends(get_session)) -> Response:
    """Cases, payments and overdue orders by township: counts and sums only."""
    zh = request_locale(request) == "zh_CN"
    profile = get_profile()
    rows = []
    for row in stats.by_township(session):
        region = profile.region(row.region_code)
        rows.append({"s": row, "name": (region.name if zh else region.name_en) if region else row.region_code})
    return render(request, "wage_arrears/stats.html", {"zh": zh, "townships": rows, "k": stats.min_cases()})


def _case(request: Request, session: Session, p: Principal, case_id: int, message: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    zh = request_locale(request) == "zh_CN"
    c = service.get_case(session, case_id)
    how = readable(session, p, c)
    pays = list(session.scalars(select(WageArrearsPayment).where(WageArrearsPayment.case_id == c.id)
                                .order_by(WageArrearsPayment.id).limit(ROWS)))
    rules = service.arrears_rules()
    response = render(request, "wage_arrears/case.html", {
        "zh": zh, "row": _row(c, zh, rules), "how": how, "csrf": csrf_token(request), "message": message,
        "rules": rules,
        "payments": [{"p": x, "amount": yuan(x.amount_fen), "status": _label(PAYMENT, x.status, zh)} for x in pays],
        "levels": [(i + 1, _label(LEVEL_LABELS, name, zh), after) for i, (name, after) in enumerate(rules.escalation)]})
    response.status_code = status_code
    return response


@router.get("/wage-arrears/{case_id}", response_class=Response)
def case(request: Request, case_id: int, session: Session = Depends(get_session),
         principal: Principal | None = Depends(optional_principal)) -> Response:
    """One case: the worker, the desk that filed it, the employer and the inspectors."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    return _case(request, session, caller, case_id)


@router.post("/wage-arrears/{case_id}/{action}", response_class=Response)
def act(request: Request, case_id: int, action: str, csrf: str = Form(""), reason: str = Form(""),
        amount: str = Form(""), paid_on: str = Form(""), note: str = Form(""), working_days: str = Form(""),
        payment_id: str = Form(""), rating: str = Form(""), session: Session = Depends(get_session),
        principal: Principal | None = Depends(optional_principal)) -> Response:
    """A step from the case page: the inspector's decisions and payments, the employer's claim, the worker's
    confirmation."""
    caller = page_caller(request, principal, tuple(Role))
    if not isinstance(caller, Principal):
        return caller
    zh = request_locale(request) == "zh_CN"
    actor = actor_of(caller)
    inspector = caller.role is Role.labour_inspector
    try:
        check_csrf(request, csrf)
        rules = service.arrears_rules()
        day = _date(paid_on) if paid_on.strip() else None
        if action == "accept" and inspector:
            service.accept(session, case_id, actor=actor)
        elif action == "reject" and inspector:
            service.reject(session, case_id, actor=actor, reason=reason[:300])
        elif action == "order" and inspector:
            days = _int(working_days, WageArrearsError.INVALID_DAYS, max_days=rules.pay_days_max) \
                if working_days.strip() else None
            service.order_payment(session, case_id, actor=actor, working_days=days)
        elif action == "pay" and inspector:
            service.record_payment(session, case_id, actor=actor, user_id=caller.user_id, amount=amount[:30],
                                   paid_on=day, note=note[:300] or None)
        elif action == "pay":
            service.claim_payment(session, case_id, actor=actor, organisation_id=caller.organisation_id,
                                  amount=amount[:30], paid_on=day, note=note[:300] or None)
        elif action in ("confirm-claim", "refuse-claim") and inspector:
            pid = _int(payment_id, WageArrearsError.NOT_FOUND)
            if session.scalar(select(WageArrearsPayment.case_id).where(WageArrearsPayment.id == pid)) != case_id:
                raise WageArrearsError.NOT_FOUND.error()
            service.decide_claim(session, pid, actor=actor, confirm=action == "confirm-claim")
        elif action == "close" and inspector:
            service.close_paid(session, case_id, actor=actor)
        elif action == "refer" and inspector:
            service.refer(session, case_id, actor=actor, reason=reason[:300])
        elif action == "confirm":
            service.confirm_receipt(session, case_id, actor=actor, party_id=caller.party_id,
                                    rating=_int(rating, WageArrearsError.INVALID_RATING,
                                                levels=rules.satisfaction_levels))
        else:
            raise WageArrearsError.NOT_YOURS.error()
    except DomainError as exc:
        page = form_refusal(request, session, exc)
        return page or _case(request, session, caller, case_id, _message(exc, zh), exc.http_status)
    return RedirectResponse(f"/wage-arrears/{case_id}", status_code=303)

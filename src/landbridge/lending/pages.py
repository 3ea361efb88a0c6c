"""The inclusive-finance portal (普惠金融服务平台, F7, issue #17): server-rendered, zh-CN by default, English with
``?lang=en``, no JavaScript.

``/lending`` follows the caller's role: a borrower sees their applications and loans and applies; a bank officer
their bank's desk (the applications waiting for a decision with the registry extract's restrictions, the
valuation and the grade) and the bank's loans; guarantor, insurer and fund officers the loans whose risk share
binds them with their exposure and claims; the fund manager the fund's balance, leverage and ledger; the
supervisor the portfolio (NPL ratio by district and product, five-tier counts) and the fund. ``/lending/apply`` is
the application form with a schedule preview; ``/lending/loans/{id}`` a loan's file (schedule, payments, claims,
registry extract, ledger timeline) with a form for each action the caller's role may take in the loan's state.

Every form posts with the session's form token and runs the JSON API's own handler (``page_forms``), so a loan is
seen only by its borrower, its bank, its sharers and supervisors (``views.may_see``/``visible_to``). A refusal keeps
nothing: a wrong role, another bank's loan or a failed form token is the refusal page (403/404); any other refusal
shows the page again with its message, its 4xx status and the values entered. Lists are paginated (``PAGE_SIZE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landbridge import collective, exchange, registry, valuation
from landbridge.auth import OrgKind, Principal, Role, optional_principal, organisation_names, organisations_of_kind
from landbridge.auth.pages import page_caller
from landbridge.errors import DomainError
from landbridge.kernel import modules
from landbridge.kernel.clock import now, to_local
from landbridge.ledger import history_panel, subjects
from landbridge.lending import rules, service, servicing, share_pledge
from landbridge.lending.disposal import fixed_sale_view
from landbridge.lending.models import Claim, FundEntry, Instalment, Loan, Payment
from landbridge.lending.page_forms import ACTIONS, FIELD_LABELS, apply_model, open_actions, take
from landbridge.lending.rules import PERFORMING, Tier
from landbridge.lending.views import READERS, SHARER_ROLES, apply, portfolio, readable, visible_to
from landbridge.web.forms import check_csrf
from landbridge.web.i18n import request_locale
from landbridge.web.pages import PageKit, flash, form_refusal, refuse
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 20
SIMPLE_ACTIONS = frozenset({"withdraw", "lien", "lien-confirm", "disburse", "settle-sale", "fixed-price",
                            "disposal-failed"})  # a button, no fields
MAX_PAGE = 10_000
STATUS_LABELS = {"applied": "Applied", "refused": "Refused", "withdrawn": "Withdrawn", "approved": "Approved",
                 "lien_lodged": "Mortgage lodged", "lien_registered": "Mortgage registered",
                 "disbursed": "Disbursed", "defaulted": "In default", "in_disposal": "In disposal",
                 "settled": "Settled", "repaid": "Repaid", "closed": "Closed", "written_off": "Written off"}
TIER_LABELS = {"normal": "Normal", "special_mention": "Special mention", "substandard": "Substandard",
               "doubtful": "Doubtful", "loss": "Loss"}
METHOD_LABELS = {"annuity": "Equal instalments (annuity)", "equal_principal": "Equal principal",
                 "bullet": "Interest monthly, principal at maturity", "seasonal": "Seasonal with grace"}
PARTY_LABELS = {"bank": "Bank", "guarantor": "Guarantor", "fund": "Risk compensation fund", "insurer": "Insurer"}
CLAIM_LABELS = {"lodged": "Lodged", "overdue": "Overdue", "advanced": "Advanced",
                "settled": "Settled", "paid": "Paid out",
                "rejected": "Rejected", "expired": "Expired"}
PAYMENT_LABELS = {"repayment": "Repayment", "disposal": "Disposal proceeds", "recovery": "Recovery"}
ENTRY_LABELS = {"contribution": "Contribution", "advance": "Advance", "true_up": "True-up", "recovery": "Recovery"}
WATERFALL_LABELS = {"loan": "This loan", "mortgage": "Other mortgage", "owner": "Surplus to the owner"}
RESTRICTION_LABELS = {"mortgage": "Mortgage", "seizure": "Seizure", "objection": "Objection",
                      "pre_registration": "Pre-registration", "servitude": "Servitude"}
KIT = PageKit(locale_dir=Path(__file__).parent / "locale", labels={
    "status": STATUS_LABELS, "tier": TIER_LABELS, "method": METHOD_LABELS, "party": PARTY_LABELS,
    "entry": ENTRY_LABELS, "claim": CLAIM_LABELS, "payment": PAYMENT_LABELS, "restriction": RESTRICTION_LABELS,
    "waterfall": WATERFALL_LABELS,
    "right_type": registry.RIGHT_TYPE_LABELS, "field": FIELD_LABELS,
    "action": {k: a.label for k, a in ACTIONS.items()}})


def _lang(request: Request) -> str:
    return "?lang=en" if request_locale(request) == "en" else ""


def _message(request: Request, exc: DomainError) -> str:
    return exc.message if request_locale(request) == "zh_CN" else exc.message_en


def _page_no(request: Request, name: str = "page") -> int:
    value = request.query_params.get(name, "1")[:6]
    return min(max(int(value), 1), MAX_PAGE) if value.isdigit() else 1


def _pages(total: int, page: int) -> dict[str, int]:
    last = max(1, -(-total // PAGE_SIZE))
    return {"page": min(page, last), "last": last, "total": total}



async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- the portal ----------------------------------------------------------------------------------------------

def _exposure(session: Session, kind: str) -> dict[str, Any]:
    """A sharer's exposure: its share of the outstanding of the performing loans bound to it, and its claims."""
    shared = service.shared_with(session, kind)
    total = Decimal("0.00")
    for sharers, outstanding in session.execute(select(Loan.sharers, Loan.outstanding_cny).where(
            shared, Loan.status.in_([s.value for s in PERFORMING]))):
        share = next((Decimal(str(s["share"])) for s in sharers or [] if s.get("party") == kind), Decimal(0))
        total += (outstanding * share).quantize(Decimal("0.01"))
    sums = session.execute(select(func.count(), func.coalesce(func.sum(Claim.claimed_cny), 0),
                                  func.coalesce(func.sum(Claim.advanced_cny), 0),
                                  func.coalesce(func.sum(Claim.loss_cny), 0),
                                  func.coalesce(func.sum(Claim.recovered_cny), 0)).where(Claim.party == kind)).one()
    claims = session.execute(select(Claim, Loan.loan_no).join(Loan, Loan.id == Claim.loan_id)
                             .where(Claim.party == kind).order_by(Claim.id.desc()).limit(PAGE_SIZE)).all()
    return {"outstanding": total, "count": sums[0], "claimed": sums[1], "advanced": sums[2], "loss": sums[3],
            "recovered": sums[4], "claims": claims}


def _tiers(session: Session) -> list[tuple[str, int, Decimal]]:
    """Five-tier counts and balances of the performing loans (五级分类)."""
    rows = {t: (n, amount) for t, n, amount in session.execute(
        select(Loan.tier, func.count(), func.coalesce(func.sum(Loan.outstanding_cny), 0))
        .where(Loan.status.in_([s.value for s in PERFORMING])).group_by(Loan.tier))}
    return [(t.value, int(rows.get(t.value, (0, 0))[0]), Decimal(rows.get(t.value, (0, 0))[1])) for t in Tier]


def _desk(session: Session, caller: Principal) -> list[dict[str, Any]]:
    """The bank's applications waiting for its decision, each with the registry extract's current restrictions on
    the right, the collateral's value and the grade the decision would use."""
    loans = list(session.execute(select(Loan).where(Loan.bank_organisation_id == caller.organisation_id,
                                                    Loan.status == rules.LoanStatus.applied)
                                 .order_by(Loan.id).limit(PAGE_SIZE)).scalars())
    extracts = registry.current_restrictions_of(session, [x.unit_id for x in loans if x.unit_id is not None])
    default_grade = str(service.rule_set().value("default_grade"))
    out = []
    for loan in loans:
        value = None if loan.parcel_id is None else valuation.collateral_value(session, loan.parcel_id)
        out.append({"loan": loan, "restrictions": [r for r in extracts.get(loan.unit_id or 0, [])
                                                   if r.right_id == loan.right_id],
                    "value": value, "grade": loan.grade or default_grade})
    return out


@router.get("/lending", response_class=Response)
def portal(request: Request, session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    """The portal page for the caller's role (login redirect for anonymous callers, 403 for other roles)."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    status = request.query_params.get("status", "")[:20]
    where = [visible_to(session, caller)] + ([Loan.status == status] if status in STATUS_LABELS else [])
    pages = _pages(session.scalar(select(func.count()).select_from(Loan).where(*where)) or 0, _page_no(request))
    loans = list(session.execute(select(Loan).where(*where).order_by(Loan.id.desc()).limit(PAGE_SIZE)
                                 .offset((pages["page"] - 1) * PAGE_SIZE)).scalars())
    kind = SHARER_ROLES.get(caller.role)
    fund = None
    if caller.role in (Role.fund_manager, Role.supervisor):
        balance, leverage = servicing.fund_position(session)
        floor = servicing.leverage_floor()
        entries = list(session.execute(select(FundEntry).order_by(FundEntry.entry_date.desc(), FundEntry.id.desc())
                                       .limit(PAGE_SIZE)).scalars())
        fund = {"balance": balance, "leverage": leverage, "leverage_min": floor, "entries": entries,
                "below_floor": servicing.below_leverage_floor(leverage, floor)}
    supervisor = caller.role is Role.supervisor
    return KIT.page(request, "lending/portal.html", {
        "role": caller.role.value, "loans": loans, "pages": pages, "status": status if status in STATUS_LABELS
        else "", "sharer_kind": kind, "exposure": _exposure(session, kind) if kind else None, "fund": fund,
        "book": portfolio(caller, session) if supervisor else None, "tiers": _tiers(session) if supervisor else None,
        "desk": _desk(session, caller) if caller.role is Role.bank_officer else None,
        "may_apply": caller.role is Role.member and caller.party_id is not None,
        "banks": organisation_names(session, {x.bank_organisation_id for x in loans}), "lang_q": _lang(request),
        "product_names": {p.code: p.name if request_locale(request) == "zh_CN" else str(p.raw.get("name_en") or p.name)
                          for p in service.products().values()}})


# --- the application form ------------------------------------------------------------------------------------

def _apply_page(request: Request, session: Session, caller: Principal, *, values: Mapping[str, str] | None = None,
                error: str | None = None, preview: Any = None, status_code: int = 200) -> Response:
    rights = [r for r in registry.current_rights_held(session, caller.party_id) if r.unit_id is not None] \
        if caller.party_id is not None else []  # a right with a unit can be mortgaged
    today = to_local(now()).date()
    start = date(today.year + (today.month == 12), today.month % 12 + 1, min(today.day, 28))
    defaults = {"start": start.isoformat(), "months": "24", "annual_rate": "0.0435", "method": "equal_principal",
                "grace_months": "0"}
    member = None if caller.party_id is None else collective.find_active_membership(session, caller.party_id)
    accounts = [] if member is None else collective.accounts_for_member(session, member)
    shares = None if not accounts else {  # the member's pledgeable shares, for a share-pledge product
        "collective_id": member.collective_id if member else None,
        "free": max(a.balance_shares - a.pledged_shares for a in accounts)}
    return KIT.page(request, "lending/apply.html", {
        "rights": rights, "shares": shares, "products": list(service.products().values()),
        "banks": organisations_of_kind(session, OrgKind.bank), "values": {**defaults, **(values or {})},
        "error": error, "preview": preview, "lang_q": _lang(request)}, status_code=status_code)


@router.get("/lending/apply", response_class=Response)
def apply_page(request: Request, session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """The loan application form: the right from the borrower's own current rights, the product, amount, term,
    repayment method and bank."""
    caller = page_caller(request, principal, (Role.member,))
    if not isinstance(caller, Principal):
        return caller
    return _apply_page(request, session, caller)


@router.post("/lending/apply", response_class=Response)
def apply_form(request: Request, form: dict[str, str] = Depends(form_of), session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Apply (``intent=apply``) or preview the repayment schedule (``intent=preview``, nothing written)."""
    caller = page_caller(request, principal, (Role.member,))
    if not isinstance(caller, Principal):
        return caller
    values = {k: v[:200] for k, v in form.items() if k != "csrf"}
    try:
        check_csrf(request, form.get("csrf", ""))
        body = apply_model(form)
        if form.get("intent") == "preview":
            preview = rules.schedule_json(body.principal_cny, body.annual_rate, body.months, body.method,
                                          body.start, body.grace_months)
            return _apply_page(request, session, caller, values=values, preview=preview)
        loan = apply(body, caller, session)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return _apply_page(request, session, caller, values=values, error=_message(request, exc),
                           status_code=exc.http_status)
    flash(request, "ok", f"已提交贷款申请 {loan['loan_no']}", f"application {loan['loan_no']} lodged")
    return RedirectResponse(f"/lending/loans/{loan['id']}{_lang(request)}", status_code=303)


# --- a loan's file -------------------------------------------------------------------------------------------

def _schedule(session: Session, loan: Loan) -> tuple[list[dict[str, Any]], bool]:
    """The loan's instalments once disbursed (with what is paid), else the schedule it would have (a preview)."""
    rows = list(session.execute(select(Instalment).where(Instalment.loan_id == loan.id)
                                .order_by(Instalment.n)).scalars())
    if rows:
        return [{"n": r.n, "due_date": r.due_date, "principal": r.principal_cny, "interest": r.interest_cny,
                 "paid": r.paid_principal_cny + r.paid_interest_cny} for r in rows], False
    return [{"n": r.n, "due_date": r.due_date, "principal": r.principal, "interest": r.interest, "paid": None}
            for r in rules.schedule(loan.principal_cny, loan.annual_rate, loan.months, loan.method,
                                    loan.start_date, loan.grace_months)], True


def _disposal_settlement(session: Session, loan: Loan) -> dict[str, Any] | None:
    """How a settled disposal went, for the bank officer: the sale (price, the exchange's costs, the net), where the
    net went (the waterfall's lines: mortgages by rank, this loan, the owner's surplus), how the loan's part was
    applied (costs, interest, penalty interest, principal) and the principal loss that was shared."""
    pay = session.execute(select(Payment).where(Payment.loan_id == loan.id, Payment.kind == "disposal")
                          .order_by(Payment.id.desc()).limit(1)).scalar_one_or_none()
    if pay is None:
        return None
    sale = exchange.collateral_sale(session, loan.lot_id) if loan.lot_id is not None else None
    lines = []
    for x in sorted(sale.distribution if sale is not None else [],
                    key=lambda x: (x.get("basis") != "mortgage", x.get("rank") or 0)):
        own = x.get("restriction_id") is not None and x.get("restriction_id") == loan.restriction_id
        lines.append({"basis": "loan" if own else str(x.get("basis")), "rank": x.get("rank"),
                      "amount": Decimal(str(x["amount_cny"]))})
    detail = pay.detail or {}
    return {"payment": pay, "sale": sale, "lines": lines,
            "price": sale.price if sale is not None else Decimal(str(detail.get("proceeds_cny", "0"))),
            "sale_costs": sale.sale_costs if sale is not None else Decimal(str(detail.get("sale_costs_cny", "0"))),
            "surplus": Decimal(str(detail.get("surplus_cny", "0")))}


def _share_floor(session: Session, loan: Loan, day: date) -> share_pledge.SaleFloor | None:
    """The least price of a sale of a share-pledge loan's pledged shares today, while it is in disposal."""
    if loan.collective_id is None or loan.status != "in_disposal":
        return None
    try:
        return share_pledge.sale_floor(session, loan, day)
    except DomainError:
        return None  # no value per share today: the sale itself says why


def _actions(caller: Principal, loan: Loan, claims: list[Claim]) -> list[str]:
    """The loan's open actions for the caller; a sharer's advance only while a claim of its own is still open."""
    mine = SHARER_ROLES.get(caller.role)
    open_claim = any(c.party == mine and c.status in ("lodged", "overdue") for c in claims)
    return [a for a in open_actions(caller, loan.status, share_pledge=loan.collective_id is not None)
            if a != "advance" or open_claim]


def render_loan(request: Request, session: Session, caller: Principal, loan_id: int, *, status_code: int = 200,
                error: str | None = None, failed: str | None = None, submitted: Mapping[str, str] | None = None
                ) -> Response:
    """A loan's file; after a refused action its message, its status and the values the caller entered."""
    try:
        loan = readable(session, caller, loan_id)
    except DomainError as exc:
        return refuse(request, exc)
    schedule, preview = _schedule(session, loan)
    payments = list(session.execute(select(Payment).where(Payment.loan_id == loan.id)
                                    .order_by(Payment.id.desc()).limit(PAGE_SIZE)).scalars())
    claims = list(session.execute(select(Claim).where(Claim.loan_id == loan.id).order_by(Claim.id)).scalars())
    restrictions = [] if loan.unit_id is None else [
        r for r in registry.current_restrictions(session, loan.unit_id) if r.right_id == loan.right_id]
    value = valuation.collateral_value(session, loan.parcel_id) \
        if loan.appraised_cny is None and loan.parcel_id is not None else None
    today = to_local(now()).date()
    product = service.products(loan.start_date).get(loan.product_code)
    product_name = loan.product_code if product is None else product.name if request_locale(request) == "zh_CN" \
        else str(product.raw.get("name_en") or product.name)
    values = {"day": today.isoformat(), "paid_on": today.isoformat(),
              "mortgagee_party_id": str(caller.party_id or ""), "months": str(loan.months),
              "annual_rate": str(loan.annual_rate), "method": loan.method}
    if failed is not None and submitted is not None:
        values |= {k: v[:200] for k, v in submitted.items() if k != "csrf"}
    return KIT.page(request, "lending/loan.html", {
        "loan": loan, "schedule": schedule, "simple_actions": SIMPLE_ACTIONS, "product_name": product_name,
        "rate_pct": f"{(loan.annual_rate * 100).normalize():f}%", "schedule_preview": preview, "payments": payments,
        "claims": claims, "fixed_sale": fixed_sale_view(session, loan),
        "settlement": _disposal_settlement(session, loan)
        if loan.status in ("settled", "written_off", "closed") else None,
        "restrictions": restrictions, "value": value, "actions": _actions(caller, loan, claims),
        "share_floor": _share_floor(session, loan, today),
        # the scorecard's reading of the application (the fact credit.application_score): for the bank and supervisors
        "score": modules.fact("credit.application_score")(session, loan_id=loan.id)
        if caller.role in (Role.bank_officer, Role.supervisor) else None,
        "default_grade": str(service.rule_set().value("default_grade")), "grades": rules.GRADE_ORDER[::-1],
        "bank": organisation_names(session, [loan.bank_organisation_id]).get(loan.bank_organisation_id, ""),
        "tier_name": rules.TIER_NAMES[Tier(loan.tier)], "error": error, "failed": failed, "values": values,
        "lang_q": _lang(request), "role": caller.role.value, "my_party": SHARER_ROLES.get(caller.role),
        "ledger_history": history_panel(session, [subjects.loan(loan.id)])}, status_code=status_code)


@router.get("/lending/loans/{loan_id}", response_class=Response)
def loan_page(loan_id: int, request: Request, session: Session = Depends(get_session),
              principal: Principal | None = Depends(optional_principal)) -> Response:
    """A loan's file for its borrower, its bank, its sharers and supervisors (403 for anyone else)."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    return render_loan(request, session, caller, loan_id)


@router.post("/lending/loans/{loan_id}/actions/{action}", response_class=Response)
def action_form(loan_id: int, action: str, request: Request, form: dict[str, str] = Depends(form_of),
                session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Take one action from its form on the loan's file, through the API's handler (``page_forms.take``)."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    try:
        check_csrf(request, form.get("csrf", ""))
        done = take(session, caller, loan_id, action, form)
    except DomainError as exc:
        if (refused := form_refusal(request, session, exc)) is not None:
            return refused
        return render_loan(request, session, caller, loan_id, status_code=exc.http_status,
                           error=_message(request, exc), failed=action, submitted=form)
    loan = service.get_loan(session, loan_id)
    flash(request, "ok", f"已办理：{done.zh}（{loan.loan_no}）", f"done: {done.label.lower()} ({loan.loan_no})")
    return RedirectResponse(f"/lending/loans/{loan_id}{_lang(request)}", status_code=303)

"""The inclusive-finance portal (普惠金融服务平台, F7, issue #17): one page whose content follows the caller's role.

A borrower sees their applications and loans; a bank officer their bank's desk; guarantor, insurer and fund officers
the loans whose risk share binds them with their exposure; the fund manager the fund's balance and leverage; the
supervisor the portfolio with the NPL ratio by district and product. Actions go through /api/v1/lending.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.lending import servicing
from landbridge.lending.models import Loan
from landbridge.lending.views import READERS, SHARER_ROLES, portfolio, visible_to
from landbridge.web.pages import PageKit
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
KIT = PageKit(locale_dir=Path(__file__).parent / "locale")
STATUS_LABELS = {"applied": "Applied", "refused": "Refused", "withdrawn": "Withdrawn", "approved": "Approved",
                 "lien_lodged": "Mortgage lodged", "lien_registered": "Mortgage registered",
                 "disbursed": "Disbursed", "defaulted": "In default", "in_disposal": "In disposal",
                 "settled": "Settled", "repaid": "Repaid", "closed": "Closed", "written_off": "Written off"}


@router.get("/lending")
def portal(request: Request, session: Session = Depends(get_session),
           principal: Principal | None = Depends(optional_principal)) -> Response:
    """The portal page for the caller's role (login redirect for anonymous callers, 403 for other roles)."""
    caller = page_caller(request, principal, READERS)
    if not isinstance(caller, Principal):
        return caller
    loans = list(session.execute(select(Loan).where(visible_to(session, caller)).order_by(Loan.id.desc())
                                 .limit(500)).scalars())
    kind = SHARER_ROLES.get(caller.role)
    exposure = Decimal("0.00")
    if kind is not None:
        for loan in loans:
            share = next((Decimal(s["share"]) for s in loan.sharers if s.get("party") == kind), Decimal(0))
            exposure += (loan.outstanding_cny * share).quantize(Decimal("0.01"))
    fund = None
    if caller.role in (Role.fund_manager, Role.supervisor):
        balance, leverage = servicing.fund_position(session)
        floor = servicing.leverage_floor()
        fund = {"balance": balance, "leverage": leverage, "leverage_min": floor,
                "below_floor": servicing.below_leverage_floor(leverage, floor)}
    book = portfolio(caller, session) if caller.role is Role.supervisor else None
    return KIT.page(request, "lending/portal.html", {
        "role": caller.role.value, "loans": loans, "status_labels": STATUS_LABELS, "exposure": exposure,
        "sharer_kind": kind, "fund": fund, "book": book, "full": caller.role is not Role.supervisor})

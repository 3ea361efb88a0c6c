"""Bureau pages of valuation, engineer A's part: sale flags to review, benchmark zones, a parcel's explained value (L1).

The natural-resources bureau screens the sales record and reviews each flag with a note; supervisors
read the same list. The benchmark page shows the systems of the caller's area and the zones of the
one in force; the parcel page explains a parcel's value by the coefficient method and by sales
comparison. Labels are English source text with Chinese from valuation's catalogue (zh-CN is the default).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, check_region, optional_principal
from landbridge.auth.pages import page_caller
from landbridge.auth.service import region_prefix
from landbridge.errors import DomainError
from landbridge.registry import get_parcel
from landbridge.valuation.benchmark import comparison, validation
from landbridge.valuation.benchmark import service as benchmark
from landbridge.valuation.benchmark.models import FlagReason, FlagStatus
from landbridge.valuation.benchmark.views import coefficient_json, comparison_json
from landbridge.valuation.i18n import messages, words
from landbridge.valuation.sales.models import Sale
from landbridge.web.i18n import request_locale
from landbridge.web.pages import PageKit
from landbridge.web.render import render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_ROWS = 50
FLAG_PAGE = "/valuation/sale-flags"

REASON_LABELS = {FlagReason.related_parties: "Related parties", FlagReason.price_outlier: "Price outlier",
                 FlagReason.unit_price_outlier: "Unit price outlier", FlagReason.duplicate: "Duplicate record",
                 FlagReason.repeat_sale: "Repeat sale", FlagReason.implausible_area: "Implausible area"}
STATUS_LABELS = {FlagStatus.pending: "Pending", FlagStatus.accepted: "Accepted", FlagStatus.rejected: "Rejected"}
READERS = (Role.nr_official, Role.supervisor)


KIT = PageKit(words=messages("zh_CN", "benchmark"))
page_translator = KIT.translator
_page = KIT.page


@router.get(FLAG_PAGE)
def sale_flags_page(request: Request, status: FlagStatus | None = Query(FlagStatus.pending),
                    page: int = Query(1, ge=1, le=100_000), session: Session = Depends(get_session),
                    principal: Principal | None = Depends(optional_principal)) -> Response:
    """Sale flags of the bureau's area with a review form for each pending one (L1)."""
    who = page_caller(request, principal, READERS)
    if isinstance(who, Response):
        return who
    flags, total = validation.list_sale_flags(session, region_prefix=region_prefix(who.region_code), status=status,
                                              page=page, page_size=PAGE_ROWS)
    sales = {s.id: s for s in session.query(Sale).filter(Sale.id.in_([f.sale_id for f in flags]))}
    _ = page_translator(request)
    return _page(request, "valuation/sale_flags.html", {
        "flags": flags, "sales": sales, "total": total, "page": page, "pages": max(1, -(-total // PAGE_ROWS)),
        "status": status.value if status else "", "can_review": who.role == Role.nr_official,
        "reasons": {k.value: _(v) for k, v in REASON_LABELS.items()},
        "statuses": {k.value: _(v) for k, v in STATUS_LABELS.items()}})


def _act(request: Request, session: Session, principal: Principal | None, csrf: str,
         action: Callable[[Principal], tuple[str, str]]) -> Response:
    who = page_caller(request, principal, (Role.nr_official,))
    if isinstance(who, Response):
        return who
    return KIT.act(request, session, lambda: action(who), FLAG_PAGE, csrf=csrf,
                   refused=lambda exc: exc.http_status == 403)


@router.post(FLAG_PAGE + "/run")
def run_screen(request: Request, csrf: str = Form(""), session: Session = Depends(get_session),
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Screen the sales of the bureau's area from the page (L1)."""
    def action(who: Principal) -> tuple[str, str]:
        run = validation.flag_sales(session, actor=who.actor, region_prefix=region_prefix(who.region_code))
        zh = words("zh_CN", "benchmark")("Screened {examined} sales: {created} new flags.",
                                          examined=run.examined, created=run.created)
        return (zh,
                f"Screened {run.examined} sales: {run.created} new flags.")

    return _act(request, session, principal, csrf, action)


@router.post(FLAG_PAGE + "/{flag_id}/review")
def review_flag(request: Request, flag_id: int, csrf: str = Form(""), decision: str = Form(""), note: str = Form(""),
                session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """Accept or reject a flag with a note, from the page (L1)."""
    def action(who: Principal) -> tuple[str, str]:
        check_region(who, validation.get_sale_flag(session, flag_id).region_code)
        validation.review_sale_flag(session, flag_id=flag_id, decision=decision, note=note, actor=who.actor)
        return words("zh_CN", "benchmark")("Flag reviewed."), "Flag reviewed."

    return _act(request, session, principal, csrf, action)


BENCHMARK_READERS = (Role.nr_official, Role.registrar, Role.bank_officer, Role.supervisor, Role.admin)
VALUERS = (Role.nr_official, Role.bank_officer, Role.supervisor)


@router.get("/valuation/benchmark")
def benchmark_page(request: Request, session: Session = Depends(get_session),
                   principal: Principal | None = Depends(optional_principal)) -> Response:
    """The benchmark systems of the caller's area and the price zones of the one in force (L1)."""
    who = page_caller(request, principal, BENCHMARK_READERS)
    if isinstance(who, Response):
        return who
    systems = benchmark.list_benchmark_systems(session, region_prefix=region_prefix(who.region_code))
    current = next((x for x in systems if x.status == "published"), None)
    zones: list[dict[str, Any]] = []
    stale = False
    if current is not None:
        zones = benchmark.export_benchmark_system(session, current.code)["zones"]
        stale = benchmark.is_stale(current, date.today())  # noqa: DTZ011 (a display hint only)
    return _page(request, "valuation/benchmark.html", {"systems": systems, "current": current, "zones": zones,
                                                       "stale": stale})


@router.get("/valuation/parcels/{parcel_id}")
def parcel_value_page(request: Request, parcel_id: int, valuation_date: date | None = None,
                      session: Session = Depends(get_session),
                      principal: Principal | None = Depends(optional_principal)) -> Response:
    """A parcel's value by the coefficient method and by sales comparison, every factor explained (L1, F1)."""
    who = page_caller(request, principal, VALUERS)
    if isinstance(who, Response):
        return who
    try:
        check_region(who, get_parcel(session, parcel_id).region_code)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    zh = request_locale(request) == "zh_CN"
    coefficient: dict[str, Any] | None = None
    compared: dict[str, Any] | None = None
    errors: list[str] = []
    try:
        coefficient = coefficient_json(benchmark.parcel_coefficient_value(session, parcel_id=parcel_id,
                                                                          valuation_date=valuation_date))
        compared = comparison_json(comparison.comparison_value(session, parcel_id=parcel_id,
                                                               valuation_date=valuation_date))
    except DomainError as exc:
        errors.append(exc.message if zh else exc.message_en)
    return _page(request, "valuation/parcel_value.html", {"parcel_id": parcel_id, "coefficient": coefficient,
                                                          "compared": compared, "errors": errors})

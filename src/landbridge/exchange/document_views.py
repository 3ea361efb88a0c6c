"""Award confirmation and contract downloads (F4, L6; issue #6 item 6), and the deposit reconciliation report
(保证金对账; item 3): the API and the operator's page with CSV export.

Documents: the lot's parties (the winner and the seller, by the registry party their account names), the
exchange operators of the lot's area and supervisors; everyone else 403, a lot without a confirmed award
404. The reconciliation: exchange operators (lines of their area's lots, and credits no lot claims) and
supervisors.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, current_principal, optional_principal, require_roles
from landbridge.auth.errors import AuthError
from landbridge.exchange import documents, queries, reconcile
from landbridge.exchange.document_models import ExchangeDocument
from landbridge.exchange.documents import DocumentKind
from landbridge.exchange.errors import ExchangeError
from landbridge.exchange.models import Lot, LotResult
from landbridge.exchange.pages import KIT
from landbridge.web.i18n import request_locale
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)
insider = require_roles(Role.exchange_operator, Role.supervisor)
PDF_PATHS = {DocumentKind.award_confirmation: "award.pdf", DocumentKind.contract: "contract.pdf"}
PAGE_SIZE = 50


class DocumentRead(BaseModel):
    kind: str
    title: str
    number: str
    content_sha256: str
    sha256: str | None
    size_bytes: int | None
    issued_at: Any
    rendered_at: Any
    url: str


class ReconciliationRead(BaseModel):
    date_from: date
    date_to: date
    totals: dict[str, dict[str, Any]]
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def check_document_reader(principal: Principal, lot: Lot, result: LotResult | None) -> None:
    """Parties of the award, the operators of the lot's area and supervisors read its documents; else 403."""
    if principal.role == Role.supervisor:
        return
    if principal.role == Role.exchange_operator:
        if principal.covers_region(lot.region_code):
            return
        raise AuthError.FORBIDDEN_REGION.error(region_code=lot.region_code)
    parties = {lot.seller_party_id, result.winner_party_id if result else None} - {None}
    if principal.party_id is None or principal.party_id not in parties:
        raise ExchangeError.NOT_A_PARTY.error()


def _doc_read(lot_id: int, doc: ExchangeDocument) -> DocumentRead:
    kind = DocumentKind(doc.kind)
    return DocumentRead(kind=kind.value, title=documents.TITLES[kind], number=doc.number,
                        content_sha256=doc.content_sha256, sha256=doc.sha256, size_bytes=doc.size_bytes,
                        issued_at=doc.issued_at, rendered_at=doc.rendered_at,
                        url=f"/exchange/lots/{lot_id}/{PDF_PATHS[kind]}")


@router.get("/api/v1/exchange/lots/{lot_id}/documents", response_model=list[DocumentRead], tags=["exchange"])
def list_documents(lot_id: int, principal: Principal = Depends(current_principal),
                   session: Session = Depends(get_session)) -> list[DocumentRead]:
    """The award confirmation and contract of a lot, with number, the content's SHA-256 and, once the worker has
    rendered it, the PDF's (parties, operator, supervisor)."""
    lot = queries.get_lot(session, lot_id)
    check_document_reader(principal, lot, queries.find_result(session, lot.id))
    docs = documents.list_documents(session, lot.id)
    if not docs:
        raise documents.documents_not_available(lot.id)
    return [_doc_read(lot.id, d) for d in docs]


def _pdf(lot_id: int, kind: DocumentKind, principal: Principal | None, session: Session) -> Response:
    if principal is None:
        return RedirectResponse(f"/login?next=/exchange/lots/{lot_id}/{PDF_PATHS[kind]}", status_code=303)
    lot = queries.get_lot(session, lot_id)
    check_document_reader(principal, lot, queries.find_result(session, lot.id))
    doc, pdf = documents.document_pdf(session, lot_id=lot.id, kind=kind)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{doc.number}.pdf"',
        "X-Content-SHA256": hashlib.sha256(pdf).hexdigest()})


@router.get("/exchange/lots/{lot_id}/award.pdf", include_in_schema=False)
def award_pdf(lot_id: int, principal: Principal | None = Depends(optional_principal),
              session: Session = Depends(get_session)) -> Response:
    """The award confirmation (成交确认书) as PDF."""
    return _pdf(lot_id, DocumentKind.award_confirmation, principal, session)


@router.get("/exchange/lots/{lot_id}/contract.pdf", include_in_schema=False)
def contract_pdf(lot_id: int, principal: Principal | None = Depends(optional_principal),
                 session: Session = Depends(get_session)) -> Response:
    """The contract (产权交易合同) as PDF."""
    return _pdf(lot_id, DocumentKind.contract, principal, session)


# --- deposit reconciliation --------------------------------------------------------------------

# A line's detail is English data text (the CSV and the API keep it as is); the page shows it in words of the
# page's language: refusal codes of bank credits by name, and the phrases reconcile writes, one by one.
REFUSAL_LABELS = {
    "exchange.sub_account_not_found": "No such sub-account",
    "exchange.deposit_not_pending": "The deposit was not awaiting payment",
    "exchange.deposit_too_late": "Paid after the deposit deadline",
    "exchange.deposit_payer_mismatch": "Not paid in the bidder's own name",
    "exchange.deposit_amount_mismatch": "Amount differs from the deposit due",
    "exchange.settlement_not_due": "The price was not awaiting payment",
    "exchange.settlement_payer_mismatch": "Not paid in the buyer's own name",
    "exchange.settlement_amount_mismatch": "Amount differs from the price due",
}
DETAIL_PHRASES = (  # (what reconcile writes, the English message id with the same named fields)
    (re.compile(r"due (?P<day>\d{4}-\d{2}-\d{2})"), "due {day}"),
    (re.compile(r"(?P<days>\d+) days overdue"), "{days} days overdue"),
    (re.compile(r"fee (?P<amount>\d+\.\d{2})"), "fee {amount}"),
    (re.compile(r"adjustment fee (?P<amount>\d+\.\d{2})(?P<cell>( \[[a-z]+/grade [0-9*]+/[a-z]+\])?)"),
     "adjustment fee {amount}{cell}"),
    (re.compile(r"payout (?P<amount>\d+\.\d{2})"), "payout {amount}"),
    (re.compile(r"instalment (?P<seq>\d+)/(?P<count>\d+)"), "instalment {seq}/{count}"),
    (re.compile(r"winner defaulted"), "winner defaulted"),
)
SEPARATORS = {"; ": "；", ", ": "，"}


def _phrase(text: str, _: Callable[..., str]) -> str:
    if text in REFUSAL_LABELS:
        return _(REFUSAL_LABELS[text])
    for pattern, message in DETAIL_PHRASES:
        found = pattern.fullmatch(text)
        if found:
            return _(message, **found.groupdict())
    return text  # anything else (an unforeseen code) as it was written


def detail_words(detail: str, _: Callable[..., str], *, zh: bool) -> str:
    """A reconciliation line's detail in the page's language."""
    words = []
    for part in re.split(r"(; |, )", detail):
        if part in SEPARATORS:
            words.append(SEPARATORS[part] if zh else part)
        elif part:
            words.append(_phrase(part, _))
    return "".join(words)


def _range(date_from: date, date_to: date) -> None:
    if date_to < date_from or (date_to - date_from).days > reconcile.MAX_RANGE_DAYS:
        raise ExchangeError.INVALID_DATE_RANGE.error(max_days=reconcile.MAX_RANGE_DAYS)


def _report(session: Session, principal: Principal, date_from: date, date_to: date) -> reconcile.Reconciliation:
    _range(date_from, date_to)
    covers = None if principal.role == Role.supervisor else principal.covers_region
    return reconcile.reconcile_deposits(session, date_from=date_from, date_to=date_to, covers=covers)


@router.get("/api/v1/exchange/reconciliation", response_model=ReconciliationRead, tags=["exchange"])
def reconciliation(date_from: date = Query(alias="from"), date_to: date = Query(alias="to"),
                   limit: int = Query(PAGE_SIZE, ge=1, le=1000), offset: int = Query(0, ge=0),
                   principal: Principal = Depends(insider), session: Session = Depends(get_session),
                   ) -> ReconciliationRead:
    """Deposit reconciliation (保证金对账) for a date range: bank credits against the deposits expected (F4)."""
    report = _report(session, principal, date_from, date_to)
    return ReconciliationRead(date_from=date_from, date_to=date_to, totals=report.totals_dict(),
                              items=[line.as_dict() for line in report.lines[offset:offset + limit]],
                              total=len(report.lines), limit=limit, offset=offset)


@router.get("/exchange/reconciliation", include_in_schema=False)
def reconciliation_page(request: Request, date_from: date | None = Query(None, alias="from"),
                        date_to: date | None = Query(None, alias="to"), page: int = Query(1, ge=1),
                        format: str | None = None, principal: Principal | None = Depends(optional_principal),
                        session: Session = Depends(get_session)) -> Response:
    """The operator's reconciliation page (zh-CN), paged, with CSV export (?format=csv)."""
    if principal is None:
        return RedirectResponse("/login?next=/exchange/reconciliation", status_code=303)
    if principal.role not in (Role.exchange_operator, Role.supervisor):
        raise AuthError.FORBIDDEN_ROLE.error()
    today = reconcile.today()
    date_to = date_to or today
    date_from = date_from or date_to.replace(day=1)
    report = _report(session, principal, date_from, date_to)
    if format == "csv":
        return _csv(report, date_from, date_to)
    pages = max(1, -(-len(report.lines) // PAGE_SIZE))
    page = min(page, pages)
    return KIT.page(request, "exchange/reconciliation.html", {
        "report": report, "date_from": date_from, "date_to": date_to, "page": page, "pages": pages,
        "lines": report.lines[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], "category_labels": reconcile.CATEGORY_LABELS,
        "detail_words": partial(detail_words, zh=request_locale(request) == "zh_CN")})


def _csv(report: reconcile.Reconciliation, date_from: date, date_to: date) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(reconcile.CSV_HEADER)
    for line in report.lines:
        writer.writerow(line.csv_row())
    name = f"deposit-reconciliation-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

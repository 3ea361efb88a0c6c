"""Search across the platform (一网通办, issue #20 item 1): find a parcel, a lot, a case or a loan by its number.

``/search`` (page) and ``/api/v1/search`` (JSON) ask every package's search sources (``Manifest.search``, through
``kernel.hall.search_for``) with the caller's principal; each source shows only what the page it links to would
show that caller (anonymous visitors: what the law publishes, a parcel or an announced lot; a bank officer: their
own loans), so a search is never a way round a page's permissions. Parties are not searched by name: a person is
found by registrars through the exact ID-number look-up of the registry (``POST /api/v1/parties/lookup``), which
records the read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.kernel.hall import QUERY_MAX, SearchHit, normalise_query, search_for
from landbridge.web.i18n import request_locale
from landbridge.web.render import render
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute)


def _hit_json(module: str, hit: SearchHit) -> dict[str, Any]:
    return {"module": module, "kind_zh": hit.kind_zh, "kind_en": hit.kind_en, "label": hit.label,
            "href": hit.href, "detail_zh": hit.detail_zh, "detail_en": hit.detail_en}


@router.get("/api/v1/search", tags=["search"])
def api_search(q: str = Query(..., max_length=QUERY_MAX, description="a number, code or title (2–64 characters)"),
               principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> dict[str, Any]:
    """What the caller may open under ``q``: parcels by parcel or unit code, lots by number or title, market-entry
    cases and loans by number (for those their pages show them to). A query under two characters finds nothing."""
    query = normalise_query(q)
    hits = [] if query is None else search_for(session, principal, query)
    return {"query": query or "", "items": [_hit_json(module, hit) for module, hit in hits]}


@router.get("/search", response_class=Response, include_in_schema=False)
def search_page(request: Request, q: str = Query("", max_length=QUERY_MAX),
                principal: Principal | None = Depends(optional_principal),
                session: Session = Depends(get_session)) -> Response:
    """The search page: the box, and the hits grouped by kind in the page language."""
    locale = request_locale(request)
    query = normalise_query(q)
    hits = [] if query is None else search_for(session, principal, query)
    return render(request, "shell/search.html", {
        "q": q.strip(), "searched": query is not None, "too_short": bool(q.strip()) and query is None,
        "hits": [{"module": module, "kind": hit.kind(locale), "label": hit.label, "href": hit.href,
                  "detail": hit.detail(locale)} for module, hit in hits]})

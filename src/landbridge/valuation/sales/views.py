"""Valuation JSON API (/api/v1/valuation): the sales record (L1, F1).

Permissions: staff read the sales of their organisation's area (natural-resources bureau,
registrars, banks, supervisors, admin); only the bureau and the admin record sales. Buyer and
seller are shown to the bureau and the admin only; for the other roles they are masked (null).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, check_region, require_roles
from landbridge.auth.errors import AuthError
from landbridge.auth.service import region_prefix as area_prefix
from landbridge.config import get_settings
from landbridge.db import get_database
from landbridge.kernel.clock import now, to_local
from landbridge.valuation.sales import queries, service
from landbridge.valuation.sales.models import Sale
from landbridge.valuation.sales.schemas import SaleCreate, SalePage, SaleRead
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/valuation", tags=["valuation"], route_class=TransactionalRoute)

READERS = (Role.nr_official, Role.registrar, Role.bank_officer, Role.supervisor, Role.admin)
WRITERS = (Role.nr_official, Role.admin)
PARTY_ROLES = frozenset(WRITERS)

reader = require_roles(*READERS)
writer = require_roles(*WRITERS)


def _sale_read(sale: Sale, principal: Principal) -> SaleRead:
    show = principal.role in PARTY_ROLES
    return SaleRead(
        id=sale.id, sale_no=sale.sale_no, parcel_id=sale.parcel_id, unit_code=sale.unit_code,
        region_code=sale.region_code, land_use_class=sale.land_use_class, right_type=sale.right_type,
        sale_date=sale.sale_date, price_cny=sale.price_cny, price_per_m2_cny=sale.price_per_m2, area_m2=sale.area_m2,
        term_years=sale.term_years, plot_ratio=sale.plot_ratio, lon=sale.lon, lat=sale.lat, method=sale.method,
        source=sale.source, buyer_party_id=sale.buyer_party_id if show else None,
        seller_party_id=sale.seller_party_id if show else None, parties_masked=not show,
        related_parties=sale.related_parties, created_at=sale.created_at, batch_id=sale.batch_id)


def area_scope(principal: Principal, requested: str | None) -> str:
    """The region prefix to read: the caller's area, narrowed by the request (403 outside the area)."""
    own = area_prefix(principal.region_code)
    if not requested:
        return own
    if requested.startswith(own):
        return requested
    if own.startswith(requested):
        return own
    raise AuthError.FORBIDDEN_REGION_OF_AREA.error(region_prefix=requested)


RegionQuery = Query(None, pattern=r"^\d{1,12}$", description="leading digits of the 12-digit region code")
UseQuery = Query(None, min_length=2, max_length=8, description="GB/T 21010 land-use class")


@router.get("/sales", response_model=SalePage)
def list_sales(land_use_class: str | None = UseQuery, region_prefix: str | None = RegionQuery,
               since: date | None = None, until: date | None = None, page: int = Query(1, ge=1),
               page_size: int = Query(100, ge=1), principal: Principal = Depends(reader),
               session: Session = Depends(get_session)) -> SalePage:
    """A page of the sales record in the caller's area, newest first (L1, F1)."""
    page_size = min(page_size, get_settings().page_size_max)
    items, total = queries.list_sales(session, land_use_class=land_use_class,
                                      region_prefix=area_scope(principal, region_prefix), since=since, until=until,
                                      page=page, page_size=page_size)
    return SalePage(items=[_sale_read(s, principal) for s in items], total=total, page=page, page_size=page_size)


@router.post("/sales", response_model=SaleRead, status_code=201)
def create_sale(body: SaleCreate, principal: Principal = Depends(writer),
                session: Session = Depends(get_session)) -> SaleRead:
    """Record one sale in the caller's area (natural-resources bureau, admin) (L1)."""
    check_region(principal, body.region_code)
    fields = body.model_dump(exclude={"source"})
    sale = service.record_sale(session, **fields, source=body.source, actor=principal.actor)
    return _sale_read(sale, principal)


@router.get("/sales/export.csv", response_class=StreamingResponse)
def export_sales(land_use_class: str | None = UseQuery, region_prefix: str | None = RegionQuery,
                 since: date | None = None, until: date | None = None,
                 principal: Principal = Depends(reader)) -> StreamingResponse:
    """The sales record of the caller's area as CSV, streamed in its own read-only transaction (L1)."""
    scope = area_scope(principal, region_prefix)
    mask = principal.role not in PARTY_ROLES

    def body() -> Iterator[str]:
        yield "\ufeff"  # UTF-8 byte-order mark: Excel on a Chinese Windows desktop otherwise reads GBK (issue #21)
        with get_database().transaction(readonly=True) as session:
            yield from queries.sales_csv(session, mask_parties=mask, land_use_class=land_use_class,
                                         region_prefix=scope, since=since, until=until)

    stamp = to_local(now()).date().isoformat()
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="sales-{stamp}.csv"'})

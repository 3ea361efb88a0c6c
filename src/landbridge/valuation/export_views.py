"""File downloads of valuation's records (/api/v1/exports; issue #21): the sales record of a bounded date range and
a valuation run's parcel values, as XLSX, CSV with BOM, GeoJSON or GeoPackage (sales as points at their parcels,
values as parcels), in EPSG:4490 or the profile's projected CRS (``projected=true``).

Permissions are the JSON API's: the sales record for its readers (natural-resources bureau, registrars, banks,
supervisors, admin) within the caller's area, never with a party's identity; a run's values for the bureau and the
banks. Others get 403, anonymous callers 401. The file is written to disk and sent from there in chunks.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as FastPath
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from landbridge.auth import Principal
from landbridge.cityprofile import get_profile
from landbridge.kernel.bounds import DB_INT_MAX
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.valuation.errors import ValuationError
from landbridge.valuation.mass import views as mass_views
from landbridge.valuation.mass.exports import export_run_values
from landbridge.valuation.sales import views as sales_views
from landbridge.valuation.sales.exports import export_sales_file
from landbridge.web.downloads import file_download
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], route_class=TransactionalRoute)

Format = Literal["xlsx", "csv", "geojson", "gpkg"]
MAX_RANGE_DAYS = 3_660  # one download covers at most ten years of sales (a request bound, not a policy number)


def _srid(projected: bool) -> int:
    return get_profile().projected_srid if projected else GEOGRAPHIC_SRID


@router.get("/sales.{fmt}", response_class=FileResponse)
def sales_file(fmt: Format = FastPath(...), since: date = Query(..., alias="from", description="first sale date"),
               until: date = Query(..., alias="to", description="last sale date"),
               land_use_class: str | None = sales_views.UseQuery, region_prefix: str | None = sales_views.RegionQuery,
               projected: bool = False, principal: Principal = Depends(sales_views.reader),
               session: Session = Depends(get_session)) -> FileResponse:
    """The sales of ``from``..``to`` (at most ``MAX_RANGE_DAYS``) in the caller's area, no party identities (L1)."""
    if since > until or (until - since).days > MAX_RANGE_DAYS:
        raise ValuationError.BAD_EXPORT_RANGE.error(since=since.isoformat(), until=until.isoformat(),
                                                    most=MAX_RANGE_DAYS)
    scope = sales_views.area_scope(principal, region_prefix)
    return file_download(lambda path: export_sales_file(
        session, path, land_use_class=land_use_class, region_prefix=scope, since=since, until=until,
        srid=_srid(projected)), fmt, f"sales-{since.isoformat()}-{until.isoformat()}.{fmt}")


@router.get("/valuation/{run_id}.{fmt}", response_class=FileResponse)
def valuation_file(run_id: int = FastPath(..., ge=1, le=DB_INT_MAX), fmt: Format = FastPath(...),
                   projected: bool = False,
                   principal: Principal = Depends(mass_views.reader),
                   session: Session = Depends(get_session)) -> FileResponse:
    """A valuation run's parcel values (404 ``valuation.mass_run_not_found`` for an unknown run) (L1)."""
    return file_download(lambda path: export_run_values(session, run_id, path, srid=_srid(projected)), fmt,
                         f"valuation-{run_id}.{fmt}")

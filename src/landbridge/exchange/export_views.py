"""The published lot results as a file (/api/v1/exports/lots.*; 成交公示; issue #21): exactly what the results
notices publish (``exports.lot_result_rows``), as XLSX, CSV with BOM, GeoJSON or GeoPackage (points at the lots'
parcels), in EPSG:4490 or the profile's projected CRS (``projected=true``).

One notice is public (``GET /api/v1/exchange/lots/{id}/results-notice``); the bulk file of an area is for the
officials who answer for the market: the exchange's operators, supervisors, the natural-resources bureau and the
admin, within their organisation's area (403 outside it and for every other role, 401 anonymous).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as FastPath
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from landbridge.auth import Principal, Role, region_prefix, require_roles
from landbridge.auth.errors import AuthError
from landbridge.cityprofile import get_profile
from landbridge.exchange.exports import export_lot_results
from landbridge.kernel.geo import GEOGRAPHIC_SRID
from landbridge.web.downloads import file_download
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], route_class=TransactionalRoute)
READERS = (Role.exchange_operator, Role.supervisor, Role.nr_official, Role.admin)
reader = require_roles(*READERS)


def _scope(principal: Principal, requested: str | None) -> str:
    """The region prefix to read: the caller's area, narrowed by the request (403 outside the area)."""
    own = region_prefix(principal.region_code)
    if not requested or requested.startswith(own):
        return requested or own
    if own.startswith(requested):
        return own
    raise AuthError.FORBIDDEN_REGION_OF_AREA.error(region_prefix=requested)


@router.get("/lots.{fmt}", response_class=FileResponse)
def lot_results_file(fmt: Literal["xlsx", "csv", "geojson", "gpkg"] = FastPath(...),
                     region_prefix: str | None = Query(None, pattern=r"^\d{1,12}$"),
                     kind: str | None = Query(None, min_length=1, max_length=40), projected: bool = False,
                     principal: Principal = Depends(reader), session: Session = Depends(get_session)) -> FileResponse:
    """The published results of confirmed awards in the caller's area: the transferee as the notice names it, never
    a losing or a live bidder."""
    scope = _scope(principal, region_prefix)
    srid = get_profile().projected_srid if projected else GEOGRAPHIC_SRID
    return file_download(lambda path: export_lot_results(session, path, region_prefix=scope, kind=kind, srid=srid),
                         fmt, f"lot-results.{fmt}")

"""The public map of parcels (全景看地): the registry's page at ``/``, loaded by viewport from the parcel API (R1, P1).

Moved here from ``web.pages`` (issue #14 item 4): the map is the registry's page, the web toolkit draws it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import optional_principal
from landbridge.auth.service import Principal
from landbridge.cityprofile import get_profile
from landbridge.config import get_settings
from landbridge.registry.labels import LAND_USE_LABELS, RIGHT_TYPE_LABELS, right_type_legend
from landbridge.registry.queries import current_extent
from landbridge.web.i18n import request_locale, translator
from landbridge.web.render import render
from landbridge.web.transaction import ReplicaReadRoute, get_session

router = APIRouter(route_class=ReplicaReadRoute, include_in_schema=False)  # a map may be a moment stale

_EXTENT_SECONDS = 300.0
_extent_cache: dict[str, tuple[float, tuple[float, float, float, float] | None]] = {}


def _data_extent(session: Session) -> tuple[float, float, float, float] | None:
    """The box of the current parcels, re-read every few minutes (a scan of the parcel table at city scale)."""
    key = str(session.get_bind().engine.url)
    cached = _extent_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < _EXTENT_SECONDS:
        return cached[1]
    extent = current_extent(session)
    _extent_cache[key] = (time.monotonic(), extent)
    return extent


def _basemap() -> dict[str, Any] | None:
    """The base map under the parcels (issue #21): an online tile source, a local MBTiles file, or none (offline)."""
    settings = get_settings()
    url = settings.basemap_url or ("/basemap/{z}/{x}/{y}" if settings.basemap_mbtiles else "")
    if not url:
        return None
    return {"url": url, "attribution": settings.basemap_attribution, "maxZoom": settings.basemap_max_zoom}


@router.get("/")
def public_map(request: Request, principal: Principal | None = Depends(optional_principal),
               session: Session = Depends(get_session)) -> Response:
    """The public map of parcels (全景看地), loaded by viewport from the parcel API; opens on the data (R1)."""
    profile = get_profile()
    _ = translator(request_locale(request))
    config: dict[str, Any] = {
        "dataBounds": _data_extent(session),
        "center": list(profile.map_center), "zoom": profile.map_zoom, "extent": list(profile.extent),
        "api": "/api/v1/parcels", "pageSize": 500, "maxFeatures": 3000, "detailZoom": 14,
        "legend": right_type_legend(_),
        "text": {"code": _("Parcel code"), "use": _("Land use"), "area": _("Area"), "units": _("Units"),
                 "open": _("Open parcel page"), "loading": _("Loading parcels…"),
                 "shown": _("{n} parcels shown"), "more": _("Zoom in to see all parcels"),
                 "failed": _("Parcels could not be loaded"), "m2": _("m²"), "rights": _("Rights"),
                 "overview": _("Village territories shown: zoom in to see the parcels"),
                 "none": _("No registered right")},
        "labels": {value: _(label) for value, label in RIGHT_TYPE_LABELS.items()},
        "landUse": {code: _(label) for code, label in LAND_USE_LABELS.items()},
        "basemap": _basemap(),
    }
    return render(request, "registry/map.html", {
        "map_config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"), "legend": config["legend"]})

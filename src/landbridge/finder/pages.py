"""The land finder's page (找地, issue #23): the filters as a form (GET, so a search is a link), the results as
a list beside a map of them, each with its parcel page, plan uses, appraised value and open lot."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.cityprofile import get_profile
from landbridge.finder.errors import FinderError
from landbridge.finder.search import Filters, search
from landbridge.registry import LAND_USE_LABELS, RIGHT_TYPE_LABELS
from landbridge.web.i18n import request_locale, translator
from landbridge.web.render import render
from landbridge.web.transaction import ReplicaReadRoute, get_session

router = APIRouter(route_class=ReplicaReadRoute, include_in_schema=False)

NUMBERS = ("area_min", "area_max", "price_min", "price_max", "max_road_m", "max_town_m")
TEXTS = ("use", "right_type", "region")
NUMBER_MAX = Decimal("1e12")


def form_filters(params: Any) -> tuple[Filters, dict[str, str]]:
    """The filters of the form's query (empty fields: not filtered) and the values to show back in the form;
    a field that is not a number from 0 up is 422 ``finder.invalid_number``."""
    shown = {k: str(params.get(k) or "").strip()[:48] for k in (*NUMBERS, *TEXTS)}
    numbers: dict[str, Decimal | None] = {}
    for key in NUMBERS:
        try:
            value = Decimal(shown[key]) if shown[key] else None
        except InvalidOperation:
            value = Decimal(-1)
        if value is not None and (not value.is_finite() or not 0 <= value <= NUMBER_MAX):
            raise FinderError.INVALID_NUMBER.error(field=key)
        numbers[key] = value
    return Filters(use=shown["use"] or None, right_type=shown["right_type"] or None, region=shown["region"] or None,
                   **numbers), shown


@router.get("/finder")
def finder_page(request: Request, page: int = Query(1, ge=1, le=10_000),
                session: Session = Depends(get_session)) -> Response:
    """找地: the form, the results beside a map, a pager."""
    _ = translator(request_locale(request))
    filters, shown = form_filters(request.query_params)
    searched = any(shown.values())
    result = search(session, filters, page=page, page_size=20) if searched else None
    profile = get_profile()
    areas = sorted((r for r in profile.regions.values() if r.level in ("county", "township")), key=lambda r: r.code)
    en = request_locale(request) == "en"
    area_options = [(r.code[:6] if r.level == "county" else r.code[:9],
                     ("" if r.level == "county" else "— ") + (r.name_en if en else r.name)) for r in areas]
    points = [{"id": i["parcel_id"], "code": i["parcel_code"], "point": i["point"], "url": i["url"],
               "lot": bool(i["lot"])} for i in (result["items"] if result else []) if i["point"]]
    profile_view = {"center": list(profile.map_center), "zoom": profile.map_zoom}
    query = "&".join(f"{k}={v}" for k, v in shown.items() if v)
    return render(request, "finder/finder.html", {
        "shown": shown, "result": result, "searched": searched, "page": page, "query": query,
        "uses": sorted(LAND_USE_LABELS.items()), "right_types": sorted(RIGHT_TYPE_LABELS.items()),
        "areas": area_options, "land_use_labels": LAND_USE_LABELS,
        "finder_config": json.dumps({"points": points, "view": profile_view,
                                     "text": {"lot": _("Open lot"), "parcel": _("Parcel")}},
                                    ensure_ascii=False).replace("</", "<\\/")})

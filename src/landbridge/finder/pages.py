"""The land finder's page (找地, issue #23): the filters as a form (GET, so a search is a link), the results as
a list beside a map of them, each with its parcel page, plan uses, appraised value and open lot."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from landbridge.auth import Principal, optional_principal
from landbridge.cityprofile import get_profile
from landbridge.finder import saved
from landbridge.finder.search import parse_filters, search
from landbridge.registry import LAND_USE_LABELS, RIGHT_TYPE_LABELS
from landbridge.web.forms import csrf_token
from landbridge.web.i18n import request_locale, translator
from landbridge.web.render import render
from landbridge.web.transaction import ReplicaReadRoute, get_session

router = APIRouter(route_class=ReplicaReadRoute, include_in_schema=False)

@router.get("/finder")
def finder_page(request: Request, page: int = Query(1, ge=1, le=10_000), session: Session = Depends(get_session),
                principal: Principal | None = Depends(optional_principal)) -> Response:
    """找地: the form, the results beside a map, a pager; a signed-in user's saved searches (L6, P1)."""
    _ = translator(request_locale(request))
    filters, shown = parse_filters(request.query_params)
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
        "areas": area_options, "land_use_labels": LAND_USE_LABELS, "signed_in": principal is not None,
        "saved": [saved.search_json(r) for r in saved.list_searches(session, principal.user_id)] if principal else [],
        "csrf": csrf_token(request) if principal else "",
        "finder_config": json.dumps({"points": points, "view": profile_view,
                                     "text": {"lot": _("Open lot"), "parcel": _("Parcel")}},
                                    ensure_ascii=False).replace("</", "<\\/")})

"""Public and session pages: log in / log out, the language switch and the public map (全景看地) (R1, P1)."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from landbridge.auth import authenticate, optional_principal
from landbridge.auth.deps import client_address
from landbridge.auth.models import Role
from landbridge.auth.service import Principal, close_web_session, open_web_session
from landbridge.auth.views import app_settings
from landbridge.cityprofile import get_profile
from landbridge.errors import DomainError, Forbidden
from landbridge.web.i18n import Translator, request_locale, translator
from landbridge.web.render import render, render_error
from landbridge.web.transaction import TransactionalRoute, get_session

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# Right types (registry.RightType values) with their English label; Chinese comes from the catalogue.
RIGHT_TYPE_LABELS: dict[str, str] = {
    "collective_land_ownership": "Collective land ownership",
    "homestead_use_right": "Homestead use right",
    "house_ownership": "House ownership",
    "collective_construction_land_use_right": "Collective construction land use right",
    "state_construction_land_use_right": "State construction land use right",
    "land_contract_right": "Land contract right",
    "land_management_right": "Land management right",
    "forest_right": "Forest right",
    "collective_asset_share": "Collective asset share",
}
# GB/T 21010-2017 land-use classes: first level, and the second-level classes common in rural registration.
LAND_USE_LABELS: dict[str, str] = {
    "01": "Cultivated land", "0101": "Paddy field", "0102": "Irrigated land", "0103": "Dry land",
    "02": "Garden land", "0201": "Orchard", "0202": "Tea garden",
    "03": "Forest land", "0301": "Arbor forest land", "0305": "Shrub forest land", "0307": "Other forest land",
    "04": "Grassland", "05": "Commercial and service land", "06": "Industrial, mining and storage land",
    "0601": "Industrial land", "0602": "Mining land", "0604": "Storage land",
    "07": "Residential land", "0701": "Urban residential land", "0702": "Rural homestead",
    "08": "Public administration and service land", "09": "Special-use land", "10": "Transport land",
    "11": "Water and water facilities land", "12": "Other land",
}
# Map colours per right type; parcels with no current right are drawn grey.
RIGHT_TYPE_COLOURS: dict[str, str] = {
    "collective_land_ownership": "#8c6d31",
    "homestead_use_right": "#d95f02",
    "house_ownership": "#e7298a",
    "collective_construction_land_use_right": "#7570b3",
    "state_construction_land_use_right": "#1b9e77",
    "land_contract_right": "#66a61e",
    "land_management_right": "#2b8cbe",
    "forest_right": "#1a5e20",
    "collective_asset_share": "#a6761d",
    "": "#8a94a0",
}


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token for forms (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, token: str) -> None:
    """Refuse a form post whose token does not match the session's (403)."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not token or not hmac.compare_digest(expected, token):
        raise Forbidden("web.csrf_failed", "表单已过期或来源无效，请刷新页面后重试",
                        "the form has expired or did not come from this site; reload and try again")


def safe_next(target: str | None) -> str:
    """A local redirect target only (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def error_message(request: Request, exc: DomainError) -> str:
    """A domain error's message in the page language."""
    return exc.message if request_locale(request) == "zh_CN" else exc.message_en


@router.get("/login")
def login_form(request: Request, next: str | None = None,
               principal: Principal | None = Depends(optional_principal)) -> Response:
    """Show the login form (staff and members log in here)."""
    return render(request, "web/login.html", {"csrf": csrf_token(request), "next": safe_next(next),
                                              "username": "", "error": None})


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf: str = Form(""),
          next: str = Form("/"), session: Session = Depends(get_session)) -> Response:
    """Log in with username and password; failures and lock-outs are shown in the page language."""
    try:
        check_csrf(request, csrf)
        # failures are counted and throttled per account and client address in their own transaction (issue #12)
        principal = authenticate(session, username=username.strip(), password=password,
                                 address=client_address(request), mode=app_settings(request).mode)
    except DomainError as exc:
        return render(request, "web/login.html", {"csrf": csrf_token(request), "next": safe_next(next),
                                                  "username": username, "error": error_message(request, exc)},
                      status_code=exc.http_status)
    request.session.clear()  # a fresh session on login (no fixation)
    request.session["sid"] = open_web_session(session, principal)  # held on the server: logout revokes it
    csrf_token(request)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: str = Form(""), session: Session = Depends(get_session)) -> Response:
    """Log out: revoke the session on the server (a copied cookie is dead too) and forget it (issue #12)."""
    try:
        check_csrf(request, csrf)
    except DomainError as exc:
        return render_error(request, exc.http_status, exc.to_dict())
    sid = request.session.get("sid")
    if isinstance(sid, str) and sid:
        close_web_session(session, sid)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def land_use_label(code: str | None, _: Translator) -> str:
    """A land-use class code with its name in the page language, e.g. "0702 农村宅基地"."""
    if not code:
        return ""
    label = LAND_USE_LABELS.get(code) or LAND_USE_LABELS.get(code[:2])
    return f"{code} {_(label)}" if label else code


def right_type_legend(request: Request) -> list[dict[str, str]]:
    """Legend entries (value, label in the page language, colour) for the map."""
    _ = translator(request_locale(request))
    entries = [{"value": value, "label": _(label), "colour": RIGHT_TYPE_COLOURS[value]}
               for value, label in RIGHT_TYPE_LABELS.items() if value != "collective_asset_share"]
    entries.append({"value": "", "label": _("No registered right"), "colour": RIGHT_TYPE_COLOURS[""]})
    return entries


_EXTENT_SECONDS = 300.0
_extent_cache: dict[str, tuple[float, tuple[float, float, float, float] | None]] = {}


def _data_extent(session: Session) -> tuple[float, float, float, float] | None:
    """The box of the current parcels, re-read every few minutes (a scan of the parcel table at city scale)."""
    from landbridge import registry

    key = str(session.get_bind().engine.url)
    cached = _extent_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < _EXTENT_SECONDS:
        return cached[1]
    extent = registry.current_extent(session)
    _extent_cache[key] = (time.monotonic(), extent)
    return extent


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
        "legend": right_type_legend(request),
        "text": {"code": _("Parcel code"), "use": _("Land use"), "area": _("Area"), "units": _("Units"),
                 "open": _("Open parcel page"), "loading": _("Loading parcels…"),
                 "shown": _("{n} parcels shown"), "more": _("Zoom in to see all parcels"),
                 "failed": _("Parcels could not be loaded"), "m2": _("m²"), "rights": _("Rights"),
                 "overview": _("Village territories shown: zoom in to see the parcels"),
                 "none": _("No registered right")},
        "labels": {value: _(label) for value, label in RIGHT_TYPE_LABELS.items()},
        "landUse": {code: _(label) for code, label in LAND_USE_LABELS.items()},
    }
    return render(request, "web/map.html", {"map_config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
                                            "legend": config["legend"]})


def page_caller(request: Request, principal: Principal | None, roles: Iterable[Role]) -> Principal | Response:
    """A page's caller if their role may use it; else the login redirect (anonymous) or the 403 page."""
    allowed = frozenset(roles)
    if principal is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if principal.role not in allowed:
        exc = Forbidden("auth.forbidden_role", "您的角色无权执行此操作", "your role may not do this")
        return render_error(request, exc.http_status, exc.to_dict())
    return principal

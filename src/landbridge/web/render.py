"""Server-side rendering with Jinja2: the base layout, language switch and error pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from landbridge import __version__
from landbridge.cityprofile import get_profile
from landbridge.kernel import modules
from landbridge.kernel.clock import to_local
from landbridge.kernel.hall import nav_for
from landbridge.web.i18n import request_locale, translator
from landbridge.web.security import csp_nonce


def _template_dirs() -> list[str]:
    return modules.template_dirs()  # each package's manifest declares its folder (issue #14 item 1)


_env = Environment(loader=FileSystemLoader(_template_dirs()), autoescape=select_autoescape(["html", "xml"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["local"] = lambda dt, fmt="%Y-%m-%d %H:%M": to_local(dt).strftime(fmt) if dt else ""


UNVERIFIED_LABEL = "Platform default, to be confirmed by the city"


def unverified_note(translate: Callable[..., str]) -> Callable[..., Markup]:
    """The page helper ``unverified(set, rule, ..., on=day)``: a label when the figure comes from an unverified rule.

    Several rule names may be given (e.g. ``collateral.deposit_percent``, ``default.deposit_percent``): the
    first one defined in the version in force on ``on`` (a date or ISO string; default today) decided it.
    """

    def note(set_name: str, *names: str, on: date | str | None = None) -> Markup:
        day = date.fromisoformat(on) if isinstance(on, str) else on
        version = get_profile().rules(set_name).version_at(day)
        rule = next((version.rules[n] for n in names if n in version.rules), None)
        if rule is None or rule.verified:
            return Markup("")
        return Markup('<span class="badge unverified" data-rule="{0}.{1}" title="{2}">{3}</span>').format(
            set_name, rule.name, escape(rule.source), translate(UNVERIFIED_LABEL))

    return note


def _nav(principal: Any) -> list[modules.NavLink]:
    """The menu of the signed-in user's role (every package's ``Manifest.nav``, issue #20 item 1)."""
    if principal is None:
        return nav_for(None, False)
    role = getattr(principal, "role", None)
    return nav_for(str(getattr(role, "value", role)), bool(getattr(principal, "party_id", None)))


def render(request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200,
           ) -> HTMLResponse:
    """Render a page in the request's language with the common layout context."""
    locale = request_locale(request)
    principal = getattr(request.state, "principal", None)
    ctx: dict[str, Any] = {"request": request, "_": translator(locale), "locale": locale,
                           "lang": "zh-CN" if locale == "zh_CN" else "en", "profile": get_profile(),
                           "principal": principal, "version": __version__,
                           "unverified": unverified_note(translator(locale)),
                           "csp_nonce": csp_nonce(request),  # inline scripts run only with it (issue #12)
                           "nav": _nav(principal)}
    ctx.update(context or {})
    response = HTMLResponse(_env.get_template(template).render(ctx), status_code=status_code)
    if "lang" in request.query_params:
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="lax")
    return response


def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
    """An error page showing the stable code and the message in the page language."""
    return render(request, "web/error.html", {"status": status, "error": body}, status_code=status)

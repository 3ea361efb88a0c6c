"""The API's interactive documentation (Swagger UI) served from this site, never from a CDN (issue #12 item 6):
the assets come from the ``fastapi-offline`` package, mounted under ``/static/vendor/apidocs``, and the page
starts them from a static script (no inline script, so the content security policy holds). No ReDoc: its
bundle fetches a logo from its maker's CDN, which the policy refuses."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from landbridge import errorcodes
from landbridge.errors import CoreError

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static/vendor/apidocs"
OPENAPI_URL = "/api/v1/openapi.json"

router = APIRouter(include_in_schema=False)

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<link rel="icon" href="{assets}/favicon.png">
{css}
</head>
<body>
<div id="{element}" data-openapi="{openapi}"></div>
<script src="{assets}/{bundle}"></script>
<script src="/static/js/apidocs.js"></script>
</body>
</html>
"""


def _page(title: str, element: str, bundle: str, css: str = "") -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=title, element=element, bundle=bundle, css=css, assets=ASSETS_URL,
                                     openapi=OPENAPI_URL))


@router.get("/api/v1/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """The API reference to try calls in (Swagger UI), all assets from this site."""
    return _page("LandBridge API · Swagger UI", "swagger-ui", "swagger-ui-bundle.js",
                 f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">')


# What every error answer looks like (errors.DomainError.to_dict and main's validation handler): the OpenAPI
# spec describes this body, not FastAPI's default {"detail": [...]}, so clients and the schemathesis run can
# check the answers against it.
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody", "type": "object", "required": ["code", "message", "message_en"],
    "properties": {
        "code": {"type": "string", "description": "stable error code, e.g. request.invalid"},
        "message": {"type": "string", "description": "zh-CN message"},
        "message_en": {"type": "string", "description": "English message"},
        "details": {"description": "what the error is about (fields, limits, ids)"},
    },
}


def _hoist_definitions(node: Any, schemas: dict[str, Any]) -> None:
    """Move ``$defs`` left inside a route's own schema (``openapi_extra``) into ``components/schemas``, where its
    ``$ref``s point (a dangling ``#/components/schemas/RatioRow`` made strict readers, ReDoc among them, refuse
    the whole spec)."""
    if isinstance(node, dict):
        for name, definition in node.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        for value in node.values():
            _hoist_definitions(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _hoist_definitions(value, schemas)


def _dependencies(dependant: Dependant) -> list[Callable[..., Any]]:
    out: list[Callable[..., Any]] = []
    for sub in dependant.dependencies:
        if sub.call is not None:
            out.append(sub.call)
        out += _dependencies(sub)
    return out


def document_error_codes(app: FastAPI, spec: dict[str, Any]) -> None:
    """List on every operation the error codes its route can answer with (issue #14 item 5), found by reading
    the endpoint, its dependencies and the landbridge functions they name (``landbridge.errorcodes``): each
    code under its HTTP status's response, and all of them as ``x-error-codes``."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ERROR_BODY_SCHEMA)
    # iter_route_contexts walks the routers included into the app (FastAPI includes them lazily)
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema or route.endpoint is None:
            continue
        codes = errorcodes.route_codes(route.endpoint, _dependencies(route.dependant))
        for method in route.methods or ():
            operation = spec["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            if "422" in operation.get("responses", {}):
                codes = sorted({*codes, (CoreError.REQUEST_INVALID.code, 422)}, key=lambda c: (c[1], c[0]))
            operation["x-error-codes"] = [{"code": code, "status": status} for code, status in codes]
            for status in sorted({s for _, s in codes}):
                listed = ", ".join(f"`{c}`" for c, s in codes if s == status)
                response = operation.setdefault("responses", {}).setdefault(str(status), {
                    "description": HTTPStatus(status).phrase,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
                response["description"] = f"{response.get('description', '')} — error codes: {listed}"


def document_error_bodies(app: FastAPI) -> None:
    """Make the app's OpenAPI spec name the platform's error body for 422s instead of FastAPI's default, with
    every schema a route declares by hand under ``components/schemas`` and each route's error codes."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = ERROR_BODY_SCHEMA
                schemas.pop("ValidationError", None)
            _hoist_definitions(spec["paths"], schemas)
            document_error_codes(app, spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

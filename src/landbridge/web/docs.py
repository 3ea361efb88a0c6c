"""The API's interactive documentation (Swagger UI) served from this site, never from a CDN (issue #12 item 6):
the assets come from the ``fastapi-offline`` package, mounted under ``/static/vendor/apidocs``, and the page
starts them from a static script (no inline script, so the content security policy holds). No ReDoc: its
bundle fetches a logo from its maker's CDN, which the policy refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

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


def document_error_bodies(app: FastAPI) -> None:
    """Make the app's OpenAPI spec name the platform's error body for 422s instead of FastAPI's default, with
    every schema a route declares by hand under ``components/schemas``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = ERROR_BODY_SCHEMA
                schemas.pop("ValidationError", None)
            _hoist_definitions(spec["paths"], schemas)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

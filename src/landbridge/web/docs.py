"""The API's interactive documentation (Swagger UI, ReDoc) served from this site, never from a CDN (issue #12
item 6): the assets come from the ``fastapi-offline`` package, mounted under ``/static/vendor/apidocs``, and the
pages start them from a static script (no inline script, so the content security policy holds)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
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


@router.get("/api/v1/redoc")
def redoc(request: Request) -> HTMLResponse:
    """The API reference to read (ReDoc), all assets from this site."""
    return _page("LandBridge API · ReDoc", "redoc", "redoc.standalone.js")

"""create_app(): routers, middleware and error handlers; nothing else."""

from __future__ import annotations

import gc
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet as xleaflet
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from landbridge import __version__
from landbridge.auth.service import session_lifetime
from landbridge.config import Mode, Settings, get_settings, production_problems
from landbridge.db import configure_tracing, get_database
from landbridge.errors import CoreError, DomainError, internal_error
from landbridge.kernel import modules
from landbridge.kernel.metrics import DB_POOL_CHECKED_OUT, on_scrape
from landbridge.kernel.metrics import render as render_metrics
from landbridge.web import docs
from landbridge.web.observability import RequestContext
from landbridge.web.security import BodyLimit, OriginGuard, SecurityHeaders

log = logging.getLogger("landbridge")
LOOPBACK = frozenset({"127.0.0.1", "::1"})


def _pool_in_use() -> None:
    checked_out = getattr(get_database().engine.pool, "checkedout", None)
    DB_POOL_CHECKED_OUT.set(checked_out() if callable(checked_out) else 0)


on_scrape(_pool_in_use)
STATIC_DIR = Path(__file__).parent / "web" / "static"
SESSION_COOKIE = "lb_session"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    if _wants_html(request):
        from landbridge.web.render import render_error

        return render_error(request, status, body)
    return JSONResponse(body, status_code=status)


# Thresholds of the cyclic garbage collector in a server process (CPython's defaults: 700, 10, 10). Requests
# allocate many short-lived containers, nearly all freed by reference counting: the young generation is
# collected every 20,000 net allocations, the whole heap every 100 middle-generation collections (a full
# collection paused a bidding worker 80-125 ms; with 10 it came every 5 s under load, now about once a minute).
GC_YOUNG_THRESHOLD = 20_000
GC_OLD_THRESHOLD = 100


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """At start-up, once everything is built: collect, then freeze what is left (routes, templates, rule data,
    ORM mappers, about 240,000 objects) out of the cyclic garbage collector, and collect the young generation
    less often. Measured under the bidding benchmark (bench/exchange_bids.py): with the defaults a worker ran
    2,700 collections in 20 s, 1.5 s of CPU, full ones pausing it up to 300 ms; with these, 28 and 0.3 s.
    Frozen objects are never collected; they are what the application is made of, kept for its lifetime."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, gc.get_threshold()[1], GC_OLD_THRESHOLD)
    yield


class StartupRefused(RuntimeError):
    """The application refuses to start: production mode with demo accounts, default secrets or missing keys."""


def check_production_ready(settings: Settings) -> None:
    """Refuse to build a production application that is not fit for real data (issue #12 item 5): default or
    missing secrets and keys, or demo accounts (password ``demo``) in its database. Other modes pass."""
    if settings.mode is not Mode.production:
        return
    problems = production_problems(settings)
    if not problems:
        from sqlalchemy.exc import SQLAlchemyError

        from landbridge.auth import check_startup_safety
        from landbridge.db import Database

        database = Database(settings.database_url)
        try:
            with database.transaction(readonly=True) as session:
                check_startup_safety(session, settings.mode)
        except DomainError as exc:
            problems.append(exc.message_en.removeprefix("refusing to start: "))
        except SQLAlchemyError as exc:
            problems.append(f"the database cannot be checked for demo accounts ({type(exc).__name__}); "
                            "run `landbridge db upgrade` first")
        finally:
            database.dispose()
    if problems:
        raise StartupRefused("refusing to start in production mode / 生产模式拒绝启动: " + "; ".join(problems))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application; in production mode only once ``check_production_ready`` passes."""
    settings = settings or get_settings()
    check_production_ready(settings)
    configure_tracing(settings)  # off by default; spans are made by RequestContext, not by FastAPI's own
    app = FastAPI(title="LandBridge", version=__version__, openapi_url="/api/v1/openapi.json", lifespan=_lifespan,
                  docs_url=None, redoc_url=None,  # served from a package by web.docs, no CDN
                  # no OpenTelemetry here: without this FastAPI looks up the tracer provider on every request
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
                  description="城乡融合综合服务平台 / unified urban-rural integration service platform")
    app.state.settings = settings
    app.add_middleware(OriginGuard, session_cookie=SESSION_COOKIE, trusted_origins=settings.trusted_origins)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    # The cookie lives as long as its server-side session (auth.session_hours); logout revokes it on the server.
    session_seconds = int(session_lifetime().total_seconds())
    app.add_middleware(SessionMiddleware, secret_key=settings.effective_secret_key(), session_cookie=SESSION_COOKIE,
                       max_age=session_seconds, same_site="lax", https_only=settings.mode is Mode.production)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        return _error_response(request, exc.http_status, exc.to_dict())

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e.get("type")}
                  for e in exc.errors()]
        invalid = CoreError.REQUEST_INVALID
        return _error_response(request, 422, {"code": invalid.code, "message": invalid.zh, "message_en": invalid.en,
                                              "details": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: CoreError.REQUEST_NOT_FOUND, 405: CoreError.REQUEST_METHOD_NOT_ALLOWED}
        error = codes.get(exc.status_code, CoreError.REQUEST_ERROR).error({"detail": str(exc.detail)})
        return _error_response(request, exc.status_code, error.to_dict())

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # The backstop of bounded input (issue #12 item 7): a value that passed validation but does not fit its
        # column (an integer past INTEGER/BIGINT, a text past its length) is the caller's error, not a 500; the
        # request's transaction has already been rolled back.
        log.warning("value out of the database's range on %s %s: %s", request.method, request.url.path,
                    str(exc).splitlines()[0][:200])
        return _error_response(request, 422, CoreError.REQUEST_OUT_OF_RANGE.error().to_dict())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        error = internal_error()
        return _error_response(request, error.http_status, error.to_dict())

    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIR), name="apidocs")
    app.mount("/static/vendor/leaflet", StaticFiles(directory=xleaflet.BASE_DIR), name="leaflet")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    modules.load_model_modules()  # every declared table module exists, or the app does not start (issue #14 item 1)
    for router, manifest in modules.routers():  # ascending order: route precedence is mounting order
        app.include_router(modules.resolve(router.target, manifest))
    for middleware in modules.middleware():  # inside the security headers (the exchange's bid lane)
        app.add_middleware(middleware)
    # every response carries the security headers, the bid lane's answers included
    app.add_middleware(SecurityHeaders, hsts=settings.hsts or settings.mode.value == "production",
                       hsts_max_age=settings.hsts_max_age_s)
    app.add_middleware(RequestContext)  # outermost: request id, latency by route template, access line

    docs.document_error_bodies(app)

    @app.get("/api/v1/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus metrics (issue #22 item 4): for loopback callers, or with ``Authorization: Bearer`` and the
        configured ``metrics_token``; anyone else 404, as if there were none."""
        client = request.client.host if request.client else ""
        given = request.headers.get("authorization", "")
        token = settings.metrics_token
        allowed = client in LOOPBACK or (token is not None and hmac.compare_digest(given, f"Bearer {token}"))
        if not allowed:
            error = CoreError.REQUEST_NOT_FOUND.error({"detail": "Not Found"})
            return _error_response(request, 404, error.to_dict())
        return Response(render_metrics(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/v1/ready", include_in_schema=False)  # 503 is its answer, not an error: outside the API schema
    def ready() -> JSONResponse:
        """Readiness (issue #22 item 4): the database answers and a worker runs the deadlines (on PostgreSQL a
        leader holds the worker lock; on SQLite this process runs its worker); 503 otherwise."""
        from landbridge.worker import leader_present, running

        try:
            with get_database().transaction(readonly=True) as session:
                session.execute(text("SELECT 1"))
                leader = leader_present(session)
        except Exception:
            log.exception("readiness: the database does not answer")
            return JSONResponse({"status": "not_ready", "database": "down", "worker": "unknown"}, status_code=503)
        worker_ok = running.is_set() if leader is None else leader
        body = {"status": "ready" if worker_ok else "not_ready", "database": "ok",
                "worker": "running" if worker_ok else "none"}
        return JSONResponse(body, status_code=200 if worker_ok else 503)

    return app


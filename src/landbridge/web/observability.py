"""Request ids, access logs and metrics of every request; JSON logs (issue #22 item 4).

``RequestContext`` is a pure ASGI middleware (outermost, so it times the whole stack, the bid lane included):
it takes the caller's ``X-Request-ID`` when it is a plain token (at most 64 of ``A-Z a-z 0-9 . _ -``), else
makes one, keeps it in a context variable for every log record of the request, returns it in the response's
``X-Request-ID``, observes the latency under the route's *template* and writes one access line. The access line
names the route template, method, status and milliseconds: no path ids, no query string, no client address, so
no personal data reaches the logs.

``JsonFormatter`` writes one JSON object per record (time, level, logger, message, request id, exception, and while
tracing is on the trace and span ids), for ``landbridge serve --log-format json``.

While tracing is on (``kernel.tracing``), the middleware also makes the request's server span, current for the
whole request, so database statements and log records belong to it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landbridge.kernel import tracing
from landbridge.kernel.metrics import REQUEST_SECONDS

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("landbridge_request_id", default=None)
access_log = logging.getLogger("landbridge.access")
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNMATCHED = "(unmatched)"


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static/*"
    return UNMATCHED


class RequestContext:
    """Gives every HTTP request an id, a latency observation under its route template and one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), "")
        rid = given if _TOKEN.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        method = scope.get("method", "")
        span = tracing.request_span(method, {k.decode("latin-1"): v.decode("latin-1")
                                             for k, v in scope.get("headers", ())}) if tracing.tracer() else None
        traced = otel_context.attach(trace.set_span_in_context(span)) if span is not None else None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            REQUEST_SECONDS.labels(route, method, f"{status // 100}xx").observe(elapsed)
            if span is not None and traced is not None:
                tracing.finish_request_span(span, method=method, route=route, status=status, request_id=rid)
                otel_context.detach(traced)
            access_log.info("%s %s %d %.1fms", method, route, status, elapsed * 1000,
                            extra={"route": route, "status": status, "ms": round(elapsed * 1000, 1)})
            request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per log record: ts (UTC), level, logger, message, request_id and, where given, the access
    line's route/status/ms and the exception's text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # tracing on: the trace this record belongs to, to find it from the log and back
            out["trace_id"], out["span_id"] = format(span.trace_id, "032x"), format(span.span_id, "016x")
        for key in ("route", "status", "ms"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    """Send the platform's logs to stderr as text or JSON lines (``serve --log-format``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

"""OpenTelemetry tracing (issue #22 item 4): off by default; a span per request, database statement and worker job.

``configure("otlp" | "console" | "off")`` (from the settings ``LANDBRIDGE_TRACING`` and ``LANDBRIDGE_OTLP_ENDPOINT``,
by ``create_app`` and ``landbridge worker``) installs a tracer provider of the platform's own (the global one is
left alone) with a batch processor in front of the chosen exporter. While it is off, ``tracer()`` is None and
every hook returns at once: the bid lane pays one attribute read per request.

What a span carries is bounded and free of personal data, like the metrics' labels:
- a request (made by ``web.observability.RequestContext``): its route *template*, method, status and request id,
  never the raw path (ids, names), the query string or the client's address;
- a database statement (``instrument_engine``): the database system, the operation (``SELECT``, ``INSERT``, …)
  and the first table it names, never the statement's text or its parameters;
- a worker job (``job_span``): the job's manifest name and the transitions it fired.
An incoming W3C ``traceparent`` header is honoured, so the proxy's or caller's trace continues here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry.context import Context
from opentelemetry.propagate import extract
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

EXPORTERS = ("off", "console", "otlp")
SERVICE = "landbridge"
_state: dict[str, Any] = {"tracer": None, "provider": None}
_OPERATION = re.compile(r"\s*([A-Za-z]+)")
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+\"?([A-Za-z_][A-Za-z0-9_]*)", re.I)
_INSTRUMENTED = "_landbridge_traced"


class TracingSettingError(ValueError):
    """An unknown exporter name (the settings are read at start-up: the process does not start)."""


def tracer() -> Tracer | None:
    """The platform's tracer while tracing is on; None while it is off (the default)."""
    return _state["tracer"]  # type: ignore[no-any-return]


def use_provider(provider: Any | None) -> None:
    """Trace with ``provider`` (an SDK ``TracerProvider``; tests give one with an in-memory exporter), or switch
    tracing off with None. The previous provider of the platform is flushed and shut down."""
    previous = _state["provider"]
    if previous is not None and previous is not provider:
        previous.shutdown()
    _state["provider"] = provider
    _state["tracer"] = None if provider is None else provider.get_tracer("landbridge")


def configure(exporter: str = "off", endpoint: str | None = None, *, version: str = "") -> None:
    """Switch tracing on with the named exporter (``otlp``: OTLP over HTTP to ``endpoint``, by default the
    ``OTEL_EXPORTER_OTLP_*`` environment or http://localhost:4318/v1/traces; ``console``: spans as JSON on
    stdout, for debugging) or off. Calling it again with the same choice keeps the running provider."""
    if exporter not in EXPORTERS:
        raise TracingSettingError(f"LANDBRIDGE_TRACING must be one of {', '.join(EXPORTERS)}, not {exporter!r}")
    choice = (exporter, endpoint)
    if _state.get("choice") == choice and (exporter == "off") == (_state["provider"] is None):
        return
    _state["choice"] = choice
    if exporter == "off":
        use_provider(None)
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE, "service.version": version}))
    sink: SpanExporter
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        sink = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
    else:
        sink = ConsoleSpanExporter(out=sys.stdout)  # the stdout of now (its default is the one at import)
    provider.add_span_processor(BatchSpanProcessor(sink))
    use_provider(provider)


def request_span(method: str, headers: Mapping[str, str]) -> Span | None:
    """Start the server span of one request (None while tracing is off); the caller makes it current, names it
    by its route once routing has matched (``finish_request_span``) and ends it."""
    t = tracer()
    if t is None:
        return None
    parent: Context = extract(dict(headers))
    return t.start_span(f"{method} request", context=parent, kind=SpanKind.SERVER,
                        attributes={"http.request.method": method})


def finish_request_span(span: Span, *, method: str, route: str, status: int, request_id: str) -> None:
    """Name the request's span by its route template and record the outcome (5xx: an error)."""
    span.update_name(f"{method} {route}")
    span.set_attributes({"http.route": route, "http.response.status_code": status, "landbridge.request_id": request_id})
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()


@contextmanager
def job_span(name: str) -> Iterator[Span | None]:
    """A span around one run of a worker job (nothing while tracing is off); an exception marks it failed."""
    t = tracer()
    if t is None:
        yield None
        return
    with t.start_as_current_span(f"job {name}", kind=SpanKind.INTERNAL,
                                 attributes={"landbridge.job": name}) as span:
        yield span


def statement_summary(statement: str) -> tuple[str, str | None]:
    """The operation of a SQL statement and the first table it names (for a span; no text, no values)."""
    op = _OPERATION.match(statement)
    table = _TABLE.search(statement)
    return (op.group(1).upper() if op else "SQL"), (table.group(1) if table else None)


def instrument_engine(engine: Any) -> None:
    """Give every statement on ``engine`` (a SQLAlchemy Engine) a client span while tracing is on; once per
    engine. The listeners cost one check per statement while tracing is off."""
    if getattr(engine, _INSTRUMENTED, False):
        return
    from sqlalchemy import event

    system = engine.dialect.name

    def before(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        t = tracer()
        if t is None or context is None:
            return
        operation, table = statement_summary(statement)
        attributes = {"db.system.name": system, "db.operation.name": operation}
        if table:
            attributes["db.collection.name"] = table
        context._lb_span = t.start_span(f"{operation} {table}" if table else operation, kind=SpanKind.CLIENT,
                                        attributes=attributes)

    def after(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        span = getattr(context, "_lb_span", None)
        if span is not None:
            context._lb_span = None
            span.end()

    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, "_lb_span", None)
        if span is not None:
            exception_context.execution_context._lb_span = None
            span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            span.end()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
    setattr(engine, _INSTRUMENTED, True)

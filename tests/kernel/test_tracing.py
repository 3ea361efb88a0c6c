"""OpenTelemetry tracing (issue #22 item 4; kernel.tracing): off by default; when on, a request gives a server span
named by its route template with the request id, its database statements child spans, and a worker job a span of
its own; no span carries the query string, the raw path or anything else a caller typed (names, ID numbers)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.orm import Session

from landbridge import worker
from landbridge.config import Settings
from landbridge.db import Database, configure_tracing
from landbridge.kernel import tracing
from landbridge.ledger import append_event
from landbridge.main import create_app

NAME, ID_NUMBER = "张三丰", "360602199001011234"  # what a caller might put in a query or a path


@pytest.fixture
def client(db: Database) -> TestClient:
    with db.transaction() as s:  # a ledger with a head to read
        append_event(s, module="test", event_type="e", subject="t:1", actor="a", payload={})
    return TestClient(create_app())  # the settings say off: the test's provider is installed after the app is built


@pytest.fixture
def spans(client: TestClient, db: Database) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    db.instrument()
    yield exporter
    tracing.configure("off")
    assert tracing.tracer() is None


def _attributes(span: ReadableSpan) -> dict[str, object]:
    return dict(span.attributes or {})


def _no_personal_data(finished: tuple[ReadableSpan, ...]) -> None:
    for span in finished:
        dump = json.dumps({"name": span.name, "attributes": _attributes(span),
                           "events": [dict(e.attributes or {}) for e in span.events]}, ensure_ascii=False)
        for secret in (NAME, ID_NUMBER, "id_number", "?"):
            assert secret not in dump, (span.name, dump)


def test_tracing_is_off_by_default(client: TestClient) -> None:
    assert tracing.tracer() is None
    r = client.get("/api/v1/ledger/head")
    assert r.status_code == 200 and tracing.tracer() is None


def test_a_request_makes_a_server_span_with_its_request_id_and_database_children(
        client: TestClient, spans: InMemorySpanExporter) -> None:
    r = client.get("/api/v1/ledger/head", params={"name": NAME, "id_number": ID_NUMBER},
                   headers={"X-Request-ID": "trace-test-1"})
    assert r.status_code == 200
    finished = spans.get_finished_spans()
    servers = [s for s in finished if s.kind is SpanKind.SERVER]
    assert len(servers) == 1
    server = servers[0]
    assert server.name == "GET /api/v1/ledger/head"
    assert _attributes(server) == {"http.request.method": "GET", "http.route": "/api/v1/ledger/head",
                                   "http.response.status_code": 200, "landbridge.request_id": "trace-test-1"}
    statements = [s for s in finished if s.kind is SpanKind.CLIENT]
    assert statements, "the ledger head is read from the database"
    assert all(s.parent is not None and s.parent.span_id == server.context.span_id for s in statements)
    assert all(s.context.trace_id == server.context.trace_id for s in statements)
    assert any(_attributes(s).get("db.collection.name") == "ledger_state" and s.name == "SELECT ledger_state"
               for s in statements)
    assert all(set(_attributes(s)) <= {"db.system.name", "db.operation.name", "db.collection.name"}
               for s in statements)
    _no_personal_data(finished)

    spans.clear()  # a path that carries an ID number and matches no route: named "(unmatched)", 404 recorded
    assert client.get(f"/api/v1/registry/persons/{ID_NUMBER}/{NAME}").status_code == 404
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.name == "GET (unmatched)" and _attributes(server)["http.response.status_code"] == 404
    assert server.status.status_code is StatusCode.UNSET
    _no_personal_data(spans.get_finished_spans())


def test_an_incoming_traceparent_is_continued(client: TestClient, spans: InMemorySpanExporter) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    client.get("/api/v1/health", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    (server,) = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert format(server.context.trace_id, "032x") == trace_id
    assert server.parent is not None and format(server.parent.span_id, "016x") == "00f067aa0ba902b7"


def test_a_worker_job_has_a_span_with_its_statements_and_a_failure_is_marked(
        spans: InMemorySpanExporter) -> None:
    def due(session: Session) -> int:
        session.execute(text("SELECT size FROM ledger_state"))
        return 2

    def broken(_session: Session) -> int:
        raise RuntimeError("boom")

    assert worker.run_due_jobs([("test:due", due), ("test:broken", broken)]) == 2
    finished = spans.get_finished_spans()
    jobs = {s.name: s for s in finished if s.name.startswith("job ")}
    assert set(jobs) == {"job test:due", "job test:broken"}
    assert _attributes(jobs["job test:due"]) == {"landbridge.job": "test:due", "landbridge.job.fired": 2}
    assert jobs["job test:broken"].status.status_code is StatusCode.ERROR
    selects = [s for s in finished if s.name == "SELECT ledger_state"]
    assert selects and selects[0].parent is not None
    assert selects[0].parent.span_id == jobs["job test:due"].context.span_id


def test_configure_from_the_settings_and_refuse_an_unknown_exporter(db: Database, settings: Settings,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    try:
        configure_tracing(settings.model_copy(update={"tracing": "console"}))
        assert tracing.tracer() is not None
        with db.transaction(readonly=True) as s:  # the process database was instrumented when tracing came on
            s.execute(text("SELECT size FROM ledger_state"))
        provider = tracing._state["provider"]
        provider.force_flush()
        printed = capsys.readouterr().out
        assert '"name": "SELECT ledger_state"' in printed and '"service.name": "landbridge"' in printed
        configure_tracing(settings.model_copy(update={"tracing": "otlp", "otlp_endpoint": "http://127.0.0.1:1/v1/t"}))
        assert tracing._state["provider"] is not provider  # switched exporter: a new provider
        with pytest.raises(tracing.TracingSettingError, match="LANDBRIDGE_TRACING"):
            tracing.configure("jaeger")
    finally:
        tracing.configure("off")
    assert tracing.tracer() is None


def test_otlp_exports_to_the_configured_endpoint(db: Database) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    received: list[tuple[str, str, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tracing.configure("otlp", f"http://127.0.0.1:{server.server_address[1]}/v1/traces")
        assert worker.run_due_jobs([("test:noop", lambda _s: 0)]) == 0
        tracing._state["provider"].force_flush()
        assert received, "nothing reached the collector"
        path, content_type, body = received[0]
        assert path == "/v1/traces" and content_type == "application/x-protobuf"
        export = ExportTraceServiceRequest.FromString(body)
        (resource,) = export.resource_spans
        assert {a.key: a.value.string_value for a in resource.resource.attributes}["service.name"] == "landbridge"
        names = [span.name for scope in resource.scope_spans for span in scope.spans]
        assert "job test:noop" in names
    finally:
        tracing.configure("off")
        server.shutdown()
        server.server_close()


def test_json_log_records_name_the_trace_they_belong_to(spans: InMemorySpanExporter) -> None:
    import logging

    from landbridge.web.observability import JsonFormatter

    record = logging.LogRecord("landbridge", logging.INFO, __file__, 1, "hello", None, None)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))  # outside any span
    t = tracing.tracer()
    assert t is not None
    with t.start_as_current_span("job x") as span:
        line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")


def test_statement_summary_names_the_operation_and_first_table_only() -> None:
    assert tracing.statement_summary("SELECT a FROM parcels WHERE owner_name = %(n)s") == ("SELECT", "parcels")
    assert tracing.statement_summary('INSERT INTO "ledger_events" (x) VALUES (?)') == ("INSERT", "ledger_events")
    assert tracing.statement_summary("  update lots set x = 1") == ("UPDATE", "lots")
    assert tracing.statement_summary("SELECT 1") == ("SELECT", None)


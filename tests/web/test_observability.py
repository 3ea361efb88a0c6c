"""Observability (issue #22 item 4): request ids, latency by route template, the /metrics endpoint's guard, JSON
log lines without personal data, and the worker's job metrics."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from landbridge import worker
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.main import create_app
from landbridge.web.observability import JsonFormatter, RequestContext, request_id

LOCAL = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.9", 50000)


@pytest.fixture
def app(db: Database) -> object:
    return create_app()


def test_every_response_has_a_request_id(app: object) -> None:
    client = TestClient(app)  # type: ignore[arg-type]
    made = client.get("/api/v1/health").headers["x-request-id"]
    assert len(made) == 32 and int(made, 16) >= 0  # made here: a uuid4 in hex
    assert client.get("/api/v1/health", headers={"X-Request-ID": "lb-proxy.42_a"}).headers["x-request-id"] \
        == "lb-proxy.42_a"  # a plain token from the proxy is kept
    for bad in (b"a b", b"x" * 65, b"<script>", "身份证".encode()):
        echoed = client.get("/api/v1/health", headers={b"X-Request-ID": bad})
        assert echoed.headers["x-request-id"].encode() != bad and len(echoed.headers["x-request-id"]) == 32


def test_metrics_only_for_loopback_or_the_token(db: Database) -> None:
    app = create_app(Settings(database_url=db.url, metrics_token="s3cret-token"))
    local = TestClient(app, client=LOCAL)
    local.get("/api/v1/exchange/lots/987654")  # a 404 under its route template
    body = local.get("/metrics")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/plain")
    text = body.text
    assert 'landbridge_request_seconds_count{method="GET",route="/api/v1/exchange/lots/{lot_id}",status="4xx"}' in text
    # templates, never raw paths (a bare "987654" can occur inside a float timestamp; look for the path)
    assert "/lots/987654" not in text
    assert "landbridge_db_pool_checked_out" in text
    remote = TestClient(app, client=REMOTE)
    denied = remote.get("/metrics")
    assert denied.status_code == 404 and denied.json()["code"] == "request.not_found"
    assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert remote.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    closed = TestClient(create_app(Settings(database_url=db.url)), client=REMOTE)  # no token configured
    assert closed.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_json_log_lines_carry_the_request_id_and_no_query(app: object, caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("landbridge.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        client = TestClient(app)  # type: ignore[arg-type]
        r = client.get("/api/v1/exchange/lots/123456?name=%E5%BC%A0%E4%B8%89", headers={"X-Request-ID": "req-1"})
        assert r.status_code == 404
    finally:
        access.removeHandler(handler)
        access.setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(x for x in lines if x["request_id"] == "req-1")
    assert line["route"] == "/api/v1/exchange/lots/{lot_id}" and line["status"] == 404 and line["ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "landbridge.access" and line["ts"].endswith("+00:00")
    assert "123456" not in json.dumps(line) and "张三" not in json.dumps(line, ensure_ascii=False)
    assert request_id.get() is None  # reset after the request


def test_an_exception_is_a_json_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("landbridge", logging.ERROR, __file__, 1, "failed %s", ("x",), True)
        import sys

        record.exc_info = sys.exc_info()
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "failed x" and "ValueError: boom" in out["exception"] and out["request_id"] is None


def test_worker_jobs_are_measured(db: Database) -> None:
    def good(_s: Session) -> int:
        return 2

    def bad(_s: Session) -> int:
        raise RuntimeError("no")

    assert worker.run_due_jobs([("test:good", good), ("test:bad", bad)]) == 2
    client = TestClient(create_app(), client=LOCAL)
    text = client.get("/metrics").text
    assert 'landbridge_job_transitions_total{job="test:good"}' in text
    assert 'landbridge_job_failures_total{job="test:bad"}' in text
    assert 'landbridge_job_last_success_timestamp_seconds{job="test:good"}' in text
    assert 'landbridge_job_last_success_timestamp_seconds{job="test:bad"}' not in text


def test_a_websocket_scope_passes_through() -> None:
    seen: list[str] = []

    async def inner(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(str(scope["type"]))

    import asyncio

    asyncio.run(RequestContext(inner)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert seen == ["lifespan"]

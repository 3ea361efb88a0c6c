"""The platform's Prometheus metrics (issue #22 item 4), declared once: request latency by route, bid batches,
worker jobs, ledger appends and the database pool. ``render`` writes them in the text exposition format for the
``/metrics`` endpoint (``web.observability``).

Labels are bounded: a route is its template (``/api/v1/exchange/lots/{lot_id}``, never a raw path with ids or a
query), a job its manifest name, a ledger event its module. No label carries personal data.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "landbridge_request_seconds", "HTTP request latency by route template, method and status class",
    ("route", "method", "status"), registry=REGISTRY,
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
BID_BATCH_SIZE = Histogram(
    "landbridge_bid_batch_size", "Bids judged per sequencer batch (one transaction, one commit)", registry=REGISTRY,
    buckets=(1, 2, 5, 10, 20, 50, 100, 200))
BID_BATCH_SECONDS = Histogram(
    "landbridge_bid_batch_seconds", "Time to judge and commit one bid batch, lot lock waits included",
    registry=REGISTRY, buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
JOB_SECONDS = Histogram(
    "landbridge_job_seconds", "Duration of one run of a worker job (its own transaction)", ("job",),
    registry=REGISTRY, buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0))
JOB_FIRED = Counter("landbridge_job_transitions", "Transitions fired by worker jobs", ("job",), registry=REGISTRY)
JOB_FAILURES = Counter("landbridge_job_failures", "Worker job runs that failed (retried at the next tick)",
                       ("job",), registry=REGISTRY)
JOB_LAST_SUCCESS = Gauge("landbridge_job_last_success_timestamp_seconds",
                         "Unix time of a job's last successful run (job lag = now - this)", ("job",),
                         registry=REGISTRY)
LEDGER_EVENTS = Counter("landbridge_ledger_events", "Ledger events appended, by module", ("module",),
                        registry=REGISTRY)
REPLICA_LAG = Gauge("landbridge_replica_lag_seconds",
                    "The read replica's lag at the last check (-1: it did not answer; reads went to the primary)",
                    registry=REGISTRY)
DB_POOL_CHECKED_OUT = Gauge("landbridge_db_pool_checked_out", "Database connections in use from the pool",
                            registry=REGISTRY)

_scrape_hooks: list[Callable[[], None]] = []


def on_scrape(hook: Callable[[], None]) -> None:
    """Run ``hook`` before each exposition (gauges read at scrape time, such as the pool's use)."""
    _scrape_hooks.append(hook)


def render() -> bytes:
    """Every metric in the Prometheus text exposition format."""
    for hook in list(_scrape_hooks):
        hook()
    return generate_latest(REGISTRY)

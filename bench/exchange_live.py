"""Exchange live-update benchmark: N SSE clients on one lot, time from an accepted bid to its delivery.

Seeds a fresh database (one lot open for listing, two bidders with confirmed deposits and API tokens, the
seeding of ``exchange_bids.py``), starts ``uvicorn`` with W worker processes, connects N clients to
``GET /lots/{id}/events`` (spread over the workers by the kernel), then places B accepted bids one after
another, ``--gap`` seconds apart, through the API. For every (client, bid) it takes the time from sending the
bid to the client receiving its event; every client must receive every bid. Prints one JSON line: delivery
p50/p99/max, bid acknowledgement p50, deliveries expected and received, the poll interval in force.

    python bench/exchange_live.py --database postgresql://postgres@127.0.0.1:54355/bench --clients 200 --bids 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


async def client(http: Any, url: str, got: dict[str, float], ready: asyncio.Event, started: list[int],
                 total: int, bids: int) -> None:
    """One browser: reads the stream, notes when each bid (by amount) arrived."""
    async with http.stream("GET", url) as r:
        assert r.status_code == 200, r.status_code
        kind = ""
        async for line in r.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                if kind == "snapshot":
                    started.append(1)
                    if len(started) == total:
                        ready.set()
                elif kind == "bid":
                    got[json.loads(line[6:])["amount_cny"]] = time.perf_counter()
                    if len(got) == bids:
                        return


async def drive(base: str, lot: int, tokens: list[str], step: Decimal, clients: int, bids: int, gap: float,
                ) -> tuple[list[float], list[float], int]:
    import httpx

    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as http:
        ready = asyncio.Event()
        started: list[int] = []
        received: list[dict[str, float]] = [{} for _ in range(clients)]
        url = f"/api/v1/exchange/lots/{lot}/events"
        tasks = [asyncio.create_task(client(http, url, received[i], ready, started, clients, bids))
                 for i in range(clients)]
        await asyncio.wait_for(ready.wait(), 120)
        sent: dict[str, float] = {}
        acks: list[float] = []
        amount = Decimal("100000.00")
        for n in range(bids):
            token = tokens[n % len(tokens)]
            t0 = time.perf_counter()
            r = await http.post(f"/api/v1/exchange/lots/{lot}/bids", headers={"Authorization": f"Bearer {token}"},
                                json={"amount_cny": str(amount), "idempotency_key": f"live-{n}"})
            assert r.status_code == 201, r.text
            acks.append(time.perf_counter() - t0)
            sent[str(amount)] = t0
            amount += step
            await asyncio.sleep(gap)
        await asyncio.wait(tasks, timeout=30)
        for t in tasks:
            t.cancel()
    delays = [at - sent[amt] for got in received for amt, at in got.items() if amt in sent]
    return delays, acks, sum(len(g) for g in received)


def pct(values: list[float], q: float) -> float | None:
    return round(sorted(values)[min(len(values) - 1, int(len(values) * q))] * 1000, 1) if values else None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", required=True, help="database URL (the schema is dropped and rebuilt)")
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--bids", type=int, default=50)
    p.add_argument("--gap", type=float, default=0.1, help="seconds between bids")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--port", type=int, default=8766)
    a = p.parse_args()
    os.environ.update(LANDBRIDGE_MODE="test", LANDBRIDGE_DATABASE_URL=a.database,
                      LANDBRIDGE_VAR_DIR=os.environ.get("LANDBRIDGE_VAR_DIR", "/tmp/landbridge_bench_var"))
    from bench.exchange_bids import seed

    plan = seed(a.database, 1, 2)
    lot, step = plan[0][0], plan[0][2]
    from landbridge.exchange.live import live_rules

    poll_ms = live_rules().poll_interval_seconds * 1000
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "landbridge.main:create_app", "--factory",
                               "--port", str(a.port), "--workers", str(a.workers), "--log-level", "warning"],
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        import httpx

        for _ in range(150):
            try:
                if httpx.get(f"http://127.0.0.1:{a.port}/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        delays, acks, received = asyncio.run(drive(f"http://127.0.0.1:{a.port}", lot, [t for _, t, _ in plan],
                                                   step, a.clients, a.bids, a.gap))
    finally:
        server.terminate()
        server.wait(30)
    print(json.dumps({"bench": "exchange_live", "clients": a.clients, "bids": a.bids, "workers": a.workers,
                      "gap_s": a.gap, "poll_interval_ms": poll_ms, "expected": a.clients * a.bids,
                      "received": received, "p50_ms": pct(delays, 0.5), "p99_ms": pct(delays, 0.99),
                      "max_ms": pct(delays, 1.0), "ack_p50_ms": pct(acks, 0.5),
                      "database": a.database.split(":", 1)[0], "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()

"""Exchange bidding benchmark: B concurrent bidders across L lots against a running server over loopback.

Seeds a fresh database (lots open for listing, every bidder registered with a confirmed deposit and an
API token), starts ``uvicorn`` with W worker processes, lets the bidders raise their lots' prices for D
seconds, then checks that every acknowledged accepted bid is in the database and in the ledger. Prints one
JSON line: bids judged/s, accepted bids/s, p50/p99 acknowledgement latency, counts.

Two loads:
- ``--rate 0`` (closed loop, the server's capacity): every bidder bids again the moment it has its answer.
  With B bidders always waiting, the mean latency is B / throughput (Little's law), so this mode measures
  how many bids the server can judge, not how fast one is answered at a given load.
- ``--rate R`` (open loop, latency at a load): the bidders together send R bids/s, each bidder at R/B per
  second with exponential gaps, on a schedule fixed in advance. Latency is measured from the scheduled
  time, so a bid that waits for its bidder's previous answer counts its wait (no coordinated omission).

    python bench/exchange_bids.py --database postgresql://postgres@127.0.0.1:54343/bench --rate 1000
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def seed(url: str, lots: int, bidders: int) -> list[tuple[int, str, Decimal]]:
    """Lots in listing (started a minute ago) and bidders with confirmed deposits; returns (lot, token, step)."""
    from sqlalchemy import text
    from tests.registry.conftest import register, resident_id, square

    from landbridge import exchange, registry
    from landbridge.auth import OrgKind, Principal, Role, create_organisation, create_user
    from landbridge.auth.service import issue_token
    from landbridge.db import Database, set_database
    from landbridge.exchange.models import Deposit
    from landbridge.kernel.clock import Clock, now, set_clock
    from landbridge.schema import upgrade

    db = Database(url)
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; "
                              "CREATE EXTENSION IF NOT EXISTS postgis"))
    upgrade(url)
    set_database(db)
    real = now()
    set_clock(Clock(real - timedelta(days=8), speed=0))  # announced 8 days ago, open since a minute ago
    out: list[tuple[int, str, Decimal]] = []
    people: list[tuple[int, Decimal, Principal]] = []
    with db.transaction() as s:
        org = create_organisation(s, name="竞买人", kind=OrgKind.individual, region_code="360600000000")
        per_lot = bidders // lots
        for i in range(lots):
            seller = registry.create_party(s, kind="person", name=f"出让人{i}", id_number=resident_id(900 + i),
                                           actor="bench").id
            unit = register(s, square(i % 50, i // 50), [(seller, "1")], right_type="forest_right")
            right = registry.current_rights(s, unit)[0].id
            lot = exchange.create_lot(s, actor="bench", kind="forest_right", title=f"林权 {i}",
                                      region_code="360603101002", starts_at=real - timedelta(minutes=1),
                                      start_price="100000.00", increment="100.00", unit_id=unit, right_id=right)
            exchange.publish_lot(s, lot_id=lot.id, actor="bench")
            for j in range(per_lot):
                name = f"竞买人{i}-{j}"
                pid = registry.create_party(s, kind="person", name=name,
                                            id_number=resident_id(1000 + i * per_lot + j), actor="bench").id
                user = create_user(s, username=f"b{i}-{j}", password="demo", display_name=name, role=Role.bidder,
                                   organisation_id=org.id, party_id=pid, is_demo=True)
                bidder = exchange.apply_for_lot(s, lot_id=lot.id, party_id=pid, actor="bench")
                dep = s.query(Deposit).filter(Deposit.bidder_id == bidder.id).one()
                exchange.confirm_deposit(s, sub_account=dep.sub_account, amount=dep.amount_cny, payer_name=name,
                                         bank_ref=f"B{dep.id}", actor="bench")
                people.append((lot.id, lot.increment_cny, Principal(user.id, user.username, name, Role.bidder, org.id,
                                                                    org.name, org.region_code, pid)))
        set_clock(Clock())  # tokens are issued at real time
        for lot_id, step, principal in people:
            out.append((lot_id, issue_token(s, principal)[0], step))
    db.dispose()
    return out


class Connection:
    """A minimal HTTP/1.1 keep-alive client (JSON in, status + JSON out): the load generator shares the two
    cores with the server, so it must cost far less per request than the server does (httpx costs ~1 ms)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str | None = None, body: object = None
                      ) -> tuple[int, dict[str, object]]:
        """One request; on a kept connection that the server has closed meanwhile (its keep-alive timeout),
        once more on a new one (bids are idempotent by their key)."""
        if self.writer is not None:
            try:
                return await self._send(method, path, token, body)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.writer.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return await self._send(method, path, token, body)

    async def _send(self, method: str, path: str, token: str | None, body: object) -> tuple[int, dict[str, object]]:
        assert self.reader is not None and self.writer is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(data)}\r\n"
        if data:
            head += "Content-Type: application/json\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(v) for k, _, v in (ln.partition(":") for ln in lines[1:]) if k.lower() == "content-length")
        payload = await self.reader.readexactly(length)
        return status, json.loads(payload) if payload else {}


async def bidder(host: str, port: int, lot: int, token: str, step: Decimal, until: float, rate: float,
                 lat: list[tuple[float, float, bool]], accepted: list[int], counts: dict[str, int]) -> None:
    """Raise the lot's price: current + one increment, the price to beat taken from each answer (an accepted
    bid's, or a refusal's details); one read of the lot at the start.

    At ``rate`` > 0 bids per second the bids follow a Poisson schedule, each sent when due on one of the
    bidder's idle keep-alive connections or a new one (as a browser opens another connection rather than
    wait), and latency counts from the bid's scheduled time. At 0 the bidder bids again on each answer, on
    one connection."""
    idle = [Connection(host, port)]
    _, lot_body = await idle[0].request("GET", f"/api/v1/exchange/lots/{lot}")
    price = lot_body["current_price_cny"]
    amount = [Decimal(str(price)) + step if price else Decimal(str(lot_body["start_price_cny"]))]

    async def bid(n: int, t0: float) -> None:
        conn = idle.pop() if idle else Connection(host, port)
        offer = amount[0]
        status, body = await conn.request("POST", f"/api/v1/exchange/lots/{lot}/bids", token,
                                          {"amount_cny": str(offer), "idempotency_key": f"k{n}"})
        idle.append(conn)
        lat.append((t0, time.perf_counter() - t0, status == 201))
        if status == 201:
            accepted.append(int(str(body["id"])))
            counts["accepted"] += 1
            amount[0] = max(amount[0], offer + step)
            return
        code = str(body.get("code", status))
        counts[code] = counts.get(code, 0) + 1
        details = body.get("details")
        current = details.get("current_price_cny") if isinstance(details, dict) else None
        if current is None:
            raise RuntimeError(f"unexpected answer {status}: {body}")
        amount[0] = max(amount[0], Decimal(str(current)) + step)  # someone else raised: beat the new price

    n = 0
    if not rate:
        while time.perf_counter() < until:
            n += 1
            await bid(n, time.perf_counter())
        return
    gaps = random.Random(f"{lot}/{token}")
    due = time.perf_counter() + gaps.expovariate(rate)
    sent: list[asyncio.Task[None]] = []
    while due < until:
        n += 1
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        sent.append(asyncio.create_task(bid(n, due)))
        due += gaps.expovariate(rate)
    await asyncio.gather(*sent)


async def drive(port: int, plan: list[tuple[int, str, Decimal]], seconds: float, rate: float
                ) -> tuple[list[tuple[float, float, bool]], list[int], dict[str, int], float]:
    """Run the bidders; every bid as (time sent or scheduled, latency, accepted), the accepted bids' ids, the
    outcomes, and the start time."""
    lat: list[tuple[float, float, bool]] = []
    accepted: list[int] = []
    counts: dict[str, int] = {"accepted": 0}
    start = time.perf_counter()
    until = start + seconds
    each = rate / len(plan)
    await asyncio.gather(*(bidder("127.0.0.1", port, lot, tok, step, until, each, lat, accepted, counts)
                           for lot, tok, step in plan))
    return lat, accepted, counts, start


def verify(url: str, accepted: list[int]) -> dict[str, int]:
    """Every acknowledged accepted bid is in the database as accepted and has its ledger event."""
    from sqlalchemy import select

    from landbridge.db import Database
    from landbridge.exchange.models import Bid
    from landbridge.ledger.models import LedgerEvent

    db = Database(url)
    with db.transaction(readonly=True) as s:
        rows = {i: (st, seq) for i, st, seq in s.execute(select(Bid.id, Bid.status, Bid.ledger_seq))}
        seqs = set(s.scalars(select(LedgerEvent.seq).where(LedgerEvent.event_type == "bid_accepted")))
    db.dispose()
    missing = sum(1 for i in accepted if i not in rows or rows[i][0] != "accepted")
    unlogged = sum(1 for i in accepted if i in rows and rows[i][1] not in seqs)
    return {"missing_in_db": missing, "missing_in_ledger": unlogged,
            "accepted_in_db": sum(1 for st, _ in rows.values() if st == "accepted")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", required=True, help="PostgreSQL URL (the schema is dropped and rebuilt)")
    p.add_argument("--bidders", type=int, default=200)
    p.add_argument("--lots", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--timeline", action="store_true", help="also print each second's p99 latency (ms) to stderr")
    p.add_argument("--warmup", type=float, default=5,
                   help="first seconds whose bids are sent but not counted (connections opening, caches filling)")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes (one bid sequencer each; on 2 cores shared with the database and the load, 1 is fastest)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--proxy", action="store_true",
                   help="W single-process servers on ports port+1..port+W behind nginx on port, routed by the "
                        "shipped deploy/nginx config (all bids of a lot to one server); without it, uvicorn's "
                        "W workers share one socket and a lot's bids land on any of them")
    p.add_argument("--rate", type=float, default=0,
                   help="offered bids/s of all bidders together (open loop); 0: each bids again on its answer")
    a = p.parse_args()
    os.environ.update(LANDBRIDGE_MODE="test", LANDBRIDGE_DATABASE_URL=a.database,
                      LANDBRIDGE_VAR_DIR=os.environ.get("LANDBRIDGE_VAR_DIR", "/tmp/landbridge_bench_var"))
    t0 = time.perf_counter()
    plan = seed(a.database, a.lots, a.bidders)
    seed_s = time.perf_counter() - t0
    env = {**os.environ, "PYTHONPATH": os.environ.get("BENCH_SERVER_PATH", "") + str(ROOT / "src")}
    if a.proxy:
        servers = [subprocess.Popen([sys.executable, "-m", "uvicorn", "landbridge.main:create_app", "--factory",
                                     "--port", str(a.port + 1 + i), "--log-level", "warning"], env=env)
                   for i in range(a.workers)]
    else:
        servers = [subprocess.Popen([sys.executable, "-m", "uvicorn", "landbridge.main:create_app", "--factory",
                                     "--port", str(a.port), "--workers", str(a.workers), "--log-level", "warning"],
                                    env=env)]
    front = None
    try:
        import httpx
        import uvloop

        for port in [a.port + 1 + i for i in range(a.workers)] if a.proxy else [a.port]:
            for _ in range(100):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
        if a.proxy:
            from tests import proxy

            front = proxy.start(Path(os.environ["LANDBRIDGE_VAR_DIR"]) / "nginx", a.port,
                                [f"127.0.0.1:{a.port + 1 + i}" for i in range(a.workers)],
                                wait_path="/api/v1/health")
        gc.collect()
        gc.disable()  # the load generator must not pause: its own full collections had stalled every bid in flight
        bids, accepted, counts, start = uvloop.run(drive(a.port, plan, a.seconds, a.rate))  # a lighter client
        gc.enable()
    finally:
        if front is not None:
            proxy.stop(front)
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
    check = verify(a.database, accepted)  # every acknowledged accepted bid, the warm-up's too
    counted = [(d, ok) for t0, d, ok in bids if t0 >= start + a.warmup]
    lat = sorted(d for d, _ in counted)
    window = a.seconds - a.warmup
    if a.timeline:
        seconds: dict[int, list[float]] = {}
        for t0, d, _ in bids:
            seconds.setdefault(int(t0 - start), []).append(d)
        print(" ".join(f"{k}s:{sorted(v)[int(len(v) * 0.99)] * 1000:.0f}" for k, v in sorted(seconds.items())),
              file=sys.stderr)
    print(json.dumps({"bench": "exchange_bids", "bidders": len(plan), "lots": a.lots, "workers": a.workers,
                      "routing": "nginx, lot-affine (deploy/nginx)" if a.proxy else "uvicorn workers, shared socket",
                      "load": f"open loop, {a.rate:g} bids/s offered" if a.rate else "closed loop",
                      "seconds": a.seconds, "warmup_s": a.warmup, "seed_s": round(seed_s, 1),
                      "requests": len(bids), "counted": len(lat), "accepted": len(accepted),
                      "accepted_per_s": round(sum(ok for _, ok in counted) / window, 1),
                      "bids_judged_per_s": round(len(lat) / window, 1),
                      "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
                      "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1) if lat else None,
                      "outcomes": counts, **check, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()

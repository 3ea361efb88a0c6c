"""Kill and restart (issue #6 done-means): the server (uvicorn with its in-process deadline worker) is
killed with SIGKILL in the middle of an auction and started again. No acknowledged accepted bid is lost,
the lot's price is the best accepted bid, and every deadline that fell due while it was down fires exactly
once, although the restarted server's worker and a separate ``landbridge worker --once`` race for it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, select

from landbridge import exchange
from landbridge.auth import OrgKind, Role, create_organisation, create_user
from landbridge.auth.service import issue_token, principal_for
from landbridge.config import Settings
from landbridge.db import Database
from landbridge.exchange.models import Bid, Lot
from landbridge.kernel.clock import Clock, set_clock, utcnow
from landbridge.ledger import list_events, verify_ledger
from tests.exchange.conftest import build_world, enrol, new_lot

ROOT = Path(__file__).resolve().parents[2]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(settings: Settings, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "LANDBRIDGE_MODE": "test", "LANDBRIDGE_DATABASE_URL": settings.database_url,
           "LANDBRIDGE_VAR_DIR": str(settings.var_dir), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "landbridge.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(30)


class Bidding:
    """Bidders raising one lot as fast as the server answers; remembers every acknowledged accepted bid."""

    def __init__(self, lot_id: int, tokens: list[str], step: Decimal) -> None:
        self.lot_id, self.tokens, self.step = lot_id, tokens, step
        self.port = 0
        self.acked: dict[int, Decimal] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True) for t in tokens]

    def _run(self, token: str) -> None:
        n = 0
        with httpx.Client(timeout=5) as client:
            while not self.stop.is_set():
                base = f"http://127.0.0.1:{self.port}/api/v1/exchange/lots/{self.lot_id}"
                try:
                    lot = client.get(base).json()
                    current = lot["current_price_cny"]
                    amount = Decimal(current) + self.step if current else Decimal(lot["start_price_cny"])
                    n += 1
                    r = client.post(base + "/bids", headers={"Authorization": f"Bearer {token}"},
                                    json={"amount_cny": str(amount), "idempotency_key": f"{token[:8]}-{n}"})
                except (httpx.HTTPError, json.JSONDecodeError):
                    time.sleep(0.05)  # the server is down: that request was never acknowledged
                    continue
                if r.status_code == 201:
                    with self.lock:
                        self.acked[int(r.json()["id"])] = Decimal(r.json()["amount_cny"])

    def accepted(self) -> int:
        with self.lock:
            return len(self.acked)


def test_kill_mid_auction_and_restart(db: Database, settings: Settings) -> None:
    real = utcnow()
    set_clock(Clock(real - timedelta(days=8), speed=0))  # announced 8 days ago
    try:
        with db.transaction() as s:
            world = build_world(s)
            lot = new_lot(s, world, starts_at=real - timedelta(minutes=1), increment="100.00")
            for party in world.bidders[:2]:
                enrol(s, lot, world, party)
            # lots whose opening falls due while the server is down
            waiting = [new_lot(s, world, starts_at=real + timedelta(seconds=6)).id for _ in range(3)]
            org = create_organisation(s, name="竞买人", kind=OrgKind.individual, region_code="360600000000")
            users = [create_user(s, username=f"r{i}", password="demo", display_name=f"r{i}", role=Role.bidder,
                                 organisation_id=org.id, party_id=p, is_demo=True)
                     for i, p in enumerate(world.bidders[:2])]
            lot_id, step = lot.id, lot.increment_cny
    finally:
        set_clock(Clock())
    with db.transaction() as s:
        tokens = [issue_token(s, principal_for(s, u))[0] for u in users]

    bidding = Bidding(lot_id, tokens, step)
    port = _port()
    with _server(settings, port) as first:
        bidding.port = port
        for t in bidding.threads:
            t.start()
        while bidding.accepted() < 15:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-auction, requests in flight
        first.wait(30)
    before = bidding.accepted()
    time.sleep(max(0.0, (real + timedelta(seconds=7) - utcnow()).total_seconds()))  # openings fall due
    port = _port()
    with _server(settings, port):
        helper = subprocess.Popen([sys.executable, "-m", "landbridge.cli", "worker", "--once"],
                                  env={**os.environ, "LANDBRIDGE_MODE": "test",
                                       "LANDBRIDGE_DATABASE_URL": settings.database_url,
                                       "LANDBRIDGE_VAR_DIR": str(settings.var_dir),
                                       "PYTHONPATH": str(ROOT / "src")},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bidding.port = port
        while bidding.accepted() < before + 10:
            time.sleep(0.05)
        assert helper.wait(60) == 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.transaction(readonly=True) as s:
                if all(s.get(Lot, i).phase == "listing" for i in waiting):  # type: ignore[union-attr]
                    break
            time.sleep(0.2)
        bidding.stop.set()
        for t in bidding.threads:
            t.join(10)

    with db.transaction() as s:
        assert exchange.run_due(s) == 0  # nothing was left undone
    with db.transaction(readonly=True) as s:
        rows = {b.id: b for b in s.scalars(select(Bid).where(Bid.lot_id == lot_id))}
        accepted = {i: b for i, b in rows.items() if b.status == "accepted"}
        assert set(bidding.acked) <= set(accepted)  # no acknowledged accepted bid was lost
        assert all(accepted[i].amount_cny == amount for i, amount in bidding.acked.items())
        events = {e.seq: json.loads(e.body)["payload"] for e in list_events(s, subject=f"exchange.lot:{lot_id}",
                                                                             limit=10_000)}
        for bid in accepted.values():
            assert events[bid.ledger_seq]["amount_cny"] == str(bid.amount_cny)  # type: ignore[index]
        final = s.get(Lot, lot_id)
        assert final is not None and final.accepted_bids == len(accepted) >= 25
        assert final.current_price_cny == max(b.amount_cny for b in accepted.values())
        for other in waiting:
            opened = [e for e in list_events(s, subject=f"exchange.lot:{other}", limit=100)
                      if e.event_type == "open_listing"]
            assert len(opened) == 1, other  # fired once, by one of the racing workers
        assert s.scalar(select(func.count()).select_from(Lot).where(Lot.phase == "listing")) == 4
        assert verify_ledger(s).ok


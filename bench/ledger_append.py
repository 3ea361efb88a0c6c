"""Ledger appends with the envelope / private-part split (issue #12 item 1) against the code before it, and
`ledger verify` over a large ledger, public layer alone and both layers. Prints one JSON line.

- append: ``--n`` bid-like events (payload with a party id, a bidder code and an amount, subjects spread over 20
  lots, as the exchange's bid sequencer writes them) appended in transactions of ``--batch`` events, once through
  ``append_events`` (one call per batch, the sequencer's path) and once through ``append_event`` (one call per
  event). Measured on this tree and on the code of ``--baseline-ref`` (default ``main``: the ledger before the
  split), exported with ``git archive`` to a temporary folder and run in a child process with that folder first on
  PYTHONPATH, on a fresh database of the same kind; the child reports which ``landbridge`` it imported.
Rates are given per wall second and per CPU second of this process (SQLite works in-process, so its CPU time is
the whole cost; on a shared machine the CPU figures are the steadier ones).
- verify: ``--verify-n`` events (default 10^6) written in batches of 5 000, then ``verify_ledger`` with the public
  layer only (envelopes, leaves, stored nodes, roots, Ed25519 heads) and with both layers (each private part's
  salted digest and keyed subject reference too).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _events(start: int, count: int) -> list[Any]:
    """Bid-like events as the exchange writes them: on code with the subject index (issue #14 item 7), subject
    ``lot:N`` indexed also under the lot's unit and right (three index rows an event); before it, ``exchange.lot:N``."""
    from dataclasses import fields

    from landbridge.ledger import NewEvent

    indexed = any(f.name == "also" for f in fields(NewEvent))
    out = []
    for i in range(start, start + count):
        payload = {"party_id": 100_000 + i % 200, "bidder_code": f"B{i % 200:04d}",
                   "amount_cny": f"{1_000_000 + i * 100}.00", "deposit_account": f"6222{i:012d}"}
        actor = f"user:{i % 200}:bidder{i % 200}"
        if indexed:
            out.append(NewEvent("exchange", "bid_accepted", f"lot:{i % 20}", actor, payload,
                                (f"unit:{i % 20}", f"right:{i % 20}")))
        else:
            out.append(NewEvent("exchange", "bid_accepted", f"exchange.lot:{i % 20}", actor, payload))
    return out


def append_phase(url: str, n: int, batch: int) -> dict[str, Any]:
    """Append n events in transactions of ``batch``, batched and one by one; events/s of each (fresh database)."""
    from _common import fresh_database

    import landbridge  # first: the child of baseline_phase imports the code PYTHONPATH names
    from landbridge.ledger import append_event, append_events, verify_ledger

    db = fresh_database(url)
    out: dict[str, Any] = {"code": str(Path(landbridge.__file__).resolve().parent)}
    done = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while done < n:
        with db.transaction() as s:
            append_events(s, _events(done, min(batch, n - done)))
        done += batch
    out["batched_events_per_s"] = round(n / (time.perf_counter() - t0))
    out["batched_events_per_cpu_s"] = round(n / (time.process_time() - c0))
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    while done < n:
        with db.transaction() as s:
            for e in _events(n + done, min(batch, n - done)):
                append_event(s, module=e.module, event_type=e.event_type, subject=e.subject, actor=e.actor,
                             payload=e.payload)
        done += batch
    out["one_by_one_events_per_s"] = round(n / (time.perf_counter() - t0))
    out["one_by_one_events_per_cpu_s"] = round(n / (time.process_time() - c0))
    with db.transaction(readonly=True) as s:
        out["verified"] = verify_ledger(s).ok
    db.dispose()
    return out


def baseline_phase(ref: str, url: str, n: int, batch: int) -> dict[str, Any]:
    """The same append phase on the code of ``ref`` (git archive of src/ and migrations/), in a child process."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref], check=True, capture_output=True,
                         text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ledger_baseline_") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src", "migrations"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src")}
        child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--phase", "append", "--database",
                                url, "--n", str(n), "--batch", str(batch)], env=env, check=True, capture_output=True,
                               text=True)
    out: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    if not out["code"].startswith(tempfile.gettempdir()):
        raise RuntimeError(f"the baseline ran {out['code']}, not {ref}")
    out["code"] = f"{ref}@{sha}"
    return out


def verify_phase(url: str, n: int) -> dict[str, Any]:
    """Write n events, then time verify_ledger on the public layer alone and on both layers."""
    from _common import fresh_database

    from landbridge.ledger import append_events, verify_ledger

    db = fresh_database(url)
    t0 = time.perf_counter()
    done, chunk = 0, 5000
    while done < n:
        with db.transaction() as s:
            append_events(s, _events(done, min(chunk, n - done)))
        done += chunk
    out: dict[str, Any] = {"verify_n": n, "fill_s": round(time.perf_counter() - t0, 1),
                           "fill_events_per_s": round(n / (time.perf_counter() - t0))}
    for private, name in ((False, "public"), (True, "both")):
        t0, c0 = time.perf_counter(), time.process_time()
        with db.transaction(readonly=True) as s:
            report = verify_ledger(s, private=private)
        out[f"verify_{name}_s"] = round(time.perf_counter() - t0, 1)
        out[f"verify_{name}_cpu_s"] = round(time.process_time() - c0, 1)
        out[f"verify_{name}_ok"] = report.ok and report.size == n
    db.dispose()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=20_000, help="events appended per path")
    p.add_argument("--batch", type=int, default=100, help="events per transaction")
    p.add_argument("--verify-n", type=int, default=1_000_000, help="events in the ledger that is verified (0: skip)")
    p.add_argument("--database", default=None, help="database URL (default: SQLite files under /tmp)")
    p.add_argument("--baseline-ref", default="main", help="git ref of the code before the split ('' to skip)")
    p.add_argument("--phase", choices=("all", "append"), default="all", help=argparse.SUPPRESS)
    args = p.parse_args()
    url = args.database or "sqlite:////tmp/landbridge_bench_ledger.db"
    if args.phase == "append":  # the child of baseline_phase: only what PYTHONPATH gives it
        print(json.dumps(append_phase(url, args.n, args.batch)))
        return
    import resource

    figures: dict[str, Any] = {"bench": "ledger_append", "dialect": "sqlite" if url.startswith("sqlite") else
                               "postgresql", "n": args.n, "batch": args.batch}
    figures["split"] = append_phase(url, args.n, args.batch)
    figures["split"]["code"] = "this tree"
    if args.baseline_ref:
        figures["before"] = baseline_phase(args.baseline_ref, url, args.n, args.batch)
        for key in ("batched_events_per_s", "one_by_one_events_per_s", "batched_events_per_cpu_s",
                    "one_by_one_events_per_cpu_s"):
            figures[f"{key}_ratio"] = round(figures["split"][key] / figures["before"][key], 2)
    if args.verify_n:
        figures.update(verify_phase(url, args.verify_n))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["at"] = datetime.now(UTC).isoformat()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

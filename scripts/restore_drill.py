"""Backup and point-in-time restore drill on a throwaway PostgreSQL cluster (issue #22 item 3).

What production does with pgBackRest (deploy/backup/pgbackrest.conf), done here with PostgreSQL's own tools so
that it runs on any machine with PostgreSQL 15 + PostGIS: a cluster archiving its WAL, a base backup, ledger
events written before and after a named restore point, a restore to that point into a new cluster, and
`landbridge ledger verify` on the restored database. The drill passes when the restored ledger verifies, has
exactly the events up to the restore point, and its head (size and root) is the one recorded at that point.
Prints one JSON line; exits 1 when the drill fails.

    python scripts/restore_drill.py [--events 200] [--after 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))


def _as_pg(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data: Path, port: int, log: Path) -> None:
    _as_pg([str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "120", "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {data.parent}", "start"])


def _stop(data: Path) -> None:
    _as_pg([str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])


def _verify(url: str) -> dict[str, object]:
    """What `landbridge ledger verify --json` reports (in this process: the platform is imported already)."""
    from landbridge.db import Database
    from landbridge.ledger import verify_ledger

    db = Database(url)
    try:
        with db.transaction(readonly=True) as s:
            return verify_ledger(s).as_dict()
    finally:
        db.dispose()


def _write_events(url: str, start: int, n: int) -> None:
    from landbridge.db import Database
    from landbridge.ledger import append_event

    db = Database(url)
    try:
        for i in range(start, start + n, 50):  # 50 per transaction, like a busy day's commits
            with db.transaction() as s:
                for j in range(i, min(i + 50, start + n)):
                    append_event(s, module="drill", event_type="drill.event", subject=f"drill:{j}", actor="drill",
                                 payload={"n": j})
    finally:
        db.dispose()


def _sql(port: int, sql: str) -> str:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "landbridge", "-qAt",
                          "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def drill(work: Path, events: int, after: int) -> dict[str, object]:
    t0 = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        phases[name] = round(time.perf_counter() - t0 - sum(phases.values()), 1)
    primary, archive, base, restored = work / "primary", work / "archive", work / "base", work / "restored"
    for d in (work, archive):
        d.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
        shutil.chown(archive, "postgres", "postgres")
    _as_pg([str(PGBIN / "initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8"])
    with open(primary / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        # fsync off: a drill, not a durable server (the base backup and the archive are what is rehearsed)
        conf.write(f"fsync = off\nwal_level = replica\narchive_mode = on\narchive_command = 'test ! -f {archive}/%f && cp %p "
                   f"{archive}/%f'\nmax_wal_senders = 4\n")
    port = _free_port()
    _start(primary, port, work / "primary.log")
    lap("primary_up")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/landbridge"
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qAt", "-c",
                        "CREATE DATABASE landbridge"], check=True, capture_output=True)
        _sql(port, "CREATE EXTENSION postgis")
        from landbridge.schema import upgrade

        upgrade(url)  # what `landbridge db upgrade` runs
        lap("schema")
        _write_events(url, 0, events // 2)
        _as_pg([str(PGBIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-D",
                str(base), "-X", "stream", "-c", "fast"])
        lap("base_backup")
        _write_events(url, events // 2, events - events // 2)  # after the base backup: only in the WAL archive
        size, root = _sql(port, "SELECT size FROM ledger_state"), _sql(
            port, "SELECT encode(tree_root, 'hex') FROM ledger_event ORDER BY seq DESC LIMIT 1")
        _sql(port, "SELECT pg_create_restore_point('landbridge_drill')")
        _write_events(url, events, after)  # past the restore point: must not come back
        _sql(port, "SELECT pg_switch_wal()")
        time.sleep(1.0)  # the archiver copies the last segment
    finally:
        _stop(primary)
    lap("events_and_archive")
    shutil.copytree(base, restored)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(restored)], check=True)
    (restored / "recovery.signal").touch()
    with open(restored / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
        conf.write(f"archive_mode = off\nrestore_command = 'cp {archive}/%f %p'\n"
                   "recovery_target_name = 'landbridge_drill'\nrecovery_target_action = 'promote'\n")
    port2 = _free_port()
    _start(restored, port2, work / "restored.log")
    try:
        for _ in range(120):  # recovery ends, then the server is promoted and takes writes
            if _sql(port2, "SELECT pg_is_in_recovery()") == "f":
                break
            time.sleep(0.5)
        lap("recovery")
        url2 = f"postgresql+psycopg://postgres@127.0.0.1:{port2}/landbridge"
        report = _verify(url2)
        restored_root = _sql(port2, "SELECT encode(tree_root, 'hex') FROM ledger_event ORDER BY seq DESC LIMIT 1")
    finally:
        _stop(restored)
    lap("verify")
    ok = report.get("ok") is True and report.get("size") == int(size) \
        and restored_root == root
    return {"drill": "restore", "ok": ok, "events_in_base_backup": events // 2,
            "events_in_wal_to_target": events - events // 2, "events_after_target": after,
            "expected_size": int(size), "restored_size": report.get("size"), "root_matches": restored_root == root,
            "verify": report.get("reason"), "seconds": round(time.perf_counter() - t0, 1), "phases_s": phases}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=200, help="events before the restore point (half after the backup)")
    p.add_argument("--after", type=int, default=50, help="events after the restore point (must not be restored)")
    p.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    a = p.parse_args()
    if not (PGBIN / "initdb").exists():
        print(json.dumps({"drill": "restore", "ok": False, "error": f"no PostgreSQL in {PGBIN}"}))
        sys.exit(2)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("LANDBRIDGE_MODE", "test")
    work = a.keep or Path(tempfile.mkdtemp(prefix="lbdrill."))
    os.environ.setdefault("LANDBRIDGE_VAR_DIR", str(work / "var"))
    try:
        result = drill(work, a.events, a.after)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()

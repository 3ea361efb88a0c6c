"""A real crash of the streamed import (issue #21): ``landbridge import parcels FILE --batch-size N`` runs in
a subprocess and is killed with SIGKILL once its first chunk is committed (the ``registry_import_job`` cursor is
polled); the rerun (the same command) resumes after the last committed chunk, every code is imported exactly
once and the job ends "done"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.db import Database
from landbridge.demo import generate_parcels
from landbridge.registry.models import ImportJob, Parcel
from tests.registry.test_cadastre import codes, write_survey

N, BATCH = 200, 10
ROOT = Path(__file__).resolve().parents[2]


def _cli(path: Path, url: str) -> list[str]:
    return [sys.executable, "-m", "landbridge.cli", "import", "parcels", str(path), "--batch-size", str(BATCH),
            "--database", url, "--actor", "kill-test"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _job(db: Database) -> tuple[str, int, int] | None:
    with db.transaction(readonly=True) as s:
        job = s.execute(select(ImportJob)).scalar_one_or_none()
        return None if job is None else (job.status, job.features_done, job.imported)


def _codes(db: Database) -> list[str]:
    with db.transaction(readonly=True) as s:
        return [str(c) for c in s.scalars(select(Parcel.parcel_code))]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_after_a_committed_chunk_then_resume(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "zd.shp"
    write_survey(path, n=N, geoms=generate_parcels(N, (116.95, 28.15, 116.99, 28.19), seed=11))
    url = db.engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(_cli(path, url), env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    killed_at = None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            job = _job(db)
            if job is not None and job[1] >= BATCH:  # the first chunk and its cursor are committed
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = job[1]
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None and killed_at is None:
            proc.kill()
        proc.wait(timeout=30)
    err = "" if killed_at is not None or proc.stderr is None else proc.stderr.read().decode()
    assert killed_at is not None, f"the import ended before a kill: {err}"
    assert proc.returncode == -signal.SIGKILL
    status, done, imported = _job(db) or ("", 0, 0)
    assert status == "running" and done % BATCH == 0 and BATCH <= done < N  # killed part way, at a chunk boundary
    assert len(_codes(db)) == imported == done  # what is committed is whole chunks, nothing of the chunk in flight
    # the rerun: the same command in this process (a second interpreter would only add its start-up time)
    rerun = CliRunner().invoke(app, _cli(path, url)[3:])
    assert rerun.exit_code == 0, rerun.output
    assert f"resumed after feature {done}" in rerun.output.replace("\n", "")
    got = _codes(db)
    assert len(got) == len(set(got)) == N and sorted(got) == sorted(codes(N))  # every code exactly once
    assert _job(db) == ("done", N, N)
    with db.transaction(readonly=True) as s:
        assert s.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 1

"""The backup and point-in-time restore drill (scripts/restore_drill.py, issue #22 item 3) passes: the restored
database holds exactly the ledger up to the restore point, and it verifies. Runs in the PostgreSQL pass of CI
(it builds its own archiving cluster; the SQLite pass has no PostgreSQL to spare the time on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not os.environ.get("LANDBRIDGE_TEST_DATABASE_URL") or not Path("/usr/lib/postgresql/15/bin/initdb").exists(),
    reason="runs in the PostgreSQL pass (needs PostgreSQL 15 + PostGIS binaries)")


def test_point_in_time_restore_brings_back_exactly_the_verified_ledger(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "restore_drill.py"), "--events", "60", "--after",
                          "15"], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "LANDBRIDGE_VAR_DIR": str(tmp_path / "var")})
    # (its own temporary directory: the postgres user cannot enter pytest's root-only tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["ok"] is True and result["verify"] is None
    assert result["restored_size"] == result["expected_size"] == 60  # the 15 after the restore point are gone
    assert result["root_matches"] is True

"""Ledger extracts (issue #21): public envelopes of a seq range or a subject's history, as XLSX and CSV with BOM;
each leaf recomputes from the exported envelope, and no private part leaves."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.db import Database
from landbridge.errors import DomainError
from landbridge.kernel.clock import Clock
from landbridge.ledger import append_event, merkle
from landbridge.ledger.exports import ENVELOPE_COLUMNS, export_ledger_file

runner = CliRunner()
NAME, ID_NUMBER = "张秘密", "360602198001011234"


def _fill(db: Database) -> None:
    with db.transaction() as s:
        for i in range(6):
            person = i % 2 == 0
            append_event(s, module="registry" if person else "test", event_type="thing_happened",
                         subject="party:77" if person else f"parcel:{i}", actor="user:1:tester",
                         payload={"i": i, "holder": NAME, "id_number": ID_NUMBER})


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_a_range_and_a_subject_as_public_envelopes(db: Database, clock: Clock, tmp_path: Path) -> None:
    _fill(db)
    with db.transaction(readonly=True) as s:
        assert export_ledger_file(s, tmp_path / "all.xlsx") == 6
        assert export_ledger_file(s, tmp_path / "range.csv", first=2, last=4) == 3
        assert export_ledger_file(s, tmp_path / "person.csv", subject="party:77") == 3
        assert export_ledger_file(s, tmp_path / "module.csv", module="test", first=3) == 2
    titles = [c.title for c in ENVELOPE_COLUMNS]
    ws = load_workbook(tmp_path / "all.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == titles
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    for r in rows:  # an auditor recomputes each leaf from the envelope column
        assert merkle.leaf_hash(str(r[11]).encode("utf-8")).hex() == r[7]
    assert rows[1][5] == "parcel:1" and rows[0][5] is None  # a person is never in clear
    assert [int(r[0]) for r in _csv(tmp_path / "range.csv")[1:]] == [2, 3, 4]
    assert [int(r[0]) for r in _csv(tmp_path / "person.csv")[1:]] == [1, 3, 5]
    assert [int(r[0]) for r in _csv(tmp_path / "module.csv")[1:]] == [4, 6]
    for name in ("range.csv", "person.csv", "module.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        assert NAME not in text and ID_NUMBER not in text and "party:77" not in text and "user:1" not in text
    assert (tmp_path / "range.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(("first", "last"), [(0, 3), (4, 2), (1, 2_000_000)])
def test_a_bad_range_is_refused_before_a_file_is_written(db: Database, tmp_path: Path, first: int,
                                                         last: int) -> None:
    with db.transaction(readonly=True) as s, pytest.raises(DomainError) as caught:
        export_ledger_file(s, tmp_path / "x.csv", first=first, last=last)
    assert caught.value.code == "ledger.bad_export_range"
    assert not (tmp_path / "x.csv").exists()


def test_cli_ledger_export(db: Database, clock: Clock, tmp_path: Path) -> None:
    _fill(db)
    ok = runner.invoke(app, ["export", "ledger", str(tmp_path / "l.xlsx"), "--from", "5"])
    assert ok.exit_code == 0, ok.output
    assert "exported 2 ledger envelopes" in ok.output
    bad = runner.invoke(app, ["export", "ledger", str(tmp_path / "l.csv"), "--from", "3", "--to", "2"])
    assert bad.exit_code == 1 and "ledger.bad_export_range" in bad.output
    too_long = runner.invoke(app, ["export", "ledger", str(tmp_path / "l.csv"), "--subject", "x" * 201])
    assert too_long.exit_code == 2 and not (tmp_path / "l.csv").exists()

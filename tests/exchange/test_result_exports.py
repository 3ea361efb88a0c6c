"""Lot results out as the results notice publishes them (issue #21): only confirmed awards, the transferee as the
rules name it, never a losing or live bidder, read back from XLSX and CSV with BOM."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from landbridge import exchange
from landbridge.cli import app
from landbridge.db import Database
from landbridge.exchange.exports import RESULT_COLUMNS, export_lot_results
from landbridge.kernel.clock import Clock
from landbridge.kernel.tables import MONEY_FORMAT
from tests.exchange.conftest import OPERATOR, World, enrol, new_lot, start_in
from tests.exchange.test_legal_rules import decided

runner = CliRunner()


def test_only_confirmed_results_as_published(db: Database, clock: Clock, world: World, tmp_path: Path) -> None:
    with db.transaction() as s:
        lot = new_lot(s, world)
        b0, b1 = enrol(s, lot, world, world.bidders[0]), enrol(s, lot, world, world.bidders[1])
        lot_id, number = lot.id, lot.number
        live = new_lot(s, world, starts_at=start_in(30))  # announced, bidders enrolled: nothing of it leaves
        enrol(s, live, world, world.bidders[2])
    decided(db, clock, world, lot_id, [(b0, "100000"), (b1, "101000")])
    with db.transaction(readonly=True) as s:
        assert export_lot_results(s, tmp_path / "pending.csv") == 0  # awarded but not confirmed: not published
    with db.transaction() as s:
        exchange.confirm_award(s, lot_id=lot_id, actor=OPERATOR)
    with db.transaction(readonly=True) as s:
        assert export_lot_results(s, tmp_path / "r.xlsx") == 1
        assert export_lot_results(s, tmp_path / "r.csv") == 1
        assert export_lot_results(s, tmp_path / "elsewhere.csv", region_prefix="3699") == 0
    titles = [c.title for c in RESULT_COLUMNS]
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert ws is not None and ws.freeze_panes == "A2" and [c.value for c in ws[1]] == titles
    row = dict(zip(titles, ws[2], strict=True))
    winner, loser = world.names[b1.party_id], world.names[b0.party_id]
    assert row["标的编号"].value == number
    assert row["成交价（元）"].value == 101000 and row["成交价（元）"].number_format == MONEY_FORMAT
    assert row["受让方"].value == winner[0] + "**"  # the rules publish a natural person's name masked
    assert row["竞买号"].value == b1.bidder_code and row["成交确认书编号"].value == f"CJ-{number}"
    assert row["异议数"].value == 0 and ws.max_row == 2
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == titles and Decimal(rows[1][titles.index("成交价（元）")]) == Decimal("101000.00")
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    for name in (winner, loser, world.names[world.bidders[2]]):
        assert name not in text
    assert len(rows) == 2 and rows[1][titles.index("竞买号")] == b1.bidder_code  # the losing bidder's code is absent


def test_cli_lots_export(db: Database, clock: Clock, world: World, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["export", "lots", str(tmp_path / "r.csv")])
    assert ok.exit_code == 0, ok.output
    assert "exported 0 lot results" in ok.output
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("标的编号,")

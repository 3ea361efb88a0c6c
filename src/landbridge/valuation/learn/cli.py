"""``landbridge valuation learn-coefficients``: learn a benchmark system's tables from the sales record (L1).

Prints the learned base prices and factor grades next to the official ones (``--json``: the run as the
API returns it) and stores the run with its ledger event, as the bureau's API does.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import typer

from landbridge.errors import DomainError


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _mark(cell: dict[str, Any]) -> str:
    return "!" if cell["flagged"] else ("?" if cell["too_few"] else "")


def text_report(run: dict[str, Any]) -> str:
    """A run as text, a line per base price and factor grade (! beyond threshold, ? too few, n/i not identified)."""
    lines = [f"run {run['id']} {run['benchmark']} sales {run['since']}..{run['until']}: {run['sale_count']} used, "
             f"left out {run['parameters']['excluded']}",
             f"{'zone':<24}{'n':>6}{'official':>12}{'learned':>12}{'diff %':>9}"]
    for b in run["base_prices"]:
        lines.append(f"{b['zone_code']:<24}{b['n']:>6}{b['official_cny']:>12}{b['learned_cny'] or '-':>12}"
                     f"{b['diff_pct'] or '-':>9} {_mark(b)}")
    lines.append(f"{'factor grade':<24}{'n':>6}{'official':>12}{'learned':>12}{'effect %':>9}")
    for g in run["factors"]:
        name = f"{g['use']}.{g['name']}[{g['grade_label']}]"
        learned = g["learned"] or ("-" if not g["n"] or g["identified"] else "n/i")
        lines.append(f"{name:<24}{g['n']:>6}{g['official']:>12}{learned:>12}"
                     f"{'anchor' if g['anchor'] else (g['diff_pct'] or '-'):>9} {_mark(g)}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``learn-coefficients`` to ``landbridge valuation``."""

    @app.command("learn-coefficients")
    def learn_coefficients(
        system: str = typer.Option(..., "--system", help="benchmark system code"),
        since: datetime | None = typer.Option(None, "--since", formats=["%Y-%m-%d"], help="first sale date"),
        until: datetime | None = typer.Option(None, "--until", formats=["%Y-%m-%d"], help="last sale date"),
        as_json: bool = typer.Option(False, "--json", help="print the run as JSON"),
        database: str | None = typer.Option(None, "--database", help="database URL"),
        actor: str = typer.Option("cli", "--actor", help="who is recorded in the ledger"),
    ) -> None:
        """Learn what a benchmark system's base prices and factor tables should be from market sales (L1)."""
        from landbridge.db import get_database, use_database
        from landbridge.valuation.learn.service import learn_benchmark_coefficients, learn_run_json

        use_database(database)
        start: date | None = since.date() if since else None
        end: date | None = until.date() if until else None
        try:
            with get_database().transaction() as session:
                run = learn_benchmark_coefficients(session, system, actor=actor, since=start, until=end)
                out = learn_run_json(session, run)
        except DomainError as exc:
            raise _fail(f"{exc.code}: {exc.message_en}") from None
        typer.echo(json.dumps(out, ensure_ascii=False) if as_json else text_report(out))

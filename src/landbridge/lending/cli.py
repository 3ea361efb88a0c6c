"""``landbridge lending …``: repayment schedules and the close of business (issue #17 items 3, 4)."""

from __future__ import annotations

import json
from datetime import date

import typer

from landbridge.errors import DomainError
from landbridge.lending import rules

app = typer.Typer(help="lending: repayment schedules, close of business", no_args_is_help=True)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"{option}: not a date (YYYY-MM-DD): {text!r}", err=True)
        raise typer.Exit(2) from None


@app.command()
def schedule(principal: str = typer.Option(..., "--principal", help="yuan, e.g. 100000"),
             annual_rate: str = typer.Option(..., "--annual-rate", help="fraction, e.g. 0.0435"),
             months: str = typer.Option(..., "--months"),
             method: str = typer.Option("annuity", "--method", help="annuity|equal_principal|bullet|seasonal"),
             start: str = typer.Option(..., "--start", help="YYYY-MM-DD"),
             grace_months: int = typer.Option(0, "--grace-months", help="seasonal: interest-only months"),
             as_json: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Print a repayment schedule (the same function serves the API and the contract)."""
    day = _day(start, "--start")
    try:
        n = int(months)
    except ValueError:
        typer.echo(f"--months: not a whole number: {months!r}", err=True)
        raise typer.Exit(2) from None
    try:
        data = rules.schedule_json(principal, annual_rate, n, method, day, grace_months)
    except DomainError as exc:
        typer.echo(f"{exc.code}: {exc.message_en}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    for row in data["instalments"]:
        typer.echo(f"{row['n']:>4} {row['due_date']} {row['principal_cny']:>14} {row['interest_cny']:>12} "
                   f"{row['payment_cny']:>14} {row['balance_cny']:>16}")
    typer.echo(f"total interest {data['total_interest_cny']}")


@app.command()
def cob(day: str = typer.Option(..., "--date", help="the business day to close, YYYY-MM-DD"),
        chunk: int = typer.Option(5000, "--chunk", min=1, max=1_000_000, help="loans per committed chunk")) -> None:
    """Close a business day: resumable (each chunk commits), idempotent (a closed loan is skipped)."""
    from landbridge.db import get_database
    from landbridge.lending.servicing import run_cob

    cob_day = _day(day, "--date")
    db = get_database()
    while True:
        with db.transaction() as session:
            run = run_cob(session, day=cob_day, actor="system:cli", limit=chunk)
            result = {"cob_date": cob_day.isoformat(), "status": run.status, "processed": run.processed,
                      "reclassified": run.reclassified, "defaulted": run.defaulted,
                      "lien_mismatches": len(run.lien_mismatches or []),
                      "fund_leverage": None if run.fund_leverage is None else str(run.fund_leverage)}
        if result["status"] == "done":
            typer.echo(json.dumps(result, ensure_ascii=False))
            return

"""``landbridge credit scorecard | score | monitor | train | models``: the statistical scorecard's commands.

``register(app)`` adds them to the credit group's Typer app. Every refusal is a typed error printed as
``code: message`` on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from landbridge.credit.errors import CreditError
from landbridge.errors import DomainError


@contextmanager
def refusals() -> Iterator[None]:
    """A DomainError becomes ``code: message`` on stderr and exit status 2."""
    try:
        yield
    except DomainError as exc:
        typer.echo(f"{exc.code}: {exc.message_en} / {exc.message}", err=True)
        raise typer.Exit(2) from None


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise CreditError.SCORECARD_INPUT_NOT_FOUND.error(path=str(path))
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CreditError.SCORECARD_INPUT_UNREADABLE.error(path=str(path), reason=str(exc)[:200]) from None


def load_table(path: Path) -> Any:
    from landbridge.credit.scorecard.points import PointsTable

    if not path.is_file():
        raise CreditError.SCORECARD_INPUT_NOT_FOUND.error(path=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason=str(exc)[:200]) from None
    if not isinstance(data, dict):
        raise CreditError.SCORECARD_BAD_POINTS_TABLE.error(reason="not a JSON object")
    return PointsTable(data)


def scorecard(input_file: Path = typer.Option(..., "--input", help="CSV with a header row"),
              target: str = typer.Option(..., "--target", help="binary target column, 1 = bad"),
              holdout: float = typer.Option(0.3, "--holdout", help="held-out share, 0 < holdout < 1"),
              seed: int = typer.Option(0, "--seed", help="random_state of the stratified split"),
              as_json: bool = typer.Option(False, "--json", help="print one JSON line"),
              points_out: Path | None = typer.Option(None, "--points-out", help="write the points table (JSON)"),
              scores_out: Path | None = typer.Option(None, "--scores-out",
                                                     help="write the held-out rows' scores and reason codes (JSONL)"),
              ) -> None:
    """Train a scorecard (optimal binning + logistic regression) on any CSV; metrics on a stratified holdout."""
    from landbridge.credit.scorecard import ruleset
    from landbridge.credit.scorecard.train import train_csv

    with refusals():
        result = train_csv(input_file, target, holdout=holdout, seed=seed, scale=ruleset.scale())
    if points_out is not None:
        _write_json(points_out, result.table.data)
    if scores_out is not None:
        scores_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result.held_out),
                              encoding="utf-8")
    s = result.summary
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False))
        return
    b = s["baseline"]
    typer.echo(f"scorecard   auc {s['auc']:.4f}  ks {s['ks']:.4f}  gini {s['gini']:.4f}  "
               f"({s['n_train']} training rows, {s['n_test']} held out, {s['train_seconds']} s)")
    typer.echo(f"logistic    auc {b['auc']:.4f}  ks {b['ks']:.4f}  gini {b['gini']:.4f}")


def score(points: Path = typer.Option(..., "--points", help="a points table (JSON)"),
          input_file: Path = typer.Option(..., "--input", help="CSV of rows to score")) -> None:
    """Score each row of a CSV from a points table: one JSON line per row with its score and reason codes."""
    with refusals():
        table = load_table(points)
        rows = _read_rows(input_file)
    for number, row in enumerate(rows):
        scored = table.score(row)
        typer.echo(json.dumps({"row": number, "score": scored.score,
                               "reasons": [r.to_dict() for r in scored.reasons]}, ensure_ascii=False))


def _model_table(version: int) -> Any:
    from landbridge.credit.scorecard import registry
    from landbridge.db import get_database

    with get_database().transaction() as session:
        return registry.points_table(registry.get(session, version or None))


def monitor(points: Path | None = typer.Option(None, "--points", help="a points table (JSON)"),
            model: int | None = typer.Option(None, "--model", help="a registered model version (0 = the newest)"),
            input_file: Path = typer.Option(..., "--input", help="CSV of a later population")) -> None:
    """PSI of the score and of each feature against the training population, with drift alerts (one JSON line)."""
    from landbridge.credit.scorecard import ruleset
    from landbridge.credit.scorecard.monitor import monitor as run_monitor

    if (points is None) == (model is None):
        typer.echo("give exactly one of --points and --model", err=True)
        raise typer.Exit(2)
    with refusals():
        table = load_table(points) if points is not None else _model_table(model or 0)
        report = run_monitor(table, _read_rows(input_file), ruleset.thresholds())
    typer.echo(json.dumps(report, ensure_ascii=False))


KINDS = ("loans", "household")  # what ``train`` learns from: loan applications, or households' credit files


def train_loans(holdout: float = typer.Option(0.3, "--holdout", help="held-out share, 0 < holdout < 1"),
                seed: int = typer.Option(0, "--seed", help="random_state of the stratified split"),
                actor: str = typer.Option("system:cli", "--actor", help="who registers the model"),
                kind: str = typer.Option("loans", "--kind",
                                         help="loans: loan applications (lending_default); household: households' "
                                              "credit files, bad = a loan defaulted (household_default)"),
                as_json: bool = typer.Option(False, "--json", help="print one JSON line")) -> None:
    """Train on the platform's outcomes and register the model as the next version: ``--kind loans`` on the loans
    with a known outcome (defaulted = bad), ``--kind household`` on the graded households that have borrowed (a loan
    defaulted = bad; the yearly grading run then scores every household)."""
    from landbridge.credit.scorecard import households, outcomes, registry, ruleset
    from landbridge.credit.scorecard.train import check_holdout, train
    from landbridge.db import get_database

    with refusals():
        if kind not in KINDS:
            raise CreditError.BAD_INPUT.error(field="kind")
        check_holdout(holdout)
        with get_database().transaction() as session:
            rows: list[dict[str, Any]] = list(households.training_rows(session)) if kind == "household" \
                else outcomes.outcome_rows(session)
            name = households.MODEL_NAME if kind == "household" else "lending_default"
            bads = sum(int(r["bad"]) for r in rows)
            if bads < 2 or len(rows) - bads < 2:
                raise CreditError.SCORECARD_NO_OUTCOMES.error(detail=f"{bads} bad, {len(rows) - bads} good")
            n_rows = len(rows)
            features, bad = households.frame(rows) if kind == "household" else outcomes.frame(rows)
            data_sha256 = households.digest(rows) if kind == "household" else outcomes.digest(rows)
            result = train(features, bad, holdout=holdout, seed=seed, scale=ruleset.scale())
            model = registry.register(session, name=name, table=result.table, metrics=result.summary,
                                      data_sha256=data_sha256, n_rows=n_rows, actor=actor)
            summary = {**result.summary, "version": model.version, "name": name, "data_sha256": model.data_sha256}
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    typer.echo(f"registered scorecard model {summary['version']} ({name}): auc {summary['auc']:.4f} "
               f"ks {summary['ks']:.4f} ({summary['n_train']} training rows, {summary['n_test']} held out)")


def models(as_json: bool = typer.Option(False, "--json", help="one JSON line per model")) -> None:
    """The registered scorecard models, newest first."""
    from sqlalchemy import select

    from landbridge.credit.scorecard.models import ScorecardModel
    from landbridge.db import get_database

    with get_database().transaction() as session:
        rows = [{"version": m.version, "name": m.name, "created_at": m.created_at.isoformat(),
                 "created_by": m.created_by, "n_rows": m.n_rows, "data_sha256": m.data_sha256,
                 "auc": m.metrics.get("auc"), "ks": m.metrics.get("ks"), "gini": m.metrics.get("gini")}
                for m in session.scalars(select(ScorecardModel).order_by(ScorecardModel.version.desc()))]
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"{row['version']:>4} {row['name']} {row['created_at']} auc {row['auc']} ks {row['ks']}")


COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("scorecard", scorecard), ("score", score), ("monitor", monitor), ("train", train_loans), ("models", models))


def register(app: typer.Typer) -> None:
    """Add the scorecard's commands to the credit group."""
    for name, command in COMMANDS:
        app.command(name)(command)

"""``landbridge valuation benchmark-…``: import, publish and export benchmark price systems as files (L1)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from landbridge.errors import DomainError


def _database(url: str | None) -> None:
    from landbridge.db import use_database

    use_database(url)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def register(app: typer.Typer) -> None:
    """Add ``benchmark-import``, ``benchmark-publish`` and ``benchmark-export`` to ``landbridge valuation``."""

    @app.command("benchmark-import")
    def benchmark_import(
        file: Path = typer.Argument(..., help="a landbridge.benchmark/1 JSON document"),
        publish: bool = typer.Option(False, "--publish", help="publish it at once"),
        database: str | None = typer.Option(None, "--database", help="database URL"),
        actor: str = typer.Option("cli", "--actor", help="who is recorded in the ledger"),
    ) -> None:
        """Import a benchmark price system from its JSON file (as a draft, or published) (L1)."""
        from landbridge.db import get_database
        from landbridge.valuation.benchmark.service import import_benchmark_system, publish_benchmark_system

        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _fail(f"cannot read {file}: {exc}") from None
        _database(database)
        try:
            with get_database().transaction() as session:
                system = import_benchmark_system(session, doc, actor=actor)
                if publish:
                    publish_benchmark_system(session, system.code, actor=actor)
                typer.echo(f"{system.code}: {system.status}, sha256 {system.document_sha256}")
        except DomainError as exc:
            raise _fail(f"{exc.code}: {exc.message_en}") from None

    @app.command("benchmark-publish")
    def benchmark_publish(code: str, database: str | None = typer.Option(None, "--database"),
                          actor: str = typer.Option("cli", "--actor")) -> None:
        """Publish a draft benchmark system; the one it replaces is retired (L1)."""
        from landbridge.db import get_database
        from landbridge.valuation.benchmark.service import publish_benchmark_system

        _database(database)
        try:
            with get_database().transaction() as session:
                publish_benchmark_system(session, code, actor=actor)
        except DomainError as exc:
            raise _fail(f"{exc.code}: {exc.message_en}") from None
        typer.echo(f"{code}: published")

    @app.command("benchmark-export")
    def benchmark_export(code: str, out: Path | None = typer.Option(None, "--out", help="file (default: stdout)"),
                         database: str | None = typer.Option(None, "--database")) -> None:
        """Write a benchmark system as its JSON document, the import format (L1)."""
        from landbridge.db import get_database
        from landbridge.valuation.benchmark.service import export_benchmark_system

        _database(database)
        try:
            with get_database().transaction(readonly=True) as session:
                text = json.dumps(export_benchmark_system(session, code), ensure_ascii=False, indent=1)
        except DomainError as exc:
            raise _fail(f"{exc.code}: {exc.message_en}") from None
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text, encoding="utf-8")

"""CLI test helpers: run ``landbridge …`` through Typer's CliRunner by command names (issue #14 item 8).

Every command with ``--database`` points the process at a fresh ``Database``; the fixture below gives the test
session's one back afterwards, so that later tests keep their fixtures' database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.config import get_settings
from landbridge.db import Database, get_database, set_database


@dataclass(frozen=True)
class Run:
    """What one command did: its exit code, standard output and standard error."""

    code: int
    out: str
    err: str


def landbridge(*args: str) -> Run:
    """Run ``landbridge ARGS`` in-process and return what it did."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(autouse=True)
def restore_database(database: Database) -> Iterator[None]:
    """Undo what ``--database`` did to the process: its URL, settings and current database."""
    url = os.environ.get("LANDBRIDGE_DATABASE_URL")
    yield
    current = get_database()
    if current is not database:
        current.dispose()
    if url is not None:
        os.environ["LANDBRIDGE_DATABASE_URL"] = url
    get_settings.cache_clear()
    set_database(database)

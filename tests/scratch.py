"""A scratch database for migration tests: empty, of the test database's kind, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from landbridge.db import normalise_url


@contextmanager
def scratch_database(tmp_path: Path, label: str) -> Iterator[str]:
    """A SQLite file in ``tmp_path``, or a new PostgreSQL database (with PostGIS) beside the test database, named
    by ``label`` and this process (xdist workers do not share it); yields its URL."""
    base_url = os.environ.get("LANDBRIDGE_TEST_DATABASE_URL")
    if not base_url:
        yield f"sqlite:///{tmp_path / f'{label}.db'}"
        return
    base = make_url(normalise_url(base_url))
    name = f"{base.database}_{label}_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""Migration 0024 (rule digests): upgrade, downgrade and upgrade again, and the models agree (issue #13 item 2)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from landbridge.schema import alembic_config, load_models

TABLES = ("exchange_lot", "exchange_settlement", "collective_motion", "registry_application", "valuation_mass_run")


def _scratch_url(tmp_path: Path) -> str:
    """A database of its own: SQLite in tmp_path, or a fresh PostgreSQL database beside the test database."""
    base = os.environ.get("LANDBRIDGE_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    url = sa.engine.make_url(base)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "landbridge_rules_migration"'))
        conn.execute(sa.text('CREATE DATABASE "landbridge_rules_migration"'))
    admin.dispose()
    scratch = url.set(database="landbridge_rules_migration")
    engine = sa.create_engine(scratch)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return scratch.render_as_string(hide_password=False)


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_rule_digest_columns_upgrade_downgrade_and_match_the_models(tmp_path: Path) -> None:
    url = _scratch_url(tmp_path)
    cfg = alembic_config(url)
    command.upgrade(cfg, "0024")
    engine = sa.create_engine(url)
    try:
        assert all("rule_digest" in _columns(engine, t) for t in TABLES)
        metadata = load_models()
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        mine = [d for d in diffs if "rule_digest" in repr(d)]
        assert mine == []
        assert all("rule_digest" in metadata.tables[t].c for t in TABLES)
        command.downgrade(cfg, "0024-1")
        engine.dispose()
        assert all("rule_digest" not in _columns(engine, t) for t in TABLES)
        assert "exchange_lot" in sa.inspect(engine).get_table_names()
        command.upgrade(cfg, "head")
        engine.dispose()
        assert all("rule_digest" in _columns(engine, t) for t in TABLES)
    finally:
        engine.dispose()

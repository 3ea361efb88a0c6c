"""Migration 0022 (issue #12 item 5): upgrade and downgrade on the test database (SQLite or PostgreSQL), and the
auth models agree with the migrated schema."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from landbridge.db import Database
from landbridge.schema import alembic_config, load_models, upgrade

AUTH_TABLES = {"auth_organisation", "auth_user", "auth_api_token", "auth_web_session", "auth_login_throttle"}


def _auth_differences(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), load_models())

    def table_of(diff: object) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item if isinstance(item, tuple) else ():
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None and getattr(table, "name", None):
                return str(table.name)
            if name in AUTH_TABLES:
                return str(name)
            if isinstance(part, str) and part in AUTH_TABLES:
                return part
        return ""

    return [d for d in diffs if table_of(d) in AUTH_TABLES]


def test_migration_upgrades_downgrades_and_matches_the_models(db: Database) -> None:
    assert _auth_differences(db) == []
    cfg = alembic_config(db.url)
    try:
        command.downgrade(cfg, "0022-1")
        tables = set(inspect(db.engine).get_table_names())
        assert "auth_web_session" not in tables and "auth_login_throttle" not in tables
        assert "revoked_at" not in {c["name"] for c in inspect(db.engine).get_columns("auth_api_token")}
        assert len(_auth_differences(db)) >= 3  # the comparison sees what is missing: two tables and a column
    finally:
        upgrade(db.url)
    tables = set(inspect(db.engine).get_table_names())
    assert tables >= AUTH_TABLES
    assert _auth_differences(db) == []

"""Migration 0024 (rule digests): upgrade, downgrade and upgrade again, and the models agree (issue #13 item 2)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from landbridge.schema import alembic_config, load_models
from tests.scratch import scratch_database

TABLES = ("exchange_lot", "exchange_settlement", "collective_motion", "registry_application", "valuation_mass_run")


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_rule_digest_columns_upgrade_downgrade_and_match_the_models(tmp_path: Path) -> None:
    with scratch_database(tmp_path, "rules_migration") as url:
        _up_down_up(url)


def _up_down_up(url: str) -> None:
    cfg = alembic_config(url)
    command.upgrade(cfg, "0024")
    engine = sa.create_engine(url)
    try:
        assert all("rule_digest" in _columns(engine, t) for t in TABLES)
        metadata = load_models()
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        # tables added by later migrations (with a rule_digest of their own) are not 0024's business
        mine = [d for d in diffs if "rule_digest" in repr(d) and not (isinstance(d, tuple) and d[0] == "add_table")]
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

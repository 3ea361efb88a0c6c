"""The full schema: imports every table module the manifests declare and applies the Alembic history."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from landbridge.db import Base
from landbridge.kernel import modules

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_models() -> MetaData:
    """Import every table module the packages' manifests declare, so that ``Base.metadata`` is complete.

    Alembic's ``env.py`` reads the schema through this function (issue #14 item 1)."""
    modules.load_model_modules()
    return Base.metadata


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)

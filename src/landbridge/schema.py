"""The full schema: imports every module's tables and applies the Alembic history."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from landbridge.db import Base
from landbridge.kernel.modules import import_optional

MODEL_MODULES = (
    "landbridge.auth.models",
    "landbridge.ledger.models",
    "landbridge.privacy.models",
    "landbridge.registry.models",
    "landbridge.planning.models",
    "landbridge.valuation.sales.models",
    "landbridge.valuation.benchmark.models",
    "landbridge.valuation.mass.models",
    "landbridge.collective.models",
    "landbridge.exchange.models",
    "landbridge.valuation.learn.models",
    "landbridge.exchange.method_models",
    "landbridge.exchange.document_models",
    "landbridge.exchange.settlement_models",
    "landbridge.demo.models",
)
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def load_models() -> MetaData:
    """Import all table modules so that ``Base.metadata`` is complete."""
    for name in MODEL_MODULES:
        import_optional(name)
    return Base.metadata


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)

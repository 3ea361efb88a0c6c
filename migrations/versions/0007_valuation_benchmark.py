"""valuation_benchmark: Valuation benchmark price system (L1, F1): price zones, coefficient tables, versions

Revision ID: 0007
Revises: 0006

Placeholder reserved for the module's tables; filled in by the module's first commit.
"""
from collections.abc import Sequence

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

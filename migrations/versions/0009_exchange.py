"""exchange: Rural property-rights exchange (F3, F4, L6, L7): lots, rule sets, applications, deposits, bids, results

Revision ID: 0009
Revises: 0008

Placeholder reserved for the module's tables; filled in by the module's first commit.
"""
from collections.abc import Sequence

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""collective: Collective economy (C1, C2, L3): organisations, members, shares, meetings, votes, dividends

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the module's own change


def downgrade() -> None:
    pass

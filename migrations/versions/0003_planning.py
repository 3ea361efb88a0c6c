"""planning: Planning (L2): territorial-plan zones, permitted uses, planning conditions, one-map layers

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the module's own change


def downgrade() -> None:
    pass

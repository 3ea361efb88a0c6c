"""demo_truth: Demo world: true values and sale truths, kept apart from the platform's own data

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled in by the module's own change


def downgrade() -> None:
    pass

"""valuation_jobs: placeholder reserved for mass-appraisal jobs with progress (issue #4) (filled in by its owner)

Revision ID: 0011
Revises: 0010
"""
from collections.abc import Sequence

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

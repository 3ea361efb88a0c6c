"""valuation_mass: Valuation mass appraisal (L1): model runs, parcel values, sales validation flags

Revision ID: 0008
Revises: 0007

Placeholder reserved for the module's tables; filled in by the module's first commit.
"""
from collections.abc import Sequence

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

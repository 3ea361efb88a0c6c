"""The fixed-price sale's offer countdown (issue #17): exchange_lot.offer_countdown_s

Revision ID: 0040
Revises: 0039
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0040'
down_revision: str | None = '0039'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('exchange_lot') as batch:
        batch.add_column(sa.Column('offer_countdown_s', sa.Integer(), nullable=True))


def downgrade() -> None:
    # a plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35 has it): a batch copy would drop and recreate exchange_lot,
    # which SQLite refuses while other tables' rows refer to its lots
    op.drop_column('exchange_lot', 'offer_countdown_s')

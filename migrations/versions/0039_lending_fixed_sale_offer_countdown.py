"""The fixed-price sale's offer countdown (issue #17): exchange_lot.offer_countdown_s

Revision ID: 0039
Revises: 0038
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0039'
down_revision: str | None = '0038'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('exchange_lot') as batch:
        batch.add_column(sa.Column('offer_countdown_s', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('exchange_lot') as batch:
        batch.drop_column('offer_countdown_s')
